# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def write(self, vals):
        result = super().write(vals)
        # Reserving, unreserving, validating and cancelling all change a
        # move's state, and with it the free quantity the channels may sell.
        if "state" in vals:
            self.env["retail.stock.change"]._mark(self.product_id)
            self.env["retail.product.binding"]._enqueue_fast_movers(self.product_id)
        return result
