from . import retail_dispute
from . import sale_order
