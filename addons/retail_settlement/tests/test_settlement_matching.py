# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from ..models import retail_settlement as settlement_module
from .common import SettlementCommon


@tagged("post_install", "-at_install")
class TestSettlementMatching(SettlementCommon):
    def _payout(self):
        """ORD-1 settled right with a refund and a chargeback, ORD-2 short by
        5.00, ORD-9 unknown, an account fee, a reserve and an unknown type."""
        self._credit_note(self.invoices["ORD-1"], 20.0)
        return self._csv(
            [
                ("Sale", "ORD-1", "100.00", "-3.20"),
                ("Sale", "ORD-2", "45.00", "-1.60"),
                ("Sale", "ORD-9", "12.00", "-0.50"),
                ("Refund", "ORD-1", "-20.00", "0.00"),
                ("Chargeback", "ORD-3", "-30.00", "-15.00"),
                ("Fee", "", "-10.00", "0.00", "Monthly fee"),
                ("Reserve", "", "-5.00", "0.00"),
                ("Mystery", "", "1.00", "0.00"),
            ]
        )

    def test_every_line_ends_matched_or_a_discrepancy_in_words(self):
        settlement = self._import(self._payout())
        self.assertEqual(settlement.state, "to_review")
        self.assertEqual(settlement.line_count, 8)
        self.assertEqual(settlement.unmatched_count, 0)
        order_1 = self._lines(settlement, line_type="order", order_ref="ORD-1")
        self.assertEqual(order_1.state, "matched")
        self.assertEqual(order_1.invoice_ids, self.invoices["ORD-1"])
        self.assertEqual(order_1.expected_amount, 100.0)
        refund = self._lines(settlement, line_type="refund")
        self.assertEqual(refund.state, "matched")
        self.assertEqual(refund.expected_amount, -20.0)
        self.assertEqual(
            self._lines(settlement, line_type="chargeback").state, "matched"
        )
        short = self._lines(settlement, order_ref="ORD-2")
        self.assertEqual(
            (short.state, short.reason_code, short.difference),
            ("discrepancy", "amount_mismatch", -5.0),
        )
        self.assertEqual(
            short.reason, "Order ORD-2 expected 50.00, settled 45.00: differs by -5.00."
        )
        missing = self._lines(settlement, order_ref="ORD-9")
        self.assertEqual(missing.reason_code, "missing_order")
        self.assertIn("ORD-9", missing.reason)
        unknown = self._lines(settlement, line_type="other")
        self.assertEqual(unknown.reason_code, "unknown_type")
        self.assertIn("Mystery", unknown.reason)
        self.assertEqual(settlement.discrepancy_count, 3)
        self.assertEqual(settlement.discrepancy_line_ids, short | missing | unknown)

    def test_same_payout_or_same_file_is_refused_naming_the_earlier_import(self):
        content = self._payout()
        first = self._import(content)
        with self.assertRaises(UserError) as caught:
            self._import(content, name="again.csv")
        self.assertRegex(str(caught.exception), "already imported on .* as ")
        other_file = content.replace(b"Monthly fee", b"Monthly fee (copy)")
        with self.assertRaises(UserError) as caught:
            self._import(other_file, name="edited.csv")
        self.assertIn("Payout PO-1 was already imported", str(caught.exception))
        self.assertEqual(
            self.env["retail.settlement"].search(
                [("backend_id", "=", self.provider.id)]
            ),
            first,
        )

    def test_malformed_file_is_refused_with_its_line_and_nothing_is_kept(self):
        content = self._csv(
            [("Sale", "ORD-1", "100.00", "-3.20"), ("Sale", "ORD-2", "4x5", "0")]
        )
        with self.assertRaises(UserError) as caught:
            self._import(content)
        self.assertIn("line 3", str(caught.exception))
        self.assertFalse(
            self.env["retail.settlement.line"].search(
                [("backend_id", "=", self.provider.id)]
            )
        )

    def test_order_settled_twice_is_a_duplicate(self):
        self._import(self._csv([("Sale", "ORD-1", "100.00", "-3.20")]))
        second = self._import(
            self._csv([("Sale", "ORD-1", "100.00", "-3.20")], payout="PO-2")
        )
        line = second.line_ids
        self.assertEqual((line.state, line.reason_code), ("discrepancy", "duplicate"))
        self.assertIn("PO-1", line.reason)

    def test_tolerance_matches_rounding_differences(self):
        settlement = self._import(self._csv([("Sale", "ORD-2", "49.99", "0")]))
        self.assertEqual(settlement.line_ids.state, "matched")
        self.provider.settlement_tolerance = 0.0
        settlement.action_match()
        self.assertEqual(settlement.line_ids.reason_code, "amount_mismatch")

    def test_finance_resolves_discrepancies_by_hand_and_by_write_off(self):
        settlement = self._import(self._payout())
        short = self._lines(settlement, order_ref="ORD-2")
        short.action_write_off()
        self.assertEqual(short.state, "written_off")
        missing = self._lines(settlement, order_ref="ORD-9")
        with self.assertRaisesRegex(UserError, "Pick the posted invoice"):
            missing.action_match_by_hand()
        missing.invoice_ids = self.invoices["ORD-3"]
        missing.action_match_by_hand()
        self.assertEqual(missing.state, "matched")
        self.assertTrue(missing.matched_by_hand)
        unknown = self._lines(settlement, line_type="other")
        unknown.action_write_off()
        self.assertEqual(settlement.state, "matched")
        settlement.action_match()
        self.assertEqual(missing.state, "matched", "matching again keeps hand work")

    def test_write_off_above_the_limit_is_refused(self):
        settlement = self._import(self._csv([("Sale", "ORD-1", "80.00", "0")]))
        with self.assertRaisesRegex(UserError, "above the write-off limit"):
            settlement.line_ids.action_write_off()


@tagged("post_install", "-at_install")
class TestSettlementPosting(SettlementCommon):
    def test_one_balanced_entry_reconciles_invoices_and_posts_once(self):
        credit_note = self._credit_note(self.invoices["ORD-1"], 20.0)
        settlement = self._import(
            self._csv(
                [
                    ("Sale", "ORD-1", "100.00", "-3.20"),
                    ("Sale", "ORD-2", "50.00", "-1.60"),
                    ("Refund", "ORD-1", "-20.00", "0.00"),
                    ("Chargeback", "ORD-3", "-30.00", "-15.00"),
                    ("Fee", "", "-10.00", "0.00"),
                    ("Reserve", "", "-5.00", "0.00"),
                    ("Payout", "", "-65.20", "0.00"),
                ]
            )
        )
        self.assertEqual(settlement.state, "matched")
        self.assertAlmostEqual(settlement.declared_total, 65.2)
        settlement.action_post()
        move = settlement.move_id
        self.assertEqual(move.state, "posted")
        self.assertEqual(settlement.state, "posted")

        def balance(account):
            return sum(
                move.line_ids.filtered(lambda line: line.account_id == account).mapped(
                    "balance"
                )
            )

        self.assertAlmostEqual(balance(self.clearing_account), 65.2)
        self.assertAlmostEqual(balance(self.fee_account), 3.2 + 1.6 + 15.0 + 10.0)
        self.assertAlmostEqual(balance(self.chargeback_account), 30.0)
        self.assertAlmostEqual(balance(self.reserve_account), 5.0)
        for document in self.invoices["ORD-1"] | self.invoices["ORD-2"] | credit_note:
            self.assertTrue(document.currency_id.is_zero(document.amount_residual))
        self.assertEqual(self.invoices["ORD-3"].payment_state, "not_paid")
        settlement.action_post()
        self.assertEqual(settlement.move_id, move, "posting again posts nothing")
        settlement.action_mark_reviewed()
        self.assertEqual(settlement.state, "reviewed")

    def test_posting_holds_a_chunk_of_lines_and_pays_every_document(self):
        """Posting reads a payout's lines and documents a chunk at a time,
        whatever module extends it: a 100,000-line payout is never held in
        memory whole. Its documents are still all paid, each reconciled with
        the entry's item of its partner, all in one full reconcile."""
        settlement = self._import(
            self._csv(
                [
                    ("Sale", "ORD-1", "100.00", "-3.20"),
                    ("Sale", "ORD-2", "50.00", "-1.60"),
                    ("Sale", "ORD-3", "30.00", "-1.00"),
                    ("Fee", "", "-10.00", "0.00"),
                    ("Payout", "", "-164.20", "0.00"),
                ]
            )
        )
        self.assertEqual(settlement.state, "matched")
        Line = self.env["retail.settlement.line"]
        self.env.invalidate_all()
        with patch.object(settlement_module, "CHUNK", 2):
            settlement.action_post()
            held = self.env.cache.get_records(Line, Line._fields["amount_net"])
        self.assertLessEqual(len(held), 2)
        invoices = self.env["account.move"].union(*self.invoices.values())
        for invoice in invoices:
            self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        receivables = invoices.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        item = settlement.move_id.line_ids.filtered(
            lambda line: line.account_id == receivables.account_id
        )
        self.assertEqual((len(item), item.partner_id), (1, self.customer))
        self.assertTrue(item.full_reconcile_id)
        self.assertEqual(item.full_reconcile_id.reconciled_line_ids, receivables | item)
        self.assertEqual(len(item.matched_debit_ids), 3)

    def test_invoice_paid_by_the_channel_is_settled_through_its_payment(self):
        invoice = self.invoices["ORD-2"]
        channel_journal = self.env["account.journal"].create(
            {"name": "Channel receipts", "code": "CHRC", "type": "bank"}
        )
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"journal_id": channel_journal.id})._create_payments()
        self.assertIn(invoice.payment_state, ("in_payment", "paid"))
        settlement = self._import(
            self._csv(
                [("Sale", "ORD-2", "50.00", "-1.60"), ("Payout", "", "-48.40", "0")]
            )
        )
        self.assertEqual(settlement.state, "matched")
        settlement.action_post()
        payment = invoice._get_reconciled_payments()
        outstanding = payment.move_id.line_ids.filtered(
            lambda line: line.account_id == payment.outstanding_account_id
        )
        self.assertTrue(outstanding.reconciled)

    def test_large_file_imports_in_a_background_job(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "retail_settlement.background_bytes", "100"
        )
        with trap_jobs() as trap:
            settlement = self._import(
                self._csv([("Sale", "ORD-1", "100.00", "-3.20")] * 1)
            )
            self.assertEqual(settlement.state, "importing")
            trap.assert_jobs_count(1)
            trap.perform_enqueued_jobs()
        self.assertEqual(settlement.state, "matched")
        # Progress is written on a side connection, for other sessions to read.
        with self.env.registry.cursor() as cr:
            cr.execute(
                "SELECT lines_read FROM retail_settlement_import_progress "
                "WHERE settlement_id = %s",
                (settlement.id,),
            )
            self.assertEqual(cr.fetchone(), (1,))
