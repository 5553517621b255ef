# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Returns received in Odoo reach the channel that takes them (Shopify's
``returnCreate``, played by the simulator over loopback HTTP), with their
reasons mapped through the backend's mappings; WooCommerce is told
nothing."""

from odoo import Command
from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from ..adapters.channel_model import Shipment
from .test_order_changes import OrderChangesCommon, WooCommerceOrderChangesCommon


class OrderReturnsCommon(OrderChangesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Reason = cls.env["retail.return.reason"]
        cls.damaged = Reason.create({"name": "Damaged in transit"})
        cls.too_small = Reason.create({"name": "Too small"})
        cls.changed_mind = Reason.create({"name": "Changed their mind"})
        cls.backend.write(
            {
                "mapping_ids": [
                    Command.create(
                        {
                            "mapping_type": "return_reason",
                            "external_code": code,
                            "odoo_ref": f"retail.return.reason,{reason.id}",
                        }
                    )
                    for code, reason in (
                        ("DEFECTIVE", cls.damaged),
                        ("SIZE_TOO_SMALL", cls.too_small),
                    )
                ]
            }
        )

    def _shipped(self, shop_lines=None):
        """An imported order shipped in Odoo, and on the channel
        ``shop_lines`` (``[(line index, quantity)]``; all of it by
        default)."""
        order, sale = self._import()
        with trap_jobs():
            self._ship_in_odoo(sale)
        items = order["line_items"]
        lines = [
            (str(items[index]["id"]), quantity)
            for index, quantity in (
                shop_lines or [(i, item["quantity"]) for i, item in enumerate(items)]
            )
        ]
        self.backend._adapter("marketplace").push_shipment(
            Shipment(str(order["id"]), lines)
        )
        return order, sale

    def _received(self, sale, quantities, reason, user=None):
        """A return of the order's delivery, of ``{sale line's external id:
        quantity}``, for ``reason``, received (validated) in Odoo by
        ``user`` (the test's by default)."""
        delivery = sale.picking_ids.filtered(
            lambda picking: picking.picking_type_code == "outgoing"
        )
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=delivery.id, active_model="stock.picking")
            .create({"picking_id": delivery.id, "retail_return_reason_id": reason.id})
        )
        for line in wizard.product_return_moves:
            line.quantity = quantities.get(
                line.move_id.sale_line_id.retail_external_line_id, 0
            )
        picking = wizard._create_return()
        self.assertEqual(picking.retail_return_reason_id, reason)
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.with_user(user or self.env.user).with_context(
            skip_backorder=True
        ).button_validate()
        self.assertEqual(picking.state, "done")
        return picking

    def _return(self, sale, quantities, reason):
        """``_received``, then the jobs it enqueued."""
        received = []
        self._run(lambda: received.append(self._received(sale, quantities, reason)))
        return received[0]

    def _shop_returns(self, order):
        return self.sim.platform.returns.get(order["id"], [])

    def _assert_refused(self, picking, order, words, asked):
        """Assert that the return is a sync exception saying ``words``, that
        Shopify holds none of the order's, and was asked to make one
        ``asked`` times."""
        self.assertFalse(picking.retail_return_ref)
        activity = self._activity(picking, "channel_return")
        self.assertEqual(len(activity), 1)
        for word in words:
            self.assertIn(word, str(activity.note))
        self.assertFalse(self._shop_returns(order))
        self.assertEqual(self._graphql_calls("returnCreate"), asked)


@tagged("post_install", "-at_install")
class TestShopifyReturns(OrderReturnsCommon):
    """Up to API 2025-10 a return names its reason by the ``ReturnReason``
    enum, which the mappings name."""

    def setUp(self):
        super().setUp()
        self.backend.api_version = "2025-10"

    def test_a_return_is_reported_with_its_mapped_reason_once(self):
        """Test that a return of 1 x SKU-1 and 1 x SKU-2 validated in Odoo
        is an open Shopify return of those units on the order's fulfillment
        line items, with the mapped reason (DEFECTIVE) and the return's
        key in its note; Shopify's answer is in the sale order's chatter,
        and running the job again sends nothing more."""
        order, sale = self._shipped()
        first, second = (str(item["id"]) for item in order["line_items"])
        picking = self._return(sale, {first: 1, second: 1}, self.damaged)
        (shop_return,) = self._shop_returns(order)
        self.assertEqual(shop_return["status"], "OPEN")
        self.assertEqual(picking.retail_return_ref, str(shop_return["id"]))
        self.assertEqual(
            sorted(
                (line["line_item_id"], line["quantity"], line["return_reason"])
                for line in shop_return["return_line_items"]
            ),
            sorted([(int(first), 1, "DEFECTIVE"), (int(second), 1, "DEFECTIVE")]),
        )
        for line in shop_return["return_line_items"]:
            self.assertIn(picking.retail_return_key, line["return_reason_note"])
        self.assertIn(
            f"Shopify records return {shop_return['name']}",
            str(sale.message_ids[0].body),
        )
        self.backend._retail_push_return(picking.id)
        picking.retail_return_ref = False
        self.backend._retail_push_return(picking.id)
        self.assertEqual(len(self._shop_returns(order)), 1)
        self.assertEqual(self._graphql_calls("returnCreate"), 1)
        self.assertIn("already holds", str(sale.message_ids[0].body))
        self.assertEqual(picking.retail_return_ref, str(shop_return["id"]))

    def test_a_retried_return_is_made_once(self):
        """Test that while Shopify does not answer the return waits as a
        job of its own (the suite's retry policy) and is made once Shopify
        answers; a return Shopify made whose answer was lost is found by
        its key, not made again."""
        order, sale = self._shipped()
        first = str(order["line_items"][0]["id"])
        # Each attempt tries three times (the client's inline retries).
        self.sim.set_faults(fail_next=3, fail_status=503)
        with trap_jobs() as trap:
            picking = self._received(sale, {first: 2}, self.too_small)
            self.env.flush_all()
            trap.perform_enqueued_jobs()
            self.assertFalse(picking.retail_return_ref)
            trap.assert_jobs_count(1, only=self.backend._retail_push_return)
            trap.perform_enqueued_jobs()
        self.sim.clear_faults()
        (shop_return,) = self._shop_returns(order)
        self.assertEqual(picking.retail_return_ref, str(shop_return["id"]))
        self.assertEqual(
            [
                (line["quantity"], line["return_reason"])
                for line in shop_return["return_line_items"]
            ],
            [(2, "SIZE_TOO_SMALL")],
        )
        # The answer lost: Shopify holds the return, Odoo does not know.
        picking.retail_return_ref = False
        self.backend._retail_push_return(picking.id)
        self.assertEqual(len(self._shop_returns(order)), 1)
        self.assertEqual(self._graphql_calls("returnCreate"), 1)
        self.assertEqual(picking.retail_return_ref, str(shop_return["id"]))

    def test_a_warehouse_worker_without_connector_rights_receives_it(self):
        """Test that a warehouse worker who is no connector user (no access
        to the backend or its secrets) receives a return of a channel
        order: the job runs as the system and Shopify records it."""
        order, sale = self._shipped()
        worker = self.env["res.users"].create(
            {
                "name": "Wes Warehouse",
                "login": "wes_warehouse",
                "email": "wes@example.com",
                "groups_id": [Command.set([self.env.ref("stock.group_stock_user").id])],
            }
        )
        first = str(order["line_items"][0]["id"])
        self._run(lambda: self._received(sale, {first: 1}, self.damaged, user=worker))
        (shop_return,) = self._shop_returns(order)
        self.assertEqual(shop_return["return_line_items"][0]["quantity"], 1)

    def test_units_shopify_never_shipped_are_refused_as_a_sync_exception(self):
        """Test that returning 2 x SKU-1 of which Shopify fulfilled 1 is
        refused by Shopify (userErrors): one sync exception on the return
        says so, and Shopify holds no return."""
        order, sale = self._shipped(shop_lines=[(0, 1), (1, 1)])
        first = str(order["line_items"][0]["id"])
        picking = self._return(sale, {first: 2}, self.damaged)
        self._assert_refused(picking, order, ["not available for return"], 1)

    def test_an_unmapped_reason_is_other_with_its_words(self):
        """Test that a reason no mapping names is reported as OTHER with the
        Odoo reason's name in the note."""
        order, sale = self._shipped()
        second = str(order["line_items"][1]["id"])
        picking = self._return(sale, {second: 1}, self.changed_mind)
        (shop_return,) = self._shop_returns(order)
        (line,) = shop_return["return_line_items"]
        self.assertEqual((line["quantity"], line["return_reason"]), (1, "OTHER"))
        self.assertIn("Changed their mind", line["return_reason_note"])
        self.assertIn(picking.name, line["return_reason_note"])


@tagged("post_install", "-at_install")
class TestShopifyReturnReasonDefinitions(OrderReturnsCommon):
    """From API 2026-01 a return names its reason by a return reason
    definition, which the mapping names by its handle."""

    def setUp(self):
        super().setUp()
        self.backend.api_version = "2026-10"
        self.backend.mapping_ids.filtered(
            lambda mapping: mapping.odoo_ref == self.damaged
        ).external_code = "quality"

    def test_a_mapped_handle_is_sent_as_its_definition(self):
        """Test that a return whose reason is mapped to the handle
        "quality" is recorded with that definition (its id, asked once for
        the return), not the deprecated enum, the key in its note; running
        the job again sends nothing more."""
        order, sale = self._shipped()
        first, second = (str(item["id"]) for item in order["line_items"])
        picking = self._return(sale, {first: 1, second: 1}, self.damaged)
        (shop_return,) = self._shop_returns(order)
        self.assertEqual(picking.retail_return_ref, str(shop_return["id"]))
        self.assertEqual(
            [
                (line["return_reason_definition"], line["return_reason"])
                for line in shop_return["return_line_items"]
            ],
            [("quality", "UNKNOWN")] * 2,
        )
        for line in shop_return["return_line_items"]:
            self.assertIn(picking.retail_return_key, line["return_reason_note"])
        self.assertIn("reason quality", str(sale.message_ids[0].body))
        self.assertEqual(self._graphql_calls("ReturnReasonDefinitions"), 1)
        picking.retail_return_ref = False
        self.backend._retail_push_return(picking.id)
        self.assertEqual(len(self._shop_returns(order)), 1)
        self.assertEqual(self._graphql_calls("returnCreate"), 1)

    def test_an_unmapped_reason_is_the_other_definition_with_its_words(self):
        """Test that a reason no mapping names is reported as the "other"
        definition with the Odoo reason's name in the note."""
        order, sale = self._shipped()
        second = str(order["line_items"][1]["id"])
        picking = self._return(sale, {second: 1}, self.changed_mind)
        (shop_return,) = self._shop_returns(order)
        (line,) = shop_return["return_line_items"]
        self.assertEqual(
            (line["quantity"], line["return_reason_definition"]), (1, "other")
        )
        self.assertIn("Changed their mind", line["return_reason_note"])
        self.assertIn(picking.name, line["return_reason_note"])

    def test_a_handle_shopify_does_not_know_is_a_sync_exception(self):
        """Test that a mapping naming what Shopify knows no definition of
        (an enum value kept from an older version) stops the return with
        one sync exception naming it, and Shopify is not asked to make
        it."""
        order, sale = self._shipped()
        first = str(order["line_items"][0]["id"])
        picking = self._return(sale, {first: 1}, self.too_small)
        self._assert_refused(
            picking,
            order,
            ["no return reason 'SIZE_TOO_SMALL'", "Return reason mapping"],
            0,
        )


@tagged("post_install", "-at_install")
class TestReturnReasonCompanies(OrderReturnsCommon):
    def test_a_companys_reasons_are_its_own_and_shared_ones_everyones(self):
        """Test that a return reason of one company is not offered in
        another, and one of no company is offered in both."""
        other = self.env["res.company"].create({"name": "Other retailer"})
        Reason = self.env["retail.return.reason"]
        own = Reason.create({"name": "Own", "company_id": self.env.company.id})
        theirs = Reason.create({"name": "Theirs", "company_id": other.id})
        shared = Reason.create({"name": "Shared"})
        user = self.env["res.users"].create(
            {
                "name": "Una User",
                "login": "una_user",
                "company_id": self.env.company.id,
                "company_ids": [Command.set(self.env.company.ids)],
                "groups_id": [Command.set([self.env.ref("stock.group_stock_user").id])],
            }
        )
        visible = Reason.with_user(user).search(
            [("id", "in", (own | theirs | shared).ids)]
        )
        self.assertEqual(visible, own | shared)


@tagged("post_install", "-at_install")
class TestWooCommerceReturns(WooCommerceOrderChangesCommon, OrderReturnsCommon):
    def test_woocommerce_is_told_nothing(self):
        """Test that a return of a WooCommerce order is received in Odoo
        without a job, a key or an error: WooCommerce takes no returns."""
        _order, sale = self._import()
        with trap_jobs():
            self._ship_in_odoo(sale)
        line_ref = sale.order_line.filtered("retail_external_line_id")[
            :1
        ].retail_external_line_id
        with trap_jobs() as trap:
            picking = self._received(sale, {line_ref: 1}, self.damaged)
            trap.assert_jobs_count(0, only=self.backend._retail_push_return)
        self.assertEqual(picking.state, "done")
        self.assertFalse(picking.retail_return_key)
        self.assertFalse(self._activity(picking, "channel_return"))
