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

from odoo.addons.retail_connector_base.adapters.common import parse_datetime
from odoo.addons.retail_connector_base.registry import Adapter

from ..parsers.common import decimal_value

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

    def read_order_dispute(self, payload, opened, closed, transaction=None):
        """The ``ChannelDispute`` of a payload naming its order (``order_id``)
        with a decimal ``amount``, ``id``, ``status``, ``currency`` and
        ``reason``, its times ISO 8601 under the keys ``opened`` and
        ``closed``, its disputed payment under ``transaction`` if any:
        Shopify's REST Dispute and the generic protocol's.

        :raise ValueError: when the payload is not such a dispute
        """
        try:
            status = str(payload["status"])
            state = self.state_of(status)
            return ChannelDispute(
                external_id=str(payload["id"]),
                status=status,
                state=state,
                amount=decimal_value(payload["amount"], None, "amount"),
                currency=str(payload["currency"]).upper(),
                reason=payload.get("reason") or "",
                order_ref=str(payload.get("order_id") or ""),
                transaction_ref=str(payload.get(transaction) or "")
                if transaction
                else "",
                opened_at=parse_datetime(payload.get(opened)),
                evidence_due_by=parse_datetime(payload.get("evidence_due_by")),
                closed_at=parse_datetime(payload.get(closed))
                if state != "opened"
                else None,
            )
        except MALFORMED as error:
            raise ValueError(f"malformed dispute: {error!r}") from error
