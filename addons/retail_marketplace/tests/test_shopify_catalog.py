# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shopify's catalog and inventory through GraphQL, against the repository's
Shopify simulator over real HTTP on loopback: products with options and
variants (productSet), prices only, archiving, inventory levels, locations,
and the reconciliation as a bulk operation."""

from unittest.mock import patch

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.exceptions import RetailTransientError
from odoo.addons.retail_connector_base.tests.common import simulator_class

from ..adapters import shopify_catalog
from ..adapters.channel_model import StockItem
from ..adapters.shopify import ShopifyMarketplace
from .common import MarketplaceCommon

COLORS = tuple(f"Colour {n:02d}" for n in range(15))
SIZES = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL", "5XL")
LOCATION = 655441491


@tagged("post_install", "-at_install")
class TestShopifyCatalog(MarketplaceCommon, HttpCase):
    """HttpCase: the outbound client's throttle commits on its own cursor,
    which only the registry's test mode keeps inside the test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._use_shopify(LOCATION)
        Attribute = cls.env["product.attribute"]
        cls.color = Attribute.create(
            {
                "name": "Color",
                "value_ids": [Command.create({"name": c}) for c in COLORS],
            }
        )
        cls.size = Attribute.create(
            {"name": "Size", "value_ids": [Command.create({"name": s}) for s in SIZES]}
        )

    def setUp(self):
        super().setUp()
        self.sim = self.enterContext(
            simulator_class()(platform="shopify", rate_limit_enabled=False)
        )
        self.backend.api_url = self.sim.url
        self.Binding = self.env["retail.product.binding"]

    # === HELPERS === #
    def _template(self, name, colors=COLORS[:2], sizes=SIZES[:2], **values):
        """A storable product varying by colour and size, each variant with
        its own SKU (``<name>-<colour>-<size>``) and weight."""
        lines = [
            Command.create(
                {
                    "attribute_id": attribute.id,
                    "value_ids": [
                        Command.set(
                            attribute.value_ids.filtered(
                                lambda v, chosen=chosen: v.name in chosen
                            ).ids
                        )
                    ],
                }
            )
            for attribute, chosen in ((self.color, colors), (self.size, sizes))
            if chosen
        ]
        template = self.env["product.template"].create(
            {
                "name": name,
                "is_storable": True,
                "list_price": 20.0,
                "attribute_line_ids": lines,
                **values,
            }
        )
        for number, variant in enumerate(template.product_variant_ids):
            names = variant.product_template_attribute_value_ids.mapped("name")
            variant.write(
                {
                    "default_code": "-".join([name.upper(), *names]).replace(" ", ""),
                    "weight": 0.25 + number / 100,
                }
            )
        return template

    def _publish(self, template):
        return self.Binding._publish_new_product(
            self.backend, template.product_variant_ids[0]
        )

    def _bindings(self, template):
        return self.Binding.search(
            [
                ("backend_id", "=", self.backend.id),
                ("odoo_id.product_tmpl_id", "=", template.id),
            ]
        )

    def _names(self, start=0):
        return [call["name"] for call in self.sim.platform.graphql_calls[start:]]

    def _product(self, binding):
        return self.sim.products[int(binding.parent_ref)]

    def _open_activities(self, record, kind):
        return self.env["retail.exception.activity"]._open(record, kind)

    # === CATALOG === #
    def test_product_with_150_variants_is_published_whole_and_bound(self):
        """Test that a product of 15 colours and 10 sizes is created in one
        productSet with its two options and 150 variants (SKU, price,
        barcode, weight, images), its variants read on past the first page,
        each Odoo variant bound to its variant and inventory item; sent
        again only when it changes, keeping Shopify's ids."""
        template = self._template(
            "Tee",
            colors=COLORS,
            sizes=SIZES,
            description_sale="Organic cotton",
            retail_image_urls="https://cdn.example.com/tee-front.jpg\n"
            "https://cdn.example.com/tee-back.jpg",
        )
        template.product_variant_ids[:1].barcode = "5901234123457"
        self.assertEqual(len(template.product_variant_ids), 150)
        with patch.object(shopify_catalog, "PAGE", 100):
            self._publish(template)
        bindings = self._bindings(template)
        self.assertEqual(len(bindings), 150)
        self.assertEqual(len(set(bindings.mapped("parent_ref"))), 1)
        self.assertEqual(len(set(bindings.mapped("stock_ref"))), 150)
        product = self._product(bindings[0])
        self.assertEqual(product["title"], "Tee")
        self.assertEqual(product["body_html"], "Organic cotton")
        self.assertEqual(
            [(o["name"], len(o["values"])) for o in product["options"]],
            [("Color", 15), ("Size", 10)],
        )
        self.assertEqual(
            [image["src"] for image in product["images"]],
            [
                "https://cdn.example.com/tee-front.jpg",
                "https://cdn.example.com/tee-back.jpg",
            ],
        )
        self.assertEqual(len(product["variants"]), 150)
        for binding in bindings:
            variant = self.sim.platform.variants[int(binding.external_id)]
            odoo = binding.odoo_id
            self.assertEqual(variant["sku"], odoo.default_code)
            self.assertEqual(variant["inventory_item_id"], int(binding.stock_ref))
            self.assertEqual(variant["price"], "20.00")
            self.assertAlmostEqual(variant["weight"], odoo.weight)
            self.assertEqual(variant["weight_unit"], "kg")
            self.assertEqual(variant["inventory_management"], "shopify")
            self.assertEqual(
                [variant["option1"], variant["option2"]],
                odoo.product_template_attribute_value_ids.mapped("name"),
            )
        self.assertEqual(
            self.sim.platform.variants[int(bindings[0].external_id)]["barcode"],
            "5901234123457",
        )
        self.assertEqual(self._names(), ["ProductSet", "ProductVariants"])
        self.assertTrue(
            all(
                call["actual"] <= call["requested"] <= 1000
                for call in self.sim.platform.graphql_calls
            )
        )

        self.assertEqual(self.Binding._export_products(self.backend), 0)
        template.list_price = 22.5
        ids = set(bindings.mapped("external_id"))
        self.assertEqual(self.Binding._export_products(self.backend), 1)
        self.assertEqual(set(bindings.mapped("external_id")), ids)
        self.assertEqual(len(product["variants"]), 150)
        self.assertEqual({v["price"] for v in product["variants"]}, {"22.50"})

    def test_user_errors_are_a_sync_exception_naming_variant_field_and_value(self):
        """Test that a product Shopify refuses (a negative price) gets one
        activity naming the variant by SKU and options, the field and the
        value sent, while the other products go; the activity is done once
        the product goes through."""
        refused = self._template("Mug", colors=COLORS[:1], sizes=SIZES[:2])
        accepted = self._template("Cap", colors=COLORS[:2], sizes=())
        Binding = self.Binding
        refused.list_price = -5
        first = refused.product_variant_ids.sorted("id")[0]
        self.assertEqual(Binding._export_listings(self.backend, refused | accepted), 1)
        activity = self._open_activities(refused, "catalog_export")
        self.assertEqual(len(activity), 1)
        note = activity.note
        self.assertIn("Shopify refused product Mug", note)
        self.assertIn(
            f"variant {first.default_code} (Color: Colour 00, Size: XXS) price", note
        )
        self.assertIn("price = '-5.0'", note)
        self.assertIn("greater than or equal to 0", note)
        self.assertEqual(len(self._bindings(accepted)), 2)
        self.assertEqual(len(self.sim.products), 1, "nothing of the mug was saved")
        refused.list_price = 5
        self.assertEqual(Binding._export_listings(self.backend, refused), 1)
        self.assertFalse(self._open_activities(refused, "catalog_export"))

    def test_variant_limit_is_a_clear_sync_exception(self):
        """Test that a product over Shopify's variant limit is refused before
        anything is sent, and that a shop answering a lower limit
        (VARIANTS_OVER_LIMIT) is reported in its words; each an activity on
        the product."""
        template = self._template("Sock", colors=COLORS, sizes=SIZES)
        with patch.object(shopify_catalog, "MAX_VARIANTS", 100):
            self.Binding._export_listings(self.backend, template)
        note = self._open_activities(template, "catalog_export").note
        self.assertIn("Product Sock has 150 variants", note)
        self.assertIn("at most 100 per product", note)
        self.assertEqual(self.sim.platform.graphql_calls, [])
        self.sim.configure(max_variants=100)
        self.Binding._export_listings(self.backend, template)
        note = self._open_activities(template, "catalog_export").note
        self.assertIn("exceeds shop limit of 100", note)
        self.assertFalse(self._bindings(template))

    def test_archived_product_is_archived_on_shopify_deleted_product_too(self):
        """Test that a product archived in Odoo is set ARCHIVED on Shopify
        (not deleted) and publishes no stock, that deleting one variant
        takes it off the product at the next export, and that deleting the
        whole product archives it through a job."""
        kept = self._template("Scarf")
        self._publish(kept)
        product = self._product(self._bindings(kept)[0])
        kept.action_archive()
        self.assertEqual(self.Binding._export_products(self.backend), 1)
        self.assertEqual(product["status"], "archived")
        self.assertEqual(len(product["variants"]), 4)
        quantities = self.Binding._channel_quantities(
            self.backend, self._bindings(kept)
        )
        self.assertEqual(set(quantities.values()), {0})

        deleted = self._template("Belt", colors=COLORS[:1])
        self._publish(deleted)
        belt = self._product(self._bindings(deleted)[0])
        deleted.product_variant_ids[0].unlink()
        self.assertEqual(self.Binding._export_products(self.backend), 1)
        self.assertEqual(len(belt["variants"]), 1)
        with trap_jobs() as trap:
            deleted.unlink()
            trap.assert_jobs_count(1, only=self.backend._retail_archive_listing)
            trap.perform_enqueued_jobs()
        self.assertEqual(belt["status"], "archived")
        self.assertIn(belt["id"], self.sim.products, "archived, not deleted")

    def test_archiving_waits_for_shopify_then_gives_up_with_an_activity(self):
        """Test that archiving a deleted product while Shopify is down is
        tried again as a job of its own, then given up with an activity on
        the backend; a product Shopify does not have is refused in its
        words."""
        self.backend.write({"max_attempts": 2, "retry_delay": 10})
        down = RetailTransientError("HTTP 503 Service Unavailable")
        with (
            trap_jobs() as trap,
            patch.object(ShopifyMarketplace, "archive_listing", side_effect=down),
        ):
            self.backend._retail_archive_listing("632910392")
            trap.assert_enqueued_job(
                self.backend._retail_archive_listing,
                kwargs={"parent_ref": "632910392", "attempt": 2},
            )
            self.assertFalse(self._open_activities(self.backend, "catalog_archive"))
            trap.perform_enqueued_jobs()
            trap.assert_jobs_count(0)
        note = self._open_activities(self.backend, "catalog_archive").note
        self.assertIn("did not archive product 632910392", note)
        self.backend._retail_archive_listing("1")
        self.assertIn(
            "Product does not exist",
            self._open_activities(self.backend, "catalog_archive").note,
        )

    def test_channel_owning_products_gets_prices_only(self):
        """Test that with the products owned by Shopify only the variants'
        prices are sent, the product left as Shopify has it."""
        template = self._template("Glove")
        self._publish(template)
        product = self._product(self._bindings(template)[0])
        self.backend.owner_products = "channel"
        template.name = "Glove, renamed in Odoo"
        template.list_price = 30
        self.assertEqual(self.Binding._export_products(self.backend), 1)
        self.assertEqual(self._names()[-1], "UpdateVariantPrices")
        self.assertEqual(product["title"], "Glove")
        self.assertEqual({v["price"] for v in product["variants"]}, {"30.00"})

    def test_variants_bound_by_orders_are_kept_not_duplicated(self):
        """Test that variants Odoo knows only by their variant id (bound from
        an order line) find their product and inventory item, and that
        variants not bound yet are matched to Shopify's by their options
        instead of being created twice."""
        template = self._template("Hat")
        self._publish(template)
        bindings = self._bindings(template)
        product = self._product(bindings[0])
        first = bindings[0]
        variant_id, item_id = first.external_id, first.stock_ref
        (bindings - first).unlink()
        first.write({"parent_ref": False, "stock_ref": False, "payload_hash": False})
        self.assertEqual(first._get_stock_ref(), item_id)
        self.assertEqual(self.Binding._export_products(self.backend), 1)
        self.assertEqual(len(product["variants"]), 4)
        self.assertEqual(len(self._bindings(template)), 4)
        self.assertEqual(first.external_id, variant_id)
        self.assertEqual(
            sorted(self._bindings(template).mapped("external_id")),
            sorted(str(v["id"]) for v in product["variants"]),
        )

    # === INVENTORY === #
    def _stocked(self, quantities, other_location=None):
        """A published product whose variants Shopify holds ``quantities``
        of at the backend's location (and 99 at ``other_location``)."""
        template = self._template("Sock")
        self._publish(template)
        bindings = self._bindings(template).sorted("id")
        for binding, quantity in zip(bindings, quantities, strict=True):
            self.sim.platform.set_available(int(binding.stock_ref), quantity)
            if other_location:
                self.sim.platform.set_available(
                    int(binding.stock_ref), 99, other_location
                )
        return bindings

    def test_fetch_stock_reads_levels_by_item_in_batches(self):
        """Test that levels are read 250 items a query at the location (2 a
        query here), an unknown inventory item left out."""
        bindings = self._stocked([1, 2, 3, 4])
        items = [StockItem(b.stock_ref, "", 0) for b in bindings]
        items.append(StockItem("1", "unknown", 0))
        adapter = self.backend._adapter("marketplace")
        with patch.object(shopify_catalog, "PAGE", 2):
            quantities = adapter.fetch_stock(items, str(LOCATION))
        self.assertEqual(
            quantities,
            dict(zip(bindings.mapped("stock_ref"), [1, 2, 3, 4], strict=False)),
        )
        self.assertEqual(self._names(), ["ProductSet", *["InventoryLevels"] * 3])

    def test_reconciliation_runs_a_bulk_operation_and_corrects_drift(self):
        """Test that the reconciliation reads the shop's levels in one bulk
        operation, its result file streamed from the address Shopify gives
        (without the access token), keeps the backend's location only,
        reports the drift in the chatter and corrects it."""
        other = self.sim.platform.add_location("Outlet")
        bindings = self._stocked([0, 0, 0, 7], other_location=other)
        self.env["stock.quant"]._update_available_quantity(
            bindings[0].odoo_id, self.warehouse.lot_stock_id, 5
        )
        published = len(self.sim.platform.graphql_calls)
        self.backend.action_reconcile_stock()
        self.assertEqual(
            self._names(published), ["RunBulkQuery", "BulkOperationStatus", None]
        )
        self.assertEqual(self.sim.stats()["requests"]["GET /_files/<name>"], 1)
        body = self.backend.message_ids[0].body
        self.assertIn("channel 0, Odoo 5", body)
        self.assertIn("channel 7, Odoo 0", body)
        self.assertNotIn("99", body)
        levels = self.sim.platform.levels
        self.assertEqual(levels[(int(bindings[0].stock_ref), LOCATION)]["available"], 5)
        self.assertEqual(levels[(int(bindings[3].stock_ref), LOCATION)]["available"], 0)
        self.assertEqual(levels[(int(bindings[3].stock_ref), other)]["available"], 99)
        log = self.env["retail.request.log"].search(
            [("backend_id", "=", self.backend.id), ("url", "like", "/_files/")]
        )
        self.assertEqual(log.status, 200)
        self.assertNotIn("Signature=sim", log.url)

    def test_failed_or_expired_bulk_operation_is_a_sync_exception(self):
        """Test that a bulk operation ending FAILED or EXPIRED reconciles
        nothing and leaves one activity on the backend with Shopify's
        reason, done by the next reconciliation that completes."""
        self._stocked([0, 0, 0, 0])
        for outcome, reason in (
            ("FAILED", "INTERNAL_SERVER_ERROR"),
            ("EXPIRED", "no error code given"),
        ):
            self.sim.configure(bulk_outcome=outcome)
            self.backend.action_reconcile_stock()
            activity = self._open_activities(self.backend, "stock_reconcile")
            self.assertEqual(len(activity), 1)
            self.assertIn(f"ended {outcome} ({reason})", activity.note)
        self.sim.configure(bulk_outcome="COMPLETED")
        self.backend.action_reconcile_stock()
        self.assertFalse(self._open_activities(self.backend, "stock_reconcile"))

    def test_running_bulk_operation_is_picked_up_by_the_next_run(self):
        """Test that a bulk operation still running when the worker stops
        waiting is not started twice: the next run polls the one Shopify
        is running (OPERATION_IN_PROGRESS) to its end."""
        self._stocked([0, 0, 0, 0])
        self.sim.configure(bulk_seconds=1.5)
        with patch.object(shopify_catalog, "BULK_WAIT", 0):
            answer = self.backend.action_reconcile_stock()
        self.assertEqual(answer["params"]["type"], "warning")
        self.assertIn("still RUNNING", answer["params"]["message"])
        answer = self.backend.action_reconcile_stock()
        self.assertEqual(answer["params"]["type"], "success")
        self.assertEqual(len(self.sim.platform.bulk_operations), 1)
        names = [call["name"] for call in self.sim.platform.graphql_calls]
        self.assertIn("CurrentBulkOperation", names)

    def test_unknown_location_is_a_sync_exception(self):
        self._stocked([0, 0, 0, 0])
        self.backend.location_ref = "1"
        self.backend.action_reconcile_stock()
        note = self._open_activities(self.backend, "stock_reconcile").note
        self.assertIn("no active location 1", note)

    def test_locations_are_listed_and_one_chosen(self):
        """Test that the shop's locations are listed to choose the one the
        backend publishes to."""
        outlet = self.sim.platform.add_location("Outlet")
        action = self.backend.action_choose_location()
        locations = self.env["retail.channel.location.choice"].search(action["domain"])
        self.assertEqual(
            sorted(locations.mapped("name")), ["Outlet", "Sim Shop warehouse"]
        )
        chosen = locations.filtered(lambda location: location.chosen)
        self.assertEqual(chosen.ref, str(LOCATION))
        locations.filtered(lambda location: location.name == "Outlet").action_choose()
        self.assertEqual(self.backend.location_ref, str(outlet))
