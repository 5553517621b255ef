from . import pos
from . import pos_batch
from . import square
