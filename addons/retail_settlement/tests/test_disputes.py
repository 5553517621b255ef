# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import importlib.util
import json
import time
from pathlib import Path

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from ..adapters import stripe
from ..parsers import stripe as stripe_parser
from .common import SettlementCommon, SettlementFetchCommon

SYNC_EXCEPTION = "retail_connector_base.mail_activity_type_sync_exception"
MIGRATION = (
    Path(__file__).resolve().parents[1] / "migrations/18.0.1.3.0/post-migrate.py"
)


class DisputeAssertions:
    def _balance(self, account):
        lines = self.env["account.move.line"].search(
            [("account_id", "=", account.id), ("parent_state", "=", "posted")]
        )
        return round(sum(lines.mapped("balance")), 2)

    def _messages(self, record):
        return record.message_ids.mapped("body")

    def _dispute_messages(self, record):
        return [body for body in self._messages(record) if "Dispute" in body]


@tagged("post_install", "-at_install")
class TestDisputes(DisputeAssertions, SettlementCommon):
    """Disputes of a provider on the simulator's generic protocol, whose
    payouts (generic CSV) name the order of a chargeback but no dispute id."""

    def _dispute_message(self, payload, topic="disputes/update", key=None):
        """Store a dispute message as the generic webhook adapter would,
        then run the inbox job."""
        event = self.env["retail.event"]._receive(
            self.provider,
            topic,
            key or f"{topic}:{payload['id']}:{payload['status']}",
            json.dumps(payload),
            subject=payload["id"],
        )
        self.provider._process_events()
        return event

    def _generic_dispute(self, status, order="ORD-3", **values):
        return {
            "id": "dp-3",
            "order_id": order,
            "status": status,
            "amount": "30.00",
            "currency": self.currency.name,
            "reason": "fraudulent",
            "created_at": "2026-11-18T09:00:00Z",
            **values,
        }

    def test_chargeback_opens_the_dispute_and_the_platform_closes_it_lost(self):
        settlement = self._import(
            self._csv([("Chargeback", "ORD-3", "-30.00", "-15.00")])
        )
        line = settlement.line_ids
        self.assertEqual(line.state, "matched")
        dispute = line.dispute_id
        self.assertEqual(
            (dispute.state, dispute.amount, dispute.order_ref_id),
            ("opened", 30.0, self.invoices["ORD-3"]),
        )
        self.assertFalse(dispute.external_id, "the CSV names no dispute id")
        self.assertEqual(dispute.amount_charged_back, 30.0)
        invoice_notes = self._dispute_messages(self.invoices["ORD-3"])
        self.assertEqual(len(invoice_notes), 1)
        self.assertIn("opened", invoice_notes[0])

        event = self._dispute_message(self._generic_dispute("lost"))
        self.assertEqual(event.state, "done", event.last_error)
        self.assertEqual((event.res_model, event.res_id), (dispute._name, dispute.id))
        self.assertEqual(
            (dispute.external_id, dispute.state, dispute.platform_status),
            ("dp-3", "lost", "lost"),
            "the platform's message names the dispute the payout opened",
        )
        self.assertTrue(dispute.closed_at)
        self.assertEqual(len(self.env["retail.dispute"].search([])), 1)
        self.assertIn("lost", self._dispute_messages(self.invoices["ORD-3"])[0])

        # Matching again links nothing twice and says nothing twice.
        settlement.action_match()
        self.assertEqual((line.state, line.dispute_id), ("matched", dispute))
        self.assertEqual(len(self._dispute_messages(self.invoices["ORD-3"])), 2)

        settlement.action_post()
        self.assertEqual(self._balance(self.chargeback_account), 30.0, "lost: stays")

    def test_webhook_first_then_the_payout_line_joins_its_dispute(self):
        event = self._dispute_message(
            self._generic_dispute("under_review"), topic="disputes/create"
        )
        self.assertEqual(event.state, "done", event.last_error)
        dispute = self.env["retail.dispute"].browse(event.res_id)
        self.assertEqual((dispute.state, dispute.reason), ("opened", "fraudulent"))
        settlement = self._import(
            self._csv([("Chargeback", "ORD-3", "-30.00", "-15.00")])
        )
        self.assertEqual(settlement.line_ids.dispute_id, dispute)
        settlement.action_match()
        self.assertEqual(settlement.line_ids.dispute_id, dispute)
        self.assertEqual(len(self._dispute_messages(self.invoices["ORD-3"])), 1)
        # A late copy of an earlier status never reopens a closed dispute.
        self._dispute_message(self._generic_dispute("lost"))
        self._dispute_message(self._generic_dispute("under_review"), key="late-copy")
        self.assertEqual(dispute.state, "lost")

    def test_dispute_of_an_unknown_order_is_a_sync_exception(self):
        event = self._dispute_message(self._generic_dispute("open", order="ORD-404"))
        self.assertEqual(
            (event.state, event.failure_code), ("failed", "dispute_unknown_order")
        )
        self.assertIn("ORD-404", event.last_error)
        activity = self.env["mail.activity"].search(
            [("res_model", "=", event._name), ("res_id", "=", event.id)]
        )
        self.assertEqual(activity.activity_type_id, self.env.ref(SYNC_EXCEPTION))
        self.assertEqual(activity.user_id, self.provider.user_id)
        self.assertFalse(self.env["retail.dispute"].search([]))

    def test_malformed_dispute_is_a_sync_exception(self):
        event = self._dispute_message({"id": "dp-9", "status": "lost"})
        self.assertEqual(
            (event.state, event.failure_code), ("failed", "malformed_dispute")
        )

    def test_finance_reads_disputes_and_may_only_mark_them_lost(self):
        finance = self._create_retail_user("finance", "account.group_account_invoice")
        finance.groups_id |= self.env.ref(
            "retail_connector_base.retail_connector_group_user"
        )
        # Matched by a finance user, who cannot write disputes: the matching
        # opens the dispute all the same.
        self.env = self.env(user=finance)
        self._import(self._csv([("Chargeback", "ORD-3", "-30.00", "-15.00")]))
        dispute = self.env["retail.dispute"].search([])
        self.assertEqual(dispute.state, "opened")
        self.assertEqual(len(self._dispute_messages(self.invoices["ORD-3"])), 1)
        as_finance = dispute
        self.assertEqual(as_finance.amount, 30.0)
        with self.assertRaises(AccessError):
            as_finance.write({"amount": 1.0})
        with self.assertRaises(AccessError):
            dispute.with_user(self.retail_user).action_mark_lost()
        as_finance.action_mark_lost()
        self.assertEqual(
            (dispute.state, dispute.closed_by_id), ("lost", finance), "marked by hand"
        )
        as_finance.message_post(body="Evidence sent by post.")

    def test_upgrade_opens_the_disputes_of_chargebacks_settled_before(self):
        settlement = self._import(
            self._csv([("Chargeback", "ORD-3", "-30.00", "-15.00")])
        )
        settlement.action_post()
        # As 18.0.1.2.0 left them: no dispute.
        self.env.flush_all()
        self.env.cr.execute("UPDATE retail_settlement_line SET dispute_id = NULL")
        self.env.cr.execute("DELETE FROM retail_dispute")
        self.env.invalidate_all()
        spec = importlib.util.spec_from_file_location("post_migrate", MIGRATION)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.migrate(self.env.cr, "18.0.1.2.0")
        line = settlement.line_ids
        self.assertEqual(line.state, "matched", "what was booked stays as booked")
        self.assertEqual(
            (line.dispute_id.state, line.dispute_id.order_ref_id),
            ("opened", self.invoices["ORD-3"]),
        )

    def test_other_companies_disputes_are_not_seen(self):
        self._import(self._csv([("Chargeback", "ORD-3", "-30.00", "-15.00")]))
        other = self.env["res.company"].create({"name": "Other retail company"})
        outsider = self._create_retail_user(
            "other_finance", "account.group_account_invoice", company=other
        )
        self.assertEqual(self.env["retail.dispute"].search_count([]), 1)
        self.assertFalse(self.env["retail.dispute"].with_user(outsider).search([]))


@tagged("post_install", "-at_install")
class TestStripeDisputes(DisputeAssertions, SettlementFetchCommon, HttpCase):
    """A Stripe account: its payouts fetched from the simulator's Stripe
    mode, its dispute events delivered to the backend's webhook intake,
    signed as Stripe signs them."""

    PLATFORM = "stripe"
    TOKEN = "sk_test_disputes_0123456789"
    CREDENTIAL = "api_secret"
    WEBHOOK_SECRET = "whsec_stripe_test_0123456789"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider.webhook_secret = cls.WEBHOOK_SECRET

    def setUp(self):
        super().setUp()
        self.stripe = self.sim.platform
        self.invoice = self.invoices["ORD-1"]

    def _deliver(self, topic, dispute, event_id=None, timestamp=None, secret=None):
        """Post Stripe's event through the backend's webhook intake (verify,
        parse, store), then run the inbox job; what the intake answered."""
        body = json.dumps(self.stripe.event(topic, dispute, event_id)).encode()
        stamp = int(time.time() if timestamp is None else timestamp)
        signature = stripe.sign(secret or self.WEBHOOK_SECRET, stamp, body)
        headers = {"Stripe-Signature": f"t={stamp},v1={signature}"}
        reason = self.provider._webhook_verify(headers, body)
        if reason:
            return {"status": "refused", "reason": reason}
        answer = self.provider._webhook_receive(headers, body)
        self.provider._process_events()
        return answer

    def _fetch(self):
        before = self._settlements()
        self.flow._run()
        return self._settlements() - before

    def _charged_and_disputed(self):
        """ORD-1's 100.00 charge, paid out, then disputed."""
        charge = self.stripe.create_charge("ORD-1", "100.00")
        self.stripe.create_payout(
            charges=[{"charge": charge["id"], "amount": "100.00"}]
        )
        self._fetch()
        return self.stripe.create_dispute(charge["id"])

    def test_won_dispute_reverses_the_chargeback_to_zero(self):
        dispute = self._charged_and_disputed()
        answer = self._deliver("charge.dispute.created", dispute)
        self.assertEqual(answer["status"], "accepted")
        record = self.env["retail.dispute"].search(
            [("external_id", "=", dispute["id"])]
        )
        self.assertEqual(
            (record.state, record.order_ref_id, record.transaction_ref),
            ("opened", self.invoice, dispute["charge"]),
            "the order is found through the settled charge",
        )
        self.assertEqual(record.amount, 100.0)
        self.assertTrue(record.evidence_due_by)

        self.stripe.create_payout(disputes=[{"dispute": dispute["id"]}])
        withdrawn = self._fetch()
        line = withdrawn.line_ids.filtered(lambda line: line.line_type == "chargeback")
        self.assertEqual(
            (line.state, line.dispute_ref, line.dispute_id),
            ("matched", dispute["id"], record),
            "a Stripe dispute line names no order: its dispute does",
        )
        self.assertEqual(line.order_ref_id, self.invoice)
        withdrawn.action_post()
        self.assertEqual(self._balance(self.chargeback_account), 100.0)

        self._deliver(
            "charge.dispute.closed", self.stripe.close_dispute(dispute["id"], "won")
        )
        self.assertEqual(record.state, "won")
        self.stripe.create_payout(
            disputes=[{"dispute": dispute["id"], "reversal": True}]
        )
        reinstated = self._fetch()
        reversal = reinstated.line_ids.filtered(
            lambda line: line.line_type == "chargeback_reversal"
        )
        self.assertEqual((reversal.state, reversal.dispute_id), ("matched", record))
        reinstated.action_post()
        self.assertEqual(self._balance(self.chargeback_account), 0.0)
        self.assertEqual(
            (record.amount_charged_back, record.amount_reversed), (100.0, 100.0)
        )
        notes = self._dispute_messages(self.invoice)
        self.assertEqual(len(notes), 2, notes)
        self.assertIn("won", notes[0])
        self.assertIn("opened", notes[1])

    def test_reversal_in_a_payout_wins_a_dispute_stripe_has_not_closed_yet(self):
        dispute = self._charged_and_disputed()
        self.stripe.create_payout(disputes=[{"dispute": dispute["id"]}])
        self.stripe.create_payout(
            disputes=[{"dispute": dispute["id"], "reversal": True}]
        )
        settlements = self._fetch()
        self.assertEqual(len(settlements), 2)
        record = settlements.line_ids.dispute_id
        self.assertEqual(
            (record.external_id, record.state), (dispute["id"], "won"), record
        )
        self.assertEqual(record.order_ref_id, self.invoice)

    def test_replayed_webhooks_and_payout_lines_book_nothing_twice(self):
        dispute = self._charged_and_disputed()
        self._deliver("charge.dispute.created", dispute, event_id="evt_created_1")
        again = self._deliver(
            "charge.dispute.created", dispute, event_id="evt_created_1"
        )
        self.assertEqual(again["status"], "duplicate")
        # The same status in a new event (an update of the evidence) moves
        # nothing either.
        self._deliver("charge.dispute.updated", dispute, event_id="evt_updated_1")
        record = self.env["retail.dispute"].search([])
        self.assertEqual((len(record), record.state), (1, "opened"))
        self.assertEqual(len(self._dispute_messages(self.invoice)), 1)

        payout = self.stripe.create_payout(disputes=[{"dispute": dispute["id"]}])
        first = self._fetch()
        first.action_post()
        self.assertEqual(self._balance(self.chargeback_account), 100.0)
        # The same balance transaction in another payout document.
        transactions = [
            {key: value for key, value in transaction.items() if key != "_payout"}
            for transaction in self.stripe.transactions[payout["id"]]
            if transaction["reporting_category"] != "payout"
        ]
        replay = self._import(
            stripe_parser.document(dict(payout, id="po_replayed"), transactions),
            name="replayed.json",
            source="stripe",
        )
        line = replay.line_ids.filtered(lambda line: line.line_type == "chargeback")
        self.assertEqual(
            (line.state, line.reason_code, line.dispute_id),
            ("discrepancy", "duplicate", record),
        )
        self.assertIn(first.display_name, line.reason)
        replay.action_post()
        self.assertEqual(
            self._balance(self.chargeback_account), 100.0, "booked once, not twice"
        )
        self.assertEqual(record.amount_charged_back, 100.0)

    def test_order_of_a_charge_not_paid_out_is_asked_from_stripe(self):
        charge = self.stripe.create_charge("ORD-2", "50.00")
        dispute = self.stripe.create_dispute(
            charge["id"], reason="product_not_received"
        )
        self._deliver("charge.dispute.created", dispute)
        record = self.env["retail.dispute"].search([])
        self.assertEqual(
            (record.order_ref_id, record.reason),
            (self.invoices["ORD-2"], "product_not_received"),
        )
        self.assertEqual(self._calls("/v1/charges/<key>"), 1)

    def test_bad_signatures_and_other_events(self):
        dispute = self._charged_and_disputed()
        refused = self._deliver("charge.dispute.created", dispute, secret="whsec_wrong")
        self.assertEqual(refused["reason"], "signature does not match")
        stale = self._deliver(
            "charge.dispute.created", dispute, timestamp=time.time() - 3600
        )
        self.assertIn("replay refused", stale["reason"])
        other = self._deliver("payout.paid", {"id": "po_1", "object": "payout"})
        self.assertEqual(other["status"], "ignored")
        self.assertFalse(
            self.env["retail.event"].search([("backend_id", "=", self.provider.id)])
        )
