# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class AccountPayment(models.Model):
    _inherit = "account.payment"

    @api.model_create_multi
    def create(self, vals_list):
        # EXTENDS account: the card (bank) payments a store day's closing
        # makes are dated on its business day.
        self.env["pos.session"]._retail_date_on_business_day(vals_list)
        return super().create(vals_list)
