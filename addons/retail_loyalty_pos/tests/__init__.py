from . import test_pos_accrual
from . import test_pos_returns
