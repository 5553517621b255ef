from . import controllers
from . import log_masking
from . import adapters
from . import models
from . import wizards
from .intake import post_load
