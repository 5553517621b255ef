# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Promotions and regular prices published to Amazon: a listings feed of
``purchasable_offer`` merges, ``discounted_price`` scheduled for the
promotion's window and deleted once it ended."""

from datetime import timedelta
from decimal import Decimal
from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.exceptions import RetailBusinessError

from ..adapters import amazon
from ..adapters.channel_model import PriceItem
from .test_amazon import US, AmazonCommon

SELLER = "A2SELLERTEST"


def _at(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


@tagged("post_install", "-at_install")
class TestAmazonPromotions(AmazonCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._bind_products()
        cls.pricelist = cls.env["product.pricelist"].create(
            {"name": "Amazon prices", "currency_id": cls.company.currency_id.id}
        )
        cls.backend.write(
            {
                "amazon_seller_id": SELLER,
                "pricelist_id": cls.pricelist.id,
                "flow_ids": [Command.create({"flow": "prices_out", "mode": "batch"})],
            }
        )
        cls.prices_flow = cls.backend.flow_ids.filtered(
            lambda flow: flow.flow == "prices_out"
        )
        # Not listed on Amazon: never in a feed.
        cls.product_c = cls.env["product.product"].create(
            {"name": "Wool scarf", "default_code": "SKU-3", "list_price": 20}
        )
        cls.now = fields.Datetime.now().replace(microsecond=0)

    def setUp(self):
        super().setUp()
        self.sim.configure(seller_id=SELLER, feed_polls_before_done=1)
        poll_interval = patch.object(amazon, "FEED_POLL_INTERVAL", 0.05)
        poll_interval.start()
        self.addCleanup(poll_interval.stop)
        self.sim.add_product("SKU-1")
        self.sim.add_product("SKU-2")

    def _rule(self, products, price=9.0, **values):
        """``products`` (none: every product) at ``price`` from an hour ago
        to an hour from now."""
        return self.env["product.pricelist.item"].create(
            {
                "pricelist_id": self.pricelist.id,
                "applied_on": "0_product_variant" if products else "3_global",
                "product_id": products.id if products else False,
                "compute_price": "fixed",
                "fixed_price": price,
                "date_start": self.now - timedelta(hours=1),
                "date_end": self.now + timedelta(hours=1),
                **values,
            }
        )

    def _messages(self, feed=-1):
        return self.sim.stats()["feed_contents"][feed]["messages"]

    def _offer(self, sku):
        [offer] = self.sim.stats()["offers"][sku]
        return offer

    def _refusals(self, product):
        return self.env["retail.exception.activity"]._open(product, "promotion_refused")

    def test_promotion_runs_on_amazon_for_its_window_then_ends(self):
        """Test that a running promotion reaches Amazon as the listing's
        discounted_price scheduled for the rule's window beside its regular
        our_price, on the backend's marketplace in its currency; that only
        listed products go (a rule product Amazon does not list gets an
        exception instead); and that the job waiting for the end deletes
        the discount, leaving the regular price."""
        rule = self._rule(self.product_a)
        self._rule(self.product_c, price=15.0)
        with trap_jobs() as trap:
            self.backend._retail_publish_promotions()
            trap.assert_jobs_count(1, only=self.backend._retail_publish_promotions)
            self.assertEqual(
                trap.enqueued_jobs[0].eta, rule.date_end + timedelta(seconds=1)
            )
        [message] = self._messages()
        self.assertEqual(message["sku"], "SKU-1")
        self.assertEqual(message["patches"][0]["op"], "merge")
        self.assertEqual(
            self._offer("SKU-1"),
            {
                "marketplace_id": US,
                "currency": self.currency,
                "audience": "ALL",
                "our_price": [{"schedule": [{"value_with_tax": 12.5}]}],
                "discounted_price": [
                    {
                        "schedule": [
                            {
                                "value_with_tax": 9.0,
                                "start_at": _at(rule.date_start),
                                "end_at": _at(rule.date_end),
                            }
                        ]
                    }
                ],
            },
        )
        self.assertNotIn("SKU-2", self.sim.stats()["offers"])
        not_carried = self.env["retail.exception.activity"]._open(
            self.product_c, "promotion_not_carried"
        )
        self.assertTrue(not_carried)
        self.assertFalse(self._refusals(self.product_a))

        # The end passes (the waiting job runs at its eta).
        self.env.cr.execute(
            "UPDATE product_pricelist_item SET date_end = %s WHERE id = %s",
            (self.now - timedelta(minutes=1), rule.id),
        )
        rule.invalidate_recordset()
        with trap_jobs():
            self.backend._retail_publish_promotions()
        [message] = self._messages()
        self.assertIsNone(
            message["patches"][0]["value"][0]["discounted_price"],
            "a null discounted_price deletes the discount",
        )
        offer = self._offer("SKU-1")
        self.assertNotIn("discounted_price", offer)
        self.assertEqual(offer["our_price"], [{"schedule": [{"value_with_tax": 12.5}]}])
        carried = self.env["retail.channel.promotion"].search(
            [("binding_id", "=", self.binding_a.id), ("active", "=", False)]
        )
        self.assertTrue(carried.ended_at)

    def test_refused_sku_gets_its_activity_the_other_is_published(self):
        """Test that a SKU the processing report refuses keeps its prices
        unpublished with a sync exception on its product naming the SKU and
        Amazon's message, while the other listing's promotion is published;
        once Amazon lists it, the next run publishes it and resolves the
        exception."""
        self._rule(None, price=10.0)
        with self.sim.lock:
            self.sim.platform.listings.pop("SKU-2")
        self.env["retail.product.binding"]._publish_promotions(self.backend)
        self.assertEqual(
            self._offer("SKU-1")["discounted_price"][0]["schedule"][0][
                "value_with_tax"
            ],
            10.0,
        )
        [activity] = self._refusals(self.product_b)
        self.assertIn("SKU-2", activity.note)
        self.assertIn("does not match any listing of the seller", activity.note)
        self.assertFalse(self._refusals(self.product_a))

        self.sim.add_product("SKU-2")
        self.env["retail.product.binding"]._publish_promotions(self.backend)
        self.assertEqual([m["sku"] for m in self._messages()], ["SKU-2"])
        self.assertEqual(
            self._offer("SKU-2")["our_price"],
            [{"schedule": [{"value_with_tax": 30.0}]}],
        )
        self.assertFalse(self._refusals(self.product_b))

    def test_promotion_without_an_end_is_scheduled_from_its_start(self):
        """Test that a promotion open at its end is sent with its start and
        no end_at, and stays on Amazon until Odoo ends it."""
        rule = self._rule(self.product_a, date_end=False)
        self.env["retail.product.binding"]._publish_promotions(self.backend)
        self.assertEqual(
            self._offer("SKU-1")["discounted_price"],
            [{"schedule": [{"value_with_tax": 9.0, "start_at": _at(rule.date_start)}]}],
        )

    def test_amazon_refuses_a_bad_price(self):
        """Test that a negative price, or an offer without its currency,
        comes back refused with the SKU and Amazon's reason, and the offer
        is left as it was."""
        adapter = self.backend._adapter("marketplace")
        refused = adapter.push_prices(
            [
                PriceItem("SKU-1", None, "SKU-1", Decimal("-1")),
                PriceItem("SKU-2", None, "SKU-2", Decimal("31")),
            ]
        )
        self.assertEqual(list(refused), ["SKU-1"])
        self.assertIn("SKU SKU-1", refused["SKU-1"])
        self.assertIn("value_with_tax must be 0 or more", refused["SKU-1"])
        self.assertNotIn("SKU-1", self.sim.stats()["offers"])
        self.assertEqual(
            self._offer("SKU-2")["our_price"],
            [{"schedule": [{"value_with_tax": 31.0}]}],
        )
        message = amazon._offer_message(
            1, PriceItem("SKU-2", None, "SKU-2", Decimal("5")), [US], "", self.now
        )
        refused = adapter._send_listings(SELLER, ["SKU-2"], [message])
        self.assertIn("requires currency", refused["SKU-2"])
        self.assertEqual(
            self._offer("SKU-2")["our_price"],
            [{"schedule": [{"value_with_tax": 31.0}]}],
        )

    def test_prices_flow_sends_regular_prices_without_a_catalog(self):
        """Test that Amazon's prices flow, refused before, publishes each
        listed product's regular price once (no product is exported), the
        promotion's listing through the promotion's path; a changed price
        goes again alone; the catalog flow still says what Amazon lacks."""
        self._rule(self.product_a)
        self.prices_flow._run()
        self.assertEqual(
            self._offer("SKU-2")["our_price"],
            [{"schedule": [{"value_with_tax": 30.0}]}],
        )
        self.assertIn("discounted_price", self._offer("SKU-1"))
        feeds = len(self.sim.stats()["feeds"])
        self.prices_flow._run()
        self.assertEqual(len(self.sim.stats()["feeds"]), feeds, "nothing changed")

        self.product_b.list_price = 32
        self.prices_flow._run()
        self.assertEqual([m["sku"] for m in self._messages()], ["SKU-2"])
        self.assertEqual(
            self._offer("SKU-2")["our_price"],
            [{"schedule": [{"value_with_tax": 32.0}]}],
        )
        catalog = self.env["retail.backend.flow"].create(
            {"backend_id": self.backend.id, "flow": "catalog_out", "mode": "batch"}
        )
        with self.assertRaisesRegex(RetailBusinessError, "products to Amazon"):
            catalog._run()
