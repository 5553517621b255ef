# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Promotions: a dated rule of a backend's pricelist published as the
channel's sale price for its window, switched on and off at its start and
end, republished when edited or deleted."""

import json
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.tests.common import simulator_class
from odoo.addons.retail_connector_base.tests.scripted_server import ScriptedServer

from ..adapters.channel_model import PriceItem
from .common import MarketplaceCommon

MAIN_LOCATION = 655441491  # the Shopify simulator's first location


def _bodies(server):
    return {
        call["path"].rsplit("/", 1)[1]: json.loads(call["body"])
        for call in server.received
        if call["method"] == "PUT" and "/api/v1/products/" in call["path"]
    }


@tagged("post_install", "-at_install")
class TestPromotions(MarketplaceCommon, HttpCase):
    """HttpCase: the outbound client's throttle commits on its own cursor,
    which only the registry's test mode keeps inside the test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._bind_products()
        cls.pricelist = cls.env["product.pricelist"].create(
            {"name": "Channel prices", "currency_id": cls.company.currency_id.id}
        )
        cls.backend.write(
            {"pricelist_id": cls.pricelist.id, "access_token": "sim-token"}
        )
        cls.now = fields.Datetime.now()

    def _rule(self, product=None, price=9.0, start=-1, end=1, **values):
        """A dated rule: ``product`` at ``price`` from ``start`` to ``end``
        hours from now (None: open on that side)."""
        return self.env["product.pricelist.item"].create(
            {
                "pricelist_id": self.pricelist.id,
                "applied_on": "0_product_variant" if product else "3_global",
                "product_id": product.id if product else False,
                "compute_price": "fixed",
                "fixed_price": price,
                "date_start": self.now + timedelta(hours=start)
                if start is not None
                else False,
                "date_end": self.now + timedelta(hours=end)
                if end is not None
                else False,
                **values,
            }
        )

    def _publish(self):
        with ScriptedServer() as server:
            self.backend.api_url = server.url
            count = self.env["retail.product.binding"]._publish_promotions(self.backend)
        return count, _bodies(server)

    def _carried(self, binding, active=True):
        return self.env["retail.channel.promotion"].search(
            [("binding_id", "=", binding.id), ("active", "=", active)]
        )

    def test_a_running_promotion_is_published_with_its_window(self):
        rule = self._rule(self.product_a)
        count, bodies = self._publish()
        self.assertEqual(count, 1)
        self.assertEqual(bodies["SKU-1"]["price"], "12.5")
        self.assertEqual(bodies["SKU-1"]["sale_price"], "9.0")
        self.assertEqual(bodies["SKU-1"]["sale_from"], rule.date_start.isoformat())
        self.assertNotIn("SKU-2", bodies)
        carried = self._carried(self.binding_a)
        self.assertEqual(carried.rule_id, rule)
        self.assertTrue(carried.published_at)
        self.assertEqual(self._publish(), (0, {}), "published once")

    def test_a_missed_end_is_applied_at_once(self):
        """Test that a promotion whose end passed while nothing ran (the
        server was down) is ended by the next run, the regular price
        published again."""
        rule = self._rule(self.product_a)
        self._publish()
        # Time passes past the end, no hook involved.
        self.env.cr.execute(
            "UPDATE product_pricelist_item SET date_end = %s WHERE id = %s",
            (self.now - timedelta(minutes=1), rule.id),
        )
        rule.invalidate_recordset()
        count, bodies = self._publish()
        self.assertEqual(count, 1)
        self.assertIsNone(bodies["SKU-1"]["sale_price"])
        self.assertEqual(bodies["SKU-1"]["price"], "12.5")
        self.assertFalse(self._carried(self.binding_a))
        self.assertTrue(self._carried(self.binding_a, active=False).ended_at)

    def test_editing_or_deleting_the_rule_republishes(self):
        with trap_jobs() as trap:
            rule = self._rule(self.product_a)
            trap.assert_jobs_count(1, only=self.backend._retail_publish_promotions)
            with ScriptedServer() as server:
                self.backend.api_url = server.url
                trap.perform_enqueued_jobs()
                self.assertEqual(_bodies(server)["SKU-1"]["sale_price"], "9.0")
                # The job waits for the rule's end.
                trap.assert_jobs_count(1, only=self.backend._retail_publish_promotions)
                job = trap.enqueued_jobs[0]
                self.assertEqual(job.eta, rule.date_end + timedelta(seconds=1))
                trap.enqueued_jobs.clear()
                server.received.clear()
                rule.fixed_price = 8.0
                trap.perform_enqueued_jobs()
                self.assertEqual(_bodies(server)["SKU-1"]["sale_price"], "8.0")
                trap.enqueued_jobs.clear()
                server.received.clear()
                rule.unlink()
                trap.perform_enqueued_jobs()
                self.assertIsNone(_bodies(server)["SKU-1"]["sale_price"])
        self.assertFalse(self._carried(self.binding_a))

    def test_overlapping_rules_resolve_as_the_pricelist_does(self):
        """Test that of a store-wide promotion and one on the product, the
        channel is shown what a sale order would be priced at."""
        self._rule(None, price=10.0)
        self._rule(self.product_a, price=7.0)
        _count, bodies = self._publish()
        expected = self.pricelist._get_product_price(self.product_a, 1.0)
        self.assertEqual(float(bodies["SKU-1"]["sale_price"]), expected)
        self.assertEqual(bodies["SKU-2"]["sale_price"], "10.0")

    def test_a_future_promotion_waits_for_its_start(self):
        self._rule(self.product_a, start=2, end=3)
        self.assertEqual(self._publish(), (0, {}))
        switch = self.env["retail.product.binding"]._next_promotion_switch(self.backend)
        self.assertEqual(switch, self.now + timedelta(hours=2))

    def test_channel_owning_prices_gets_nothing(self):
        self.backend.owner_prices = "channel"
        self._rule(self.product_a)
        self.assertEqual(self._publish(), (0, {}))

    def test_promotion_on_a_product_not_listed_is_a_sync_exception(self):
        unlisted = self.env["product.product"].create(
            {"name": "Wool hat", "default_code": "SKU-9"}
        )
        self._rule(unlisted)
        self._rule(self.product_a)
        _count, bodies = self._publish()
        self.assertIn("SKU-1", bodies)
        activity = self.env["retail.exception.activity"]._open(
            unlisted, "promotion_not_carried"
        )
        self.assertEqual(len(activity), 1)
        self.assertIn(self.backend.name, activity.note)
        self.assertIn("Wool hat", activity.note)

    def test_a_price_below_zero_publishes_nothing(self):
        self._rule(self.product_a, price=-1.0)
        self.assertEqual(self._publish(), (0, {}))
        activity = self.env["retail.exception.activity"]._open(
            self.product_a, "promotion_refused"
        )
        self.assertIn("below zero", activity.note)
        self.assertIn(self.backend.name, activity.note)

    def test_catalog_export_sends_the_promotion_too(self):
        """Test that a catalog export during a promotion keeps it: the regular
        price and the sale price, not the promotional price as regular."""
        self._rule(self.product_a)
        data = self.binding_a._product_data()
        self.assertEqual((data.price, data.sale_price), (12.5, 9.0))


@tagged("post_install", "-at_install")
class TestPromotionAdapters(MarketplaceCommon, HttpCase):
    """Shopify (against its simulator) and WooCommerce (its batch call)."""

    def test_shopify_shows_the_regular_price_as_compare_at_price(self):
        sim = self.enterContext(
            simulator_class()(platform="shopify", rate_limit_enabled=False)
        )
        self._use_shopify(MAIN_LOCATION)
        self.backend.api_url = sim.url
        binding = self.env["retail.product.binding"]._publish_new_product(
            self.backend, self.product_a
        )
        adapter = self.backend._adapter("marketplace")
        item = PriceItem(binding.external_id, binding.parent_ref, "SKU-1", 12.5, 9.0)
        self.assertEqual(adapter.push_prices([item]), {})
        variant = sim.platform.variants[int(binding.external_id)]
        self.assertEqual(
            (variant["price"], variant["compare_at_price"]), ("9.00", "12.50")
        )
        item.sale_price = None
        adapter.push_prices([item])
        self.assertEqual(
            (variant["price"], variant["compare_at_price"]), ("12.50", None)
        )
        refused = adapter.push_prices(
            [PriceItem(binding.external_id, binding.parent_ref, "SKU-1", 12.5, -1)]
        )
        self.assertIn("greater than or equal to 0", refused[binding.external_id])

    def test_woocommerce_takes_the_sale_price_with_its_window(self):
        self.backend.write(
            {"platform": "woocommerce", "api_key": "ck_1", "api_secret": "cs_1"}
        )
        start = fields.Datetime.now()
        with ScriptedServer() as server:
            self.backend.api_url = server.url
            server.script((200, {}, {"update": [{"id": 11}, {"id": 13}]}))
            refused = self.backend._adapter("marketplace").push_prices(
                [
                    PriceItem("11", None, "SKU-1", 12.5, 9.0, start, None),
                    PriceItem("13", None, "SKU-2", 30.0),
                ]
            )
        self.assertEqual(refused, {})
        update = json.loads(server.received[0]["body"])["update"]
        self.assertEqual(
            update[0],
            {
                "id": 11,
                "regular_price": "12.5",
                "sale_price": "9.0",
                "date_on_sale_from_gmt": start.strftime("%Y-%m-%dT%H:%M:%S"),
                "date_on_sale_to_gmt": "",
            },
        )
        self.assertEqual(update[1]["sale_price"], "")
