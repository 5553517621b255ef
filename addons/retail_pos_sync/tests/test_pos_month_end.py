# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import PosCommon

OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))


@tagged("post_install", "-at_install")
class TestPosMonthEnd(PosCommon):
    """A store's sales on 31 October, its day closed on 1 November after
    midnight: the October books hold the whole day."""

    def _posted(self, *domain, period=OCTOBER):
        return self.env["account.move.line"].search(
            [
                ("parent_state", "=", "posted"),
                ("date", ">=", period[0]),
                ("date", "<=", period[1]),
                *domain,
            ]
        )

    def _balance(self, account, period=OCTOBER):
        lines = self._posted(("account_id", "=", account.id), period=period)
        return round(sum(lines.mapped("balance")), 2)

    def test_a_day_closed_after_midnight_books_in_its_month(self):
        # Two 60.00 sales (20 % included: base 50.00, tax 10.00 each), each
        # paid 40.00 by card and 20.00 in cash.
        self._push(
            [
                self._transaction(1, day="2026-10-31"),
                self._transaction(
                    2, day="2026-10-31", local_time="2026-10-31T23:40:00Z"
                ),
            ]
        )
        session = self._booked().pos_order_id.session_id
        with freeze_time("2026-11-01 00:30:00"):
            session._retail_close()
        self.assertEqual(session.state, "closed")
        self.assertEqual(session.stop_at.date(), date(2026, 11, 1), "closed on the 1st")

        payments = self.env["account.payment"].search(
            [("pos_session_id", "=", session.id)]
        )
        statement_lines = self.env["account.bank.statement.line"].search(
            [("pos_session_id", "=", session.id)]
        )
        self.assertTrue(payments, "the card payments' entry")
        self.assertTrue(statement_lines, "the cash put in the cash journal")
        moves = session.move_id | payments.move_id | statement_lines.move_id
        self.assertEqual(set(moves.mapped("state")), {"posted"})
        self.assertEqual(set(moves.mapped("date")), {date(2026, 10, 31)})
        self.assertEqual(set(payments.mapped("date")), {date(2026, 10, 31)})

        # October's tax report holds the day: base 100.00, tax 20.00.
        base = -sum(self._posted(("tax_ids", "in", self.tax.ids)).mapped("balance"))
        tax = -sum(self._posted(("tax_line_id", "=", self.tax.id)).mapped("balance"))
        self.assertEqual((round(base, 2), round(tax, 2)), (100.0, 20.0))
        # At the end of October the money is where it is: 80.00 of card
        # payments to collect, 40.00 in the till, nothing left in the POS
        # receivable.
        receivable = self.env.company.account_default_pos_receivable_account_id
        self.assertEqual(self._balance(receivable), 0.0)
        self.assertEqual(self._balance(self.cash_journal.default_account_id), 40.0)
        card_outstanding = payments.outstanding_account_id
        self.assertEqual(self._balance(card_outstanding), 80.0)
        november = (date(2026, 11, 1), date(2026, 11, 30))
        self.assertFalse(
            self._posted(("move_id", "in", moves.ids), period=november),
            "nothing of the 31st falls in November",
        )
