# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import json
from datetime import datetime, timezone

from odoo.tests import tagged

from odoo.addons.retail_marketplace.adapters import shopify
from odoo.addons.retail_marketplace.tests.common import MarketplaceCommon

SHOP = "retail-test.myshopify.com"
SHOP_SECRET = "shpss_disputes_0123456789"


@tagged("post_install", "-at_install")
class TestShopifyDisputes(MarketplaceCommon):
    """A Shopify shop's disputes, delivered to its backend's webhook intake
    signed as Shopify signs them, on an order of the shop."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop = cls._prepare_backend(
            platform="shopify",
            api_url=f"https://{SHOP}",
            webhook_secret=SHOP_SECRET,
        )

    def setUp(self):
        super().setUp()
        self._deliver(self._order_payload("5001"))
        self.sale = self._sale("5001")
        # The shop's order 5001 is the sale order the generic channel booked.
        self.env["retail.order.binding"].create(
            {
                "backend_id": self.shop.id,
                "external_id": "5001",
                "res_model": self.sale._name,
                "res_id": self.sale.id,
            }
        )

    def _dispute(self, status, order_id=5001, **values):
        """A REST Dispute resource, the body of Shopify's dispute topics."""
        return {
            "id": 4201,
            "order_id": order_id,
            "type": "chargeback",
            "amount": "50.00",
            "currency": self.currency,
            "reason": "fraudulent",
            "network_reason_code": "4837",
            "status": status,
            "evidence_due_by": "2026-12-01T00:00:00-05:00",
            "evidence_sent_on": None,
            "finalized_on": None,
            "initiated_at": "2026-11-18T10:00:00-05:00",
            **values,
        }

    def _webhook(self, topic, payload):
        """Deliver ``payload`` through the shop backend's webhook intake
        (signature, shop and time checked), then run the inbox job."""
        body = json.dumps(payload).encode()
        headers = {
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": shopify.sign(SHOP_SECRET, body),
            "X-Shopify-Shop-Domain": SHOP,
            "X-Shopify-Triggered-At": datetime.now(timezone.utc).isoformat(),
            "X-Shopify-Webhook-Id": f"wh-{topic}-{payload['status']}",
        }
        self.assertIsNone(self.shop._webhook_verify(headers, body))
        answer = self.shop._webhook_receive(headers, body)
        self.shop._process_events()
        return answer

    def _events(self):
        return self.env["retail.event"].search([("backend_id", "=", self.shop.id)])

    def test_the_order_shows_its_dispute_opened_then_won(self):
        self.assertEqual(self.sale.retail_dispute_count, 0)
        answer = self._webhook("disputes/create", self._dispute("needs_response"))
        self.assertEqual(answer["status"], "accepted")
        event = self._events()
        self.assertEqual(event.state, "done", event.last_error)
        dispute = self.sale.retail_dispute_ids
        self.assertEqual(self.sale.retail_dispute_count, 1)
        self.assertEqual(
            (dispute.external_id, dispute.state, dispute.amount, dispute.reason),
            ("4201", "opened", 50.0, "fraudulent"),
        )
        self.assertEqual(dispute.evidence_due_by, datetime(2026, 12, 1, 5, 0))
        action = self.sale.action_open_retail_disputes()
        self.assertEqual(
            (action["res_model"], action["res_id"]), (dispute._name, dispute.id)
        )
        notes = [
            body for body in self.sale.message_ids.mapped("body") if "4201" in body
        ]
        self.assertEqual(len(notes), 1)
        self.assertIn("opened", notes[0])

        # Replayed: the same body stores nothing new.
        again = self._webhook("disputes/create", self._dispute("needs_response"))
        self.assertEqual(again["status"], "duplicate")

        self._webhook(
            "disputes/update",
            self._dispute("won", finalized_on="2026-12-10T00:00:00-05:00"),
        )
        self.assertEqual(dispute.state, "won")
        self.assertEqual(dispute.closed_at, datetime(2026, 12, 10, 5, 0))
        self.assertIn("won", self.sale.message_ids[0].body)

    def test_accepted_chargeback_is_lost_and_its_payout_line_joins_it(self):
        self._webhook("disputes/create", self._dispute("needs_response"))
        self._webhook("disputes/update", self._dispute("accepted"))
        dispute = self.sale.retail_dispute_ids
        self.assertEqual((dispute.state, dispute.platform_status), ("lost", "accepted"))
        payout = {
            "payout": {
                "id": 9001,
                "status": "paid",
                "date": "2026-11-20",
                "currency": self.currency,
                "amount": "-65.00",
            },
            "transactions": [
                {
                    "id": 7001,
                    "type": "dispute",
                    "payout_id": 9001,
                    "currency": self.currency,
                    "amount": "-50.00",
                    "fee": "15.00",
                    "net": "-65.00",
                    "source_id": 4201,
                    "source_type": "dispute",
                    "source_order_id": 5001,
                    "source_order_transaction_id": None,
                    "processed_at": "2026-11-19T08:00:00-05:00",
                }
            ],
        }
        wizard = self.env["retail.settlement.import"].create(
            {
                "backend_id": self.shop.id,
                "file": base64.b64encode(json.dumps(payout).encode()),
                "file_name": "payout-9001.json",
                "source": "shopify_payments",
            }
        )
        settlement = self.env["retail.settlement"].browse(
            wizard.action_import()["res_id"]
        )
        line = settlement.line_ids.filtered(lambda line: line.line_type == "chargeback")
        self.assertEqual(
            (line.state, line.dispute_ref, line.dispute_id, line.order_ref_id),
            ("matched", "4201", dispute, self.sale),
        )
        self.assertEqual(dispute.state, "lost", "the withdrawal changes nothing")

    def test_dispute_of_an_order_the_shop_never_sent_is_a_sync_exception(self):
        self._webhook("disputes/create", self._dispute("needs_response", order_id=77))
        event = self._events()
        self.assertEqual(
            (event.state, event.failure_code), ("failed", "dispute_unknown_order")
        )
        self.assertTrue(event.activity_ids)
        self.assertEqual(self.sale.retail_dispute_count, 0)
