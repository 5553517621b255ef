# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo.tests import HttpCase, tagged

from odoo.addons.retail_connector_base.tests.scripted_server import ScriptedServer

from .common import MarketplaceCommon


@tagged("post_install", "-at_install")
class TestMarketplaceBackend(MarketplaceCommon, HttpCase):
    """HttpCase: the outbound client's throttle commits on its own cursor."""

    def test_woocommerce_backends_always_poll_orders(self):
        backend = self._prepare_backend(platform="woocommerce")
        self.assertEqual(backend._get_flow_mode("orders_in"), "batch")

    def test_shopify_backends_start_with_shopifys_bucket(self):
        backend = self._prepare_backend(platform="shopify")
        self.assertEqual((backend.rate_limit, backend.rate_burst), (2.0, 40))
        self.assertEqual(backend.api_version, "2026-10")
        pinned = self._prepare_backend(
            platform="shopify", rate_burst=5, api_version="2026-01"
        )
        self.assertEqual((pinned.rate_burst, pinned.api_version), (5, "2026-01"))
        self.assertEqual(pinned._adapter("marketplace").api_version, "2026-01")
        simulator = self._prepare_backend()
        self.assertEqual(simulator.rate_burst, 10, "the field's default")

    def test_each_platform_has_its_marketplace_adapter(self):
        for platform, poll_always in (
            ("simulator", False),
            ("shopify", False),
            ("woocommerce", True),
        ):
            adapter = self._prepare_backend(platform=platform)._adapter("marketplace")
            self.assertEqual(adapter.platform, platform)
            self.assertEqual(adapter.poll_always, poll_always)

    def test_scheduled_stock_flow_publishes(self):
        self.env["retail.product.binding"]._bind(self.backend, "SKU-1", self.product_a)
        self.backend.access_token = "sim-token"
        flow = self.backend.flow_ids.filtered(lambda flow: flow.flow == "stock_out")
        with ScriptedServer() as server:
            self.backend.api_url = server.url
            flow._run()
        self.assertEqual(
            json.loads(server.received[0]["body"]),
            {"items": [{"sku": "SKU-1", "quantity": 50}]},
        )
        self.assertTrue(flow.last_success_at)

    def test_poll_stores_each_order_version_once(self):
        flow = self.backend.flow_ids.filtered(lambda flow: flow.flow == "orders_in")
        page = {
            "orders": [self._order_payload(), self._order_payload(order_id="5002")],
            "next_cursor": None,
        }
        with ScriptedServer() as server:
            self.backend.write({"api_url": server.url, "access_token": "sim-token"})
            server.script((200, {}, page), (200, {}, page))
            flow._run()
            flow._run()
        events = self.env["retail.event"].search([("backend_id", "=", self.backend.id)])
        self.assertEqual(sorted(events.mapped("subject_key")), ["5001", "5002"])
        self.assertEqual(flow.checkpoint, "2026-11-01T10:00:00Z")
        self.assertIn(
            "updated_since=2026-11-01T10%3A00%3A00Z", server.received[1]["path"]
        )
