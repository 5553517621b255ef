# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

SALE_DISPUTE_FIELDS = ["retail_dispute_ids", "retail_dispute_count"]


class RetailDispute(models.Model):
    _inherit = "retail.dispute"

    # A sale order finds its disputes by a search: what it read before a
    # dispute was opened or moved to another order is forgotten.
    @api.model_create_multi
    def create(self, vals_list):
        disputes = super().create(vals_list)
        self.env["sale.order"].invalidate_model(SALE_DISPUTE_FIELDS)
        return disputes

    def write(self, vals):
        result = super().write(vals)
        if "order_ref_id" in vals:
            self.env["sale.order"].invalidate_model(SALE_DISPUTE_FIELDS)
        return result
