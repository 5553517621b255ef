# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from odoo.addons.retail_settlement.models.retail_settlement import RECEIVED_TYPES


class RetailSettlement(models.Model):
    _inherit = "retail.settlement"

    def _book_line(self, line, book, backend, accounts):
        """EXTENDS retail_settlement: a store card charge or refund clears
        what its POS session left on the card method's outstanding account;
        its fees are expensed, a difference within tolerance written off."""
        if (
            not line.pos_payment_id
            or line.state not in ("matched", "written_off")
            or line.line_type not in RECEIVED_TYPES
        ):
            return super()._book_line(line, book, backend, accounts)
        self._book_fees(line, book, backend, accounts["fees"])
        payment = line.pos_payment_id.sudo()
        account = payment.payment_method_id._retail_outstanding_account()
        # One line per session and account: a day's card sales are one
        # outstanding amount in the session's entries.
        book(
            account or accounts["suspense"],
            line.expected_amount,
            label=payment.session_id.name,
        )
        book(
            backend.settlement_writeoff_account_id,
            line.amount_net - line.amount_fee - line.expected_amount,
            label=self.env._("Write-off"),
        )

    def _reconcile_documents(self):
        # EXTENDS retail_settlement: store payments are closed too.
        result = super()._reconcile_documents()
        self._reconcile_pos_payments()
        return result

    def _reconcile_pos_payments(self):
        """Reconcile the outstanding lines the settlement entries book for
        store payments with the card payment entries of those payments'
        closed sessions. A session still open reconciles when it closes."""
        for settlement in self.filtered("move_id"):
            # Only the store payments' lines are read: a payout of channel
            # orders has 100,000 lines and none of them.
            payments = (
                self.env["retail.settlement.line"]
                .search_fetch(
                    [
                        ("settlement_id", "=", settlement.id),
                        ("state", "in", ("matched", "written_off")),
                        ("pos_payment_id", "!=", False),
                    ],
                    ["pos_payment_id"],
                )
                .pos_payment_id.sudo()
            )
            if not payments:
                continue
            methods = payments.payment_method_id
            accounts = methods.mapped(
                lambda method: method._retail_outstanding_account()
            ).filtered("reconcile")
            session_payments = (
                self.env["account.payment"]
                .sudo()
                .search(
                    [
                        ("pos_session_id", "in", payments.session_id.ids),
                        ("pos_payment_method_id", "in", methods.ids),
                    ]
                )
            )
            open_lines = (
                settlement.move_id.line_ids | session_payments.move_id.line_ids
            ).filtered(
                lambda line, accounts=accounts: line.account_id in accounts
                and line.parent_state == "posted"
                and not line.reconciled
            )
            for account in accounts:
                lines = open_lines.filtered(
                    lambda line, account=account: line.account_id == account
                )
                if lines.move_id - settlement.move_id and (
                    lines.move_id & settlement.move_id
                ):
                    lines.reconcile()
