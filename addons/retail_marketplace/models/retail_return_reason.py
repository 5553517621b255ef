# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RetailReturnReason(models.Model):
    """Why a customer sent goods back, chosen on the return. Odoo Community
    has no such list; the backends' *Return reason* mappings say which
    channel code each reason is reported as."""

    _name = "retail.return.reason"
    _description = "Return Reason"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to offer the reason in every company.",
    )
