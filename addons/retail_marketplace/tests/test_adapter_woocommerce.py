# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, timezone
from decimal import Decimal

from odoo.tests import TransactionCase, tagged

from ..adapters import woocommerce
from ..adapters.channel_model import (
    ChannelPayment,
    ChannelRefundLine,
    ProductData,
    Shipment,
    StockItem,
)
from .fixtures import (
    assert_malformed_orders,
    assert_refused_numbers,
    load,
    recording,
)

API = "wp-json/wc/v3"
TRACKINGS = "wp-json/wc-shipment-tracking/v3/orders/727/shipment-trackings"


def channel_amount(order, payload):
    """What the parsed order says the customer pays: lines and charges net
    of their discounts, less order discounts, plus the order's tax when
    prices exclude it."""
    amount = sum(
        line.unit_price * line.quantity - line.discount_amount for line in order.lines
    )
    amount += sum(line.amount - line.discount_amount for line in order.shipping_lines)
    amount -= sum(discount.amount for discount in order.discounts)
    if not order.tax_included:
        amount += Decimal(payload["total_tax"])
    return amount


def echo_batch(json_body, params):
    """A batch answer accepting every update sent."""
    return {"update": [dict(row) for row in json_body["update"]]}


@tagged("post_install", "-at_install")
class TestWooCommerceAdapter(TransactionCase):
    # === RECEIVING === #
    def test_event_kinds(self):
        """Test that order topics are orders (refunds ride on order.updated)
        and a deleted order, which sends only its id, is nothing."""
        for topic in ("order.created", "order.updated", "order.restored"):
            self.assertEqual(woocommerce.event_kind(topic), "order", topic)
        self.assertIsNone(woocommerce.event_kind("order.deleted"))
        self.assertIsNone(woocommerce.event_kind("product.updated"))

    def test_order_tax_excluded_guest_paid(self):
        """Test the documented order: a paid guest order with prices before
        tax, tax codes from the order's tax lines, a variation line."""
        order = woocommerce.parse_order(load("woocommerce_order.json"))
        self.assertEqual((order.external_id, order.number), ("727", "727"))
        self.assertFalse(order.tax_included)
        self.assertEqual(order.total, Decimal("29.35"))
        self.assertEqual(order.updated_at, datetime(2017, 3, 22, 19, 28, 8))
        self.assertEqual(order.ordered_at, datetime(2017, 3, 22, 19, 28, 2))
        self.assertEqual((order.state, order.payment_state), ("open", "paid"))
        self.assertIsNone(order.customer.external_id)
        self.assertEqual(
            (order.customer.name, order.customer.email),
            ("John Doe", "john.doe@example.com"),
        )
        shipping = order.shipping_address
        self.assertEqual(
            (shipping.street, shipping.city, shipping.state_code, shipping.zip),
            ("969 Market", "San Francisco", "CA", "94103"),
        )
        self.assertEqual(
            (shipping.country_code, shipping.email), ("US", "john.doe@example.com")
        )
        first, second = order.lines
        self.assertEqual(
            (first.external_line_id, first.quantity, first.unit_price),
            ("315", Decimal("2"), Decimal("3.00")),
        )
        self.assertEqual(first.discount_amount, 0)
        self.assertEqual(first.tax_codes, ["US-CA-STATE TAX"])
        self.assertEqual(first.external_product_id, "93")
        self.assertEqual(second.external_product_id, "22/23")
        self.assertEqual(second.sku, "Bar3")
        self.assertEqual(
            second.title, "Ship Your Idea \u2013 Color: Black, Size: M Test"
        )
        self.assertEqual(
            [(s.title, s.code, s.amount, s.tax_codes) for s in order.shipping_lines],
            [("Flat Rate", "flat_rate", Decimal("10.00"), [])],
        )
        self.assertEqual(order.payments, [ChannelPayment("bacs", Decimal("29.35"))])
        self.assertEqual(
            channel_amount(order, load("woocommerce_order.json")), order.total
        )

    def test_order_tax_included_with_coupon_and_fees(self):
        """Test prices including tax: unit prices and discounts carry the
        tax, a unit price that is no whole cent is rounded up with the excess
        in the discount, fees become a charge and a discount, and the whole
        still makes the order total."""
        payload = load("woocommerce_order_taxes_included.json")
        order = woocommerce.parse_order(payload)
        self.assertTrue(order.tax_included)
        self.assertEqual(order.customer.external_id, "26")
        self.assertEqual((order.payment_state, order.payments), ("pending", []))
        first, second = order.lines
        # 10.00 for 3 units, 9.00 after the coupon: 3 x 3.34 - 1.02.
        self.assertEqual(
            (first.quantity, first.unit_price, first.discount_amount),
            (Decimal("3"), Decimal("3.34"), Decimal("1.02")),
        )
        self.assertEqual(
            (second.unit_price, second.discount_amount), (Decimal("12.00"), 0)
        )
        self.assertEqual(
            [(s.title, s.code, s.amount) for s in order.shipping_lines],
            [
                ("Flat Rate", "flat_rate", Decimal("10.75")),
                ("Gift wrap", "fee", Decimal("2.15")),
            ],
        )
        self.assertEqual(
            [(d.title, d.amount, d.tax_codes) for d in order.discounts],
            [("Loyalty & thanks", Decimal("2.15"), ["US-CA-STATE TAX"])],
        )
        self.assertEqual(channel_amount(order, payload), order.total)

    def test_business_buyer_from_billing_company_and_vat_meta(self):
        payload = load("woocommerce_order.json")
        payload["billing"]["company"] = "Acme GmbH"
        payload["meta_data"].append(
            {"id": 9, "key": "_billing_vat_number", "value": "DE123456789"}
        )
        order = woocommerce.parse_order(payload)
        self.assertEqual(
            (order.customer.company, order.customer.vat),
            ("Acme GmbH", "DE123456789"),
        )
        plain = woocommerce.parse_order(load("woocommerce_order.json"))
        self.assertEqual((plain.customer.company, plain.customer.vat), ("", ""))

    def test_cancelled_statuses(self):
        payload = load("woocommerce_order.json")
        for status, state in (
            ("cancelled", "cancelled"),
            ("failed", "cancelled"),
            ("trash", "cancelled"),
            ("on-hold", "open"),
        ):
            payload["status"] = status
            self.assertEqual(woocommerce.parse_order(payload).state, state, status)

    def test_blank_shipping_address(self):
        """Test that a shipping address left blank (virtual goods) is none."""
        payload = load("woocommerce_order.json")
        payload["shipping"] = dict.fromkeys(payload["shipping"], "")
        self.assertIsNone(woocommerce.parse_order(payload).shipping_address)

    def test_malformed_order(self):
        """Test that a missing key and a value of the wrong shape (a string
        where a list or object is due) are both a malformed order."""
        wrong_shapes = {
            "line_items": "none",
            "billing": "Ann",
            "shipping_lines": [["Flat rate", "10.00"]],
            "total": "a lot",
        }
        assert_malformed_orders(
            self,
            woocommerce.parse_order,
            "woocommerce_order.json",
            "malformed WooCommerce order",
            wrong_shapes,
        )

    def test_non_finite_numbers_and_negative_quantities_are_malformed(self):
        """Test that NaN, infinities and a negative quantity are refused as
        malformed, never read into an order."""
        assert_refused_numbers(
            self, woocommerce.parse_order, "woocommerce_order.json", "subtotal", "total"
        )

    # === ORDER EDITS === #
    def test_quantities_are_the_order_as_edited_and_refunds_leave_them(self):
        """Test that an order's quantities and total are read as WooCommerce
        states them, the order as edited (no current quantity of their own),
        that an item missing from line_items was removed (an edit deletes
        it), and that the documented refunded order (723, whose refund 724
        takes back line 311's one unit) keeps that unit and its total:
        refunds are orders of their own."""
        payload = load("woocommerce_order.json")
        payload["line_items"][0]["quantity"] = 3
        del payload["line_items"][1]
        payload["total"] = "35.35"
        edited = woocommerce.parse_order(payload)
        self.assertTrue(edited.drops_removed_lines)
        self.assertEqual(
            [
                (line.external_line_id, line.quantity, line.current_quantity)
                for line in edited.lines
            ],
            [("315", 3, None)],
        )
        self.assertEqual((edited.total, edited.current_total), (Decimal("35.35"), None))
        refunded = woocommerce.parse_order(load("woocommerce_orders_page.json")[1])
        self.assertEqual(refunded.payment_state, "partially_refunded")
        self.assertEqual(
            [(line.external_line_id, line.quantity) for line in refunded.lines],
            [("311", 1), ("313", 1)],
        )
        self.assertEqual(refunded.total, Decimal("39.00"))

    # === REFUNDS === #
    def test_fetch_refunds_of_a_refunded_order(self):
        """Test that an order listing refunds is partially refunded and that
        its refunds are read from the API, each line tied to the order line
        it takes back."""
        payload = load("woocommerce_orders_page.json")[1]
        self.assertEqual(
            woocommerce.parse_order(payload).payment_state, "partially_refunded"
        )
        adapter = recording(
            woocommerce.WooCommerceMarketplace,
            {("GET", f"{API}/orders/723/refunds"): load("woocommerce_refunds.json")},
        )
        amount_only, one_line = adapter.fetch_refunds(payload)
        self.assertEqual(adapter.calls[0][3], {"per_page": 100})
        self.assertEqual(
            (amount_only.external_id, amount_only.amount, amount_only.lines),
            ("726", Decimal("10.00"), []),
        )
        self.assertEqual(
            (one_line.order_external_id, one_line.currency), ("723", "USD")
        )
        self.assertEqual(one_line.created_at, datetime(2017, 3, 21, 19, 55, 37))
        self.assertEqual(
            one_line.lines,
            [ChannelRefundLine("311", 1, Decimal("9.00"), Decimal("0.00"))],
        )
        # Refunded by hand (refunded_payment false): no gateway to name.
        self.assertEqual((one_line.status, one_line.gateway), ("success", ""))

    def test_no_refunds_no_call(self):
        adapter = recording(woocommerce.WooCommerceMarketplace)
        self.assertEqual(adapter.fetch_refunds(load("woocommerce_order.json")), [])
        self.assertEqual(adapter.calls, [])

    def test_refund_with_shipping(self):
        """Test a refund read on its own: the order from its links, negative
        quantities and totals made positive, tax included, and shipping."""
        refund = woocommerce.parse_refund(load("woocommerce_refund_shipping.json"))
        self.assertEqual((refund.external_id, refund.order_external_id), ("730", "727"))
        self.assertEqual(refund.amount, Decimal("16.45"))
        self.assertEqual(refund.reason, "Damaged in transit")
        self.assertEqual(
            refund.lines,
            [ChannelRefundLine("315", 2, Decimal("6.00"), Decimal("0.45"))],
        )
        self.assertEqual(
            (refund.shipping_amount, refund.shipping_tax),
            (Decimal("10.00"), Decimal("0.00")),
        )
        # WooCommerce's totals exclude tax, whatever the store's prices do.
        self.assertIs(refund.tax_included, False)

    def test_refund_through_the_gateway_names_it(self):
        """Test that a refund the gateway paid back names the order's payment
        method, which ``fetch_refunds`` passes on."""
        payload = load("woocommerce_orders_page.json")[1]
        refunds = load("woocommerce_refunds.json")
        refunds[0]["refunded_payment"] = True
        adapter = recording(
            woocommerce.WooCommerceMarketplace,
            {("GET", f"{API}/orders/723/refunds"): refunds},
        )
        through_gateway, by_hand = adapter.fetch_refunds(payload)
        self.assertEqual(through_gateway.gateway, payload["payment_method"])
        self.assertTrue(through_gateway.gateway)
        self.assertEqual(by_hand.gateway, "")

    # === POLLING === #
    def test_poll_orders(self):
        """Test the query (modified since one second before the checkpoint,
        in GMT, oldest first, 100 at most) and the new checkpoint."""
        adapter = recording(
            woocommerce.WooCommerceMarketplace,
            {("GET", f"{API}/orders"): load("woocommerce_orders_page.json")},
        )
        orders, checkpoint = adapter.poll_orders("2017-03-21T00:00:00", 500)
        self.assertEqual(
            adapter.calls[0][3],
            {
                "orderby": "modified",
                "order": "asc",
                "per_page": 100,
                "dates_are_gmt": "true",
                "modified_after": "2017-03-20T23:59:59",
            },
        )
        self.assertEqual(len(orders), 2)
        self.assertEqual(checkpoint, "2017-03-22T19:28:08")
        self.assertEqual(woocommerce.order_version(orders[1]), "2017-03-21T19:54:51")

    def test_poll_orders_without_news(self):
        adapter = recording(
            woocommerce.WooCommerceMarketplace, {("GET", f"{API}/orders"): []}
        )
        self.assertEqual(adapter.poll_orders(None, 10), ([], None))
        self.assertNotIn("modified_after", adapter.calls[0][3])

    # === STOCK === #
    def test_push_stock_in_batches_of_100(self):
        """Test that 101 quantities take two batch calls managing the stock."""
        adapter = recording(
            woocommerce.WooCommerceMarketplace,
            {("POST", f"{API}/products/batch"): echo_batch},
        )
        items = [StockItem(str(n), f"SKU{n}", n) for n in range(1, 102)]
        self.assertEqual(adapter.push_stock(items, None), {})
        self.assertEqual([len(call[2]["update"]) for call in adapter.calls], [100, 1])
        self.assertEqual(
            adapter.calls[1][2]["update"],
            [{"id": 101, "manage_stock": True, "stock_quantity": 101}],
        )

    def test_push_stock_refusals_and_variations(self):
        """Test that an item the batch answers with an error is refused, that
        a variation goes to its parent's variations batch, and that a ref that
        is no id is refused without a call."""
        adapter = recording(
            woocommerce.WooCommerceMarketplace,
            {
                ("POST", f"{API}/products/batch"): load(
                    "woocommerce_products_batch.json"
                ),
                ("POST", f"{API}/products/22/variations/batch"): echo_batch,
            },
        )
        items = [
            StockItem("799", "A", 5),
            StockItem("12345", "B", 3),
            StockItem("22/733", "C", 4),
            StockItem("SKU-9", "D", 1),
        ]
        self.assertEqual(
            adapter.push_stock(items, None),
            {"12345": "Invalid ID.", "SKU-9": "not a WooCommerce product id"},
        )
        self.assertEqual(
            [(call[1], call[2]["update"]) for call in adapter.calls][1],
            (
                f"{API}/products/22/variations/batch",
                [{"id": 733, "manage_stock": True, "stock_quantity": 4}],
            ),
        )

    def test_fetch_stock(self):
        """Test that an unmanaged stock reads 0."""
        adapter = recording(
            woocommerce.WooCommerceMarketplace,
            {("GET", f"{API}/products"): load("woocommerce_products.json")},
        )
        items = [StockItem("799", "A", 0), StockItem("794", "B", 0)]
        self.assertEqual(adapter.fetch_stock(items, None), {"799": 0, "794": 7})
        self.assertEqual(adapter.calls[0][3], {"include": "799,794", "per_page": 100})

    # === SHIPMENTS === #
    def _shipment_adapter(self):
        return recording(
            woocommerce.WooCommerceMarketplace,
            {
                ("GET", f"{API}/orders/727"): load("woocommerce_order.json"),
                ("POST", TRACKINGS): load("woocommerce_shipment_tracking.json"),
                ("PUT", f"{API}/orders/727"): {},
            },
        )

    def test_push_shipment_of_the_whole_order(self):
        """Test that each tracking number is added, then the order, shipped in
        full, is completed."""
        adapter = self._shipment_adapter()
        shipment = Shipment(
            "727",
            [("315", 2), ("316", 1)],
            carrier="USPS",
            tracking_numbers=["9400111899560000000000", "9400111899560000000001"],
        )
        tracking_id = "7f4978c390ee633c6294ae0f258656f9"
        self.assertEqual(
            adapter.push_shipment(shipment), f"{tracking_id},{tracking_id}"
        )
        today = datetime.now(timezone.utc).date().isoformat()
        self.assertEqual(
            [call[:3] for call in adapter.calls[1:]],
            [
                (
                    "POST",
                    TRACKINGS,
                    {
                        "tracking_number": "9400111899560000000000",
                        "date_shipped": today,
                        "tracking_provider": "USPS",
                    },
                ),
                (
                    "POST",
                    TRACKINGS,
                    {
                        "tracking_number": "9400111899560000000001",
                        "date_shipped": today,
                        "tracking_provider": "USPS",
                    },
                ),
                ("PUT", f"{API}/orders/727", {"status": "completed"}),
            ],
        )

    def test_push_partial_shipment(self):
        """Test that a shipment of part of the order leaves it open, and that
        a carrier with a tracking link is sent as a custom provider."""
        adapter = self._shipment_adapter()
        shipment = Shipment(
            "727",
            [("315", 2)],
            carrier="Acme Couriers",
            tracking_numbers=["AC1"],
            tracking_url="https://acme.example/track/AC1",
        )
        adapter.push_shipment(shipment)
        self.assertEqual([call[0] for call in adapter.calls], ["GET", "POST"])
        self.assertEqual(
            adapter.calls[1][2],
            {
                "tracking_number": "AC1",
                "date_shipped": datetime.now(timezone.utc).date().isoformat(),
                "custom_tracking_provider": "Acme Couriers",
                "custom_tracking_link": "https://acme.example/track/AC1",
            },
        )

    def test_push_shipment_without_tracking(self):
        """Test that without tracking numbers the order is completed and its
        id is the reference."""
        adapter = self._shipment_adapter()
        shipment = Shipment("727", [("315", 2), ("316", 1)])
        self.assertEqual(adapter.push_shipment(shipment), "727")
        self.assertEqual([call[0] for call in adapter.calls], ["GET", "PUT"])

    # === PRODUCTS === #
    def test_push_new_product(self):
        """Test that a new product is created with the barcode as
        global_unique_id, and that its id is its stock ref."""
        adapter = recording(
            woocommerce.WooCommerceMarketplace,
            {("POST", f"{API}/products"): load("woocommerce_product_created.json")},
        )
        data = ProductData(
            sku="WOO-1",
            title="Premium Quality",
            description="<p>Soft cotton.</p>",
            barcode="4006381333931",
            price=Decimal("21.99"),
        )
        refs = adapter.push_product(
            {"external_id": None, "parent_ref": None, "stock_ref": None}, data
        )
        self.assertEqual(
            refs, {"external_id": "794", "parent_ref": None, "stock_ref": "794"}
        )
        self.assertEqual(
            adapter.calls[0][2],
            {
                "name": "Premium Quality",
                "description": "<p>Soft cotton.</p>",
                "sku": "WOO-1",
                "regular_price": "21.99",
                "global_unique_id": "4006381333931",
            },
        )

    def test_push_product_update_sends_only_owned_fields(self):
        """Test that fields left None are not sent, and that a variation is
        updated under its parent without a name."""
        adapter = recording(
            woocommerce.WooCommerceMarketplace,
            {
                ("PUT", f"{API}/products/794"): {"id": 794},
                ("PUT", f"{API}/products/22/variations/733"): {"id": 733},
            },
        )
        refs = {"external_id": "794", "parent_ref": None, "stock_ref": "794"}
        data = ProductData(sku="WOO-1", price=Decimal("24.54"))
        self.assertEqual(adapter.push_product(refs, data), refs)
        self.assertEqual(
            adapter.calls[0][2], {"sku": "WOO-1", "regular_price": "24.54"}
        )
        refs = {"external_id": "22/733", "parent_ref": "22", "stock_ref": "22/733"}
        data.title = "Ship Your Idea"
        self.assertEqual(adapter.push_product(refs, data), refs)
        self.assertEqual(
            adapter.calls[1][1:3],
            (
                f"{API}/products/22/variations/733",
                {"sku": "WOO-1", "regular_price": "24.54"},
            ),
        )
