# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _compute_account_id(self):
        # EXTENDS account: a gift card sold is money owed to its holder, not
        # revenue: the invoice line of a channel's gift card sale, and the
        # credit note line refunding it, book on the backend's gift card
        # account.
        res = super()._compute_account_id()
        for line in self.filtered(lambda line: line.display_type == "product"):
            sale_line = line.sale_line_ids[:1]
            account = sale_line.order_id.retail_backend_id.gift_card_account_id
            if sale_line.retail_gift_card and account:
                line.account_id = account
        return res
