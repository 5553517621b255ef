from . import retail_backend
from . import retail_settlement
from . import retail_settlement_line
from . import retail_settlement_fee_mapping
from . import retail_settlement_matcher
from . import retail_backend_flow
from . import retail_settlement_fetch
