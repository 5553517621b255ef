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
    retail_channel_qty = fields.Float(
        "Units on the channel",
        digits="Product Unit of Measure",
        readonly=True,
        copy=False,
        help="The line's units as the channel stated them when Odoo last "
        "applied its order (order edits made, refunded units still counted). "
        "The channel's next version is compared with them, never with the "
        "line's quantity, so only an edit made on the channel changes the "
        "line, which follows it before shipment.",
    )
    retail_gift_card = fields.Boolean(
        "Gift card sold",
        readonly=True,
        copy=False,
        help="This line sells a gift card: invoiced on the channel's gift card "
        "account (a liability) and untaxed.",
    )

    def _prepare_invoice_line(self, **optional_values):
        # EXTENDS sale: the channel rounding and facilitator tax products are
        # shared by every backend, so the account of their lines is the one
        # the order's backend names.
        values = super()._prepare_invoice_line(**optional_values)
        backend = self.order_id.retail_backend_id
        accounts = {
            "retail_marketplace.product_channel_rounding": (
                backend.order_rounding_account_id
            ),
            "retail_marketplace.product_channel_facilitator_tax": (
                backend.facilitator_tax_account_id
            ),
        }
        for xmlid, account in accounts.items():
            if account and self.product_id == self.env.ref(
                xmlid, raise_if_not_found=False
            ):
                values["account_id"] = account.id
        return values
