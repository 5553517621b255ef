from . import test_install
from . import test_ledger
from . import test_accrual
from . import test_redemption
from . import test_engine_sync
from . import test_talon_one
from . import test_reconciliation
from . import test_partner_alignment
