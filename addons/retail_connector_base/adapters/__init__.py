from . import common
from . import simulator
