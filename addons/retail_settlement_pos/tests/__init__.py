from . import test_settlement_pos
