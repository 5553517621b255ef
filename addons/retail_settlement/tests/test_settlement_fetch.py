# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.exception import RetryableJobError

from ..adapters import stripe
from ..models.retail_settlement_fetch import FETCH_LOOKBACK_SECONDS
from .common import SettlementFetchCommon


@tagged("post_install", "-at_install")
class TestSettlementFetch(SettlementFetchCommon, HttpCase):
    """The Settlements in flow of a Stripe backend against the simulator's
    Stripe mode."""

    PLATFORM = "stripe"
    TOKEN = "sk_test_fetch_0123456789"
    CREDENTIAL = "api_secret"
    CREDENTIAL_LABEL = "API secret"
    PAYOUTS_PATH = "/v1/payouts"

    def _payout(self, *orders, **options):
        """A paid payout of charges ``(order, amount, fee)``."""
        return self.sim.platform.create_payout(
            charges=[
                {"order": order, "amount": amount, "fee": fee}
                for order, amount, fee in orders
            ],
            **options,
        )

    def test_fetching_payouts_sets_up_the_hourly_batch_flow(self):
        self.assertEqual(
            (self.flow.mode, self.flow.interval_minutes), ("batch", 60), self.flow
        )
        backend = self.env["retail.backend"].create(
            {
                "name": "Stripe EU",
                "kind": "payment",
                "platform": "stripe",
                "settlement_fetch": True,
            }
        )
        self.assertTrue(backend.settlement_can_fetch)
        self.assertEqual(backend.api_url, stripe.DEFAULT_URL)
        self.assertEqual(backend._get_flow_mode("settlements_in"), "batch")
        uploads_only = self.env["retail.backend"].create(
            {"name": "PayPal", "kind": "payment"}
        )
        self.assertFalse(uploads_only.settlement_can_fetch)
        self.assertEqual(uploads_only._get_flow_mode("settlements_in"), "off")

    def test_paid_payouts_become_matched_settlements(self):
        first = self._payout(("ORD-1", "100.00", "3.20"), ("ORD-2", "50.00", "1.75"))
        second = self._payout(("ORD-3", "30.00", "1.00"))
        self._payout(("ORD-9", "12.00", "0.50"), status="in_transit")
        result = self.flow._run()
        settlements = self._settlements()
        self.assertEqual(
            settlements.mapped("external_id"), [first["id"], second["id"]], result
        )
        self.assertEqual(settlements.mapped("state"), ["matched", "matched"])
        self.assertEqual(settlements.mapped("source"), ["stripe", "stripe"])
        one = settlements[0]
        self.assertAlmostEqual(one.declared_total, 145.05)
        self.assertEqual(
            sorted(one.line_ids.mapped("line_type")), ["order", "order", "payout"]
        )
        self.assertEqual(set(one.line_ids.mapped("state")), {"matched"})
        self.assertEqual(
            one.line_ids.filtered(lambda line: line.order_ref == "ORD-1").invoice_ids,
            self.invoices["ORD-1"],
        )
        self.assertEqual(one.attachment_id.name, f"stripe-{first['id']}.json")
        self.assertEqual(one.file_name, one.attachment_id.name)
        self.assertTrue(one.file_sha256)
        self.assertEqual(self.flow.checkpoint, str(second["created"]))
        self.assertFalse(self.flow.last_error)
        self.assertEqual(
            set(self.sim.stats()["stripe_versions"]), {stripe.DEFAULT_VERSION}
        )
        self.assertEqual(self._calls("/v1/balance_transactions"), 2)

    def test_second_run_fetches_nothing_new_and_then_only_the_new_payout(self):
        first = self._payout(("ORD-1", "100.00", "3.20"))
        self.flow._run()
        checkpoint = self.flow.checkpoint
        self.assertEqual(checkpoint, str(first["created"]))
        self.flow._run()
        self.assertEqual(len(self._settlements()), 1)
        self.assertEqual(self._calls("/v1/balance_transactions"), 1)
        since = int(checkpoint) - FETCH_LOOKBACK_SECONDS
        self.assertIn(f"created%5Bgte%5D={since}", self._payout_list_urls()[-1])
        self.assertIn("status=paid", self._payout_list_urls()[-1])
        later = self._payout(("ORD-2", "50.00", "1.75"))
        self.flow._run()
        settlements = self._settlements()
        self.assertEqual(settlements.mapped("external_id"), [first["id"], later["id"]])
        self.assertEqual(self._calls("/v1/balance_transactions"), 2)
        self.assertEqual(self.flow.checkpoint, str(later["created"]))

    def test_uploaded_payout_is_skipped_silently(self):
        payout = self._payout(("ORD-1", "100.00", "3.20"))
        uploaded = self._import(
            self.provider._adapter("payouts").payout_document(payout),
            name="payout.json",
            source="stripe",
        )
        self.assertEqual(uploaded.state, "matched")
        calls = self._calls("/v1/balance_transactions")
        self.assertEqual(self.flow._run(), f"checkpoint {payout['created']}")
        self.assertEqual(self._settlements(), uploaded)
        self.assertEqual(self._calls("/v1/balance_transactions"), calls)

    def test_pagination_and_a_batch_of_payouts_per_run(self):
        self.flow.batch_size = 2
        payouts = [
            self._payout(("ORD-1", "100.00", "3.20"), ("ORD-2", "50.00", "1.75")),
            self._payout(("ORD-3", "30.00", "1.00")),
            self._payout(("ORD-2", "50.00", "1.75")),
        ]
        self.flow._run()
        # Three payouts listed two at a time; the first payout's three
        # transactions (two charges, the payout) two at a time, the second's
        # two in one page.
        self.assertEqual(self._calls("/v1/payouts"), 2)
        self.assertEqual(self._calls("/v1/balance_transactions"), 3)
        settlements = self._settlements()
        self.assertEqual(
            settlements.mapped("external_id"), [p["id"] for p in payouts[:2]]
        )
        self.assertEqual(settlements[0].line_count, 3)
        self.assertEqual(self.flow.checkpoint, str(payouts[1]["created"]))
        self.flow._run()
        settlements = self._settlements()
        self.assertEqual(settlements.mapped("external_id"), [p["id"] for p in payouts])
        # ORD-2 settled by the first payout already: a duplicate.
        self.assertEqual(settlements[2].state, "to_review")
        self.assertEqual(self.flow.checkpoint, str(payouts[2]["created"]))

    def test_refused_key_leaves_a_clear_failure_and_one_activity(self):
        self._payout(("ORD-1", "100.00", "3.20"))
        self.provider.api_secret = "sk_test_revoked"
        self._assert_refused_once("Stripe")

    def test_failing_call_leaves_nothing_half_imported(self):
        first = self._payout(("ORD-1", "100.00", "3.20"))
        second = self._payout(("ORD-3", "30.00", "1.00"))
        self.sim.configure(failing_payouts={second["id"]: 503})
        self.flow._run()
        settlements = self._settlements()
        self.assertEqual(settlements.mapped("external_id"), [first["id"]])
        self.assertFalse(
            self.env["ir.attachment"].search(
                [("name", "=", f"stripe-{second['id']}.json")]
            )
        )
        self.assertEqual(self.flow.checkpoint, str(first["created"]))
        self.sim.configure(failing_payouts={})
        self.flow._run()
        self.assertEqual(
            self._settlements().mapped("external_id"), [first["id"], second["id"]]
        )
        self.assertEqual(self._settlements().mapped("state"), ["matched", "matched"])

    def test_provider_down_is_retried_later_with_nothing_kept(self):
        payout = self._payout(("ORD-1", "100.00", "3.20"))
        self.sim.configure(failing_payouts={payout["id"]: 503})
        with self.assertRaises(RetryableJobError):
            self.flow._run()
        self.assertFalse(self._settlements())
        self.assertFalse(self.flow.checkpoint)
        self.assertFalse(
            self.env["ir.attachment"].search(
                [("name", "=", f"stripe-{payout['id']}.json")]
            )
        )

    def test_refused_document_is_kept_failed_with_an_activity_and_not_refetched(self):
        payout = self._payout(("ORD-1", "100.00", "3.20"), currency="zzz")
        self.flow._run()
        failed = self._settlements()
        self.assertEqual(failed.state, "error")
        self.assertFalse(failed.line_ids)
        self.assertIn("ISO 4217", failed.import_error)
        self.assertEqual(failed.file_name, f"stripe-{payout['id']}.json")
        activity = failed.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn(payout["id"], activity.summary)
        self.flow._run()
        self.assertEqual(self._settlements(), failed)
        self.assertEqual(self._calls("/v1/balance_transactions"), 1)

    def test_backend_without_source_or_key_says_what_to_set(self):
        self.provider.api_secret = False
        self.assertTrue(self.flow._run().startswith("failed:"))
        self.assertIn("no API secret", self.flow.last_error)
        self.provider.settlement_fetch = False
        self.flow._run()
        self.assertIn("Fetch payouts", self.flow.last_error)

    def test_provider_down_past_the_attempts_leaves_one_activity(self):
        payout = self._payout(("ORD-1", "100.00", "3.20"))
        self.sim.configure(failing_payouts={payout["id"]: 503})
        self.provider.max_attempts = 1
        for _run in range(2):
            result = self.flow._run()
        self.assertTrue(result.startswith("failed after 1 attempts"), result)
        self.assertIn("503", self.flow.last_error)
        self.assertFalse(self.flow.checkpoint)
        self.assertFalse(self._settlements())
        activity = self.env["retail.exception.activity"]._open(
            self.provider, "payout_fetch"
        )
        self.assertEqual(len(activity), 1)
        self.assertIn("payouts could not be fetched", activity.summary)
        # Back: the payout is fetched and the activity closed.
        self.sim.configure(failing_payouts={})
        self.assertEqual(self.flow._run(), f"checkpoint {payout['created']}")
        self.assertEqual(self._settlements().external_id, payout["id"])
        self.assertFalse(activity.exists())
