# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime
from decimal import Decimal
from unittest.mock import patch

from odoo.tests import TransactionCase, tagged

from odoo.addons.retail_connector_base.adapters import (
    shopify_graphql as graphql_client,
)
from odoo.addons.retail_connector_base.exceptions import (
    RetailBusinessError,
    RetailTransientError,
)

from ..adapters import shopify
from ..adapters.channel_model import (
    ChannelPayment,
    ChannelRefundLine,
    StockItem,
)
from .fixtures import (
    assert_malformed_orders,
    assert_refused_numbers,
    load,
    recording,
)

GRAPHQL = ("POST", "admin/api/2025-01/graphql.json")


def channel_amount(order, payload):
    """What the parsed order says the customer pays: lines and shipping net
    of their discounts, and the order's taxes on top when prices exclude
    them."""
    amount = sum(
        line.unit_price * line.quantity - line.discount_amount for line in order.lines
    )
    amount += sum(line.amount - line.discount_amount for line in order.shipping_lines)
    amount -= sum(discount.amount for discount in order.discounts)
    if not order.tax_included:
        amount += sum(Decimal(tax["price"]) for tax in payload["tax_lines"])
    return amount


@tagged("post_install", "-at_install")
class TestShopifyAdapter(TransactionCase):
    # === RECEIVING === #
    def test_event_kinds(self):
        """Test that order topics carrying an Order are orders, refunds/create
        a refund, and orders/edited (an OrderEdit body) and others nothing."""
        for topic in ("orders/create", "orders/paid", "orders/partially_fulfilled"):
            self.assertEqual(shopify.event_kind(topic), "order", topic)
        self.assertEqual(shopify.event_kind("refunds/create"), "refund")
        self.assertIsNone(shopify.event_kind("orders/edited"))
        self.assertIsNone(shopify.event_kind("products/update"))

    def test_order_tax_excluded_with_discounts(self):
        """Test the documented order: header, customer, addresses, lines with
        their allocated discounts and tax codes, shipping and the payment."""
        order = shopify.parse_order(load("shopify_order.json"))
        self.assertEqual(order.external_id, "450789469")
        self.assertEqual(order.number, "#1001")
        self.assertEqual(order.currency, "USD")
        self.assertFalse(order.tax_included)
        self.assertEqual(order.total, Decimal("598.94"))
        self.assertEqual(order.updated_at, datetime(2008, 1, 10, 16, 0))
        self.assertEqual(order.ordered_at, datetime(2008, 1, 10, 16, 0))
        self.assertEqual(order.state, "open")
        self.assertEqual(order.payment_state, "partially_refunded")
        self.assertEqual(order.customer.external_id, "207119551")
        self.assertEqual(order.customer.name, "Bob Norman")
        self.assertEqual(order.customer.email, "bob.norman@mail.example.com")
        billing = order.billing_address
        self.assertEqual(
            (billing.name, billing.street, billing.city, billing.state_code),
            ("Bob Norman", "Chestnut Street 92", "Louisville", "KY"),
        )
        self.assertEqual((billing.zip, billing.country_code), ("40202", "US"))
        self.assertEqual(billing.email, "bob.norman@mail.example.com")
        self.assertEqual(
            [
                (line.external_line_id, line.sku, line.quantity, line.unit_price)
                for line in order.lines
            ],
            [
                ("466157049", "IPOD2008GREEN", 1, Decimal("199.00")),
                ("518995019", "IPOD2008RED", 1, Decimal("199.00")),
                ("703073504", "IPOD2008BLACK", 1, Decimal("199.00")),
            ],
        )
        self.assertEqual(
            [line.discount_amount for line in order.lines],
            [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")],
        )
        self.assertEqual(order.lines[0].tax_codes, ["State Tax 6%"])
        self.assertEqual(order.lines[0].external_product_id, "39072856")
        self.assertEqual(order.lines[0].title, "IPod Nano - 8gb - green")
        self.assertEqual(
            [(s.title, s.code, s.amount) for s in order.shipping_lines],
            [("Free Shipping", "Free Shipping", Decimal("0.00"))],
        )
        self.assertEqual(order.discounts, [])
        self.assertEqual(
            order.payments, [ChannelPayment("bogus", Decimal("598.94"), "payment")]
        )
        self.assertEqual(order.fees, [])

    def test_order_totals_reconcile(self):
        """Test that, for every documented order, lines and shipping net of
        discounts, plus the order's taxes when excluded, make its total."""
        for name in (
            "shopify_order.json",
            "shopify_order_guest.json",
            "shopify_order_two_taxes.json",
            "shopify_order_taxes_included.json",
        ):
            payload = load(name)
            order = shopify.parse_order(payload)
            self.assertEqual(channel_amount(order, payload), order.total, name)

    def test_order_tax_included(self):
        """Test prices stated tax included: one code per tax line, none for an
        untaxed line, and a discounted, taxed shipping line."""
        order = shopify.parse_order(load("shopify_order_taxes_included.json"))
        self.assertTrue(order.tax_included)
        self.assertEqual(order.total, Decimal("260.92"))
        self.assertEqual(
            [line.tax_codes for line in order.lines],
            [
                ["State tax 6%", "County tax 2.5%"],
                [],
                ["State tax 6%", "County tax 2.5%"],
            ],
        )
        self.assertEqual(order.lines[2].quantity, Decimal("2"))
        (shipping,) = order.shipping_lines
        self.assertEqual(
            (shipping.amount, shipping.discount_amount, shipping.tax_codes),
            (Decimal("10.00"), Decimal("5.00"), ["State tax 6%"]),
        )

    def test_guest_order(self):
        """Test that an order without a customer object is a guest checkout,
        here without any address either."""
        order = shopify.parse_order(load("shopify_order_guest.json"))
        self.assertIsNone(order.customer.external_id)
        self.assertEqual(order.customer.email, "")
        self.assertIsNone(order.billing_address)
        self.assertEqual(order.lines[0].quantity, Decimal("3"))
        self.assertEqual(order.payment_state, "paid")
        self.assertEqual(order.payments, [ChannelPayment("", Decimal("238.47"))])

    def test_gift_card_line_and_business_buyer(self):
        """Test that a line item with ``gift_card`` is a gift card, and that the
        billing company and a VAT number note attribute make a business
        buyer (spaces and case of the attribute name do not matter)."""
        payload = load("shopify_order.json")
        payload["line_items"][0]["gift_card"] = True
        payload["billing_address"]["company"] = "Acme GmbH"
        payload["note_attributes"].append({"name": "VAT_Number", "value": " DE1234 "})
        order = shopify.parse_order(payload)
        self.assertEqual([line.gift_card for line in order.lines][:2], [True, False])
        self.assertEqual(
            (order.customer.company, order.customer.vat), ("Acme GmbH", "DE1234")
        )
        plain = shopify.parse_order(load("shopify_order.json"))
        self.assertEqual((plain.customer.company, plain.customer.vat), ("", ""))
        self.assertFalse(any(line.gift_card for line in plain.lines))

    def test_cancelled_and_pending_orders(self):
        """Test that cancelled_at cancels the order and that an unpaid order
        has no payment."""
        cancelled = shopify.parse_order(load("shopify_order_cancelled.json"))
        self.assertEqual(cancelled.state, "cancelled")
        pending = shopify.parse_order(load("shopify_order_pending.json"))
        self.assertEqual((pending.state, pending.payment_state), ("open", "pending"))
        self.assertEqual(pending.payments, [])

    def test_payments_split_only_by_transactions(self):
        """Test that the paid total goes to the first gateway (a gift card is
        kind gift_card), unless the payload lists its captured transactions."""
        payload = load("shopify_order_guest.json")
        payload["payment_gateway_names"] = ["gift_card", "shopify_payments"]
        self.assertEqual(
            shopify.parse_order(payload).payments,
            [ChannelPayment("gift_card", Decimal("238.47"), "gift_card")],
        )
        payload["transactions"] = [
            {
                "id": 1,
                "kind": "sale",
                "status": "success",
                "gateway": "gift_card",
                "amount": "50.00",
            },
            {
                "id": 2,
                "kind": "sale",
                "status": "failure",
                "gateway": "shopify_payments",
                "amount": "188.47",
            },
            {
                "id": 3,
                "kind": "sale",
                "status": "success",
                "gateway": "shopify_payments",
                "amount": "188.47",
            },
        ]
        self.assertEqual(
            shopify.parse_order(payload).payments,
            [
                ChannelPayment("gift_card", Decimal("50.00"), "gift_card", "1"),
                ChannelPayment("shopify_payments", Decimal("188.47"), "payment", "3"),
            ],
        )

    def test_malformed_order(self):
        """Test that a missing key and a value of the wrong shape (a string
        where a list or object is due) are both a malformed order."""
        wrong_shapes = {
            "line_items": "none",
            "customer": "Ann",
            "billing_address": "1 Main Street",
            "shipping_lines": [["Standard", "4.90"]],
            "total_price": "a lot",
        }
        assert_malformed_orders(
            self,
            shopify.parse_order,
            "shopify_order.json",
            "malformed Shopify order",
            wrong_shapes,
        )

    def test_non_finite_numbers_and_negative_quantities_are_malformed(self):
        """Test that NaN, infinities and a negative quantity are refused as
        malformed, never read into an order."""
        assert_refused_numbers(
            self, shopify.parse_order, "shopify_order.json", "price", "total_price"
        )

    # === REFUNDS === #
    def test_refunds_embedded_in_the_order(self):
        """Test that an order's refunds are read from the order, without a
        call: lines with tax, restocked, and the money returned."""
        adapter = recording(shopify.ShopifyMarketplace)
        (refund,) = adapter.fetch_refunds(load("shopify_order.json"))
        self.assertEqual(adapter.calls, [])
        self.assertEqual(refund.external_id, "509562969")
        self.assertEqual(refund.order_external_id, "450789469")
        self.assertEqual((refund.amount, refund.currency), (Decimal("209.00"), "USD"))
        self.assertEqual(refund.reason, "it broke during shipping")
        self.assertEqual(
            refund.lines,
            [
                ChannelRefundLine(
                    "703073504", 1, Decimal("195.66"), Decimal("3.98"), True
                ),
                ChannelRefundLine(
                    "466157049", 1, Decimal("195.67"), Decimal("3.98"), True
                ),
            ],
        )
        self.assertEqual(refund.shipping_amount, 0)
        self.assertEqual((refund.status, refund.gateway), ("success", "bogus"))
        # Stated as the order's prices are (None): Shopify says nothing else.
        self.assertIsNone(refund.tax_included)

    def test_refund_partial_without_restock(self):
        """Test a refund of one line put back nowhere (no_restock)."""
        refund = shopify.parse_refund(load("shopify_refund_no_restock.json"))
        self.assertEqual(refund.amount, Decimal("41.94"))
        self.assertEqual(refund.created_at, datetime(2025, 1, 2, 16, 38, 34))
        self.assertEqual(
            refund.lines,
            [ChannelRefundLine("518995019", 1, Decimal("0.00"), Decimal("0.00"))],
        )

    def test_refund_of_shipping(self):
        """Test that a shipping refund is read from its refund shipping line
        (API 2024-10 on), not a second time from the order adjustment the
        same payload carries."""
        refund = shopify.parse_refund(load("shopify_refund_shipping.json"))
        self.assertEqual(refund.lines, [])
        self.assertEqual(refund.shipping_amount, Decimal("5.00"))
        # No tax stated on the line: Odoo's applies.
        self.assertIsNone(refund.shipping_tax)
        self.assertEqual(refund.amount, Decimal("5.00"))

    def test_refund_of_shipping_as_an_order_adjustment(self):
        """Test that older API versions' shipping refunds, negative
        ``shipping_refund`` adjustments, are read with their tax."""
        payload = load("shopify_refund_shipping.json")
        del payload["refund_shipping_lines"]
        payload["order_adjustments"][0].update(
            amount="-5.00",
            tax_amount="-0.50",
            amount_set=None,
            tax_amount_set=None,
        )
        refund = shopify.parse_refund(payload)
        self.assertEqual(
            (refund.shipping_amount, refund.shipping_tax),
            (Decimal("5.00"), Decimal("0.50")),
        )

    def test_refund_shipping_line_with_its_tax(self):
        payload = load("shopify_refund_shipping.json")
        payload["refund_shipping_lines"][0]["tax_amount_set"] = {
            "shop_money": {"amount": "0.50", "currency_code": "USD"}
        }
        refund = shopify.parse_refund(payload)
        self.assertEqual(refund.shipping_tax, Decimal("0.50"))

    def test_refund_discrepancy_is_read(self):
        """Test that a ``refund_discrepancy`` adjustment (positive: less money
        went back than the lines are worth) is read as a negative
        discrepancy, and that it changes nothing else."""
        payload = load("shopify_refund_no_restock.json")
        payload["order_adjustments"] = [
            {
                "id": 1,
                "kind": "refund_discrepancy",
                "amount": "4.75",
                "tax_amount": "0.00",
            }
        ]
        refund = shopify.parse_refund(payload)
        self.assertEqual(refund.discrepancy, Decimal("-4.75"))
        self.assertEqual(refund.amount, Decimal("41.94"))
        self.assertEqual(refund.shipping_amount, 0)

    def test_refund_transaction_pending_failed_or_mixed(self):
        """Test that a pending refund transaction makes the refund pending
        (never 0.00 refunded), a failed or erred one failed, and that the
        money is what succeeded, through its gateway."""
        payload = load("shopify_refund_no_restock.json")
        (transaction,) = payload["transactions"]
        for status, expected in (
            ("pending", "pending"),
            ("failure", "failed"),
            ("error", "failed"),
            ("success", "success"),
        ):
            transaction["status"] = status
            refund = shopify.parse_refund(payload)
            self.assertEqual(refund.status, expected, status)
        self.assertEqual(refund.gateway, "bogus")
        payload["transactions"].append(
            dict(transaction, id=2, status="failure", amount="5.00")
        )
        refund = shopify.parse_refund(payload)
        self.assertEqual((refund.status, refund.amount), ("success", Decimal("41.94")))

    # === STOCK === #
    def test_push_stock_in_chunks_of_250(self):
        """Test that 251 quantities take two mutations, with absolute
        quantities at the location and no compare-and-set."""
        adapter = recording(
            shopify.ShopifyMarketplace,
            {GRAPHQL: load("shopify_inventory_set_quantities.json")},
        )
        items = [StockItem(str(1000 + n), f"SKU{n}", n) for n in range(251)]
        self.assertEqual(adapter.push_stock(items, "655441491"), {})
        self.assertEqual(len(adapter.calls), 2)
        first, second = (call[2]["variables"]["input"] for call in adapter.calls)
        self.assertEqual(
            (len(first["quantities"]), len(second["quantities"])), (250, 1)
        )
        self.assertEqual(
            (first["name"], first["reason"], first["ignoreCompareQuantity"]),
            ("available", "correction", True),
        )
        self.assertEqual(
            second["quantities"][0],
            {
                "inventoryItemId": "gid://shopify/InventoryItem/1250",
                "locationId": "gid://shopify/Location/655441491",
                "quantity": 250,
            },
        )

    def test_push_stock_from_2026_sets_change_from_quantity(self):
        """Test that versions that know changeFromQuantity get it as null on
        each quantity instead of ignoreCompareQuantity, under an idempotency
        key of the @idempotent directive, while older versions get neither."""
        adapter = recording(
            shopify.ShopifyMarketplace,
            {
                ("POST", "admin/api/2026-04/graphql.json"): load(
                    "shopify_inventory_set_quantities.json"
                )
            },
            version="2026-04",
        )
        adapter.push_stock([StockItem("1", "A", 3)], "9")
        body = adapter.calls[0][2]
        values = body["variables"]["input"]
        self.assertNotIn("ignoreCompareQuantity", values)
        self.assertIsNone(values["quantities"][0]["changeFromQuantity"])
        self.assertIn("@idempotent(key: $idempotencyKey)", body["query"])
        self.assertTrue(body["variables"]["idempotencyKey"])
        older = recording(
            shopify.ShopifyMarketplace,
            {GRAPHQL: load("shopify_inventory_set_quantities.json")},
        )
        older.push_stock([StockItem("1", "A", 3)], "9")
        self.assertNotIn("@idempotent", older.calls[0][2]["query"])
        self.assertNotIn("idempotencyKey", older.calls[0][2]["variables"])

    def test_push_stock_user_errors(self):
        """Test that a user error naming a quantity is that item's, and that
        the other items of the call, which Shopify did not apply either, are
        refused too."""
        adapter = recording(
            shopify.ShopifyMarketplace,
            {GRAPHQL: load("shopify_inventory_set_quantities_user_errors.json")},
        )
        items = [StockItem(ref, ref, 1) for ref in ("11", "22", "33")]
        self.assertEqual(
            adapter.push_stock(items, "1"),
            {
                "22": "The specified inventory item could not be found.",
                "11": "another quantity of the call was refused",
                "33": "another quantity of the call was refused",
            },
        )

    def test_push_stock_top_level_errors(self):
        """Test that a throttled call waits until the bucket refilled ((752 -
        666) / 50 s, rounded up) and is sent again, then is transient, retried
        as late, when still throttled; and another error is a business
        error."""
        adapter = recording(
            shopify.ShopifyMarketplace,
            {GRAPHQL: load("shopify_graphql_throttled.json")},
        )
        with (
            patch.object(graphql_client.time, "sleep") as sleep,
            self.assertRaises(RetailTransientError) as caught,
        ):
            adapter.push_stock([StockItem("1", "A", 1)], "1")
        self.assertEqual(caught.exception.retry_after, 2)
        self.assertEqual([call.args for call in sleep.call_args_list], [(2,), (2,)])
        self.assertEqual(len(adapter.calls), 3)
        adapter = recording(
            shopify.ShopifyMarketplace,
            {GRAPHQL: {"errors": [{"message": "Field 'x' doesn't exist"}]}},
        )
        with self.assertRaises(RetailBusinessError):
            adapter.push_stock([StockItem("1", "A", 1)], "1")

    def test_stock_needs_the_location(self):
        adapter = recording(shopify.ShopifyMarketplace)
        for call in (adapter.push_stock, adapter.fetch_stock):
            with self.assertRaises(RetailBusinessError):
                call([StockItem("1", "A", 1)], False)
        self.assertEqual(adapter.calls, [])
