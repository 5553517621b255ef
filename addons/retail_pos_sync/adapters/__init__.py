from . import pos_batch
