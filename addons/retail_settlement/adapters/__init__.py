# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The ``payouts`` capability of each platform whose paid payouts the
*Settlements in* flow fetches (``payouts.PayoutsAdapter``), the ``disputes``
capability of each platform whose webhooks report payment disputes
(``disputes.DisputesAdapter``), and Stripe's connection and webhooks:
importing registers them (``retail_connector_base.registry``)."""

from . import disputes
from . import payouts
from . import shopify_payments
from . import simulator
from . import stripe
