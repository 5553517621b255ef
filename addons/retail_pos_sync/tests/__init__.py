from . import test_install
from . import test_pos_booking
from . import test_pos_returns
from . import test_square
from . import test_pos_numbering
from . import test_pos_month_end
