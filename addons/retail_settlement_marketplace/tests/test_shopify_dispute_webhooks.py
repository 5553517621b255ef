# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The settlement module's dispute topics in the webhook subscriptions the
marketplace module registers for a Shopify shop, against the simulator."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.retail_marketplace.tests.test_shopify_simulator import (
    ORDER_TOPICS,
    ShopifySimulatorCommon,
)

DISPUTE_TOPICS = ["DISPUTES_CREATE", "DISPUTES_UPDATE"]


@tagged("post_install", "-at_install")
class TestShopifyDisputeWebhooks(ShopifySimulatorCommon):
    def _topics(self):
        return sorted(
            entry["topic"]
            for entry in self.sim.stats()["webhook_subscriptions"]
            if entry["uri"] == self.backend.webhook_url
        )

    def _follow_payouts(self, mode):
        self.backend.settlement_fetch = True
        self.backend.flow_ids.filtered(lambda f: f.flow == "settlements_in").mode = mode

    def test_a_shop_whose_payouts_are_followed_subscribes_to_its_disputes(self):
        """Test that a shop's registration adds the dispute topics to its
        order topics once its payouts are followed, that a dispute Shopify
        then sends reaches the backend's inbox, and that the topics go once
        the payouts are no longer followed."""
        self.backend.action_sync_webhooks()
        self.assertEqual(self._topics(), ORDER_TOPICS)
        self._follow_payouts("batch")
        self.backend.action_sync_webhooks()
        self.assertEqual(self._topics(), sorted(ORDER_TOPICS + DISPUTE_TOPICS))
        # The test server reads the database, which the ORM has not written to yet.
        self.env.flush_all()
        dispute = {
            "id": 4201,
            "order_id": 5001,
            "type": "chargeback",
            "amount": "50.00",
            "currency": self.currency,
            "reason": "fraudulent",
            "status": "needs_response",
            "initiated_at": "2026-11-18T10:00:00-05:00",
            "finalized_on": None,
        }
        self.assertEqual(self.sim.send_webhook("disputes/create", dispute), [200])
        event = self.env["retail.event"].search(
            [("backend_id", "=", self.backend.id), ("topic", "=", "disputes/create")]
        )
        self.assertEqual(event.subject_key, "4201")
        self._follow_payouts("off")
        self.backend.action_sync_webhooks()
        self.assertEqual(self._topics(), ORDER_TOPICS)

    def test_the_disputes_scope_is_named_with_the_flow_that_needs_it(self):
        """Test that Test connection names the disputes scope for a shop
        whose payouts are followed, and that a registration Shopify refuses
        for want of it says so."""
        self._follow_payouts("batch")
        granted = [
            scope
            for scope in self.sim.config["access_scopes"]
            if scope != "read_shopify_payments_disputes"
        ]
        self.sim.configure(access_scopes=granted)
        with self.assertRaisesRegex(
            UserError, r"read_shopify_payments_disputes \(for Settlements in\)"
        ):
            self.backend.action_test_connection()
        with self.assertRaisesRegex(UserError, "read_shopify_payments_disputes"):
            self.backend.action_sync_webhooks()
