# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The ``disputes`` capability: which webhook topics of a platform carry its
payment disputes, and how one reads as a ``ChannelDispute``, the suite's
platform-neutral shape. The inbox hands those topics to ``retail.dispute``
(``models/retail_event.py``) whatever the backend's kind, so a shop's
webhooks (Shopify) and a payment provider's (Stripe) reach the same place.

A platform registers ``@register("<platform>", "disputes")`` with a
``DisputesAdapter``: ``topics``, ``parse(payload)``, the statuses that close
a dispute won or lost, and, when a dispute does not name its order,
``fetch_order_ref(dispute)``.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from odoo.addons.retail_connector_base.registry import Adapter

# What reading a payload of the wrong shape raises (a missing key, a string
# where an object is due): a malformed dispute, never a bug to retry.
MALFORMED = (KeyError, IndexError, TypeError, AttributeError, ArithmeticError)


@dataclass
class ChannelDispute:
    """One dispute as the platform states it. ``state`` is the suite's:
    ``opened`` until the platform closes it ``won`` or ``lost``."""

    external_id: str
    status: str
    state: str
    amount: Decimal
    currency: str
    reason: str = ""
    order_ref: str = ""
    transaction_ref: str = ""
    opened_at: datetime | None = None
    evidence_due_by: datetime | None = None
    closed_at: datetime | None = None


class DisputesAdapter(Adapter):
    """A platform's disputes, read from its webhooks."""

    topics = ()
    # Statuses that close a dispute, in the platform's words; any other
    # leaves it opened.
    won_statuses = ("won",)
    lost_statuses = ("lost",)

    def state_of(self, status):
        if status in self.won_statuses:
            return "won"
        if status in self.lost_statuses:
            return "lost"
        return "opened"

    def parse(self, payload):
        """The ``ChannelDispute`` of a dispute topic's payload.

        :raise ValueError: when the payload is not a dispute
        """
        raise NotImplementedError

    def fetch_order_ref(self, dispute):
        """The channel order id of ``dispute`` asked from the platform, for
        platforms whose disputes name only the payment; "" when unknown."""
        return ""
