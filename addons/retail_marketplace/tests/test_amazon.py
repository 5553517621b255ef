# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import time

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from odoo.addons.retail_connector_base.exceptions import (
    RetailBusinessError,
    RetailTransientError,
)
from odoo.addons.retail_connector_base.tests.common import simulator_class

from ..adapters import amazon
from .common import MarketplaceCommon

US = "ATVPDKIKX0DER"
DE = "A1PA6795UKMFR9"
CREDENTIALS = {
    "client_id": "amzn1.application-oa2-client.test",
    "client_secret": "amzn1.oa2-cs.v1.test-secret",
    "refresh_token": "Atzr|test-refresh-token",
}


class AmazonCommon(MarketplaceCommon, HttpCase):
    """An Amazon backend against the simulator's Amazon mode, a US seller on
    Amazon.com. HttpCase: the outbound client's throttle commits on its own
    cursor."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.facilitator_account = cls.env["account.account"].create(
            {
                "code": "218500",
                "name": "Sales tax withheld by Amazon",
                "account_type": "liability_current",
            }
        )
        cls.backend.write(
            {
                "platform": "amazon",
                "amazon_region": "na",
                "amazon_marketplace_ids": US,
                "api_key": CREDENTIALS["client_id"],
                "api_secret": CREDENTIALS["client_secret"],
                "refresh_token": CREDENTIALS["refresh_token"],
                "facilitator_tax_account_id": cls.facilitator_account.id,
                "mapping_ids": [
                    Command.create(
                        {
                            "mapping_type": "tax",
                            "external_code": marketplace,
                            "odoo_ref": f"account.tax,{tax.id}",
                        }
                    )
                    for marketplace, tax in (
                        (US, cls.tax_excluded),
                        (DE, cls.tax_included),
                    )
                ],
            }
        )
        cls.flow = cls.backend.flow_ids.filtered(lambda flow: flow.flow == "orders_in")

    def setUp(self):
        super().setUp()
        self.sim = simulator_class()(
            platform="amazon", marketplace_id=US, **CREDENTIALS
        ).start()
        self.addCleanup(self.sim.stop)
        self.backend.write(
            {
                "api_url": self.sim.url,
                "amazon_token_url": f"{self.sim.url}/auth/o2/token",
            }
        )

    def _poll(self):
        """Run the orders poll, then the inbox."""
        result = self.flow._run()
        self.backend._process_events()
        return result

    def _order(self, **spec):
        """A US order Amazon collects the sales tax of (every US state has
        a marketplace facilitator law)."""
        return self.sim.create_order(**dict({"facilitator": True}, **spec))

    def _requests(self, template):
        return self.sim.stats()["requests"].get(template, 0)

    def _operation(self, name):
        # The client changes the buckets in SQL.
        self.env.invalidate_all()
        return self.backend.operation_throttle_ids.filtered(
            lambda bucket: bucket.operation == name
        )


@tagged("post_install", "-at_install")
class TestAmazon(AmazonCommon):
    """Orders polled and imported, shipments confirmed, within each
    operation's rate limit and with access tokens from Login with Amazon."""

    # === BACKEND === #
    def test_new_backend_gets_its_region_and_fba_warehouse(self):
        """Test that a new Amazon backend gets its region's endpoint, the
        Login with Amazon URL and a warehouse for the stock Amazon holds."""
        backend = self._prepare_backend(platform="amazon", amazon_region="fe")
        self.assertEqual(backend.api_url, "https://sellingpartnerapi-fe.amazon.com")
        self.assertEqual(backend.amazon_token_url, amazon.TOKEN_URL)
        warehouse = backend.channel_warehouse_id
        self.assertEqual(warehouse.company_id, backend.company_id)
        self.assertTrue(warehouse.code.startswith("FBA"))
        self.assertNotEqual(warehouse.code, self.backend.channel_warehouse_id.code)
        self.assertEqual(
            self._prepare_backend(platform="amazon").api_url, amazon.ENDPOINTS["eu"]
        )
        self.assertFalse(self._prepare_backend(platform="shopify").channel_warehouse_id)

    def test_test_connection(self):
        action = self.backend.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self._requests("GET /sellers/v1/marketplaceParticipations"), 1)

    # === ORDERS === #
    def test_mfn_order_polled_and_imported(self):
        """Test a merchant-fulfilled order: polled by its change date for the
        statuses from Unshipped on, completed with its items, imported from
        the backend's warehouse with the item's promotion and shipping
        discount on its lines, and the sales tax Amazon collected on the
        facilitator account, so the invoice is Amazon's total and taxes
        nothing."""
        placed = self._order(
            tax_rate="0.08",
            lines=[
                {
                    "sku": "SKU-1",
                    "quantity": 2,
                    "price": "12.50",
                    "promotion": "1.00",
                    "shipping": "4.90",
                    "shipping_discount": "0.90",
                },
                {"sku": "SKU-2", "price": "30.00"},
            ],
        )
        self.assertEqual(placed["OrderTotal"]["Amount"], "62.64")
        self._poll()
        sale = self._sale(placed["AmazonOrderId"])
        self.assertEqual(sale.state, "sale")
        self.assertEqual(sale.warehouse_id, self.warehouse)
        self.assertFalse(sale.retail_fulfilled_by_channel)
        self.assertEqual(
            (sale.amount_total, sale.amount_tax, sale.retail_channel_total),
            (62.64, 0.0, 62.64),
        )
        shirt = sale.order_line.filtered(lambda line: line.product_id == self.product_a)
        self.assertEqual(
            (shirt.product_uom_qty, shirt.price_unit, shirt.discount, shirt.tax_id.ids),
            (2, 12.5, 4.0, []),
        )
        shipping = sale.order_line.filtered("is_delivery")
        self.assertEqual(shipping.price_unit, 4.0)
        collected = sale.order_line.filtered(
            lambda line: line.product_id
            == self.env.ref("retail_marketplace.product_channel_facilitator_tax")
        )
        self.assertEqual(collected.price_unit, 4.64)
        invoice = sale.invoice_ids
        self.assertEqual((invoice.amount_total, invoice.amount_tax), (62.64, 0.0))
        self.assertEqual(
            invoice.invoice_line_ids.filtered(
                lambda line: line.product_id == collected.product_id
            ).account_id,
            self.facilitator_account,
        )
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(sale.partner_shipping_id.city, "Seattle")
        self.assertEqual(sale.picking_ids.state, "assigned")
        query = self.sim.stats()["order_queries"][0]
        self.assertEqual(query["MarketplaceIds"], US)
        self.assertNotIn("Pending", query["OrderStatuses"].split(","))
        self.assertIn("Unshipped", query["OrderStatuses"].split(","))
        self.assertEqual(self.flow.checkpoint, placed["LastUpdateDate"])
        self._poll()
        self.assertEqual(
            self.sim.stats()["order_queries"][1]["LastUpdatedAfter"],
            placed["LastUpdateDate"],
        )
        self.assertEqual(len(self._sale(placed["AmazonOrderId"])), 1)
        self.assertEqual(
            self._requests("GET /orders/v0/orders/<orderId>/orderItems"), 1
        )

    def test_pending_order_waits_until_unshipped(self):
        """Test that a Pending order (no prices yet) is not read, and is
        imported once Amazon has it Unshipped."""
        placed = self._order(status="Pending")
        self._poll()
        self.assertFalse(self._sale(placed["AmazonOrderId"]))
        self.assertFalse(
            self.env["retail.event"].search(
                [("subject_key", "=", placed["AmazonOrderId"])]
            )
        )
        self.sim.update_order(placed["AmazonOrderId"], status="Unshipped")
        self._poll()
        self.assertEqual(self._sale(placed["AmazonOrderId"]).state, "sale")

    def test_afn_order_delivered_from_the_fba_warehouse(self):
        """Test an Amazon-fulfilled order: delivered from the backend's FBA
        warehouse, its delivery done at import (stock and cost of goods
        follow), and never confirmed to Amazon."""
        placed = self._order(
            fulfillment="AFN", lines=[{"sku": "SKU-1", "quantity": 3, "price": "10.00"}]
        )
        self._poll()
        sale = self._sale(placed["AmazonOrderId"])
        fba = self.backend.channel_warehouse_id
        self.assertTrue(sale.retail_fulfilled_by_channel)
        self.assertEqual(sale.warehouse_id, fba)
        picking = sale.picking_ids
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.location_id, fba.lot_stock_id)
        self.assertEqual(
            sale.order_line.filtered("product_id.is_storable").qty_delivered, 3
        )
        self.assertFalse(picking.retail_report_backend_id)
        self.assertEqual(
            self.product_a.with_context(warehouse_id=fba.id).qty_available, -3
        )
        self.assertEqual(
            self.product_a.with_context(warehouse_id=self.warehouse.id).qty_available,
            50,
        )
        self.backend._retail_export_shipments()
        self.assertEqual(self.sim.stats()["shipment_confirmations"], [])

    def test_afn_delivery_odoo_cannot_validate_waits_for_a_person(self):
        """Test that an Amazon-fulfilled order of a lot-tracked product is
        imported with its delivery left to validate and an exception
        activity saying why."""
        self.product_b.tracking = "lot"
        placed = self._order(fulfillment="AFN", lines=[{"sku": "SKU-2"}])
        self._poll()
        sale = self._sale(placed["AmazonOrderId"])
        self.assertEqual(sale.state, "sale")
        self.assertNotEqual(sale.picking_ids.state, "done")
        activity = sale.activity_ids
        self.assertEqual(activity.user_id, self.backend.user_id)
        self.assertIn(sale.picking_ids.name, activity.note)
        self.assertIn("validate it by hand", activity.note)

    def test_cancellations_are_applied_once(self):
        """Test that Amazon's cancellation cancels the order once, however
        often it is read, and that a buyer's request cancels an unshipped
        order with the reason and what to do on Amazon."""
        cancelled = self._order()
        asked = self._order()
        self._poll()
        self.sim.update_order(cancelled["AmazonOrderId"], status="Canceled")
        self.sim.update_order(asked["AmazonOrderId"], buyer_cancel="Ordered by mistake")
        self._poll()
        self._poll()
        sale = self._sale(cancelled["AmazonOrderId"])
        self.assertEqual(sale.state, "cancel")
        again = self.sim.update_order(cancelled["AmazonOrderId"])
        self.env["retail.event"]._receive(
            self.backend,
            "orders/updated",
            "read-again",
            json.dumps(again),
            subject=again["AmazonOrderId"],
        )
        self.backend._process_events()
        notes = sale.message_ids.filtered(
            lambda message: "Cancelled on the channel" in (message.body or "")
        )
        self.assertEqual(len(notes), 1)
        asked_sale = self._sale(asked["AmazonOrderId"])
        self.assertEqual(asked_sale.state, "cancel")
        self.assertEqual(asked_sale.picking_ids.state, "cancel")
        note = asked_sale.message_ids.filtered(
            lambda message: "Cancelled on the channel" in (message.body or "")
        )
        self.assertIn("Ordered by mistake", note.body)
        self.assertIn("Seller Central", note.body)

    def test_business_order_sold_to_the_company_with_its_vat(self):
        """Test an Amazon Business order on Amazon.de: sold to the buyer's
        company with its VAT number, the VAT the seller collects mapped from
        the marketplace to a tax included in the price."""
        self.env.ref("base.EUR").active = True
        self.env["product.pricelist"].create(
            {"name": "Amazon.de", "currency_id": self.env.ref("base.EUR").id}
        )
        self.backend.amazon_marketplace_ids = f"{US},{DE}"
        placed = self.sim.create_order(
            marketplace_id=DE,
            business={"company": "Acme GmbH", "vat": "DE123456789"},
            buyer={"name": "Jens Meyer"},
            lines=[{"sku": "SKU-2", "price": "30.00", "shipping": "6.00"}],
        )
        self._poll()
        sale = self._sale(placed["AmazonOrderId"])
        self.assertEqual(sale.currency_id.name, "EUR")
        self.assertEqual((sale.amount_total, sale.amount_tax), (36.0, 6.0))
        self.assertEqual(set(sale.order_line.mapped("tax_id")), {self.tax_included})
        company = sale.partner_id.commercial_partner_id
        self.assertEqual(
            (company.name, company.is_company, company.vat),
            ("Acme GmbH", True, "DE123456789"),
        )
        self.assertEqual(sale.partner_id.name, "Jens Meyer")
        self.assertEqual(sale.partner_shipping_id.country_id.code, "DE")

    def test_facilitator_tax_needs_its_account(self):
        self.backend.facilitator_tax_account_id = False
        placed = self._order()
        self._poll()
        event = self.env["retail.event"].search(
            [("subject_key", "=", placed["AmazonOrderId"])]
        )
        self.assertEqual(
            (event.state, event.failure_code), ("failed", "no_facilitator_tax_account")
        )
        self.assertIn("facilitator tax account", event.last_error)

    def test_pages_of_orders_and_of_items(self):
        """Test that the poll follows NextToken to the last page of orders,
        and the import to the last page of an order's items."""
        self.sim.configure(items_page_size=1)
        self.flow.batch_size = 2
        placed = [self._order() for _ in range(4)]
        wide = self._order(
            lines=[{"sku": "SKU-1"}, {"sku": "SKU-2"}, {"sku": "SKU-1", "price": "9"}]
        )
        self._poll()
        self.assertEqual(self._requests("GET /orders/v0/orders"), 3)
        for order in placed:
            self.assertEqual(self._sale(order["AmazonOrderId"]).state, "sale")
        self.assertEqual(len(self._sale(wide["AmazonOrderId"]).order_line), 4)
        self.assertEqual(
            self._requests("GET /orders/v0/orders/<orderId>/orderItems"), 7
        )

    # === RATE LIMITS === #
    def test_quota_exceeded_waited_out_and_rate_followed(self):
        """Test that a 429 QuotaExceeded of getOrderItems empties its bucket,
        is waited out and sent again, and that the bucket takes the rate
        Amazon states in x-amzn-RateLimit-Limit."""
        self.sim.configure(operation_limits={"getOrderItems": [0.2, 1]})
        first, second = self._order(), self._order()
        self._poll()
        self.assertEqual(self._sale(first["AmazonOrderId"]).state, "sale")
        self.assertEqual(self._sale(second["AmazonOrderId"]).state, "sale")
        self.assertEqual(self.sim.stats()["throttled_operations"], ["getOrderItems"])
        self.assertEqual(self._operation("getOrderItems").rate, 0.2)
        self.assertEqual(self._operation("getOrders").rate, 0.0167)
        logs = self.env["retail.request.log"].search(
            [("backend_id", "=", self.backend.id), ("status", "=", 429)]
        )
        self.assertEqual(len(logs), 1)

    def test_long_quota_wait_goes_to_the_retry_policy(self):
        """Test that an import whose getOrderItems must wait longer than a
        worker sleeps waits as the suite's retry policy says, no sooner than
        the bucket's next token, then goes through."""
        self.sim.configure(operation_limits={"getOrderItems": [0.0167, 1]})
        first, second = self._order(), self._order()
        self._poll()
        self.assertEqual(self._sale(first["AmazonOrderId"]).state, "sale")
        event = self.env["retail.event"].search(
            [("subject_key", "=", second["AmazonOrderId"])]
        )
        self.assertEqual((event.state, event.attempts), ("pending", 1))
        wait = (event.next_attempt_at - fields.Datetime.now()).total_seconds()
        self.assertGreater(wait, 50, "never sooner than the next token")
        self._lift_limits()
        self._operation("getOrderItems").sudo().write({"tokens": 30, "rate": 0.5})
        self.env.flush_all()
        self._set_due(event)
        self.backend._process_events()
        self.assertEqual(self._sale(second["AmazonOrderId"]).state, "sale")

    def _lift_limits(self):
        self.sim.configure(operation_limits={})
        self.sim.platform.buckets.clear()

    def _set_due(self, event):
        self.env.cr.execute(
            "UPDATE retail_event SET next_attempt_at = now() at time zone 'UTC' "
            "- interval '1 minute' WHERE id = %s",
            (event.id,),
        )
        event.invalidate_recordset()

    def test_throttled_poll_keeps_its_pages_and_resumes(self):
        """Test that a poll throttled half-way keeps the orders of the pages
        it read and resumes from the next page's NextToken, then from the
        latest change once at the end."""
        self.sim.configure(operation_limits={"getOrders": [0.0167, 2]})
        self.flow.batch_size = 1
        placed = [self._order() for _ in range(3)]
        self._poll()
        resume = json.loads(self.flow.checkpoint)
        self.assertTrue(resume["next"])
        imported = [order for order in placed if self._sale(order["AmazonOrderId"])]
        self.assertEqual(len(imported), 2)
        self._lift_limits()
        self._operation("getOrders").sudo().write({"tokens": 20})
        self.env.flush_all()
        self._poll()
        for order in placed:
            self.assertEqual(self._sale(order["AmazonOrderId"]).state, "sale")
        latest = max(order["LastUpdateDate"] for order in placed)
        self.assertEqual(self.flow.checkpoint, latest)
        self.assertEqual(
            self.sim.stats()["order_queries"][-1].get("NextToken"), resume["next"]
        )

    def test_first_throttled_page_fails_the_run(self):
        """Test that a poll throttled before it read anything leaves the
        checkpoint as it was, for the next run."""
        self.sim.configure(operation_limits={"getOrders": [0.0167, 1]})
        self._order()
        self._poll()
        checkpoint = self.flow.checkpoint
        self._order()
        with self.assertRaises(RetailTransientError):
            self.flow._run()
        self.assertEqual(self.flow.checkpoint, checkpoint)

    # === ACCESS TOKEN === #
    def test_access_token_refreshed_before_it_expires(self):
        """Test that the access token is fetched once, reused, replaced
        before it expires (Amazon never refuses it), replaced at once when
        Amazon refuses it, and never stored nor logged."""
        self.backend.log_bodies = True
        self.sim.configure(token_lifetime=amazon.REFRESH_MARGIN + 2)
        self.backend.action_test_connection()
        self.backend.action_test_connection()
        self.assertEqual(self.sim.stats()["tokens_issued"], 1)
        time.sleep(2.2)
        self.backend.action_test_connection()
        self.assertEqual(self.sim.stats()["tokens_issued"], 2)
        self.assertNotIn("status 403", self.sim.stats()["requests"])
        self.sim.platform.revoke_tokens()
        self._order()
        self._poll()
        self.assertEqual(self.sim.stats()["tokens_issued"], 3)
        self.assertEqual(self.sim.stats()["requests"]["status 403"], 1)
        self.assertEqual(
            len(
                self.env["sale.order"].search(
                    [("retail_backend_id", "=", self.backend.id)]
                )
            ),
            1,
        )
        self.assertFalse(self.backend.sudo().access_token_encrypted)
        logs = self.env["retail.request.log"].search(
            [("backend_id", "=", self.backend.id)]
        )
        token_call = logs.filtered(lambda log: "/auth/o2/token" in log.url)
        self.assertEqual(len(token_call), 3)
        for log in token_call:
            for secret in CREDENTIALS.values():
                self.assertNotIn(secret, log.request_body)
            self.assertNotIn("Atza|", log.response_body)

    def test_personal_data_read_with_a_restricted_data_token(self):
        """Test that getOrders and getOrderItems carry a Restricted Data
        Token asked for once for every order (the simulator gives the
        buyer's name, street and company's VAT number only with one), that
        the token is kept in memory only, masked in the request log, and
        that a refused one is replaced with the access token."""
        self.backend.log_bodies = True
        placed = [
            self._order(
                buyer={"name": "Jo Buyer", "email": "jo@marketplace.amazon.com"}
            ),
            self._order(),
        ]
        self._poll()
        sale = self._sale(placed[0]["AmazonOrderId"])
        self.assertEqual(sale.partner_shipping_id.street, "2201 Westlake Ave")
        self.assertEqual(sale.partner_id.name, "Jo Buyer")
        self.assertEqual(sale.partner_id.email, "jo@marketplace.amazon.com")
        self.assertEqual(self._sale(placed[1]["AmazonOrderId"]).state, "sale")
        stats = self.sim.stats()
        self.assertEqual(stats["restricted_tokens_issued"], 1)
        self.assertEqual(stats["tokens_issued"], 1)
        self.assertFalse(self.backend.sudo().access_token_encrypted)
        logs = self.env["retail.request.log"].search(
            [("backend_id", "=", self.backend.id)]
        )
        rdt_call = logs.filtered(lambda log: "restrictedDataToken" in log.url)
        self.assertEqual(len(rdt_call), 1)
        self.assertIn("restrictedResources", rdt_call.request_body)
        self.assertNotIn("Atz.sprdt|", rdt_call.response_body)
        for log in logs:
            self.assertNotIn("Atz.sprdt|", log.response_body or "")
        self.sim.platform.restricted_tokens.clear()
        self._order()
        self._poll()
        self.assertEqual(self.sim.stats()["restricted_tokens_issued"], 2)
        self.assertEqual(self.sim.stats()["requests"]["status 403"], 1)

    def test_refused_credentials_are_a_clear_error(self):
        """Test that credentials Login with Amazon refuses stop the poll with
        an error saying so, kept on the flow."""
        self.backend.refresh_token = "Atzr|revoked"
        # Not assertRaises, whose rollback would take the flow's error away.
        try:
            self.flow._run()
        except RetailBusinessError as error:
            self.assertIn("Login with Amazon refused", str(error))
        else:
            self.fail("the poll went through")
        self.assertIn("invalid_grant", self.flow.last_error)

    # === SHIPMENTS === #
    def test_partial_shipments_confirmed_per_order_item(self):
        """Test that each validated delivery of a merchant-fulfilled order is
        confirmed with its items and quantities, its tracking number and
        ship date, and its carrier as Amazon's code (mapped) or by name."""
        Carrier = self.env["delivery.carrier"]
        service = {"product_id": self.shipping_product.id, "delivery_type": "fixed"}
        colissimo = Carrier.create(dict(service, name="Colissimo"))
        courier = Carrier.create(dict(service, name="Brest Vélo Courier"))
        self.backend.mapping_ids = [
            Command.create(
                {
                    "mapping_type": "carrier",
                    "external_code": "Colissimo",
                    "odoo_ref": f"delivery.carrier,{colissimo.id}",
                }
            )
        ]
        placed = self._order(
            lines=[{"sku": "SKU-1", "quantity": 2}, {"sku": "SKU-2", "price": "30"}]
        )
        self._poll()
        items = {
            line.product_id: line.retail_external_line_id
            for line in self._sale(placed["AmazonOrderId"]).order_line
            if line.retail_external_line_id
        }
        picking = self._sale(placed["AmazonOrderId"]).picking_ids
        picking.write({"carrier_id": colissimo.id, "carrier_tracking_ref": "6A1234"})
        for move in picking.move_ids:
            move.quantity = 1 if move.product_id == self.product_a else 0
        picking.with_context(
            skip_backorder=True, picking_ids_not_to_backorder=[]
        ).button_validate()
        self.backend._retail_export_shipments()
        first = self.sim.stats()["shipment_confirmations"][0]
        package = first["packageDetail"]
        self.assertEqual(first["marketplaceId"], US)
        self.assertEqual(
            (package["carrierCode"], package["trackingNumber"]), ("Colissimo", "6A1234")
        )
        self.assertNotIn("carrierName", package)
        self.assertEqual(
            package["orderItems"],
            [{"orderItemId": items[self.product_a], "quantity": 1}],
        )
        self.assertEqual(package["packageReferenceId"], str(picking.id))
        self.assertEqual(
            package["shipDate"], picking.date_done.strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        self.assertEqual(
            picking.retail_fulfilment_ref, f"{placed['AmazonOrderId']}/{picking.id}"
        )
        self.assertEqual(
            self.sim.platform.orders[placed["AmazonOrderId"]]["OrderStatus"],
            "PartiallyShipped",
        )
        rest = picking.backorder_ids
        rest.write({"carrier_id": courier.id, "carrier_tracking_ref": "BVC-77"})
        for move in rest.move_ids:
            move.quantity = move.product_uom_qty
        rest.button_validate()
        self.backend._retail_export_shipments()
        second = self.sim.stats()["shipment_confirmations"][1]["packageDetail"]
        self.assertEqual(
            (second["carrierCode"], second["carrierName"]),
            ("Other", "Brest Vélo Courier"),
        )
        self.assertEqual(
            sorted(
                (line["orderItemId"], line["quantity"]) for line in second["orderItems"]
            ),
            sorted([(items[self.product_a], 1), (items[self.product_b], 1)]),
        )
        self.assertEqual(
            self.sim.platform.orders[placed["AmazonOrderId"]]["OrderStatus"], "Shipped"
        )

    def test_shipment_without_tracking_number_is_refused_clearly(self):
        placed = self._order()
        self._poll()
        picking = self._sale(placed["AmazonOrderId"]).picking_ids
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.button_validate()
        self.backend._retail_export_shipments()
        self.assertEqual(self.sim.stats()["shipment_confirmations"], [])
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "stock.picking"), ("res_id", "=", picking.id)]
        )
        self.assertIn("tracking number", activity.note)
        self.assertFalse(picking.retail_report_backend_id)
