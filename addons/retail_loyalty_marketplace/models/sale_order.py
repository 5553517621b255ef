# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class SaleOrder(models.Model):
    """A channel's order read for the loyalty flows. It earns nothing of its
    own (``_retail_loyalty_sale`` stays None): Odoo's ``sale_loyalty`` earns
    its points on the customer's card at confirmation and takes them back on
    cancellation, and the card's ledger records those changes; counting them
    here too would pay twice. It is the sale its credit notes give back."""

    _name = "sale.order"
    _inherit = ["sale.order", "retail.loyalty.sale.mixin"]

    def _retail_loyalty_odoo_points(self, program):
        # EXTENDS retail_loyalty: the points sale_loyalty gave at
        # confirmation.
        self.ensure_one()
        if self.state != "sale":
            return {}
        given = {}
        for line in self.coupon_point_ids:
            if line.coupon_id.program_id == program and line.points > 0:
                given[line.coupon_id] = given.get(line.coupon_id, 0.0) + line.points
        return given
