# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, timezone

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.retail_connector_base.adapters.shopify import API_VERSION

from ..models.retail_settlement_fetch import FETCH_LOOKBACK_SECONDS
from .common import SettlementFetchCommon

PAYOUTS = "ShopifyPaymentsPayouts"
TRANSACTIONS = "ShopifyPaymentsBalanceTransactions"


@tagged("post_install", "-at_install")
class TestSettlementFetchShopify(SettlementFetchCommon, HttpCase):
    """The Settlements in flow of a Shopify Payments backend against the
    simulator's Shopify mode."""

    PLATFORM = "shopify"
    TOKEN = "shpat_fetch_0123456789"
    CREDENTIAL = "access_token"
    CREDENTIAL_LABEL = "Access token"
    PAYOUTS_PATH = "/graphql.json"

    def _order(self, total):
        """A shop order, bound to a posted invoice as an imported order is."""
        order = self.sim.create_order(
            lines=[{"sku": "SKU-1", "quantity": 1, "price": total}],
            shipping=None,
            tax_rate="0",
        )
        self._bound_invoice(str(order["id"]), float(total))
        return order

    def _calls(self, operation):
        """GraphQL requests of ``operation`` the shop answered."""
        return self.sim.stats()["graphql"].get(operation, 0)

    def _payout_searches(self):
        """The search of each payouts page asked for."""
        return [
            call["variables"]["query"]
            for call in self.sim.platform.graphql_calls
            if (call["variables"].get("query") or "").startswith("status:")
        ]

    def _created(self, payout):
        return self.provider._adapter("payouts").payout_created(payout)

    def _payout(self, *charges, **options):
        """A payout of charges ``(order, fee)``, paid unless told otherwise."""
        return self.sim.platform.create_payout(
            charges=[{"order": order["id"], "fee": fee} for order, fee in charges],
            **options,
        )

    def test_the_shop_address_is_left_to_enter(self):
        backend = self.env["retail.backend"].create(
            {
                "name": "Shopify Payments EU",
                "kind": "payment",
                "platform": "shopify",
                "settlement_fetch": True,
                "access_token": self.TOKEN,
            }
        )
        self.assertFalse(backend.api_url)
        self.assertEqual(backend._get_flow_mode("settlements_in"), "batch")
        flow = backend.flow_ids.filtered(lambda f: f.flow == "settlements_in")
        self.assertTrue(flow._run().startswith("failed:"))
        self.assertIn("no API base URL", flow.last_error)
        self.assertIn("Shopify Payments", flow.last_error)

    def test_paid_payouts_become_matched_settlements(self):
        one, two, three = (
            self._order("100.00"),
            self._order("50.00"),
            self._order("30.00"),
        )
        first = self._payout((one, "3.20"), (two, "1.75"))
        second = self._payout((three, "1.00"))
        self._payout((one, "0.50"), status="in_transit")
        result = self.flow._run()
        settlements = self._settlements()
        self.assertEqual(
            settlements.mapped("external_id"),
            [str(first["id"]), str(second["id"])],
            result,
        )
        self.assertEqual(settlements.mapped("state"), ["matched", "matched"])
        self.assertEqual(
            settlements.mapped("source"), ["shopify_payments", "shopify_payments"]
        )
        settlement = settlements[0]
        self.assertAlmostEqual(settlement.declared_total, 145.05)
        self.assertEqual(settlement.deposit_date.isoformat(), first["date"])
        self.assertEqual(
            sorted(settlement.line_ids.mapped("line_type")),
            ["order", "order", "payout"],
        )
        self.assertEqual(set(settlement.line_ids.mapped("state")), {"matched"})
        charge = settlement.line_ids.filtered(
            lambda line: line.order_ref == str(one["id"])
        )
        self.assertAlmostEqual(charge.amount_fee, -3.20)
        self.assertEqual(charge.invoice_ids.amount_total, 100.0)
        self.assertEqual(
            settlement.attachment_id.name, f"shopify_payments-{first['id']}.json"
        )
        self.assertEqual(self.flow.checkpoint, str(self._created(second)))
        self.assertFalse(self.flow.last_error)
        self.assertEqual(self._calls(TRANSACTIONS), 2)
        self.assertIn(
            f"/admin/api/{API_VERSION}/graphql.json", self._payout_list_urls()[0]
        )

    def test_refunds_chargebacks_and_adjustments_add_up(self):
        one, two = self._order("100.00"), self._order("50.00")
        payout = self.sim.platform.create_payout(
            charges=[{"order": one["id"], "fee": "3.20"}],
            refunds=[{"order": one["id"], "amount": "20.00"}],
            disputes=[{"order": two["id"], "amount": "50.00", "fee": "15.00"}],
            adjustments=[{"amount": "-2.50", "reason": "tax_adjustment"}],
        )
        self.flow._run()
        settlement = self._settlements()
        self.assertEqual(settlement.external_id, str(payout["id"]))
        self.assertAlmostEqual(settlement.declared_total, 9.30)
        lines = {line.line_type: line for line in settlement.line_ids}
        self.assertEqual(
            sorted(lines), ["adjustment", "chargeback", "order", "payout", "refund"]
        )
        self.assertAlmostEqual(lines["chargeback"].amount_net, -65.0)
        self.assertAlmostEqual(lines["chargeback"].amount_fee, -15.0)
        self.assertEqual(lines["refund"].order_ref, str(one["id"]))
        self.assertAlmostEqual(lines["payout"].amount_gross, -9.30)

    def test_second_run_fetches_nothing_new_and_then_only_the_new_payout(self):
        one, two = self._order("100.00"), self._order("50.00")
        first = self._payout((one, "3.20"))
        self.flow._run()
        checkpoint = self.flow.checkpoint
        self.assertEqual(checkpoint, str(self._created(first)))
        self.flow._run()
        self.assertEqual(len(self._settlements()), 1)
        self.assertEqual(self._calls(TRANSACTIONS), 1)
        since = datetime.fromtimestamp(
            int(checkpoint) - FETCH_LOOKBACK_SECONDS, timezone.utc
        ).date()
        self.assertEqual(
            self._payout_searches()[-1], f"status:paid issued_at:>={since.isoformat()}"
        )
        later = self._payout((two, "1.75"))
        self.flow._run()
        self.assertEqual(
            self._settlements().mapped("external_id"),
            [str(first["id"]), str(later["id"])],
        )
        self.assertEqual(self._calls(TRANSACTIONS), 2)
        self.assertEqual(self.flow.checkpoint, str(self._created(later)))

    def test_pages_and_a_batch_of_payouts_per_run(self):
        self.flow.batch_size = 2
        one, two, three = (
            self._order("100.00"),
            self._order("50.00"),
            self._order("30.00"),
        )
        payouts = [
            self._payout(
                (one, "3.20"), (two, "1.75"), adjustments=[{"amount": "-1.00"}]
            ),
            self._payout((three, "1.00")),
            self._payout((two, "1.75")),
        ]
        self.flow._run()
        # Three payouts listed two at a time; the first payout's three
        # transactions two at a time, the second's one in one page.
        self.assertEqual(self._calls(PAYOUTS), 2)
        self.assertEqual(self._calls(TRANSACTIONS), 3)
        settlements = self._settlements()
        self.assertEqual(
            settlements.mapped("external_id"), [str(p["id"]) for p in payouts[:2]]
        )
        self.assertEqual(settlements[0].line_count, 4)
        self.assertEqual(self.flow.checkpoint, str(self._created(payouts[1])))
        self.flow._run()
        settlements = self._settlements()
        self.assertEqual(
            settlements.mapped("external_id"), [str(p["id"]) for p in payouts]
        )
        # Order two settled by the first payout already: a duplicate.
        self.assertEqual(settlements[2].state, "to_review")

    def test_payout_not_paid_yet_is_fetched_once_paid(self):
        one, two = self._order("100.00"), self._order("50.00")
        scheduled = self._payout((one, "3.20"), status="scheduled")
        paid = self._payout((two, "1.75"))
        self.flow._run()
        self.assertEqual(self._settlements().mapped("external_id"), [str(paid["id"])])
        self.assertEqual(self.flow.checkpoint, str(self._created(paid)))
        self.sim.platform.set_payout_status(scheduled["id"], "paid")
        self.flow._run()
        self.assertEqual(
            self._settlements().mapped("external_id"),
            [str(paid["id"]), str(scheduled["id"])],
        )
        self.assertEqual(self._calls(TRANSACTIONS), 2)

    def test_refused_token_leaves_a_clear_failure_and_one_activity(self):
        self._payout((self._order("100.00"), "3.20"))
        self.provider.access_token = "shpat_revoked"
        self._assert_refused_once("Shopify Payments")

    def test_failing_call_leaves_nothing_half_imported(self):
        first = self._payout((self._order("100.00"), "3.20"))
        second = self._payout((self._order("30.00"), "1.00"))
        self.sim.configure(failing_payouts={second["id"]: 503})
        self.flow._run()
        self.assertEqual(self._settlements().mapped("external_id"), [str(first["id"])])
        self.assertEqual(self.flow.checkpoint, str(self._created(first)))
        self.sim.configure(failing_payouts={})
        self.flow._run()
        self.assertEqual(
            self._settlements().mapped("external_id"),
            [str(first["id"]), str(second["id"])],
        )

    def test_the_shops_api_version_and_token_serve_the_payouts(self):
        """One Shopify backend: the token, shop address and API version its
        orders use are the payouts' too."""
        self._payout((self._order("100.00"), "3.20"))
        self.provider.api_version = "2025-04"
        self.flow._run()
        self.assertEqual(len(self._settlements()), 1)
        self.assertIn("/admin/api/2025-04/graphql.json", self._payout_list_urls()[-1])
        self.assertEqual(
            self.provider._get_request_headers(),
            {"X-Shopify-Access-Token": self.TOKEN},
        )

    def test_connection_test_names_the_payouts_scope(self):
        """Test that Test connection on a shop fetching its payouts asks for
        the payouts scope, naming the flow that needs it, and that a fetch
        without it fails saying so."""
        action = self.provider.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.sim.configure(access_scopes=["read_orders"])
        with self.assertRaisesRegex(
            UserError, r"read_shopify_payments_payouts \(for Settlements in\)"
        ):
            self.provider.action_test_connection()
        result = self.flow._run()
        self.assertTrue(result.startswith("failed:"), result)
        self.assertIn("read_shopify_payments_payouts", self.flow.last_error)
