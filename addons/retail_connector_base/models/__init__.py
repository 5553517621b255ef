from . import retail_backend
from . import retail_backend_throttle
from . import retail_binding
from . import retail_event
from . import retail_order_binding
from . import retail_partner_binding
from . import retail_product_binding
from . import retail_request_log
