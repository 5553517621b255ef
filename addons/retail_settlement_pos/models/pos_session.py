# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class PosSession(models.Model):
    _inherit = "pos.session"

    def _create_bank_payment_moves(self, data):
        # EXTENDS point_of_sale: a payout posted before its store day closed
        # waits on the outstanding account for the session's card payments,
        # posted here.
        data = super()._create_bank_payment_moves(data)
        self.env["retail.settlement.line"].sudo().search(
            [
                ("pos_payment_id.session_id", "in", self.ids),
                ("settlement_id.move_id", "!=", False),
            ]
        ).settlement_id._reconcile_pos_payments()
        return data
