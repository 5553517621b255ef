from . import retail_channel_location_choice
