# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from ..adapters.pos_batch import TOPIC


class RetailEvent(models.Model):
    _inherit = "retail.event"

    def _get_event_handler(self):
        # EXTENDS retail_connector_base: store transactions of POS backends
        if self.kind == "pos" and self.topic == TOPIC:
            return self.env["pos.order"]._retail_book_transaction_event
        return super()._get_event_handler()
