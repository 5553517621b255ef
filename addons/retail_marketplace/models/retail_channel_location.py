# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class RetailChannelLocation(models.Model):
    """A stock location of a channel (a Shopify location, WooCommerce's one
    stock, Amazon's merchant-fulfilled ``DEFAULT``) and the Odoo stock it
    sells: each is published its own available-to-sell quantity."""

    _name = "retail.channel.location"
    _description = "Retail Channel Location"
    _inherit = ["mail.thread"]
    _order = "backend_id, sequence, id"

    backend_id = fields.Many2one(
        "retail.backend",
        required=True,
        ondelete="cascade",
        index=True,
        domain=[("kind", "=", "marketplace")],
    )
    company_id = fields.Many2one(
        related="backend_id.company_id", store=True, index=True
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    ref = fields.Char(
        "Channel id",
        required=True,
        tracking=True,
        help="The channel's id of the location (Shopify: the location id; "
        "Amazon: DEFAULT; WooCommerce has one stock, any id does).",
    )
    name = fields.Char(required=True)
    warehouse_ids = fields.Many2many(
        "stock.warehouse",
        string="Warehouses",
        check_company=True,
        tracking=True,
        help="Whose free stock this channel location sells.",
    )
    stock_location_ids = fields.Many2many(
        "stock.location",
        string="Stock locations",
        check_company=True,
        domain=[("usage", "=", "internal")],
        tracking=True,
        help="Locations (with their sublocations) whose free stock this "
        "channel location sells, besides the warehouses'.",
    )

    _sql_constraints = [
        (
            "ref_backend_unique",
            "unique(backend_id, ref)",
            "A channel location is mapped once per backend.",
        )
    ]

    def _odoo_locations(self):
        """The Odoo locations this channel location sells the free stock of
        (with their children). Note: self.ensure_one"""
        self.ensure_one()
        return self.warehouse_ids.view_location_id | self.stock_location_ids

    @api.model_create_multi
    def create(self, vals_list):
        locations = super().create(vals_list)
        locations.backend_id._retail_stock_rule_changed()
        return locations

    def write(self, vals):
        result = super().write(vals)
        self.backend_id._retail_stock_rule_changed()
        return result
