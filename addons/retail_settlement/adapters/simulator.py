# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Disputes of the simulator's generic protocol (tests/simulator/README.md),
for payment providers and channels that report disputes in it: topics
``disputes/create`` and ``disputes/update``, signed and stored by the
connector's generic webhook adapter, the body ``{"id", "order_id",
"transaction_id", "status" (open, under_review, won, lost), "amount" (a
decimal string), "currency", "reason", "created_at", "evidence_due_by",
"closed_at"}``."""

from odoo.addons.retail_connector_base.registry import register

from .disputes import DisputesAdapter


@register("simulator", "disputes")
class SimulatorDisputes(DisputesAdapter):
    topics = ("disputes/create", "disputes/update")

    def parse(self, payload):
        return self.read_order_dispute(
            payload, "created_at", "closed_at", transaction="transaction_id"
        )
