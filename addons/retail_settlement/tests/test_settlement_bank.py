# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import SettlementCommon

PAYOUT_ROWS = [
    ("Sale", "ORD-1", "100.00", "-3.20"),
    ("Sale", "ORD-2", "50.00", "-1.60"),
    ("Payout", "", "-145.20", "0.00"),
]


@tagged("post_install", "-at_install")
class TestSettlementBankDeposit(SettlementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank = cls.env["account.journal"].create(
            {"name": "Main bank", "code": "MBNK", "type": "bank"}
        )

    def _deposit(self, amount, day, label="", journal=None):
        return self.env["account.bank.statement.line"].create(
            {
                "journal_id": (journal or self.bank).id,
                "date": day,
                "amount": amount,
                "payment_ref": label or "Transfer",
            }
        )

    def _clearing_balance(self):
        lines = self.env["account.move.line"].search(
            [
                ("account_id", "=", self.clearing_account.id),
                ("parent_state", "=", "posted"),
            ]
        )
        return sum(lines.mapped("balance"))

    def test_posting_reconciles_the_payout_with_its_bank_deposit(self):
        """Test that the deposit naming the payout wins over one of the same
        amount that does not, and one out of the date window is ignored."""
        self._deposit(145.20, date(2026, 12, 10), "PO-1 far too late")
        self._deposit(145.20, date(2026, 11, 21), "Card payments")
        deposit = self._deposit(145.20, date(2026, 11, 22), "PROVIDER PAYOUT PO-1")
        settlement = self._import(self._csv(PAYOUT_ROWS))
        self.assertEqual(settlement.deposit_date, date(2026, 11, 20))
        settlement.action_post()
        self.assertEqual(settlement.bank_statement_line_id, deposit)
        self.assertTrue(deposit.is_reconciled)
        payout = settlement.move_id.line_ids.filtered(
            lambda line: line.account_id == self.clearing_account
        )
        self.assertTrue(payout.full_reconcile_id)
        self.assertTrue(self.currency.is_zero(self._clearing_balance()))

    def test_a_deposit_booked_later_is_found_by_the_scheduled_action(self):
        settlement = self._import(self._csv(PAYOUT_ROWS))
        settlement.action_post()
        self.assertFalse(settlement.bank_statement_line_id)
        self.assertAlmostEqual(self._clearing_balance(), 145.20)
        deposit = self._deposit(145.20, date(2026, 11, 23))
        self.env["retail.settlement"]._cron_reconcile_bank_deposits()
        self.assertEqual(settlement.bank_statement_line_id, deposit)
        self.assertTrue(self.currency.is_zero(self._clearing_balance()))

    def test_two_equal_deposits_without_reference_wait_for_a_person(self):
        first = self._deposit(145.20, date(2026, 11, 21))
        second = self._deposit(145.20, date(2026, 11, 22))
        settlement = self._import(self._csv(PAYOUT_ROWS))
        settlement.action_post()
        self.assertFalse(settlement.bank_statement_line_id)
        self.assertFalse(first.is_reconciled or second.is_reconciled)
        with self.assertRaisesRegex(UserError, "No single unreconciled"):
            settlement.action_reconcile_bank_deposit()
