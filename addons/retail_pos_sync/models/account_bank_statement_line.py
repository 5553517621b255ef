# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    @api.model_create_multi
    def create(self, vals_list):
        # EXTENDS account: the cash a store day's closing puts in the cash
        # journal (and its counting difference) is dated on its business day.
        self.env["pos.session"]._retail_date_on_business_day(vals_list)
        return super().create(vals_list)
