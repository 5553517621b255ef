# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RetailPartnerBinding(models.Model):
    _name = "retail.partner.binding"
    _inherit = "retail.binding"
    _description = "Retail Contact Binding"

    odoo_id = fields.Many2one(
        "res.partner", required=True, ondelete="cascade", index=True
    )
