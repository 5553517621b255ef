# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from odoo.addons.retail_loyalty.channel_sales import ChannelLine, ChannelSale


def _earns(sale_line):
    """Goods and services earn points; shipping does not."""
    return bool(sale_line.product_id) and not (
        sale_line.display_type or sale_line.is_delivery
    )


class AccountMove(models.Model):
    """A channel's credit note read for the loyalty flows: it takes back
    its share of the points its order earned. Shipping refunded earns and
    takes back nothing."""

    _name = "account.move"
    _inherit = ["account.move", "retail.loyalty.sale.mixin"]

    def _retail_loyalty_sale(self):
        # EXTENDS retail_loyalty
        self.ensure_one()
        if self.move_type != "out_refund" or self.state != "posted":
            return None
        lines = self.invoice_line_ids.filtered("product_id")
        original = lines.sale_line_ids.order_id[:1]
        lines = lines.filtered(
            lambda line: not line.sale_line_ids
            or any(_earns(sale_line) for sale_line in line.sale_line_ids)
        )
        return ChannelSale(
            record=self,
            partner=self.partner_id.commercial_partner_id,
            reference=self._retail_loyalty_reference(),
            is_return=True,
            original=original or None,
            channel=original.retail_backend_id,
            lines=[
                ChannelLine(
                    line.product_id,
                    line.quantity,
                    line.price_total,
                    line.price_subtotal,
                )
                for line in lines
            ],
        )
