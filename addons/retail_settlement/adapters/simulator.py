# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Disputes of the simulator's generic protocol (tests/simulator/README.md),
for payment providers and channels that report disputes in it: topics
``disputes/create`` and ``disputes/update``, signed and stored by the
connector's generic webhook adapter, the body ``{"id", "order_id",
"transaction_id", "status" (open, under_review, won, lost), "amount" (a
decimal string), "currency", "reason", "created_at", "evidence_due_by",
"closed_at"}``."""

from odoo.addons.retail_connector_base.adapters.common import parse_datetime
from odoo.addons.retail_connector_base.registry import register

from ..parsers.common import decimal_value
from .disputes import MALFORMED, ChannelDispute, DisputesAdapter


@register("simulator", "disputes")
class SimulatorDisputes(DisputesAdapter):
    topics = ("disputes/create", "disputes/update")

    def parse(self, payload):
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
                transaction_ref=str(payload.get("transaction_id") or ""),
                opened_at=parse_datetime(payload.get("created_at")),
                evidence_due_by=parse_datetime(payload.get("evidence_due_by")),
                closed_at=parse_datetime(payload.get("closed_at"))
                if state != "opened"
                else None,
            )
        except MALFORMED as error:
            raise ValueError(f"malformed dispute: {error!r}") from error
