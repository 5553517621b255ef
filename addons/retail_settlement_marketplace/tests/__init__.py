from . import test_disputes
from . import test_settlement_screens_tour
from . import test_settlement_tour
from . import test_shopify_dispute_webhooks
