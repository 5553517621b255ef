# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime
from decimal import Decimal

from odoo.tests import TransactionCase, tagged

from ..adapters import amazon
from .fixtures import load


def money(amount, currency="USD"):
    return {"CurrencyCode": currency, "Amount": amount}


def eu_order(**items):
    """The documented order moved to Amazon.fr: its item of 10.00 with 1.67
    VAT in it, shipping 4.00 with 0.67, a promotion of 1.00 (0.17) and a
    shipping discount of 0.50 (0.08)."""
    order = load("amazon_order.json")
    order.update(MarketplaceId="A13V1IB3VIYZZH", OrderTotal=money("12.50", "EUR"))
    item = order["OrderItems"][0]
    del item["BuyerRequestedCancel"]
    item.update(
        {
            "ItemPrice": money("10.00", "EUR"),
            "ItemTax": money("1.67", "EUR"),
            "PromotionDiscount": money("1.00", "EUR"),
            "PromotionDiscountTax": money("0.17", "EUR"),
            "ShippingPrice": money("4.00", "EUR"),
            "ShippingTax": money("0.67", "EUR"),
            "ShippingDiscount": money("0.50", "EUR"),
            "ShippingDiscountTax": money("0.08", "EUR"),
            **items,
        }
    )
    return order


@tagged("post_install", "-at_install")
class TestAmazonAdapter(TransactionCase):
    def test_documented_order_with_its_items(self):
        """Test the documented sandbox order: Amazon.com prices exclude sales
        tax, the seller collects it (no TaxCollection), so the line names
        the marketplace as its tax code and the total is OrderTotal; the
        buyer's cancellation request cancels the unshipped MFN order."""
        order = amazon.parse_order(load("amazon_order.json"))
        self.assertEqual(
            (order.external_id, order.number, order.currency),
            ("902-1845936-5435065", "902-1845936-5435065", "USD"),
        )
        self.assertFalse(order.tax_included)
        self.assertEqual(order.total, Decimal("11.01"))
        self.assertEqual(order.updated_at, datetime(1970, 1, 19, 3, 58, 32))
        self.assertEqual(order.ordered_at, datetime(1970, 1, 19, 3, 58, 30))
        (line,) = order.lines
        self.assertEqual(
            (line.external_line_id, line.sku, line.quantity, line.unit_price),
            ("05015851154158", "NABetaASINB00551Q3CS", Decimal(1), Decimal("10.00")),
        )
        self.assertEqual((line.discount_amount, line.tax_codes), (0, ["ATVPDKIKX0DER"]))
        self.assertEqual((order.shipping_lines, order.facilitator_tax), ([], 0))
        self.assertFalse(order.fulfilled_by_channel)
        self.assertEqual(order.payment_state, "paid")
        self.assertEqual(order.state, "cancelled")
        self.assertIn("Found cheaper somewhere else.", order.cancel_reason)
        self.assertIn("Seller Central", order.cancel_reason)
        self.assertIsNone(order.customer.external_id)
        # Its address is the seller's ship-from one: no buyer's address.
        self.assertIsNone(order.shipping_address)

    def test_order_read_without_its_items(self):
        """Test that a getOrders order (no items yet) reads as an order
        without lines, with its id, version and total, which is what the
        poll and the dashboard need of it."""
        payload = load("amazon_order.json")
        del payload["OrderItems"]
        order = amazon.parse_order(payload)
        self.assertEqual((order.lines, order.total), ([], Decimal("11.01")))
        self.assertEqual(amazon.order_version(payload), "1970-01-19T03:58:32Z")
        self.assertEqual(amazon.event_kind("orders/updated"), "order")
        self.assertEqual(amazon.event_kind("ORDER_CHANGE"), "order")
        self.assertIsNone(amazon.event_kind("FEED_PROCESSING_FINISHED"))

    def test_promotion_and_shipping_discount_stay_on_their_lines(self):
        """Test prices including VAT (Amazon.fr): the item's promotion is
        its line's discount, the shipping discount its shipping line's, all
        tax included, and the whole makes OrderTotal."""
        order = amazon.parse_order(eu_order())
        self.assertTrue(order.tax_included)
        (line,) = order.lines
        self.assertEqual(
            (line.unit_price, line.discount_amount, line.tax_codes),
            (Decimal("10.00"), Decimal("1.00"), ["A13V1IB3VIYZZH"]),
        )
        (shipping,) = order.shipping_lines
        self.assertEqual(
            (shipping.title, shipping.amount, shipping.discount_amount),
            ("Std US D2D Dom: NABetaASINB00551Q3CS", Decimal("4.00"), Decimal("0.50")),
        )
        self.assertEqual(
            line.unit_price
            - line.discount_amount
            + shipping.amount
            - shipping.discount_amount,
            order.total,
        )

    def test_tax_amazon_collects_is_no_line_tax(self):
        """Test an item under marketplace facilitator (deemed supplier in the
        EU): its prices are booked without the tax in them, which becomes
        the order's facilitator tax, and the line names no tax code."""
        order = amazon.parse_order(
            eu_order(
                TaxCollection={
                    "Model": "MarketplaceFacilitator",
                    "ResponsibleParty": "Amazon Services, Inc.",
                }
            )
        )
        (line,) = order.lines
        (shipping,) = order.shipping_lines
        self.assertEqual(
            (line.unit_price, line.discount_amount, line.tax_codes),
            (Decimal("8.33"), Decimal("0.83"), []),
        )
        self.assertEqual(
            (shipping.amount, shipping.discount_amount, shipping.tax_codes),
            (Decimal("3.33"), Decimal("0.42"), []),
        )
        self.assertEqual(order.facilitator_tax, Decimal("2.09"))
        net = line.unit_price - line.discount_amount
        net += shipping.amount - shipping.discount_amount
        self.assertEqual(net + order.facilitator_tax, order.total)

    def test_unit_price_keeps_every_cent(self):
        """Test a line whose price is no whole number of cents a unit: the
        unit price is rounded up and the excess goes to the discount."""
        order = amazon.parse_order(
            eu_order(QuantityOrdered=3, PromotionDiscount=money("0.00", "EUR"))
        )
        (line,) = order.lines
        self.assertEqual(
            (line.unit_price, line.discount_amount), (Decimal("3.34"), Decimal("0.02"))
        )

    def test_fulfilment_business_buyer_and_cash_on_delivery(self):
        """Test an Amazon-fulfilled business order paid cash on delivery:
        fulfilled by the channel, sold to the buyer's company with the VAT
        number of its tax classifications, payment pending."""
        payload = eu_order()
        payload.update(
            FulfillmentChannel="AFN",
            IsBusinessOrder=True,
            PaymentMethod="COD",
            BuyerInfo={
                "BuyerEmail": "x7k@marketplace.amazon.de",
                "BuyerName": "Jens Meyer",
                "BuyerTaxInfo": {
                    "CompanyLegalName": "Acme GmbH",
                    "TaxClassifications": [{"Name": "VATNumber", "Value": "DE123"}],
                },
            },
        )
        order = amazon.parse_order(payload)
        self.assertTrue(order.fulfilled_by_channel)
        self.assertEqual(order.payment_state, "pending")
        self.assertEqual(
            (order.customer.name, order.customer.company, order.customer.vat),
            ("Jens Meyer", "Acme GmbH", "DE123"),
        )
        self.assertEqual(order.customer.email, "x7k@marketplace.amazon.de")
        payload["IsBusinessOrder"] = False
        order = amazon.parse_order(payload)
        self.assertEqual((order.customer.company, order.customer.vat), ("", ""))

    def test_cancellations(self):
        """Test that Amazon's Canceled status cancels, and that a buyer's
        request cancels only an unshipped order the seller ships."""
        payload = load("amazon_order.json")
        payload["OrderStatus"] = "Canceled"
        del payload["OrderTotal"]
        order = amazon.parse_order(payload)
        self.assertEqual((order.state, order.cancel_reason), ("cancelled", ""))
        self.assertEqual(order.total, Decimal("11.01"), "what the items add up to")
        for status, channel in (("PartiallyShipped", "MFN"), ("Unshipped", "AFN")):
            payload.update(OrderStatus=status, FulfillmentChannel=channel)
            self.assertEqual(amazon.parse_order(payload).state, "open", status)

    def test_malformed_orders(self):
        """Test that an order of the wrong shape is a malformed order, never
        a crash the inbox would retry."""
        payload = load("amazon_order.json")
        del payload["AmazonOrderId"]
        with self.assertRaisesRegex(ValueError, "malformed Amazon order"):
            amazon.parse_order(payload)
        for change in (
            {"OrderItems": "none"},
            {"OrderItems": [{"QuantityOrdered": -1}]},
            {"OrderTotal": {"CurrencyCode": "USD", "Amount": "NaN"}},
        ):
            with self.assertRaises(ValueError, msg=change):
                amazon.parse_order(dict(load("amazon_order.json"), **change))
