# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..adapters import pos_batch


class RetailBackend(models.Model):
    _inherit = "retail.backend"

    pos_store_ids = fields.One2many("retail.pos.store", "backend_id", "Stores")
    close_after_days = fields.Integer(
        "Close business days after (days)",
        default=1,
        help="A store's session for a business day is closed, and its "
        "accounting posted, this many days after the day. Transactions "
        "arriving later still book, in a correction session for their day.",
    )

    def _webhook_receive(self, headers, body):
        # EXTENDS retail_connector_base: a POS batch holds many transactions,
        # each stored (and later booked or refused) on its own.
        if self.kind != "pos":
            return super()._webhook_receive(headers, body)
        transactions = pos_batch.split_batch(body)
        Event = self.env["retail.event"]
        new = Event.browse()
        for dedupe_key, subject, payload in transactions:
            new |= Event._receive(
                self, pos_batch.TOPIC, dedupe_key, payload, subject=subject
            )
        return {
            "status": "accepted" if new else "duplicate",
            "transactions": len(transactions),
            "new": len(new),
            "duplicates": len(transactions) - len(new),
        }
