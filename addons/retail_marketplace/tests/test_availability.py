# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Available-to-sell per channel location: the free stock of the mapped Odoo
locations less the buffers, the orders waiting in any backend's inbox that
draw on that stock and the imported orders not confirmed; publications that
read only what changed; the drift reconciliation per location."""

import json

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.tests.common import simulator_class
from odoo.addons.retail_connector_base.tests.scripted_server import ScriptedServer

from .common import MarketplaceCommon

LOCATION = 655441491  # the Shopify simulator's first location


@tagged("post_install", "-at_install")
class TestAvailability(MarketplaceCommon, HttpCase):
    """HttpCase: the outbound client's throttle commits on its own cursor,
    which only the registry's test mode keeps inside the test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._bind_products()
        cls.backend.write({"stock_buffer": 2, "access_token": "sim-token"})
        cls.other = cls._prepare_backend(
            name="Other store",
            webhook_secret="whsec_other_0123456789",
            warehouse_id=cls.warehouse.id,
        )
        cls.far_warehouse = cls.env["stock.warehouse"].create(
            {"name": "Far away", "code": "FAR"}
        )

    def _quantities(self, backend=None):
        backend = backend or self.backend
        return self.env["retail.product.binding"]._channel_quantities(
            backend, self.binding_a | self.binding_b
        )

    def _wait(self, backend, order_id, **payload):
        """An order received by ``backend``, waiting in its inbox."""
        payload = self._order_payload(order_id=order_id, **payload)
        return self.env["retail.event"]._receive(
            backend,
            "orders/create",
            f"orders/create:{order_id}",
            json.dumps(payload),
            subject=order_id,
        )

    def _stock_calls(self, server):
        return [
            json.loads(call["body"])["items"]
            for call in server.received
            if call["path"] == "/api/v1/stock/batch"
        ]

    # === AVAILABLE TO SELL === #
    def test_safety_stock_is_held_back_on_top_of_the_buffer(self):
        self.product_a.retail_safety_stock = 5
        quantities = self._quantities()
        self.assertEqual(quantities[self.binding_a], 50 - 2 - 5)
        self.assertEqual(quantities[self.binding_b], 50 - 2)

    def test_channels_button_opens_the_availability_of_the_variants(self):
        """Test that the product form's *Channels* button, on the template
        and on the variant form that inherits it, lists what the channels
        were shown of the variants."""
        template = self.product_a.product_tmpl_id
        for record in (template, self.product_a):
            action = record.action_view_channel_availability()
            self.assertEqual(action["res_model"], "retail.channel.stock")
            self.assertEqual(
                action["domain"], [("product_id", "in", self.product_a.ids)]
            )

    def test_orders_waiting_in_another_backends_inbox_lower_the_quantity(self):
        """Test that units of an order another backend received for the same
        warehouse, not imported yet, are not offered again here, while one
        received by a backend shipping from another warehouse is."""
        self._wait(self.other, "7001")
        quantities = self._quantities()
        self.assertEqual(quantities[self.binding_a], 50 - 2 - 2)
        self.assertEqual(quantities[self.binding_b], 50 - 2 - 1)
        self.other.warehouse_id = self.far_warehouse
        quantities = self._quantities()
        self.assertEqual(quantities[self.binding_a], 50 - 2)

    def test_imported_orders_not_confirmed_are_held(self):
        """Test that an imported channel order waiting for confirmation holds
        its units (nothing reserves them yet), and once confirmed counts once,
        as reserved stock."""
        self.backend.auto_confirm = False
        self._deliver(self._order_payload(order_id="7002"))
        sale = self._sale("7002")
        self.assertEqual(sale.state, "draft")
        self.assertEqual(self._quantities()[self.binding_a], 50 - 2 - 2)
        sale.action_confirm()
        self.assertEqual(self._quantities()[self.binding_a], 50 - 2 - 2)

    def test_quantity_is_never_below_zero(self):
        self.product_b.retail_safety_stock = 49
        self._wait(self.other, "7003")
        self.assertEqual(self._quantities()[self.binding_b], 0)

    # === CHANNEL LOCATIONS === #
    def test_each_channel_location_sells_its_own_stock(self):
        """Test that a backend with two channel locations publishes to each
        the free stock of its own warehouse, and records why per location;
        a waiting order of a backend shipping from the first warehouse lowers
        only that location."""
        self.env["stock.quant"]._update_available_quantity(
            self.product_a, self.far_warehouse.lot_stock_id, 9
        )
        Location = self.env["retail.channel.location"]
        near = Location.create(
            {
                "backend_id": self.backend.id,
                "name": "Shop",
                "ref": "near",
                "warehouse_ids": [Command.set(self.warehouse.ids)],
            }
        )
        far = Location.create(
            {
                "backend_id": self.backend.id,
                "name": "Depot",
                "ref": "far",
                "warehouse_ids": [Command.set(self.far_warehouse.ids)],
            }
        )
        self._wait(self.other, "7004")
        with ScriptedServer() as server:
            self.backend.api_url = server.url
            self.env["retail.product.binding"]._publish_stock(self.backend)
        calls = self._stock_calls(server)
        self.assertEqual(len(calls), 2, "one batch per channel location")
        rows = self.binding_a.channel_stock_ids
        by_location = {row.channel_location_id: row for row in rows}
        self.assertEqual(by_location[near].quantity, 50 - 2 - 2)
        self.assertEqual(by_location[near].waiting_qty, 2)
        self.assertIn("Other store: 2", by_location[near].waiting_detail)
        self.assertEqual(by_location[far].quantity, 9 - 2)
        self.assertEqual(by_location[far].waiting_qty, 0)
        self.assertEqual(by_location[far].free_qty, 9)

    def test_channel_location_without_stock_is_a_sync_exception(self):
        """Test that a channel location mapped to no Odoo stock publishes
        nothing (not zero) and leaves one activity on the backend naming it,
        while the mapped ones are published; mapping it resolves it."""
        Location = self.env["retail.channel.location"]
        Location.create(
            {
                "backend_id": self.backend.id,
                "name": "Shop",
                "ref": "near",
                "warehouse_ids": [Command.set(self.warehouse.ids)],
            }
        )
        pop_up = Location.create(
            {"backend_id": self.backend.id, "name": "Pop-up", "ref": "popup"}
        )
        with ScriptedServer() as server:
            self.backend.api_url = server.url
            self.env["retail.product.binding"]._publish_stock(self.backend)
        self.assertEqual(len(self._stock_calls(server)), 1)
        activity = self.env["retail.exception.activity"]._open(
            self.backend, "channel_location_unmapped"
        )
        self.assertEqual(len(activity), 1)
        self.assertIn("Pop-up (popup)", activity.note)
        self.assertIn(self.backend.name, activity.note)
        pop_up.warehouse_ids = self.far_warehouse
        with ScriptedServer() as server:
            self.backend.api_url = server.url
            self.env["retail.product.binding"]._publish_stock(self.backend)
        self.assertFalse(
            self.env["retail.exception.activity"]._open(
                self.backend, "channel_location_unmapped"
            )
        )

    # === CHANGE MARKS === #
    def test_publication_reads_only_what_changed(self):
        """Test that after a first publication (every listing), the next
        reads only the products whose stock moved or whose rule changed, and
        a change of the backend's rule reads them all again."""
        Binding = self.env["retail.product.binding"]
        Product = self.env["product.product"]
        extra = Product.create(
            [
                {"name": f"Extra {n}", "default_code": f"EX-{n}", "is_storable": True}
                for n in range(5)
            ]
        )
        for product in extra:
            Binding._bind(self.backend, product.default_code, product)
        with ScriptedServer() as server:
            self.backend.api_url = server.url
            Binding._publish_stock(self.backend)
            self.assertTrue(self.backend.stock_change_cursor)
            candidates, _cursor = Binding._stock_candidates(self.backend)
            self.assertFalse(candidates, "nothing moved since")
            self.env["stock.quant"]._update_available_quantity(
                self.product_b, self.warehouse.lot_stock_id, -10
            )
            extra[0].retail_safety_stock = 1
            candidates, _cursor = Binding._stock_candidates(self.backend)
            self.assertEqual(candidates.odoo_id, self.product_b | extra[0])
            self.assertEqual(Binding._publish_stock(self.backend), 1)
            self.assertEqual(
                self._stock_calls(server)[-1], [{"sku": "SKU-2", "quantity": 38}]
            )
            candidates, _cursor = Binding._stock_candidates(self.backend)
            self.assertFalse(candidates)
            self.backend.stock_buffer = 3
            candidates, _cursor = Binding._stock_candidates(self.backend)
            self.assertEqual(len(candidates), 7)

    def test_waiting_orders_are_read_while_they_wait_and_once_gone(self):
        """Test that the products of an order waiting in any inbox are read
        by every publication while it waits, and once more after it left
        (imported and reserved, or dropped)."""
        Binding = self.env["retail.product.binding"]
        with ScriptedServer() as server:
            self.backend.api_url = server.url
            Binding._publish_stock(self.backend)
            event = self._wait(self.other, "7005")
            Binding._publish_stock(self.backend)
            self.assertEqual(self.binding_a.published_qty, 50 - 2 - 2)
            event._write_outcome({"state": "cancelled"})
            candidates, _cursor = Binding._stock_candidates(self.backend)
            self.assertEqual(candidates, self.binding_a | self.binding_b)
            Binding._publish_stock(self.backend)
        self.assertEqual(self.binding_a.published_qty, 50 - 2)

    def test_marks_are_forgotten_when_no_backend_needs_them(self):
        """Test that the daily run forgets the marks once no backend has a
        publication to read on from (each reads every listing next)."""
        Change = self.env["retail.stock.change"]
        Change._mark(self.product_a)
        self.env["retail.backend"].search([("kind", "=", "marketplace")]).write(
            {"stock_change_cursor": False}
        )
        self.env["retail.backend"]._cron_reconcile_stock()
        self.assertFalse(Change.search_count([]))

    # === DRIFT === #
    def test_drift_reconciliation_is_a_daily_job_with_a_threshold(self):
        """Test that the daily cron enqueues one reconciliation job per
        backend owning stock, which corrects only differences beyond the
        threshold and says why in the chatter."""
        self.backend.stock_drift_threshold = 1
        self.env["retail.backend"].search(
            [("kind", "=", "marketplace"), ("id", "!=", self.backend.id)]
        ).write({"owner_stock": "channel"})
        with trap_jobs() as trap:
            self.env["retail.backend"]._cron_reconcile_stock()
            trap.assert_jobs_count(1, only=self.backend._retail_reconcile_stock)
            with ScriptedServer() as server:
                self.backend.api_url = server.url
                server.script(
                    (
                        200,
                        {},
                        {
                            "stock": [
                                {"sku": "SKU-1", "quantity": 47},
                                {"sku": "SKU-2", "quantity": 40},
                            ]
                        },
                    ),
                )
                trap.perform_enqueued_jobs()
        self.assertEqual(
            self._stock_calls(server), [[{"sku": "SKU-2", "quantity": 48}]]
        )
        body = self.backend.message_ids[0].body
        self.assertIn("channel 40, Odoo 48", body)
        self.assertNotIn("Linen shirt", body)
        self.assertIn("more than 1 units", body)


@tagged("post_install", "-at_install")
class TestShopifyLocations(MarketplaceCommon, HttpCase):
    """Two warehouses published to two Shopify locations, against the
    Shopify simulator."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._use_shopify(LOCATION)
        cls.outlet_warehouse = cls.env["stock.warehouse"].create(
            {"name": "Outlet", "code": "OUT"}
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.product_a, cls.outlet_warehouse.lot_stock_id, 7
        )

    def setUp(self):
        super().setUp()
        self.sim = self.enterContext(
            simulator_class()(platform="shopify", rate_limit_enabled=False)
        )
        self.backend.api_url = self.sim.url

    def test_two_warehouses_published_to_two_shopify_locations(self):
        Binding = self.env["retail.product.binding"]
        binding = Binding._publish_new_product(self.backend, self.product_a)
        outlet = self.sim.platform.add_location("Outlet")
        Location = self.env["retail.channel.location"]
        Location.create(
            [
                {
                    "backend_id": self.backend.id,
                    "name": "Main",
                    "ref": str(LOCATION),
                    "warehouse_ids": [Command.set(self.warehouse.ids)],
                },
                {
                    "backend_id": self.backend.id,
                    "name": "Outlet",
                    "ref": str(outlet),
                    "warehouse_ids": [Command.set(self.outlet_warehouse.ids)],
                },
            ]
        )
        Binding._publish_stock(self.backend)
        levels = self.sim.platform.levels
        item = int(binding.stock_ref)
        self.assertEqual(levels[(item, LOCATION)]["available"], 50)
        self.assertEqual(levels[(item, outlet)]["available"], 7)
        # Drift at one location only, corrected there.
        self.sim.platform.set_available(item, 3, outlet)
        before = len(self.sim.platform.graphql_calls)
        drift, bound = self.backend._reconcile_stock()
        self.assertEqual((drift, bound), (1, 1))
        names = [call["name"] for call in self.sim.platform.graphql_calls[before:]]
        self.assertEqual(names.count("RunBulkQuery"), 1, "one read for both")
        self.assertEqual(levels[(item, outlet)]["available"], 7)
        self.assertIn("channel 3, Odoo 7", self.backend.message_ids[0].body)

    def test_a_listed_location_is_mapped_from_the_choice(self):
        outlet = self.sim.platform.add_location("Outlet")
        action = self.backend.action_choose_location()
        choice = self.env["retail.channel.location.choice"].search(
            action["domain"] + [("ref", "=", str(outlet))]
        )
        opened = choice.action_map()
        location = self.env["retail.channel.location"].browse(opened["res_id"])
        self.assertEqual(
            (location.backend_id, location.ref, location.name),
            (self.backend, str(outlet), "Outlet"),
        )
        self.assertEqual(choice.action_map()["res_id"], location.id, "mapped once")
