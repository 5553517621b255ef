# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Cancellations and refunds made in Odoo reach the channel (Shopify through
GraphQL, WooCommerce through REST, both played by the simulator over
loopback HTTP), and the channel's own webhooks about them, sent back as the
platform sends them, book nothing twice."""

import importlib.util
from pathlib import Path

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from ..adapters.channel_model import Shipment
from .common import MarketplaceCommon
from .test_shopify_simulator import ShopifySimulatorCommon


class OrderChangesCommon(ShopifySimulatorCommon):
    # The platform's topics of a new order and of an order changed.
    ORDER_TOPIC = "orders/create"
    UPDATE_TOPIC = "orders/updated"

    def _import(self, **spec):
        """A paid shop order of 2 x SKU-1 at 12.50 and 1 x SKU-2 at 30.00
        with shipping, imported, invoiced and paid; the shop's webhooks
        then come back to the backend."""
        order = self.sim.create_order(
            lines=[
                {"sku": "SKU-1", "quantity": 2, "price": "12.50"},
                {"sku": "SKU-2", "quantity": 1, "price": "30.00"},
            ],
            **spec,
        )
        self._deliver(order, topic=self.ORDER_TOPIC)
        self.sim.configure(target_url=self.backend.sudo().webhook_url)
        self.env.flush_all()
        sale = self._sale(str(order["id"]))
        self.assertEqual(sale.state, "sale")
        return order, sale

    def _run(self, action):
        """``action()`` in Odoo, then the jobs it enqueued, then the
        channel's webhooks that came back."""
        with trap_jobs() as trap:
            action()
            self.env.flush_all()
            trap.perform_enqueued_jobs()
        self.backend._process_events()

    def _credit_notes(self, sale):
        """Posted credit notes of the order's invoices, those of an amount
        only (no line of the order) too."""
        invoices = sale.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")
        return self.env["account.move"].search(
            [
                ("move_type", "=", "out_refund"),
                ("state", "=", "posted"),
                "|",
                ("id", "in", sale.invoice_ids.ids),
                ("reversed_entry_id", "in", invoices.ids),
            ]
        )

    def _credit_note(self, sale, quantities):
        """A draft credit note of the order's invoice, of ``{sale line's
        external id: quantity}`` and the shipping when ``"shipping"`` is
        in it."""
        invoice = sale.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Damaged"})
        )
        credit_note = self.env["account.move"].browse(wizard.refund_moves()["res_id"])
        for line in credit_note.invoice_line_ids:
            sale_line = line.sale_line_ids[:1]
            key = (
                "shipping"
                if sale_line.is_delivery
                else sale_line.retail_external_line_id
            )
            if key not in quantities:
                credit_note.invoice_line_ids = [Command.unlink(line.id)]
            elif key != "shipping":
                line.quantity = quantities[key]
        return credit_note

    def _ship_in_odoo(self, sale):
        for move in sale.picking_ids.move_ids:
            move.quantity = move.product_uom_qty
        sale.picking_ids.with_context(
            skip_backorder=True, picking_ids_not_to_backorder=[]
        ).button_validate()

    def _activity(self, record, kind):
        return self.env["retail.exception.activity"]._open(record, kind)

    def _edit(self, order, **options):
        """One more SKU-1, SKU-2 removed, and a new line of 1 x SKU-2 at
        20.00, edited on the shop; its order webhook processed."""
        first, second = order["line_items"]
        edited = self.sim.platform.edit_order(
            order["id"],
            quantities={first["id"]: 3, second["id"]: 0},
            add=[{"sku": "SKU-2", "quantity": 1, "price": "20.00"}],
            **options,
        )
        self.env.flush_all()
        self.backend._process_events()
        return edited

    def _units(self, sale):
        return sorted(
            (line.product_id.default_code, line.product_uom_qty, line.price_unit)
            for line in sale.order_line
            if line.retail_external_line_id
        )

    def _delivered(self, sale):
        """``{SKU: units}`` the order's deliveries still hold."""
        delivered = {}
        for move in sale.picking_ids.move_ids.filtered(lambda m: m.state != "cancel"):
            code = move.product_id.default_code
            delivered[code] = delivered.get(code, 0) + move.product_uom_qty
        return delivered

    def _assert_edit_before_shipment_applies(self, total_key):
        """An order edited on the shop before shipment: Odoo's order and its
        delivery follow, its total then the shop's edited total
        (``total_key`` of the order), and the same version seen again
        changes nothing more."""
        order, sale = self._import()
        edited = self._edit(order)
        units = [("SKU-1", 3.0, 12.5), ("SKU-2", 0.0, 30.0), ("SKU-2", 1.0, 20.0)]
        self.assertEqual(self._units(sale), units)
        self.assertAlmostEqual(sale.amount_total, float(edited[total_key]))
        self.assertEqual(self._delivered(sale), {"SKU-1": 3.0, "SKU-2": 1.0})
        body = str(sale.message_ids[0].body)
        self.assertIn("Edited on the channel", body)
        self.assertIn("2 → 3", body)
        self.assertIn("1 → 0", body)
        self._deliver(edited, topic=self.UPDATE_TOPIC, key="again")
        self.assertEqual(self._units(sale), units)

    def _assert_edit_after_shipment_changes_nothing(self, **options):
        """An order shipped in Odoo, then edited on the shop: nothing
        changes, and one sync exception on the order says what the shop
        changed."""
        order, sale = self._import()
        self._ship_in_odoo(sale)
        self._edit(order, **options)
        self.assertEqual(
            self._units(sale), [("SKU-1", 2.0, 12.5), ("SKU-2", 1.0, 30.0)]
        )
        activity = self._activity(sale, "channel_edit")
        self.assertEqual(len(activity), 1)
        self.assertIn("after it shipped", str(activity.note))
        self.assertIn("2 → 3", str(activity.note))


@tagged("post_install", "-at_install")
class TestShopifyOrderChanges(OrderChangesCommon):
    def test_cancel_asks_shopify_first_then_books_its_refund_once(self):
        """Test that cancelling a paid order in Odoo leaves it uncancelled
        until Shopify confirms, then cancels it with Shopify's answer in
        the chatter; Shopify's orders/cancelled and refunds/create webhooks
        coming back book the refund it made once, and a second cancel asks
        nothing more."""
        order, sale = self._import()
        with trap_jobs() as trap:
            sale.action_cancel()
            self.assertEqual(sale.state, "sale")
            self.assertEqual(sale.retail_cancel_state, "requested")
            sale.action_cancel()
            trap.assert_jobs_count(1)
            self.env.flush_all()
            trap.perform_enqueued_jobs()
        self.assertEqual(sale.state, "cancel")
        self.assertFalse(sale.retail_cancel_state)
        self.assertIn("Shopify cancels order", str(sale.message_ids[0].body))
        shop_order = self.sim.orders[order["id"]]
        self.assertTrue(shop_order["cancelled_at"])
        self.assertEqual(shop_order["financial_status"], "refunded")
        topics = [d["topic"] for d in self.sim.stats()["deliveries"]]
        self.assertIn("orders/cancelled", topics)
        self.assertIn("refunds/create", topics)
        self.backend._process_events()
        self.backend._process_events()
        credit_note = self._credit_notes(sale)
        self.assertEqual(len(credit_note), 1)
        self.assertAlmostEqual(credit_note.amount_total, sale.amount_total)
        self.assertEqual(
            credit_note.retail_refund_ref,
            str(shop_order["refunds"][0]["id"]),
            "the channel's refund, booked, not sent back",
        )
        self.assertFalse(credit_note.retail_refund_state)
        self.assertEqual(self._graphql_calls("orderCancel"), 1)

    def test_a_salesperson_without_connector_rights_cancels(self):
        """Test that a salesperson who is no connector user (no access to the
        backend or its secrets) cancels a channel order: the job runs as the
        system and the order is cancelled on both sides."""
        order, sale = self._import()
        salesperson = self.env["res.users"].create(
            {
                "name": "Sam Sales",
                "login": "sam_sales",
                "email": "sam@example.com",
                "groups_id": [
                    Command.set(
                        [self.env.ref("sales_team.group_sale_salesman_all_leads").id]
                    )
                ],
            }
        )
        self._run(sale.with_user(salesperson).action_cancel)
        self.assertEqual(sale.state, "cancel")
        self.assertTrue(self.sim.orders[order["id"]]["cancelled_at"])

    def test_a_shop_that_does_not_answer_leaves_the_order_uncancelled(self):
        """Test that while Shopify does not answer the cancellation is tried
        again by a job of its own (the suite's retry policy), and that once
        the backend's attempts are spent the order is still confirmed, its
        chatter and one sync exception on the backend saying so."""
        order, sale = self._import()
        self.sim.set_faults(fail_next=100, fail_status=503)
        with trap_jobs() as trap:
            sale.action_cancel()
            self.env.flush_all()
            for _attempt in range(self.backend.max_attempts):
                trap.perform_enqueued_jobs()
            trap.assert_jobs_count(0)
        self.sim.clear_faults()
        self.assertEqual(sale.state, "sale")
        self.assertFalse(sale.retail_cancel_state)
        self.assertIn("stays as it was", str(sale.message_ids[0].body))
        activity = self._activity(self.backend, "channel_cancel")
        self.assertEqual(len(activity), 1)
        self.assertIn(sale.name, str(activity.note))
        self.assertFalse(self.sim.orders[order["id"]]["cancelled_at"])

    def test_fulfilled_on_shopify_the_cancel_is_refused_and_nothing_changes(self):
        """Test that an order Shopify has fulfilled (Odoo's delivery not
        validated yet) is not cancelled: Odoo's order stays confirmed, its
        chatter and one sync exception say why, and Shopify is not asked."""
        order, sale = self._import()
        self.backend._adapter("marketplace").push_shipment(self._shipment_of(order))
        self._run(sale.action_cancel)
        self.assertEqual(sale.state, "sale")
        self.assertFalse(sale.retail_cancel_state)
        activity = self._activity(sale, "channel_cancel")
        self.assertEqual(len(activity), 1)
        self.assertIn("already fulfilled", str(activity.note))
        self.assertIn("stays as it was", str(sale.message_ids[0].body))
        self.assertFalse(self.sim.orders[order["id"]]["cancelled_at"])
        self.assertEqual(self._graphql_calls("orderCancel"), 0)

    def _shipment_of(self, order):
        return Shipment(
            str(order["id"]),
            [(str(item["id"]), item["quantity"]) for item in order["line_items"]],
        )

    def test_credit_note_refunds_on_shopify_once_and_its_echo_books_nothing(self):
        """Test that a credit note of one unit and the shipping, posted in
        Odoo, refunds that on Shopify (the line, the shipping and one
        transaction of the credit note's total on the order's sale, the
        idempotency key in its note), is bound to Shopify's refund, and
        that Shopify's refunds/create and orders/updated webhooks coming
        back create no second credit note. Sending it again refunds
        nothing more."""
        order, sale = self._import()
        line_ref = str(order["line_items"][0]["id"])
        credit_note = self._credit_note(sale, {line_ref: 1, "shipping": 1})
        self._run(credit_note.action_post)
        self.backend._process_events()
        self.assertEqual(credit_note.retail_refund_state, "done")
        (refund,) = self.sim.orders[order["id"]]["refunds"]
        self.assertEqual(credit_note.retail_refund_ref, str(refund["id"]))
        self.assertIn(credit_note.retail_refund_key, refund["note"])
        self.assertEqual(
            [
                (line["line_item_id"], line["quantity"])
                for line in refund["refund_line_items"]
            ],
            [(int(line_ref), 1)],
        )
        self.assertAlmostEqual(
            float(refund["transactions"][0]["amount"]), credit_note.amount_total
        )
        self.assertTrue(refund["refund_shipping_lines"])
        self.assertEqual(self._credit_notes(sale), credit_note)
        self.assertAlmostEqual(
            float(self.sim.orders[order["id"]]["current_total_price"]),
            sale.amount_total - credit_note.amount_total,
        )
        credit_note.retail_refund_state = "waiting"
        self.backend._retail_push_refund(credit_note.id)
        self.assertEqual(len(self.sim.orders[order["id"]]["refunds"]), 1)

    def test_an_echo_before_the_jobs_answer_waits_then_is_recognised(self):
        """Test that the shop's refund arriving while a credit note of its
        order still waits for the shop is not booked (it may be that
        credit note's: the event is tried again later), and that once the
        job gave up, the refund whose note carries the credit note's key is
        bound to it rather than booked a second time."""
        order, sale = self._import()
        line_ref = str(order["line_items"][0]["id"])
        credit_note = self._credit_note(sale, {line_ref: 1})
        with trap_jobs():
            credit_note.action_post()
        self.assertEqual(credit_note.retail_refund_state, "waiting")
        refund = self.sim.create_refund(
            order["id"],
            lines=[{"line_item_id": int(line_ref), "quantity": 1}],
            note=f"Answer lost [{credit_note.retail_refund_key}]",
        )
        self.env.flush_all()
        self.backend._process_events()
        event = self.env["retail.event"].search(
            [("backend_id", "=", self.backend.id), ("topic", "=", "refunds/create")]
        )
        self.assertEqual(event.state, "pending")
        self.assertEqual(self._credit_notes(sale), credit_note)
        credit_note._retail_refund_refused("the shop did not answer")
        # The event's next attempt.
        self.assertEqual(
            self.env["account.move"]._retail_import_refund_event(event), credit_note
        )
        self.assertEqual(self._credit_notes(sale), credit_note)
        self.assertEqual(
            (credit_note.retail_refund_state, credit_note.retail_refund_ref),
            ("done", str(refund["id"])),
        )

    def test_refused_refund_is_a_sync_exception_on_the_credit_note(self):
        """Test that a refund Shopify refuses (more than the order has
        left) leaves the credit note posted in Odoo, marked not refunded,
        with one sync exception quoting Shopify."""
        order, sale = self._import()
        credit_note = self._credit_note(
            sale, {str(item["id"]): item["quantity"] for item in order["line_items"]}
        )
        self.sim.create_refund(
            order["id"],
            lines=[{"line_item_id": order["line_items"][1]["id"], "quantity": 1}],
        )
        self.env.flush_all()
        self.backend._process_events()
        self._run(credit_note.action_post)
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(credit_note.retail_refund_state, "refused")
        activity = self._activity(credit_note, "channel_refund")
        self.assertEqual(len(activity), 1)
        self.assertIn("can be refunded", str(activity.note))

    def test_the_channel_owning_order_status_keeps_odoo_from_sending(self):
        """Test that when the channel owns order status, cancelling in Odoo
        is refused, asking to cancel on the channel, and a credit note
        posted in Odoo stays Odoo's."""
        order, sale = self._import()
        self.backend.owner_order_status = "channel"
        with self.assertRaisesRegex(UserError, "owns the status of its orders"):
            sale.action_cancel()
        credit_note = self._credit_note(sale, {str(order["line_items"][0]["id"]): 1})
        self._run(credit_note.action_post)
        self.assertFalse(credit_note.retail_refund_state)
        self.assertFalse(self.sim.orders[order["id"]]["refunds"])

    def test_an_order_shipped_in_odoo_cannot_be_cancelled(self):
        _order, sale = self._import()
        self._ship_in_odoo(sale)
        with self.assertRaisesRegex(UserError, "has shipped"):
            sale.action_cancel()


@tagged("post_install", "-at_install")
class TestShopifyOrderEdits(OrderChangesCommon):
    def test_an_edit_before_shipment_changes_the_order_and_its_delivery(self):
        """Test that an order edited on Shopify before shipment (a quantity
        raised, a line removed, a line added) changes Odoo's order and its
        delivery the same way, its total then the shop's edited total, and
        that the same version seen again changes nothing more."""
        self._assert_edit_before_shipment_applies("current_total_price")

    def test_an_edit_after_shipment_is_a_sync_exception_saying_what_changed(self):
        self._assert_edit_after_shipment_changes_nothing()


class WooCommerceOrderChangesCommon(OrderChangesCommon):
    PLATFORM = "woocommerce"
    ORDER_TOPIC = "order.created"
    UPDATE_TOPIC = "order.updated"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend.write(
            {
                "mapping_ids": [
                    Command.create(
                        {
                            "mapping_type": "tax",
                            "external_code": "FR-VAT-1",
                            "odoo_ref": f"account.tax,{cls.tax_excluded.id}",
                        }
                    )
                ],
            }
        )


@tagged("post_install", "-at_install")
class TestWooCommerceOrderChanges(WooCommerceOrderChangesCommon):
    def test_cancel_refunds_then_cancels_and_the_echo_books_it_once(self):
        """Test that cancelling a paid order in Odoo refunds it in full
        through the gateway and sets it cancelled on WooCommerce (its
        stock back), then cancels it in Odoo; the order.updated webhooks
        coming back book the refund once."""
        product = self.sim.add_product("SKU-1", quantity=10)
        self.sim.add_product("SKU-2", quantity=10)
        order, sale = self._import()
        self._run(sale.action_cancel)
        self.assertEqual(sale.state, "cancel")
        shop_order = self.sim.orders[order["id"]]
        self.assertEqual(shop_order["status"], "cancelled")
        (refund,) = self.sim.platform.refunds[order["id"]]
        self.assertTrue(refund["refunded_payment"])
        self.assertEqual(refund["amount"], shop_order["total"])
        self.assertEqual(self.sim.products[product["id"]]["stock_quantity"], 10)
        self.backend._process_events()
        credit_note = self._credit_notes(sale)
        self.assertEqual(len(credit_note), 1)
        self.assertAlmostEqual(credit_note.amount_total, sale.amount_total)

    def test_completed_order_is_refused(self):
        order, sale = self._import()
        self.sim.update_order(order["id"], status="completed")
        self._run(sale.action_cancel)
        self.assertEqual(sale.state, "sale")
        self.assertIn(
            "already completed", str(self._activity(sale, "channel_cancel").note)
        )

    def test_credit_note_refunds_through_the_gateway_once(self):
        """Test that a credit note of one unit refunds it with api_refund,
        its line's untaxed amount and tax on the item's tax rate, the key
        in the reason; that the order.updated webhook coming back books no
        second credit note; and that sending it again finds the refund by
        its key."""
        order, sale = self._import()
        item = order["line_items"][0]
        credit_note = self._credit_note(sale, {str(item["id"]): 1})
        self._run(credit_note.action_post)
        self.backend._process_events()
        self.assertEqual(credit_note.retail_refund_state, "done")
        (refund,) = self.sim.platform.refunds[order["id"]]
        self.assertEqual(credit_note.retail_refund_ref, str(refund["id"]))
        self.assertIn(credit_note.retail_refund_key, refund["reason"])
        self.assertEqual(refund["amount"], f"{credit_note.amount_total:.2f}")
        (line,) = refund["line_items"]
        self.assertEqual((line["quantity"], line["total"]), (-1, "-12.50"))
        self.assertEqual(self._credit_notes(sale), credit_note)
        credit_note.retail_refund_state = "waiting"
        self.backend._retail_push_refund(credit_note.id)
        self.assertEqual(len(self.sim.platform.refunds[order["id"]]), 1)


@tagged("post_install", "-at_install")
class TestWooCommerceOrderEdits(WooCommerceOrderChangesCommon):
    """WooCommerce states an edited order's quantities as they are now and
    deletes the items an edit removes; refunds leave both as they are."""

    def _import(self, financial_status="authorized", **spec):
        """An on-hold order (payment authorized) by default, which
        WooCommerce lets a shop manager edit."""
        return super()._import(financial_status=financial_status, **spec)

    def _assert_no_edit(self, sale, units):
        self.assertEqual(self._units(sale), units)
        self.assertFalse(
            sale.message_ids.filtered(
                lambda message: "Edited on the channel" in str(message.body)
            )
        )
        self.assertFalse(self._activity(sale, "channel_edit"))

    def test_an_edit_before_shipment_changes_the_order_and_its_delivery(self):
        """Test that an order edited on WooCommerce before shipment (a
        quantity raised, an item deleted, an item added) changes Odoo's
        order and its delivery the same way, its total then the shop's
        edited total, and that the same version seen again (the poll)
        changes nothing more."""
        self._assert_edit_before_shipment_applies("total")

    def test_an_edit_after_shipment_is_a_sync_exception_saying_what_changed(self):
        """Test it of a shop whose wc_order_is_editable filter lets its
        manager edit the order still."""
        self._assert_edit_after_shipment_changes_nothing(force=True)

    def test_a_refund_on_woocommerce_is_no_edit(self):
        """Test that a refund made on WooCommerce, of one unit restocked and
        of the rest of a line, reaches Odoo as its credit note only: the
        order's quantities and delivery stay as they were, with no edit."""
        order, sale = self._import(financial_status="paid")
        first, second = order["line_items"]
        self.sim.create_refund(
            order["id"],
            lines=[
                {"line_item_id": first["id"], "quantity": 1, "restock": True},
                {"line_item_id": second["id"], "quantity": 1},
            ],
        )
        self.env.flush_all()
        self.backend._process_events()
        self.assertEqual(len(self._credit_notes(sale)), 1)
        self._assert_no_edit(sale, [("SKU-1", 2.0, 12.5), ("SKU-2", 1.0, 30.0)])

    def test_odoos_own_changes_echoed_back_are_no_edit(self):
        """Test that what Odoo changes itself reads as no edit when
        WooCommerce's order.updated brings the order back: a quantity a
        person lowered in Odoo stays lowered through a status change on the
        shop, and Odoo's cancellation, set on WooCommerce, comes back as a
        cancelled order with its lines as they were."""
        order, sale = self._import()
        sku1_line = sale.order_line.filtered(
            lambda line: line.product_id.default_code == "SKU-1"
        )
        sku1_line.product_uom_qty = 1
        self.sim.update_order(order["id"], status="pending")
        self.env.flush_all()
        self.backend._process_events()
        self._assert_no_edit(sale, [("SKU-1", 1.0, 12.5), ("SKU-2", 1.0, 30.0)])
        self._run(sale.action_cancel)
        self.assertEqual(sale.state, "cancel")
        self.assertEqual(self.sim.orders[order["id"]]["status"], "cancelled")
        self.backend._process_events()
        self._assert_no_edit(sale, [("SKU-1", 1.0, 12.5), ("SKU-2", 1.0, 30.0)])


@tagged("post_install", "-at_install")
class TestChannelUnitsUpgrade(MarketplaceCommon):
    def test_upgrade_takes_the_channel_units_from_the_last_order_message(self):
        """Test that the upgrade to 18.0.1.5.0 gives each channel line the
        units Odoo compared the channel's next version with: the line's
        units in the last order message the inbox kept plus the units
        already edited, else (its payload emptied) the line's quantity."""
        self._deliver(self._order_payload())
        self._deliver(self._order_payload(order_id="5002"))
        kept, purged = self._sale("5001"), self._sale("5002")
        kept.order_line.filtered("retail_external_line_id")[0].product_uom_qty = 5
        purged.order_line.filtered("retail_external_line_id")[0].product_uom_qty = 4
        self.env.flush_all()
        cr = self.env.cr
        # As the retention cron empties a payload.
        cr.execute("UPDATE retail_event SET payload = NULL WHERE subject_key = '5002'")
        # As before the upgrade: the units edited, in their own column.
        cr.execute(
            "ALTER TABLE sale_order_line ADD COLUMN retail_edited_qty numeric;"
            "UPDATE sale_order_line SET retail_channel_qty = 0,"
            " retail_edited_qty = CASE retail_external_line_id"
            " WHEN 'L1' THEN 1 ELSE 0 END"
        )
        path = Path(__file__).parents[1] / "migrations/18.0.1.5.0/post-migration.py"
        spec = importlib.util.spec_from_file_location("post_migration", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(cr, "18.0.1.4.0")
        self.env.invalidate_all()
        for sale, units in ((kept, [3.0, 1.0]), (purged, [4.0, 1.0])):
            lines = sale.order_line.filtered("retail_external_line_id")
            self.assertEqual(
                lines.sorted("retail_external_line_id").mapped("retail_channel_qty"),
                units,
            )


@tagged("post_install", "-at_install")
class TestUnsupportedOrderChanges(MarketplaceCommon):
    def test_a_channel_taking_no_cancellation_says_what_to_do(self):
        self._deliver(self._order_payload())
        sale = self._sale()
        with self.assertRaisesRegex(UserError, "make them on the channel"):
            sale.action_cancel()
        self.assertEqual(sale.state, "sale")
