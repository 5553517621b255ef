# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.retail_connector_base.exceptions import (
    RetailBusinessError,
    RetailTransientError,
)

from ..adapters import amazon
from ..adapters.channel_model import StockItem
from .test_amazon import AmazonCommon

SELLER = "A2SELLERTEST"
FEEDS = "/feeds/2021-06-30"


@tagged("post_install", "-at_install")
class TestAmazonStock(AmazonCommon):
    """Quantities published to Amazon as JSON_LISTINGS_FEED documents
    through the Feeds API, the processing report read back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._bind_products()
        cls.backend.write({"amazon_seller_id": SELLER, "stock_buffer": 2})
        cls.stock_flow = cls.backend.flow_ids.filtered(
            lambda flow: flow.flow == "stock_out"
        )

    def setUp(self):
        super().setUp()
        self.sim.configure(seller_id=SELLER, feed_polls_before_done=2)
        # Amazon's getFeed is polled every FEED_POLL_INTERVAL seconds.
        poll_interval = patch.object(amazon, "FEED_POLL_INTERVAL", 0.05)
        poll_interval.start()
        self.addCleanup(poll_interval.stop)

    def _publish(self):
        return self.env["retail.product.binding"]._publish_stock(self.backend)

    def _refusals(self, product):
        return self.env["retail.exception.activity"]._open(product, "stock_refused")

    def test_changed_quantities_go_as_one_listings_feed(self):
        """Test that the changed quantities go as one JSON_LISTINGS_FEED of
        PATCH messages merging the DEFAULT fulfillment availability, its
        document uploaded without the access token, the feed followed to
        DONE, each operation in its own bucket; unchanged quantities send
        nothing, one changed quantity a feed of its own."""
        self.sim.add_product("SKU-1", quantity=3)
        self.sim.add_product("SKU-2", quantity=3)
        self.stock_flow._run()
        stats = self.sim.stats()
        self.assertEqual(
            stats["listings"], {"SKU-1": {"quantity": 48}, "SKU-2": {"quantity": 48}}
        )
        [feed] = stats["feeds"]
        self.assertEqual(feed["processingStatus"], "DONE")
        self.assertEqual(feed["marketplaceIds"], ["ATVPDKIKX0DER"])
        [content] = stats["feed_contents"]
        self.assertEqual(
            content["header"],
            {"sellerId": SELLER, "version": "2.0", "issueLocale": "en_US"},
        )
        self.assertEqual(
            sorted(message["sku"] for message in content["messages"]),
            ["SKU-1", "SKU-2"],
        )
        self.assertEqual(
            content["messages"][0]["patches"],
            [
                {
                    "op": "merge",
                    "path": "/attributes/fulfillment_availability",
                    "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 48}],
                }
            ],
        )
        self.assertEqual(content["messages"][0]["operationType"], "PATCH")
        self.assertEqual(
            stats["document_uploads"],
            [{"content_type": amazon.FEED_CONTENT_TYPE, "access_token": ""}],
        )
        self.assertEqual(self._requests(f"GET {FEEDS}/feeds/<feedId>"), 3)
        self.assertEqual(self.binding_a.published_qty, 48)
        for operation, rate, burst in (
            ("createFeedDocument", 0.5, 15),
            ("createFeed", 0.0083, 15),
            ("getFeed", 2, 15),
        ):
            bucket = self._operation(operation)
            self.assertEqual((bucket.rate, bucket.burst), (rate, burst), operation)

        self.assertEqual(self._publish(), 0)
        self.assertEqual(len(self.sim.stats()["feeds"]), 1, "nothing changed")
        self.env["stock.quant"]._update_available_quantity(
            self.product_b, self.warehouse.lot_stock_id, -10
        )
        self.assertEqual(self._publish(), 1)
        stats = self.sim.stats()
        self.assertEqual(
            [message["sku"] for message in stats["feed_contents"][1]["messages"]],
            ["SKU-2"],
        )
        self.assertEqual(stats["listings"]["SKU-2"], {"quantity": 38})

    def test_refused_sku_gets_its_activity_the_others_are_published(self):
        """Test that a SKU the processing report refuses stays unpublished
        with a sync exception on its product naming the SKU and Amazon's
        message, while the other quantity is published; once Amazon takes
        it, only it is sent again and the exception is resolved."""
        self.sim.add_product("SKU-1")
        self.assertEqual(self._publish(), 2)
        self.assertEqual(self.binding_a.published_qty, 48)
        self.assertFalse(self.binding_b.published_at)
        [activity] = self._refusals(self.product_b)
        self.assertIn("SKU-2", activity.note)
        self.assertIn("does not match any listing of the seller", activity.note)
        self.assertFalse(self._refusals(self.product_a))

        self.sim.add_product("SKU-2")
        self.assertEqual(self._publish(), 1)
        self.assertEqual(
            [m["sku"] for m in self.sim.stats()["feed_contents"][1]["messages"]],
            ["SKU-2"],
        )
        self.assertEqual(self.binding_b.published_qty, 48)
        self.assertFalse(self._refusals(self.product_b))

    def test_fatal_feed_refuses_every_quantity(self):
        """Test that a feed Amazon ends as FATAL (a seller id it does not
        know) refuses every quantity with the report's reason, and that no
        seller id is a clear error before anything is sent."""
        self.sim.add_product("SKU-1")
        self.sim.add_product("SKU-2")
        self.sim.configure(seller_id="A2SOMEONEELSE")
        self._publish()
        self.assertEqual(self.sim.stats()["feeds"][0]["processingStatus"], "FATAL")
        for product in (self.product_a, self.product_b):
            [activity] = self._refusals(product)
            self.assertIn("feed header is invalid", activity.note)
        self.assertFalse((self.binding_a | self.binding_b).filtered("published_at"))

        self.backend.amazon_seller_id = False
        with self.assertRaises(RetailBusinessError) as caught:
            self._publish()
        self.assertEqual(caught.exception.code, "amazon_seller_id")
        self.assertEqual(len(self.sim.stats()["feeds"]), 1)

    def test_feed_still_processing_is_retried_later(self):
        """Test that a feed Amazon has not processed within FEED_WAIT is a
        transient error leaving the quantities unpublished, for the retry
        policy."""
        self.sim.add_product("SKU-1")
        self.sim.add_product("SKU-2")
        self.sim.configure(feed_polls_before_done=1000)
        with (
            patch.object(amazon, "FEED_WAIT", 0.2),
            self.assertRaises(RetailTransientError),
        ):
            self._publish()
        self.assertFalse((self.binding_a | self.binding_b).filtered("published_at"))
        self.assertEqual(self.sim.stats()["listings"]["SKU-1"], {"quantity": 0})

    # === RECONCILIATION === #
    def test_reconciliation_reads_the_merchant_listings_report(self):
        """Test that the reconciliation reads one GET_MERCHANT_LISTINGS_ALL_DATA
        report, followed to DONE and its tab-separated document downloaded
        without the access token, reports the drift of the seller's own
        quantities in the chatter and corrects it in a feed of the drifted
        SKU only; an Amazon-fulfilled listing's empty quantity is no
        drift of another SKU."""
        self.sim.add_product("SKU-1", quantity=48)
        self.sim.add_product("SKU-2", quantity=5)
        self.sim.add_product("SKU-FBA", fulfillment="AFN")
        self.backend.action_reconcile_stock()
        requests = self.sim.stats()["requests"]
        self.assertEqual(requests["POST /reports/2021-06-30/reports"], 1)
        self.assertEqual(requests["GET /_files/<name>"], 1)
        body = self.backend.message_ids[0].body
        self.assertIn("channel 5, Odoo 48", body)
        self.assertNotIn("channel 48", body)
        stats = self.sim.stats()
        self.assertEqual(stats["listings"]["SKU-2"], {"quantity": 48})
        [content] = stats["feed_contents"]
        self.assertEqual([m["sku"] for m in content["messages"]], ["SKU-2"])
        download = self.env["retail.request.log"].search(
            [("backend_id", "=", self.backend.id), ("url", "like", "/_files/")]
        )
        self.assertEqual(download.status, 200)
        self.assertFalse(self._open_activities_reconcile())

    def test_listing_quantity_read_per_sku(self):
        """Test that fetch_stock reads each listing's DEFAULT quantity with
        getListingsItem (includedData=fulfillmentAvailability) in its own
        bucket, leaving out a SKU Amazon does not list and an
        Amazon-fulfilled one."""
        self.sim.add_product("SKU-1", quantity=7)
        self.sim.add_product("SKU-FBA", fulfillment="AFN")
        items = [StockItem(ref, ref, 0) for ref in ("SKU-1", "SKU-FBA", "SKU-NONE")]
        quantities = self.backend._adapter("marketplace").fetch_stock(items, None)
        self.assertEqual(quantities, {"SKU-1": 7})
        self.assertEqual(
            self.sim.stats()["requests"][
                "GET /listings/2021-08-01/items/<sellerId>/<sku>"
            ],
            3,
        )
        self.assertTrue(self._operation("getListingsItem"))

    def test_report_ending_fatal_is_a_sync_exception(self):
        """Test that a listings report Amazon ends FATAL reconciles nothing
        and leaves an activity on the backend saying so."""
        self.sim.add_product("SKU-1", quantity=1)
        self.sim.configure(report_outcome="FATAL")
        self.backend.action_reconcile_stock()
        activity = self._open_activities_reconcile()
        self.assertEqual(len(activity), 1)
        self.assertIn("FATAL", activity.note)
        self.assertEqual(self.sim.stats()["listings"]["SKU-1"], {"quantity": 1})

    def _open_activities_reconcile(self):
        return self.env["retail.exception.activity"]._open(
            self.backend, "stock_reconcile"
        )
