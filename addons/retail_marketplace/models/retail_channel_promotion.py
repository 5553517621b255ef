# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RetailChannelPromotion(models.Model):
    """A promotion a channel carries: a dated pricelist rule published as a
    listing's sale price, since when, and until it ended."""

    _name = "retail.channel.promotion"
    _description = "Retail Channel Promotion"
    _order = "published_at desc, id desc"

    binding_id = fields.Many2one(
        "retail.product.binding", required=True, ondelete="cascade", index=True
    )
    backend_id = fields.Many2one(related="binding_id.backend_id", store=True)
    product_id = fields.Many2one(
        related="binding_id.odoo_id", store=True, string="Product"
    )
    company_id = fields.Many2one(related="binding_id.backend_id.company_id", store=True)
    rule_id = fields.Many2one(
        "product.pricelist.item",
        "Pricelist rule",
        ondelete="set null",
        index=True,
        help="The dated rule of the backend's pricelist the promotion comes "
        "from; empty once the rule was deleted.",
    )
    regular_price = fields.Float(readonly=True, digits="Product Price")
    sale_price = fields.Float(readonly=True, digits="Product Price")
    date_start = fields.Datetime("Starts", readonly=True)
    date_end = fields.Datetime("Ends", readonly=True)
    published_at = fields.Datetime(
        "Carried since", readonly=True, help="When the channel took it."
    )
    ended_at = fields.Datetime(
        "Ended on the channel", readonly=True, help="When the channel was told."
    )
    active = fields.Boolean(default=True, readonly=True)
