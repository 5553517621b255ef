# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import tagged

from odoo.addons.retail_settlement.parsers import stripe

from .common import PosSettlementCommon


@tagged("post_install", "-at_install")
class TestSettlementPos(PosSettlementCommon):
    def test_store_card_payout_clears_the_outstanding_account(self):
        """Two card sales of a closed store day paid out less their fees and
        a terminal fee: both matched to their POS payments; posted, the card
        method's outstanding account is back to zero, the fees expensed and
        the payout waits in the provider's clearing account."""
        session = self._store_day(
            [self._sale(1, "40.00", "ch_store_1"), self._sale(2, "60.00", "ch_store_2")]
        )
        self.assertEqual(session.state, "closed")
        self.assertEqual(self._balance(self.card_outstanding), 100.0)
        settlement = self._import(
            self._csv(
                [
                    ("Sale", "ch_store_1", "40.00", "-0.70"),
                    ("Sale", "ch_store_2", "60.00", "-1.00"),
                    ("Fee", "", "-5.00", "0.00", "Terminal rental"),
                    ("Payout", "", "-93.30", "0.00"),
                ]
            )
        )
        self.assertEqual(settlement.state, "matched")
        first = self._lines(settlement, order_ref="ch_store_1")
        self.assertEqual(first.pos_payment_id, self._payment("ch_store_1"))
        self.assertEqual(first.order_ref_id, first.pos_payment_id.pos_order_id)
        self.assertEqual((first.expected_amount, first.difference), (40.0, 0.0))
        self.assertEqual(settlement.expected_total, 100.0)
        settlement.action_post()
        self.assertEqual(settlement.state, "posted")
        self.assertEqual(self._balance(self.card_outstanding), 0.0)
        session_lines = self.env["account.move.line"].search(
            [
                ("account_id", "=", self.card_outstanding.id),
                ("move_id", "!=", settlement.move_id.id),
            ]
        )
        self.assertTrue(session_lines)
        self.assertTrue(all(session_lines.mapped("reconciled")))
        self.assertEqual(self._balance(self.fee_account, settlement.move_id), 6.7)
        self.assertEqual(self._balance(self.clearing_account, settlement.move_id), 93.3)
        self.assertFalse(self._balance(self.writeoff_account, settlement.move_id))

    def test_unknown_reference_and_amounts_beyond_tolerance(self):
        """A charge no store payment carries stays a missing order; one
        short by 5.00 is a discrepancy; one short by 0.01 is matched and its
        cent written off at posting."""
        self._store_day(
            [
                self._sale(1, "40.00", "ch_store_1"),
                self._sale(2, "40.00", "ch_store_2"),
                self._sale(3, "40.00", "ch_store_3"),
            ]
        )
        settlement = self._import(
            self._csv(
                [
                    ("Sale", "ch_store_1", "40.00", "-0.70"),
                    ("Sale", "ch_store_2", "35.00", "-0.60"),
                    ("Sale", "ch_store_3", "39.99", "-0.70"),
                    ("Sale", "ch_unknown", "15.00", "-0.30"),
                ]
            )
        )
        self.assertEqual(settlement.state, "to_review")
        short = self._lines(settlement, order_ref="ch_store_2")
        self.assertEqual(
            (short.state, short.reason_code, short.difference),
            ("discrepancy", "amount_mismatch", -5.0),
        )
        self.assertIn("expected 40.00, settled 35.00", short.reason)
        self.assertEqual(short.pos_payment_id, self._payment("ch_store_2"))
        cent = self._lines(settlement, order_ref="ch_store_3")
        self.assertEqual((cent.state, cent.difference), ("matched", -0.01))
        unknown = self._lines(settlement, order_ref="ch_unknown")
        self.assertEqual(
            (unknown.state, unknown.reason_code), ("discrepancy", "missing_order")
        )
        self.assertFalse(unknown.pos_payment_id)
        self.assertEqual(settlement.discrepancy_line_ids, short | unknown)
        settlement.action_post()
        # 40.00 and 39.99 + 0.01 written off cleared; the short one and the
        # unknown one wait in suspense, so 40.00 stays outstanding.
        self.assertEqual(self._balance(self.card_outstanding), 40.0)
        self.assertEqual(self._balance(self.writeoff_account, settlement.move_id), 0.01)

    def test_card_return_is_matched_to_its_refund(self):
        """A card refund pays back the return's negative card payment,
        found by the refund's id or the charge it refunds."""
        self._store_day(
            [self._sale(1, "60.00", "ch_store_1"), self._card_return(2, "ch_store_1")]
        )
        self.assertEqual(self._balance(self.card_outstanding), 36.0)
        settlement = self._import(
            self._csv(
                [
                    ("Sale", "ch_store_1", "60.00", "-1.00"),
                    ("Refund", "ch_store_1", "-24.00", "0.00"),
                ]
            )
        )
        self.assertEqual(settlement.state, "matched")
        refund = self._lines(settlement, line_type="refund")
        self.assertEqual(refund.pos_payment_id.amount, -24.0)
        self.assertEqual(
            self._lines(settlement, line_type="order").pos_payment_id.amount, 60.0
        )
        settlement.action_post()
        self.assertEqual(self._balance(self.card_outstanding), 0.0)

    def test_payout_posted_before_the_day_closes_reconciles_at_closing(self):
        session = self._store_day([self._sale(1, "40.00", "ch_store_1")], close=False)
        settlement = self._import(self._csv([("Sale", "ch_store_1", "40.00", "-0.70")]))
        settlement.action_post()
        self.assertEqual(self._balance(self.card_outstanding), -40.0)
        session._retail_close()
        self.assertEqual(self._balance(self.card_outstanding), 0.0)
        self.assertTrue(
            all(
                settlement.move_id.line_ids.filtered(
                    lambda line: line.account_id == self.card_outstanding
                ).mapped("reconciled")
            )
        )

    def test_charge_paid_out_twice_is_a_duplicate(self):
        self._store_day([self._sale(1, "40.00", "ch_store_1")])
        first = self._import(self._csv([("Sale", "ch_store_1", "40.00", "-0.70")]))
        first.action_post()
        second = self._import(
            self._csv([("Sale", "ch_store_1", "40.00", "-0.70")], payout="PO-2")
        )
        line = second.line_ids
        self.assertEqual((line.state, line.reason_code), ("discrepancy", "duplicate"))
        self.assertIn(first.display_name, line.reason)

    def test_channel_order_is_matched_before_a_store_payment(self):
        """A reference that is both an imported order and a store payment's
        transaction is the order's, as before this module."""
        self._store_day([self._sale(1, "60.00", "ORD-1")])
        settlement = self._import(self._csv([("Sale", "ORD-1", "100.00", "-3.20")]))
        line = settlement.line_ids
        self.assertEqual(line.invoice_ids, self.invoices["ORD-1"])
        self.assertFalse(line.pos_payment_id)

    def test_stripe_terminal_charge_matched_by_its_charge_id(self):
        """A Stripe payout of a terminal charge, which carries no order
        metadata: the charge id is the till's transaction reference."""
        self._store_day([self._sale(1, "60.00", "ch_3StoreTerminal1")])
        currency = self.currency.name.lower()
        payout = {
            "id": "po_store_1",
            "amount": 5813,
            "arrival_date": 1764633600,
            "currency": currency,
            "status": "paid",
        }
        charge = {
            "id": "txn_store_1",
            "amount": 6000,
            "fee": 187,
            "net": 5813,
            "currency": currency,
            "created": 1764100000,
            "reporting_category": "charge",
            "type": "charge",
            "source": {"id": "ch_3StoreTerminal1", "metadata": {}},
            "fee_details": [{"amount": 187, "type": "stripe_fee"}],
        }
        settlement = self._import(
            stripe.document(payout, [charge]), name="payout.json", source="stripe"
        )
        line = settlement.line_ids.filtered(lambda line: line.line_type == "order")
        self.assertEqual(line.pos_payment_id, self._payment("ch_3StoreTerminal1"))
        self.assertEqual(settlement.state, "matched")
        settlement.action_post()
        self.assertEqual(self._balance(self.card_outstanding), 0.0)

    def test_finance_user_without_pos_rights_matches_and_posts(self):
        self._store_day([self._sale(1, "40.00", "ch_store_1")])
        finance = self._create_retail_user(
            "store_payout_finance", "account.group_account_invoice"
        )
        finance.groups_id = [
            Command.link(
                self.env.ref("retail_connector_base.retail_connector_group_user").id
            )
        ]
        self.env = self.env(user=finance)
        settlement = self._import(self._csv([("Sale", "ch_store_1", "40.00", "-0.70")]))
        self.assertEqual(settlement.line_ids.state, "matched")
        settlement.line_ids.web_read({"order_ref_id": {}, "state": {}})
        settlement.action_post()
        self.assertEqual(self._balance(self.card_outstanding.sudo()), 0.0)

    def test_outstanding_account_defaults_to_the_company_one(self):
        self.card_method.outstanding_account_id = False
        account = self.card_method._retail_outstanding_account()
        self.assertTrue(account)
        self._store_day([self._sale(1, "40.00", "ch_store_1")])
        payment = self.env["account.payment"].search(
            [("pos_session_id", "=", self._payment("ch_store_1").session_id.id)]
        )
        self.assertIn(account, payment.move_id.line_ids.account_id)
