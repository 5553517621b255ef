from . import simulator
