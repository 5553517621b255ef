# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shopify through the GraphQL Admin API, each operation against the
simulator's Shopify mode over loopback HTTP: fulfilment on fulfillment
orders, refunds, the connection test's access scopes and the webhook
subscriptions the backend keeps in step; WooCommerce's webhooks through its
REST API."""

from decimal import Decimal
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.modules.neutralize import neutralize_database
from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.adapters.shopify import (
    API_VERSION,
    oldest_supported_version,
)
from odoo.addons.retail_connector_base.exceptions import RetailBusinessError
from odoo.addons.retail_connector_base.tests.common import simulator_class

from ..adapters import shopify, shopify_fulfilment
from ..adapters.channel_model import Shipment
from .common import MarketplaceCommon

TOKEN = "shpat_sim_0123456789"
SECRET = "shpss_sim_secret"
WAREHOUSE, STORE = 655441491, 655441492
ORDER_TOPICS = sorted(
    topic.upper().replace("/", "_")
    for topic in shopify.ORDER_TOPICS + shopify.REFUND_TOPICS
)


class ShopifySimulatorCommon(MarketplaceCommon, HttpCase):
    """The marketplace backend as a Shopify shop played by the simulator.
    HttpCase: the outbound client's throttle commits on its own cursor, and
    the simulator's webhooks reach the test server."""

    PLATFORM = "shopify"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend.write(
            {
                "platform": cls.PLATFORM,
                "access_token": TOKEN,
                "api_key": "ck_sim",
                "api_secret": "cs_sim",
                "webhook_secret": SECRET,
                "rate_limit": 1000,
                "rate_burst": 1000,
                "breaker_threshold": 100,
                "mapping_ids": [
                    Command.create(
                        {
                            "mapping_type": "tax",
                            "external_code": "VAT 20%",
                            "odoo_ref": f"account.tax,{cls.tax_excluded.id}",
                        }
                    )
                ],
            }
        )

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param("web.base.url", self.base_url())
        self.sim = simulator_class()(
            platform=self.PLATFORM,
            api_token=TOKEN,
            webhook_secret=SECRET,
            shop_domain="127.0.0.1",
            currency=self.currency,
            rate_limit_enabled=False,
            webhook_retries=0,
        ).start()
        self.addCleanup(self.sim.stop)
        self.backend.api_url = self.sim.url

    def _graphql_calls(self, operation):
        return self.sim.stats()["graphql"].get(operation, 0)


@tagged("post_install", "-at_install")
class TestShopifyFulfilment(ShopifySimulatorCommon):
    def _order(self):
        """A shop order of 2 x SKU-1 and 1 x SKU-2 imported as its webhook
        delivers it."""
        order = self.sim.create_order(
            lines=[
                {"sku": "SKU-1", "quantity": 2, "price": "12.50"},
                {"sku": "SKU-2", "quantity": 1, "price": "30.00"},
            ],
            shipping=None,
        )
        self._deliver(order)
        return order

    def _shipment(self, order, *lines, **options):
        return Shipment(
            str(order["id"]),
            [(str(order["line_items"][index]["id"]), qty) for index, qty in lines],
            **options,
        )

    def test_part_of_a_line_ships_with_its_tracking(self):
        """Test that a shipment of part of a line is fulfilled on its
        fulfillment order line with the tracking numbers, company and URL,
        and that the rest ships later."""
        order = self.sim.create_order(
            lines=[{"sku": "A", "quantity": 3}, {"sku": "B", "quantity": 1}]
        )
        adapter = self.backend._adapter("marketplace")
        first = adapter.push_shipment(
            self._shipment(
                order,
                (0, 2),
                carrier="UPS",
                tracking_numbers=["1Z001", "1Z002"],
                tracking_url="https://ups.example/1Z001",
                notify_customer=False,
            )
        )
        (recorded,) = self.sim.stats()["fulfillments"]
        self.assertEqual(recorded["fulfillment_id"], int(first))
        self.assertEqual(
            [(line["sku"], line["quantity"]) for line in recorded["line_items"]],
            [("A", 2)],
        )
        self.assertEqual(
            (
                recorded["tracking_numbers"],
                recorded["tracking_company"],
                recorded["tracking_url"],
                recorded["notify_customer"],
            ),
            (["1Z001", "1Z002"], "UPS", "https://ups.example/1Z001", False),
        )
        adapter.push_shipment(self._shipment(order, (0, 1), (1, 1)))
        shipped = self.sim.stats()["fulfillments"][1]["line_items"]
        self.assertEqual(
            [(line["sku"], line["quantity"]) for line in shipped],
            [
                ("A", 1),
                ("B", 1),
            ],
        )
        self.assertEqual(
            self.sim.orders[order["id"]]["fulfillment_status"], "fulfilled"
        )
        with self.assertRaisesRegex(RetailBusinessError, "already fulfilled"):
            adapter.push_shipment(self._shipment(order, (1, 1)))
        self.assertEqual(self._graphql_calls("fulfillmentCreate"), 2)

    def test_the_backends_location_is_respected(self):
        """Test that, with a channel location, a line whose fulfillment order
        Shopify assigned to another location is refused before anything is
        sent, naming the order, the line and that location; without one, a
        fulfillment per location is created."""
        order = self.sim.create_order(
            lines=[{"sku": "A", "quantity": 1}, {"sku": "B", "quantity": 1}]
        )
        line_b = order["line_items"][1]["id"]
        self.sim.platform.move_fulfillment_order_lines(order["id"], STORE, {line_b: 1})
        self.backend.location_ref = str(WAREHOUSE)
        adapter = self.backend._adapter("marketplace")
        with self.assertRaises(RetailBusinessError) as caught:
            adapter.push_shipment(self._shipment(order, (0, 1), (1, 1)))
        message = str(caught.exception)
        for named in (str(order["id"]), str(line_b), "Sim Store", str(WAREHOUSE)):
            self.assertIn(named, message)
        self.assertFalse(self.sim.stats()["fulfillments"])
        self.backend.location_ref = False
        references = adapter.push_shipment(self._shipment(order, (0, 1), (1, 1)))
        self.assertEqual(len(references.split(",")), 2)
        self.assertEqual(
            sorted(entry["location_id"] for entry in self.sim.stats()["fulfillments"]),
            [WAREHOUSE, STORE],
        )

    def test_a_refusal_names_the_order_and_the_platforms_message(self):
        """Test that fulfillmentCreate's userErrors (the line was fulfilled in
        Shopify between reading and sending) are a business error naming the
        order, the field and Shopify's message; an unknown order likewise."""
        order = self.sim.create_order(lines=[{"sku": "A", "quantity": 1}])
        adapter = self.backend._adapter("marketplace")
        stale = shopify_fulfilment.fulfillment_orders(adapter.graphql(), order["id"])
        adapter.push_shipment(self._shipment(order, (0, 1)))
        with (
            patch.object(shopify_fulfilment, "fulfillment_orders", return_value=stale),
            self.assertRaisesRegex(
                RetailBusinessError,
                rf"the fulfilment of order {order['id']} from location {WAREHOUSE}: "
                r"fulfillment\.lineItemsByFulfillmentOrder = .*Fulfillment order is "
                "closed",
            ),
        ):
            adapter.push_shipment(self._shipment(order, (0, 1)))
        with self.assertRaisesRegex(RetailBusinessError, "order 1 was not found"):
            adapter.push_shipment(Shipment("1", [("2", 1)]))

    def test_validated_delivery_is_reported_and_a_refusal_kept_in_sight(self):
        """Test the shipment flow end to end: a validated delivery of a shop
        order is fulfilled with its tracking by the backend's job, and one
        Shopify cannot take (a line at another location) leaves an exception
        activity on the delivery naming the order."""
        carrier = self.env["delivery.carrier"].create(
            {
                "name": "Colissimo",
                "product_id": self.shipping_product.id,
                "delivery_type": "fixed",
            }
        )
        self.backend.location_ref = str(WAREHOUSE)
        shipped, refused = self._order(), self._order()
        self.sim.platform.move_fulfillment_order_lines(refused["id"], STORE)
        pickings = self.env["stock.picking"]
        for order in (shipped, refused):
            picking = self._sale(str(order["id"])).picking_ids
            picking.write({"carrier_id": carrier.id, "carrier_tracking_ref": "6A12"})
            for move in picking.move_ids:
                move.quantity = 1
            pickings |= picking
        with trap_jobs() as trap:
            pickings.with_context(
                skip_backorder=True, picking_ids_not_to_backorder=[]
            ).button_validate()
            trap.perform_enqueued_jobs()
        (fulfillment,) = self.sim.stats()["fulfillments"]
        self.assertEqual(fulfillment["order_id"], shipped["id"])
        self.assertEqual(
            sorted(
                (line["sku"], line["quantity"]) for line in fulfillment["line_items"]
            ),
            [("SKU-1", 1), ("SKU-2", 1)],
        )
        self.assertEqual(fulfillment["tracking_company"], "Colissimo")
        self.assertEqual(
            pickings[0].retail_fulfilment_ref, str(fulfillment["fulfillment_id"])
        )
        self.assertFalse(pickings[1].retail_fulfilment_ref)
        activity = pickings[1].activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn(f"Shopify order {refused['id']}", str(activity.note))
        self.assertIn("Sim Store", str(activity.note))


@tagged("post_install", "-at_install")
class TestShopifyRefunds(ShopifySimulatorCommon):
    def test_polled_order_reads_its_refunds_as_the_webhook_states_them(self):
        """Test that a polled order's refund, of 110 lines (two pages of
        refund line items) and shipping, read through GraphQL, is the refund
        its refunds/create webhook delivers, and that the order's quantities
        net of it do not read as an edit."""
        order = self.sim.create_order(
            lines=[
                {"sku": f"L{index}", "quantity": 1, "price": "1.00"}
                for index in range(120)
            ],
            shipping="4.90",
        )
        delivered = self.sim.create_refund(
            order["id"],
            lines=[
                {"line_item_id": item["id"], "quantity": 1, "restock_type": "return"}
                for item in order["line_items"][:110]
            ],
            shipping="4.90",
        )
        adapter = self.backend._adapter("marketplace")
        (polled,), _checkpoint = adapter.poll_orders(None, 50)
        self.assertEqual(
            [
                (line.quantity, line.current_quantity)
                for line in shopify.parse_order(polled).lines
            ],
            [(1, 1)] * 120,
        )
        (refund,) = adapter.fetch_refunds(polled)
        self.assertEqual(refund, shopify.parse_refund(delivered))
        self.assertEqual(len(refund.lines), 110)
        self.assertEqual(refund.shipping_amount, Decimal("4.90"))
        self.assertEqual(refund.status, "success")
        self.assertEqual(self._graphql_calls("Refund"), 2)
        self.assertEqual(
            adapter.fetch_refunds(dict(polled, refunds=[delivered])), [refund]
        )
        self.assertEqual(self._graphql_calls("Refund"), 2, "an embedded refund is read")


@tagged("post_install", "-at_install")
class TestShopifyOnboarding(ShopifySimulatorCommon):
    def test_connection_test_names_each_missing_scope_and_its_feature(self):
        """Test that Test connection reads the app's scopes: all granted, the
        shop answers; missing ones are named with the flow that needs them,
        a write scope standing for its read scope, and a flow that is off
        needs none."""
        # A version Shopify supports: one past its support is warned of.
        self.backend.api_version = API_VERSION
        self.assertEqual(
            self.backend.action_test_connection()["params"]["type"], "success"
        )
        self.sim.configure(access_scopes=["write_orders", "write_products"])
        with self.assertRaises(UserError) as caught:
            self.backend.action_test_connection()
        message = str(caught.exception)
        self.assertIn("Sim Shop answered", message)
        self.assertIn("write_inventory (for Stock out)", message)
        self.assertIn(
            "write_merchant_managed_fulfillment_orders (for Fulfilment out)", message
        )
        self.assertIn("write_returns (for Returns received in Odoo)", message)
        self.assertNotIn("read_orders", message)
        self.backend.flow_ids.filtered(
            lambda flow: flow.flow in ("stock_out", "fulfilment_out")
        ).mode = "off"
        self.sim.configure(
            access_scopes=["write_orders", "write_products", "write_returns"]
        )
        self.assertEqual(
            self.backend.action_test_connection()["params"]["type"], "success"
        )

    def test_connection_test_warns_of_a_version_past_its_support(self):
        """Test that Test connection on a backend pinned to a version older
        than the oldest Shopify supports today warns, naming both, while the
        shop answered; at the oldest supported version it is a success."""
        self.backend.api_version = "2025-01"
        action = self.backend.action_test_connection()
        self.assertEqual(action["params"]["type"], "warning")
        message = action["params"]["message"]
        oldest = oldest_supported_version(fields.Date.context_today(self.backend))
        self.assertIn(f"{self.backend.name} answered", message)
        self.assertIn("2025-01 is no longer supported", message)
        self.assertIn(f"the oldest supported is {oldest}", message)
        self.assertIn(API_VERSION, message)
        self.backend.api_version = oldest
        self.assertEqual(
            self.backend.action_test_connection()["params"]["type"], "success"
        )

    def _subscriptions(self):
        return [
            (entry["topic"], entry["uri"])
            for entry in self.sim.stats()["webhook_subscriptions"]
        ]

    def test_webhook_subscriptions_follow_the_flows_and_the_url(self):
        """Test that the backend subscribes its order topics at its webhook
        URL, once; that a new URL replaces the old subscriptions and leaves
        another app's address alone; that switching orders off removes
        them; and that, once registered, saving enqueues the sync."""
        with trap_jobs() as trap:
            self.backend.action_regenerate_webhook_token()
            trap.assert_jobs_count(0, only=self.backend._retail_sync_webhooks)
        self.assertFalse(self._subscriptions())
        action = self.backend.action_sync_webhooks()
        self.assertTrue(self.backend.webhook_synced_at)
        self.assertIn("created", action["params"]["message"])
        url = self.backend.webhook_url
        self.assertEqual(
            sorted(self._subscriptions()), [(t, url) for t in ORDER_TOPICS]
        )
        self.assertIn(
            "already in step", self.backend.action_sync_webhooks()["params"]["message"]
        )
        self.assertEqual(self._graphql_calls("webhookSubscriptionCreate"), 7)
        self.sim.platform._webhook_subscription_create(
            {
                "topic": "ORDERS_CREATE",
                "webhookSubscription": {"uri": "https://erp.example.com/hooks"},
            }
        )
        with trap_jobs() as trap:
            self.backend.action_regenerate_webhook_token()
            trap.assert_jobs_count(1, only=self.backend._retail_sync_webhooks)
            trap.perform_enqueued_jobs()
        new_url = self.backend.webhook_url
        self.assertNotEqual(new_url, url)
        self.assertEqual(
            sorted(self._subscriptions()),
            sorted(
                [("ORDERS_CREATE", "https://erp.example.com/hooks")]
                + [(t, new_url) for t in ORDER_TOPICS]
            ),
        )
        self.assertIn("removed", self.backend.message_ids[0].body)
        orders_in = self.backend.flow_ids.filtered(lambda f: f.flow == "orders_in")
        self.backend.write(
            {"flow_ids": [Command.update(orders_in.id, {"mode": "off"})]}
        )
        self.backend._retail_sync_webhooks()
        self.assertEqual(
            self._subscriptions(), [("ORDERS_CREATE", "https://erp.example.com/hooks")]
        )

    def test_a_neutralized_copy_keeps_no_registration(self):
        """Test that a neutralized copy does not bring subscriptions in step
        on saving (it would take them from production) until a person
        registers its webhooks there."""
        self.backend.action_sync_webhooks()
        self.env.flush_all()
        neutralize_database(self.env.cr)
        self.backend.invalidate_recordset()
        self.assertFalse(self.backend.webhook_synced_at)

    def test_an_older_api_version_names_the_address_callback_url(self):
        self.backend.api_version = "2025-07"
        self.backend.action_sync_webhooks()
        created = [
            call["variables"]["webhookSubscription"]
            for call in self.sim.platform.graphql_calls
            if "webhookSubscription" in call["variables"]
        ]
        self.assertEqual(
            created[0], {"callbackUrl": self.backend.webhook_url, "format": "JSON"}
        )

    def test_orders_arrive_through_the_backends_own_subscriptions(self):
        """Test that an order placed once the backend registered its webhooks
        is delivered to it, signed, and stored in its inbox."""
        self.backend.action_sync_webhooks()
        # The test server reads the database, which the ORM has not written to yet.
        self.env.flush_all()
        order = self.sim.create_order(lines=[{"sku": "SKU-1", "quantity": 1}])
        event = self.env["retail.event"].search(
            [("backend_id", "=", self.backend.id), ("topic", "=", "orders/create")]
        )
        self.assertEqual(
            event.subject_key, str(order["id"]), self.sim.stats()["deliveries"]
        )

    def test_a_refused_subscription_is_kept_in_sight(self):
        """Test that an address Shopify refuses (plain http to a public host)
        ends the job with one exception activity naming the field and the
        value, marked done once the subscriptions are in step."""
        self.env["ir.config_parameter"].set_param(
            "web.base.url", "http://erp.example.com"
        )
        self.backend._retail_sync_webhooks()
        self.backend._retail_sync_webhooks()
        activity = self.env["retail.exception.activity"]._open(
            self.backend, "webhook_subscriptions"
        )
        self.assertEqual(len(activity), 1)
        self.assertIn("webhookSubscription.uri = ", str(activity.note))
        self.assertIn("http://erp.example.com/retail/webhook/", str(activity.note))
        self.assertIn("Address protocol http:// is not supported", str(activity.note))
        self.env["ir.config_parameter"].set_param("web.base.url", self.base_url())
        self.backend.invalidate_recordset(["webhook_url"])
        self.backend._retail_sync_webhooks()
        self.assertFalse(
            self.env["retail.exception.activity"]._open(
                self.backend, "webhook_subscriptions"
            )
        )


@tagged("post_install", "-at_install")
class TestWooCommerceWebhooks(ShopifySimulatorCommon):
    PLATFORM = "woocommerce"

    def _webhooks(self):
        return [
            (hook["topic"], hook["delivery_url"], hook["status"])
            for hook in self.sim.stats()["webhooks"]
        ]

    def test_webhooks_are_created_signed_and_kept_in_step(self):
        """Test that the backend creates its order webhooks at its URL with
        its secret (a new order then reaches its inbox, signed), deletes a
        disabled one and creates it again, and deletes them all once orders
        are off."""
        self.backend.action_sync_webhooks()
        url = self.backend.webhook_url
        topics = ["order.created", "order.updated", "order.restored"]
        self.assertEqual(self._webhooks(), [(t, url, "active") for t in topics])
        self.env.flush_all()
        order = self.sim.create_order()
        event = self.env["retail.event"].search(
            [("backend_id", "=", self.backend.id), ("topic", "=", "order.created")]
        )
        self.assertEqual(event.subject_key, str(order["id"]))
        first = min(self.sim.platform.webhooks)
        self.sim.platform.webhooks[first]["status"] = "disabled"
        self.backend.action_sync_webhooks()
        self.assertEqual(
            sorted(self._webhooks()), sorted((t, url, "active") for t in topics)
        )
        self.assertNotIn(first, self.sim.platform.webhooks)
        self.backend.flow_ids.filtered(lambda f: f.flow == "orders_in").mode = "off"
        self.backend.action_sync_webhooks()
        self.assertEqual(self._webhooks(), [])

    def test_a_backend_without_webhook_secret_is_told_to_set_one(self):
        self.backend.webhook_secret = False
        with self.assertRaisesRegex(UserError, "webhook secret"):
            self.backend.action_sync_webhooks()
        self.assertEqual(self._webhooks(), [])
