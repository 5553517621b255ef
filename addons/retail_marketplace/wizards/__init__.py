from . import retail_channel_location_choice
from . import stock_return_picking
