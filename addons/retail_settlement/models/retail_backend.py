# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RetailBackend(models.Model):
    """Where a backend's payouts are booked. Any backend can receive
    settlements: a payment provider's payouts, a marketplace's settlement
    reports."""

    _inherit = "retail.backend"

    settlement_ids = fields.One2many("retail.settlement", "backend_id")
    settlement_journal_id = fields.Many2one(
        "account.journal",
        "Settlement journal",
        domain="[('type', 'in', ('bank', 'general')), "
        "('company_id', 'in', [company_id, False])]",
        help="Journal of the settlement entries. Its default account is the "
        "clearing account: the payout waits there until the bank deposit.",
    )
    settlement_fee_account_id = fields.Many2one(
        "account.account",
        "Fees account",
        help="Fees without a fee mapping of their own are expensed here.",
    )
    settlement_chargeback_account_id = fields.Many2one(
        "account.account", "Chargebacks account"
    )
    settlement_reserve_account_id = fields.Many2one(
        "account.account",
        "Reserves account",
        help="Amounts the provider holds back (and later releases).",
    )
    settlement_other_account_id = fields.Many2one(
        "account.account",
        "Adjustments account",
        help="Adjustments, reimbursements and withheld taxes.",
    )
    settlement_writeoff_account_id = fields.Many2one(
        "account.account",
        "Write-off account",
        help="Small differences within the tolerance, and the ones a finance "
        "user writes off.",
    )
    settlement_tolerance = fields.Monetary(
        "Matching tolerance",
        currency_field="settlement_currency_id",
        default=0.01,
        help="A line whose amount differs from the Odoo documents by no more "
        "than this is matched; the difference goes to the write-off account.",
    )
    settlement_writeoff_limit = fields.Monetary(
        "Write-off limit",
        currency_field="settlement_currency_id",
        default=5.0,
        help="The largest difference a finance user may write off on a line.",
    )
    settlement_currency_id = fields.Many2one(related="company_id.currency_id")
    settlement_order_backend_ids = fields.Many2many(
        "retail.backend",
        "retail_backend_settlement_order_rel",
        "backend_id",
        "order_backend_id",
        "Orders from",
        help="The backends whose imported orders this backend's payouts "
        "settle (a payment provider paying for a web store's orders). Empty: "
        "this backend's own orders.",
    )
    settlement_csv_mapping = fields.Text(
        "Generic CSV mapping",
        help="JSON options of the generic CSV parser (columns, type map, "
        "delimiter, date format); see the module's CONFIGURE notes.",
    )
    settlement_fee_mapping_ids = fields.One2many(
        "retail.settlement.fee.mapping", "backend_id", "Fee accounts"
    )
