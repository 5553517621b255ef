from . import shopify
from . import woocommerce
