from . import pos_payment_method
from . import pos_session
from . import retail_settlement
from . import retail_settlement_line
from . import retail_settlement_matcher
