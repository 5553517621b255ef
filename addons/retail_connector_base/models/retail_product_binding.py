# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RetailProductBinding(models.Model):
    _name = "retail.product.binding"
    _inherit = "retail.binding"
    _description = "Retail Product Binding"

    odoo_id = fields.Many2one(
        "product.product", required=True, ondelete="cascade", index=True
    )
