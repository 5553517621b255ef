# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import importlib.util
import json
from datetime import datetime
from pathlib import Path
from unittest.mock import patch

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.exceptions import RetailTransientError
from odoo.addons.retail_connector_base.tests.scripted_server import ScriptedServer

from ..adapters.generic import SimulatorMarketplace
from .common import MarketplaceCommon

CHANNEL_DOWN = RetailTransientError("HTTP 503 Service Unavailable")


def _open_activities(backend, kind):
    return backend.env["retail.exception.activity"]._open(backend, kind)


@tagged("post_install", "-at_install")
class TestPublishing(MarketplaceCommon, HttpCase):
    """HttpCase: the outbound client's throttle commits on its own cursor,
    which only the registry's test mode keeps inside the test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._bind_products()
        cls.backend.write({"stock_buffer": 2, "access_token": "sim-token"})

    def _serve(self, server):
        self.backend.api_url = server.url

    def _stock_calls(self, server):
        return [
            json.loads(call["body"])["items"]
            for call in server.received
            if call["path"] == "/api/v1/stock/batch"
        ]

    def test_channel_quantity_is_free_stock_less_buffer_and_waiting_orders(self):
        self._deliver(self._order_payload(total="1.00"))  # fails: still waiting
        self.binding_b.write({"buffer_override": True, "stock_buffer": 0})
        quantities = self.env["retail.product.binding"]._channel_quantities(
            self.backend, self.binding_a | self.binding_b
        )
        # 50 on hand; the waiting order wants 2 of SKU-1 and 1 of SKU-2
        self.assertEqual(quantities[self.binding_a], 50 - 2 - 2)
        self.assertEqual(quantities[self.binding_b], 50 - 0 - 1)

    def test_reserved_stock_is_not_offered_and_never_below_zero(self):
        self._deliver(self._order_payload())  # reserves 2 and 1
        self.binding_a.write({"buffer_override": True, "stock_buffer": 60})
        quantities = self.env["retail.product.binding"]._channel_quantities(
            self.backend, self.binding_a | self.binding_b
        )
        self.assertEqual(quantities[self.binding_a], 0)
        self.assertEqual(quantities[self.binding_b], 50 - 1 - 2)

    def test_only_changed_quantities_are_sent(self):
        with ScriptedServer() as server:
            self._serve(server)
            Binding = self.env["retail.product.binding"]
            self.assertEqual(Binding._publish_stock(self.backend), 2)
            self.assertEqual(Binding._publish_stock(self.backend), 0)
            self.env["stock.quant"]._update_available_quantity(
                self.product_b, self.warehouse.lot_stock_id, -10
            )
            self.assertEqual(Binding._publish_stock(self.backend), 1)
        calls = self._stock_calls(server)
        self.assertEqual(len(calls), 2, "nothing sent when nothing changed")
        self.assertEqual(
            sorted((item["sku"], item["quantity"]) for item in calls[0]),
            [("SKU-1", 48), ("SKU-2", 48)],
        )
        self.assertEqual(calls[1], [{"sku": "SKU-2", "quantity": 38}])
        self.assertEqual(self.binding_b.published_qty, 38)

    def test_channel_owning_stock_gets_nothing(self):
        self.backend.owner_stock = "channel"
        with ScriptedServer() as server:
            self._serve(server)
            self.env["retail.product.binding"]._publish_stock(self.backend)
        self.assertFalse(server.received)

    def test_fast_movers_publish_after_a_move_others_wait(self):
        self.product_a.retail_fast_mover = True
        with trap_jobs() as trap:
            self._deliver(self._order_payload())
            trap.assert_jobs_count(1, only=self.backend._retail_publish_fast_movers)
            with ScriptedServer() as server:
                self._serve(server)
                trap.perform_enqueued_jobs()
        published = [item for call in self._stock_calls(server) for item in call]
        self.assertEqual(published, [{"sku": "SKU-1", "quantity": 46}])

    def test_fast_movers_give_up_with_one_activity_resolved_by_a_later_run(self):
        """Test that fast movers' stock the channel cannot take is retried
        (counted), then given up with one activity on the backend, which the
        next publication the channel takes resolves."""
        self.product_a.retail_fast_mover = True
        self.backend.write({"max_attempts": 2, "retry_delay": 10})
        with trap_jobs() as trap:
            self._deliver(self._order_payload())
            with patch.object(
                SimulatorMarketplace, "push_stock", side_effect=CHANNEL_DOWN
            ) as push:
                trap.perform_enqueued_jobs()
                trap.assert_enqueued_job(
                    self.backend._retail_publish_fast_movers, kwargs={"attempt": 2}
                )
                self.assertFalse(_open_activities(self.backend, "stock_publish"))
                trap.perform_enqueued_jobs()
            self.assertEqual(push.call_count, 2)
            trap.assert_jobs_count(0)
        self.assertEqual(len(_open_activities(self.backend, "stock_publish")), 1)
        with ScriptedServer() as server:
            self._serve(server)
            self.backend._retail_publish_fast_movers()
        self.assertTrue(self._stock_calls(server))
        self.assertFalse(_open_activities(self.backend, "stock_publish"))

    def test_reconciliation_reports_and_corrects_drift(self):
        with ScriptedServer() as server:
            self._serve(server)
            server.script(
                (
                    200,
                    {},
                    {
                        "stock": [
                            {"sku": "SKU-1", "quantity": 48},
                            {"sku": "SKU-2", "quantity": 7},
                        ]
                    },
                ),
            )
            self.backend.action_reconcile_stock()
        self.assertEqual(
            self._stock_calls(server), [[{"sku": "SKU-2", "quantity": 48}]]
        )
        self.assertIn("Canvas bag", self.backend.message_ids[0].body)
        self.assertIn("channel 7, Odoo 48", self.backend.message_ids[0].body)

    def test_reconciliation_report_escapes_the_channels_answer(self):
        """Test that a quantity the channel answers with markup in it lands in
        the chatter as text, never as HTML."""
        script = "<script>alert('stock')</script>"
        self.backend.write(
            {"platform": "woocommerce", "api_key": "ck_1", "api_secret": "cs_1"}
        )
        self.binding_a.stock_ref = "11"
        self.binding_b.stock_ref = "12"
        with ScriptedServer() as server:
            self._serve(server)
            server.script(
                (
                    200,
                    {},
                    [
                        {"id": 11, "stock_quantity": script},
                        {"id": 12, "stock_quantity": 48},
                    ],
                ),
                (200, {}, {"update": [{"id": 11}]}),
            )
            self.backend.action_reconcile_stock()
        body = self.backend.message_ids[0].body
        self.assertNotIn("<script>", body)
        self.assertIn("channel &lt;script&gt;alert(", body)
        self.assertIn("Linen shirt", body)

    def test_catalog_export_sends_changes_once_and_respects_ownership(self):
        self.backend.pricelist_id = self.env["product.pricelist"].create(
            {
                "name": "Channel prices",
                "currency_id": self.env.company.currency_id.id,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": self.product_a.id,
                            "compute_price": "fixed",
                            "fixed_price": 11.0,
                        }
                    )
                ],
            }
        )
        Binding = self.env["retail.product.binding"]
        with ScriptedServer() as server:
            self._serve(server)
            self.assertEqual(Binding._export_products(self.backend), 2)
            self.assertEqual(Binding._export_products(self.backend), 0)
            self.product_a.name = "Linen shirt, blue"
            self.backend.owner_prices = "channel"
            self.assertEqual(Binding._export_products(self.backend), 2)
        bodies = {
            (call["path"], i): json.loads(call["body"])
            for i, call in enumerate(server.received)
        }
        first_a = bodies[("/api/v1/products/SKU-1", 0)]
        self.assertEqual(first_a["price"], "11.0")
        self.assertEqual(first_a["title"], "Linen shirt")
        self.assertEqual(first_a["barcode"], "4006381333931")
        last_a = next(
            body
            for (path, i), body in sorted(bodies.items(), key=lambda item: -item[0][1])
            if path == "/api/v1/products/SKU-1"
        )
        self.assertEqual(last_a["title"], "Linen shirt, blue")
        self.assertNotIn("price", last_a, "the channel owns prices now")


@tagged("post_install", "-at_install")
class TestFulfilment(MarketplaceCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.carrier = cls.env["delivery.carrier"].create(
            {
                "name": "Colissimo",
                "product_id": cls.shipping_product.id,
                "delivery_type": "fixed",
            }
        )
        cls.backend.write({"access_token": "sim-token"})

    def test_validated_delivery_reports_what_shipped_with_tracking(self):
        self._deliver(self._order_payload())
        sale = self._sale()
        picking = sale.picking_ids
        picking.write({"carrier_id": self.carrier.id, "carrier_tracking_ref": "6A1234"})
        shirt = picking.move_ids.filtered(lambda m: m.product_id == self.product_a)
        bag = picking.move_ids - shirt
        shirt.quantity = 1
        bag.quantity = 1
        with trap_jobs() as trap:
            picking.with_context(
                skip_backorder=True, picking_ids_not_to_backorder=[]
            ).button_validate()
            trap.assert_jobs_count(1, only=self.backend._retail_export_shipments)
            with ScriptedServer() as server:
                self.backend.api_url = server.url
                server.script((201, {}, {"id": "F-1"}))
                trap.perform_enqueued_jobs()
        call = server.received[0]
        self.assertEqual(call["path"], "/api/v1/orders/5001/fulfillments")
        body = json.loads(call["body"])
        self.assertEqual(body["carrier"], "Colissimo")
        self.assertEqual(body["tracking_numbers"], ["6A1234"])
        self.assertEqual(
            sorted(
                map(
                    tuple,
                    ((line["line_id"], line["quantity"]) for line in body["lines"]),
                )
            ),
            [("L1", 1), ("L2", 1)],
            "a partial shipment sends what was shipped",
        )
        self.assertEqual(picking.retail_fulfilment_ref, "F-1")

    def test_fulfilment_flow_off_sends_nothing(self):
        self.backend.flow_ids.filtered(
            lambda flow: flow.flow == "fulfilment_out"
        ).mode = "off"
        self._deliver(self._order_payload())
        picking = self._sale().picking_ids
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        with trap_jobs() as trap:
            picking.button_validate()
            trap.assert_jobs_count(0, only=self.backend._retail_export_shipments)

    def _validate(self, order_id):
        sale = self._sale(order_id)
        picking = sale.picking_ids
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.button_validate()
        return picking

    def _two_shipments(self, trap):
        """Two orders delivered and their deliveries validated."""
        self._deliver(self._order_payload())
        self._deliver(self._order_payload(order_id="5002"))
        return self._validate("5001") | self._validate("5002")

    def test_deliveries_of_a_backend_share_one_job(self):
        with trap_jobs() as trap:
            pickings = self._two_shipments(trap)
            trap.assert_jobs_count(1, only=self.backend._retail_export_shipments)
            with ScriptedServer() as server:
                self.backend.api_url = server.url
                server.script((201, {}, {"id": "F-1"}), (201, {}, {"id": "F-2"}))
                trap.perform_enqueued_jobs()
        self.assertEqual(
            sorted(call["path"] for call in server.received),
            ["/api/v1/orders/5001/fulfillments", "/api/v1/orders/5002/fulfillments"],
        )
        self.assertEqual(
            sorted(pickings.mapped("retail_fulfilment_ref")), ["F-1", "F-2"]
        )
        self.assertFalse(pickings.retail_report_backend_id)

    def test_unavailable_channel_is_retried_with_a_growing_counted_delay(self):
        """Test that the job waiting for the channel is one job, tried again
        after the backend's first delay, then twice as long (±20 %), each
        attempt counted and stopping at the first unavailable call."""
        self.backend.write({"max_attempts": 5, "retry_delay": 100})
        with trap_jobs() as trap:
            pickings = self._two_shipments(trap)
            with patch.object(
                SimulatorMarketplace, "push_shipment", side_effect=CHANNEL_DOWN
            ) as push:
                for attempt, first_delay in ((2, 100), (3, 200), (4, 400)):
                    trap.perform_enqueued_jobs()
                    self.assertEqual(push.call_count, attempt - 1)
                    (job,) = trap.enqueued_jobs
                    self.assertEqual(job.kwargs, {"attempt": attempt})
                    self.assertEqual(
                        job.identity_key, f"retail_export_shipments_{self.backend.id}"
                    )
                    wait = (job.eta - datetime.now()).total_seconds()
                    self.assertTrue(
                        first_delay * 0.8 - 5 <= wait <= first_delay * 1.2, wait
                    )
        self.assertEqual(pickings.retail_report_backend_id, self.backend)
        self.assertFalse(_open_activities(self.backend, "shipment_export"))

    def test_exhausted_retries_raise_one_activity_resolved_by_a_later_run(self):
        """Test that once the attempts are spent the job ends, the deliveries
        still wait, and one activity (not one per delivery) says so; the next
        run that reports them resolves it."""
        self.backend.write({"max_attempts": 2, "retry_delay": 1})
        Activity = self.env["retail.exception.activity"]
        with trap_jobs() as trap:
            pickings = self._two_shipments(trap)
            with patch.object(
                SimulatorMarketplace, "push_shipment", side_effect=CHANNEL_DOWN
            ):
                trap.perform_enqueued_jobs()
                trap.perform_enqueued_jobs()
            trap.assert_jobs_count(0)
        (activity,) = _open_activities(self.backend, "shipment_export")
        self.assertIn(pickings[0].name, str(activity.note))
        self.assertIn(pickings[1].name, str(activity.note))
        self.assertFalse(Activity._open(pickings))
        self.assertEqual(pickings.retail_report_backend_id, self.backend)
        with ScriptedServer() as server:
            self.backend.api_url = server.url
            server.script((201, {}, {"id": "F-1"}), (201, {}, {"id": "F-2"}))
            self.backend._retail_export_shipments()
        self.assertEqual(len(server.received), 2)
        self.assertTrue(all(pickings.mapped("retail_fulfilment_ref")))
        self.assertFalse(_open_activities(self.backend, "shipment_export"))
        self.assertFalse(activity.exists(), "marked done")

    def test_refused_delivery_gets_its_activity_and_the_others_go(self):
        with trap_jobs() as trap:
            pickings = self._two_shipments(trap)
            with ScriptedServer() as server:
                self.backend.api_url = server.url
                server.script(
                    (422, {}, {"error": "line L9 unknown"}), (201, {}, {"id": "F-2"})
                )
                trap.perform_enqueued_jobs()
        refused, reported = pickings.sorted("id")
        self.assertEqual(reported.retail_fulfilment_ref, "F-2")
        self.assertFalse(refused.retail_fulfilment_ref)
        self.assertFalse(pickings.retail_report_backend_id, "nothing waits")
        (activity,) = self.env["retail.exception.activity"]._open(
            refused, "shipment_refused"
        )
        self.assertIn("422", str(activity.note))

    def test_upgrade_hands_waiting_delivery_jobs_to_the_backend_job(self):
        """Test that the upgrade to one job per backend cancels the
        per-delivery jobs still waiting and has their deliveries wait for
        the backend's job."""
        self._deliver(self._order_payload())
        with trap_jobs():
            picking = self._validate("5001")
        # As before the upgrade: a job of its own, nothing on the delivery.
        picking.retail_report_backend_id = False
        old_job = picking.with_delay()._retail_export_shipment().db_record()
        path = Path(__file__).parents[1] / "migrations/18.0.1.2.0/post-migration.py"
        spec = importlib.util.spec_from_file_location("post_migration", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        self.env.flush_all()
        migration.migrate(self.env.cr, "18.0.1.1.0")
        self.env.invalidate_all()
        self.assertEqual(old_job.state, "cancelled")
        self.assertEqual(picking.retail_report_backend_id, self.backend)
        self.assertTrue(
            self.env["queue.job"].search(
                [
                    ("identity_key", "=", f"retail_export_shipments_{self.backend.id}"),
                    ("state", "=", "pending"),
                ]
            )
        )
