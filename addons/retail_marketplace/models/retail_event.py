# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class RetailEvent(models.Model):
    _inherit = "retail.event"

    def _get_event_handler(self):
        # EXTENDS retail_connector_base: orders and refunds of marketplaces
        if self.kind == "marketplace":
            kind = self.backend_id._get_marketplace_adapter().event_kind(self.topic)
            if kind == "order":
                return self.env["sale.order"]._retail_import_order_event
            if kind == "refund":
                return self.env["account.move"]._retail_import_refund_event
        return super()._get_event_handler()
