# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RetailChannelStock(models.Model):
    """What a channel location was last published of a product, and why:
    the figures it was computed from."""

    _name = "retail.channel.stock"
    _description = "Retail Channel Stock"
    _order = "product_id, backend_id, channel_location_id"

    binding_id = fields.Many2one(
        "retail.product.binding", required=True, ondelete="cascade", index=True
    )
    backend_id = fields.Many2one(related="binding_id.backend_id", store=True)
    product_id = fields.Many2one(
        related="binding_id.odoo_id", store=True, index=True, string="Product"
    )
    company_id = fields.Many2one(related="binding_id.backend_id.company_id", store=True)
    channel_location_id = fields.Many2one(
        "retail.channel.location",
        ondelete="cascade",
        index=True,
        help="Empty: the backend's own warehouse and channel location.",
    )
    location_ref = fields.Char("Channel location id", readonly=True)
    free_qty = fields.Float("Free quantity", readonly=True)
    buffer = fields.Integer(readonly=True, help="The backend's or listing's buffer.")
    safety_stock = fields.Integer(readonly=True, help="The product's.")
    waiting_qty = fields.Integer(
        "Waiting orders",
        readonly=True,
        help="Units of channel orders received by any backend selling this "
        "stock but not imported yet.",
    )
    waiting_detail = fields.Char("Waiting by backend", readonly=True)
    draft_qty = fields.Integer(
        "Unconfirmed orders",
        readonly=True,
        help="Units of imported channel orders not confirmed yet.",
    )
    quantity = fields.Integer("Published", readonly=True)
    published_at = fields.Datetime(readonly=True)
    refused = fields.Char(readonly=True, help="Why the channel refused it, if it did.")

    _sql_constraints = [
        (
            "binding_location_unique",
            "unique(binding_id, channel_location_id)",
            "One published quantity per listing and channel location.",
        )
    ]
