# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from ..adapters.pos_batch import TOPIC


class RetailEvent(models.Model):
    _inherit = "retail.event"

    def _get_event_handler(self):
        # EXTENDS retail_connector_base: store transactions of POS backends,
        # from offline batches or from the platform's adapter.
        if self.kind == "pos" and self.topic == TOPIC:
            return self.env["pos.order"]._retail_book_transaction_event
        backend = self.backend_id
        if backend._has_adapter("pos"):
            adapter = backend._adapter("pos")
            if self.topic in adapter.topics:
                return adapter.book
        return super()._get_event_handler()
