# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RetailSettlementFeeMapping(models.Model):
    """Which expense account a provider's fee code is booked to."""

    _name = "retail.settlement.fee.mapping"
    _description = "Retail Settlement Fee Account"
    _order = "backend_id, fee_code"
    _rec_name = "fee_code"

    backend_id = fields.Many2one(
        "retail.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    fee_code = fields.Char(
        required=True,
        help="As the parsers name fees: 'amazon:Commission', 'stripe:stripe_fee', "
        "'adyen:interchange', 'paypal:T0106', or the line's type for fee lines.",
    )
    account_id = fields.Many2one("account.account", required=True)

    _sql_constraints = [
        (
            "fee_code_unique",
            "unique(backend_id, fee_code)",
            "This fee code already has an account on this backend.",
        ),
    ]
