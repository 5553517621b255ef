# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import importlib
from unittest import SkipTest

from odoo.tests import tagged

from odoo.addons.retail_connector_base.tests.common import simulator_class

from .test_amazon import AmazonCommon

SELLER = "A2SIMULATORSELLER"


@tagged("post_install", "-at_install")
class TestAmazonNotifications(AmazonCommon):
    """ORDER_CHANGE notifications read from an SQS queue (moto's server on
    loopback) with boto3, stored once each by NotificationId, taken off the
    queue only after the commit that stored them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        simulator_class()
        cls.sqs = importlib.import_module("simulator.sqs")
        reason = cls.sqs.available()
        if reason:
            raise SkipTest(reason)

    def setUp(self):
        super().setUp()
        self.queue = self.sqs.Queue().start()
        self.addCleanup(self.queue.stop)
        self.sim.platform.notifier = self.queue.send
        self.backend.write(
            {"notification_queue_url": self.queue.url, "amazon_seller_id": SELLER}
        )

    def _read(self):
        """The notifications job, its commit's after-commit work (deleting
        the messages) run as a commit would."""
        result = self.backend._retail_read_notifications()
        self.env.cr.postcommit.run()
        return result

    def test_order_change_imports_the_order_once(self):
        """Test that an ORDER_CHANGE notification of an Unshipped order is
        stored in the inbox under its NotificationId and imports the order
        read with getOrder (its Restricted Data Token) and getOrderItems;
        that the messages leave the queue only after the commit; that a
        notification delivered twice is stored once; that a Pending order's
        is taken off the queue without storing anything."""
        pending = self._order(status="Pending")
        placed = self._order()
        self.assertEqual(self.queue.waiting(), 2)
        self.backend._retail_read_notifications()
        self.assertEqual(self.queue.waiting(), 2, "not deleted before the commit")
        self.env.cr.postcommit.run()
        self.assertEqual(self.queue.waiting(), 0)
        events = self.env["retail.event"].search(
            [("backend_id", "=", self.backend.id), ("topic", "=", "ORDER_CHANGE")]
        )
        self.assertEqual(len(events), 1)
        notification = self.sim.platform.notifications[1]
        self.assertEqual(
            events.dedupe_key,
            "notification:" + notification["NotificationMetadata"]["NotificationId"],
        )
        self.backend._process_events()
        sale = self._sale(placed["AmazonOrderId"])
        self.assertEqual(sale.state, "sale")
        self.assertEqual(sale.partner_shipping_id.street, "2201 Westlake Ave")
        self.assertFalse(self._sale(pending["AmazonOrderId"]))
        self.assertEqual(self._requests("GET /orders/v0/orders/<orderId>"), 1)
        self.queue.send(notification)
        self._read()
        self.assertEqual(
            self.env["retail.event"].search_count(
                [("backend_id", "=", self.backend.id), ("topic", "=", "ORDER_CHANGE")]
            ),
            1,
        )
        self.assertEqual(self.queue.waiting(), 0)

    def test_polling_after_notification_changes_nothing(self):
        """Test that the order a notification imported, polled afterwards
        in the same version, is not imported again, and that a buyer's
        cancellation request notified cancels it."""
        placed = self._order()
        self._read()
        self.backend._process_events()
        self._poll()
        sale = self._sale(placed["AmazonOrderId"])
        self.assertEqual(len(sale), 1)
        self.sim.update_order(placed["AmazonOrderId"], buyer_cancel="Changed my mind")
        self._read()
        self.backend._process_events()
        self.assertEqual(sale.state, "cancel")

    def test_other_sellers_notifications_stay_on_the_queue(self):
        self.sim.configure(seller_id="A3OTHERSELLER")
        self._order()
        self._read()
        self.assertEqual(self.queue.waiting(), 1)
        self.assertFalse(
            self.env["retail.event"].search(
                [("backend_id", "=", self.backend.id), ("topic", "=", "ORDER_CHANGE")]
            )
        )

    def test_unreadable_queue_is_an_activity_polling_goes_on(self):
        """Test that a queue SQS refuses (it does not exist) leaves one
        activity on the backend, and the orders still come by polling."""
        self.backend.notification_queue_url = self.queue.url + "-gone"
        placed = self._order()
        self._read()
        activity = self.env["retail.exception.activity"]._open(
            self.backend, "notification_queue"
        )
        self.assertEqual(len(activity), 1)
        self.assertIn("SQS refused", activity.note)
        self._poll()
        self.assertEqual(self._sale(placed["AmazonOrderId"]).state, "sale")
