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
