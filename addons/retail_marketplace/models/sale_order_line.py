# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    retail_external_line_id = fields.Char(
        "Channel line id",
        readonly=True,
        copy=False,
        help="The channel's id of this line, used by its refunds and shipments.",
    )
    retail_gift_card = fields.Boolean(
        "Gift card sold",
        readonly=True,
        copy=False,
        help="This line sells a gift card: invoiced on the channel's gift card "
        "account (a liability) and untaxed.",
    )

    def _prepare_invoice_line(self, **optional_values):
        # EXTENDS sale: the channel rounding product is shared by every backend,
        # so the account of its line is the one the order's backend names.
        values = super()._prepare_invoice_line(**optional_values)
        account = self.order_id.retail_backend_id.order_rounding_account_id
        if account and self.product_id == self.env.ref(
            "retail_marketplace.product_channel_rounding", raise_if_not_found=False
        ):
            values["account_id"] = account.id
        return values
