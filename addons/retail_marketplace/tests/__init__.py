from . import test_adapters
from . import test_adapter_shopify
from . import test_adapter_woocommerce
from . import test_install
from . import test_order_import
from . import test_refunds
from . import test_publishing
from . import test_backend
