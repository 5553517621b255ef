# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..adapters import square


class RetailBackend(models.Model):
    _inherit = "retail.backend"

    platform = fields.Selection(
        selection_add=[(square.PLATFORM, "Square")],
        ondelete={square.PLATFORM: "set default"},
    )
    pos_store_ids = fields.One2many("retail.pos.store", "backend_id", "Stores")
    close_after_days = fields.Integer(
        "Close business days after (days)",
        default=1,
        help="A store's session for a business day is closed, and its "
        "accounting posted, this many days after the day. Transactions "
        "arriving later still book, in a correction session for their day.",
    )

    pos_scrap_reasons = fields.Char(
        "Scrap returns with reasons",
        default="damaged",
        help="Comma-separated return reasons (as the tills send them) whose "
        "goods are scrapped instead of put back on sale.",
    )

    def _retail_scraps(self, reason):
        self.ensure_one()
        reasons = {
            value.strip().lower()
            for value in (self.pos_scrap_reasons or "").split(",")
            if value.strip()
        }
        return bool(reason) and reason.strip().lower() in reasons

    def _webhook_receive(self, headers, body):
        # EXTENDS retail_connector_base: a store POS whose platform sends
        # offline batches stores each transaction of a delivery on its own.
        if self.kind == "pos" and self._has_adapter("pos_batch"):
            return self._adapter("pos_batch").receive(headers, body)
        return super()._webhook_receive(headers, body)

    def _run_flow(self, flow):
        # EXTENDS retail_connector_base: store transactions are pulled by the
        # platform's adapter.
        if flow.flow == "transactions_in" and self._has_adapter("pos"):
            return self._adapter("pos").poll(flow)
        return super()._run_flow(flow)
