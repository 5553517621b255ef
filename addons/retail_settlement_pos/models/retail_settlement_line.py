# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RetailSettlementLine(models.Model):
    _inherit = "retail.settlement.line"

    pos_payment_id = fields.Many2one(
        "pos.payment",
        "Store payment",
        readonly=True,
        index="btree_not_null",
        help="The store card payment this charge or refund pays out, found by "
        "the payment's transaction reference.",
    )
