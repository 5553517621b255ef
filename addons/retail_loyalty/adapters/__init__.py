from . import common
from . import simulator
from . import talon_one
