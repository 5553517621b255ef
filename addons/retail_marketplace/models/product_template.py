# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    retail_fast_mover = fields.Boolean(
        "Publish stock in real time",
        help="Publish this product's channel quantity within seconds of a "
        "stock change, instead of with the backend's scheduled batch.",
    )
    retail_gift_card = fields.Boolean(
        "Gift card",
        help="Selling this product sells a gift card: on channel orders its "
        "line is booked to the backend's gift card account (a liability: the "
        "money is owed to the card holder until the card is spent) with no "
        "tax, as gift cards are not taxed when sold in most jurisdictions "
        "(the sale of the goods later paid with the card is). Channels that "
        "flag gift card lines themselves (Shopify) need no flag here.",
    )
