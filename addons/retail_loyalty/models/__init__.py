from . import retail_loyalty_ledger
from . import retail_loyalty_drift
from . import retail_loyalty_duplicate
from . import loyalty_card
from . import res_partner
from . import retail_backend
from . import retail_event
