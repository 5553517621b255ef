# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.retail_settlement.tests.common import SettlementCommon

# Run beside the marketplace: in CI's database holding retail_settlement
# alone, the run's first tour did not become ready within the browser's 60 s
# three times (never reproduced by hand); until that is understood the
# settlement tours run in the full database only.


@tagged("post_install", "-at_install")
class TestSettlementReviewTour(SettlementCommon, HttpCase):
    """A finance user reviews a payout in the browser: the tour
    ``retail_settlement_review`` (static/src/tours) finds it by an order
    reference, writes off the one small difference, posts the settlement and
    marks it reviewed."""

    def setUp(self):
        super().setUp()
        self.finance_user = (
            self.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Settlement Finance",
                    "login": "settlement_finance",
                    "email": "settlement_finance@example.com",
                    "company_id": self.env.company.id,
                    "company_ids": [Command.set(self.env.company.ids)],
                    "groups_id": [
                        Command.set(
                            [
                                self.env.ref("account.group_account_invoice").id,
                                self.env.ref(
                                    "retail_connector_base.retail_connector_group_user"
                                ).id,
                            ]
                        )
                    ],
                }
            )
        )
        # Another payout, without ORD-2: the tour's search must leave it out.
        self.other_settlement = self._import(
            self._csv(
                [("Sale", "ORD-3", "30.00", "-1.00"), ("Payout", "", "-29.00", "0")],
                payout="PO-6",
            ),
            name="po-6.csv",
        )
        # ORD-1 settled right; ORD-2 settled 2.00 short, within the write-off
        # limit of 5.00.
        self.settlement = self._import(
            self._csv(
                [
                    ("Sale", "ORD-1", "100.00", "-3.20"),
                    ("Sale", "ORD-2", "48.00", "-1.60"),
                    ("Payout", "", "-143.20", "0"),
                ],
                payout="PO-7",
            ),
            name="po-7.csv",
        )

    def test_finance_user_resolves_a_discrepancy_posts_and_reviews(self):
        settlement = self.settlement
        short = self._lines(settlement, order_ref="ORD-2")
        self.assertEqual(settlement.state, "to_review")
        self.assertEqual(settlement.discrepancy_count, 1)
        self.assertEqual(
            (short.state, short.reason_code, short.difference),
            ("discrepancy", "amount_mismatch", -2.0),
        )
        self.assertEqual(self.other_settlement.state, "matched")

        self.start_tour("/odoo", "retail_settlement_review", login="settlement_finance")

        self.assertEqual(short.state, "written_off")
        self.assertIn("Written off by Settlement Finance", short.reason)
        self.assertEqual(self._lines(settlement, order_ref="ORD-1").state, "matched")
        self.assertEqual(settlement.discrepancy_count, 0)
        self.assertEqual(settlement.state, "reviewed")
        self.assertEqual(settlement.reviewed_by_id, self.finance_user)
        move = settlement.move_id
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.create_uid, self.finance_user)
        self.assertTrue(move.currency_id.is_zero(sum(move.line_ids.mapped("balance"))))

        def balance(account):
            return sum(
                move.line_ids.filtered(lambda line: line.account_id == account).mapped(
                    "balance"
                )
            )

        self.assertAlmostEqual(balance(self.clearing_account), 143.2)
        self.assertAlmostEqual(balance(self.fee_account), 3.2 + 1.6)
        self.assertAlmostEqual(balance(self.writeoff_account), 2.0)
        for ref in ("ORD-1", "ORD-2"):
            invoice = self.invoices[ref]
            self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual), ref)
        # The search left the other payout alone.
        self.assertEqual(self.other_settlement.state, "matched")
        self.assertFalse(self.other_settlement.move_id)
