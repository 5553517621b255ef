# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class PosPaymentMethod(models.Model):
    _inherit = "pos.payment.method"

    def _retail_outstanding_account(self):
        """The account a closed session leaves this bank method's payments
        on until the provider pays them out: the method's outstanding
        account, else the company's outstanding receipts account, as
        ``account.payment`` falls back to when the session books them."""
        self.ensure_one()
        if self.outstanding_account_id:
            return self.outstanding_account_id
        company = self.company_id or self.env.company
        chart = self.env["account.chart.template"].with_context(
            allowed_company_ids=company.root_id.ids
        )
        return (
            chart.ref(
                "account_journal_payment_debit_account_id", raise_if_not_found=False
            )
            or company.transfer_account_id
        )
