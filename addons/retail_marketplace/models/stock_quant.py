# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class StockQuant(models.Model):
    _inherit = "stock.quant"

    @api.model_create_multi
    def create(self, vals_list):
        quants = super().create(vals_list)
        self.env["retail.stock.change"]._mark(quants.product_id)
        return quants

    def write(self, vals):
        # On hand and reserved quantities make the free quantity channels sell.
        if "quantity" in vals or "reserved_quantity" in vals:
            self.env["retail.stock.change"]._mark(self.product_id)
        return super().write(vals)
