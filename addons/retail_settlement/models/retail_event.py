# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class RetailEvent(models.Model):
    _inherit = "retail.event"

    def _get_event_handler(self):
        # EXTENDS retail_connector_base: the dispute topics of any backend
        # whose platform reports disputes (a shop's, a payment provider's),
        # whatever else its module reads from the same webhooks.
        backend = self.backend_id
        if backend._has_adapter("disputes"):
            if self.topic in backend._adapter("disputes").topics:
                return self.env["retail.dispute"]._import_dispute_event
        return super()._get_event_handler()
