# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal
from unittest.mock import patch

from odoo.tests import HttpCase, TransactionCase, tagged

from odoo.addons.retail_connector_base.adapters import (
    shopify_graphql as graphql_client,
)
from odoo.addons.retail_connector_base.exceptions import (
    RetailBusinessError,
    RetailTransientError,
)

from ..adapters import shopify, shopify_graphql
from .common import MarketplaceCommon
from .fixtures import load, recording

GRAPHQL = ("POST", "admin/api/2025-01/graphql.json")


def money_set(amount, currency="EUR"):
    value = {"amount": amount, "currencyCode": currency}
    return {"shopMoney": value, "presentmentMoney": dict(value)}


def tax_lines(amount):
    return [{"title": "VAT", "rate": 0.2, "priceSet": money_set(amount)}]


def line_node(number, price="10.00"):
    return {
        "id": f"gid://shopify/LineItem/{number}",
        "sku": f"SKU{number}",
        "name": f"Item {number}",
        "title": f"Item {number}",
        "quantity": 1,
        "variant": {"id": f"gid://shopify/ProductVariant/{number + 1000}"},
        "product": {"id": "gid://shopify/Product/7"},
        "originalUnitPriceSet": money_set(price),
        "totalDiscountSet": money_set("0.00"),
        "discountAllocations": [],
        "taxLines": tax_lines("2.00"),
    }


def connection(nodes, has_next=False, cursor=None):
    return {
        "nodes": nodes,
        "pageInfo": {"hasNextPage": has_next, "endCursor": cursor},
    }


def order_node(number, updated_at="2025-11-03T10:00:00Z", lines=None, refunded=False):
    """An Order node as the poll selects it: one 10.00 line, 4.90 shipping,
    paid by one captured transaction; ``refunded``: the line refunded
    (``refund_node``), which the order names."""
    lines = lines or connection([line_node(number * 10)])
    if refunded:
        lines["nodes"][0]["currentQuantity"] = 0
    return {
        "id": f"gid://shopify/Order/{number}",
        "name": f"#{number}",
        "email": "ada@example.com",
        "phone": None,
        "createdAt": "2025-11-03T09:00:00Z",
        "updatedAt": updated_at,
        "processedAt": "2025-11-03T09:00:00Z",
        "cancelledAt": None,
        "currencyCode": "EUR",
        "taxesIncluded": False,
        "displayFinancialStatus": "PAID",
        "note": None,
        "test": False,
        "paymentGatewayNames": ["shopify_payments"],
        "totalPriceSet": money_set("16.90"),
        "subtotalPriceSet": money_set("10.00"),
        "totalTaxSet": money_set("2.00"),
        "totalDiscountsSet": money_set("0.00"),
        "customer": {
            "id": "gid://shopify/Customer/207119551",
            "email": "ada@example.com",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "phone": None,
        },
        "billingAddress": {"name": "Ada Lovelace", "city": "Paris", "zip": "75002"},
        "shippingAddress": None,
        "taxLines": tax_lines("2.00"),
        "lineItems": lines,
        "shippingLines": connection(
            [
                {
                    "id": "gid://shopify/ShippingLine/369256396",
                    "title": "Standard",
                    "code": "Standard",
                    "originalPriceSet": money_set("4.90"),
                    "discountedPriceSet": money_set("4.90"),
                    "discountAllocations": [],
                    "taxLines": [],
                }
            ]
        ),
        "discountApplications": connection([]),
        "transactions": [
            {
                "id": "gid://shopify/OrderTransaction/389404469",
                "kind": "SALE",
                "status": "SUCCESS",
                "gateway": "shopify_payments",
                "amountSet": money_set("16.90"),
            }
        ],
        "currentTotalPriceSet": money_set("4.90" if refunded else "16.90"),
        "refunds": [{"id": f"gid://shopify/Refund/{number}9"}] if refunded else [],
    }


def refund_node(number):
    """The refund of ``order_node(number, refunded=True)``'s line, 12.00
    back, as the Refund query reads it."""
    return {
        "id": f"gid://shopify/Refund/{number}9",
        "createdAt": "2025-11-04T09:00:00Z",
        "note": "damaged",
        "refundLineItems": connection(
            [
                {
                    "lineItem": {"id": f"gid://shopify/LineItem/{number * 10}"},
                    "quantity": 1,
                    "restockType": "RETURN",
                    "subtotalSet": money_set("10.00"),
                    "totalTaxSet": money_set("2.00"),
                }
            ]
        ),
        "refundShippingLines": connection([]),
        "orderAdjustments": connection([]),
        "transactions": connection(
            [
                {
                    "id": "gid://shopify/OrderTransaction/389404470",
                    "kind": "REFUND",
                    "status": "SUCCESS",
                    "gateway": "shopify_payments",
                    "amountSet": money_set("12.00"),
                }
            ]
        ),
    }


def cost(requested, available, maximum=2000.0, rate=100.0, actual=None):
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": maximum,
                "currentlyAvailable": available,
                "restoreRate": rate,
            },
        }
    }


def orders_answer(nodes, has_next, cursor):
    return {
        "data": {"orders": connection(nodes, has_next, cursor)},
        "extensions": cost(100, 1900, actual=50),
    }


@tagged("post_install", "-at_install")
class TestShopifyGraphQL(TransactionCase):
    # === ORDERS AS WEBHOOK PAYLOADS === #
    def test_order_node_reads_as_a_webhook_payload(self):
        """Test that gids become numeric ids, money sets shop amounts and
        enums the REST words, so that parse_order takes the polled order as
        a webhook's."""
        payload = shopify_graphql.order_payload(order_node(820982911946154508))
        self.assertEqual(payload["id"], 820982911946154508)
        self.assertEqual(
            payload["line_items"][0]["variant_id"], 820982911946154508 * 10 + 1000
        )
        order = shopify.parse_order(payload)
        self.assertEqual(order.external_id, "820982911946154508")
        self.assertEqual((order.total, order.currency), (Decimal("16.90"), "EUR"))
        self.assertEqual(order.payment_state, "paid")
        self.assertEqual(order.customer.external_id, "207119551")
        line = order.lines[0]
        self.assertEqual(
            (line.sku, line.unit_price), ("SKU8209829119461545080", Decimal("10.00"))
        )
        self.assertEqual(line.tax_codes, ["VAT 20%"])
        self.assertEqual(order.shipping_lines[0].amount, Decimal("4.90"))
        self.assertEqual(
            [(p.method, p.amount, p.reference) for p in order.payments],
            [("shopify_payments", Decimal("16.90"), "389404469")],
        )
        self.assertEqual(shopify.order_version(payload), "2025-11-03T10:00:00Z")

    def test_legacy_ids(self):
        self.assertEqual(graphql_client.legacy_id("gid://shopify/Order/123"), 123)
        self.assertEqual(graphql_client.legacy_id("gid://shopify/LineItem/9?x=1"), 9)
        self.assertIsNone(graphql_client.legacy_id(None))

    # === POLL === #
    def test_poll_reads_every_page_and_checkpoints(self):
        """Test that the poll asks for orders updated from the checkpoint,
        sorted by update, follows the cursor to the last page and returns the
        latest updatedAt as the next checkpoint."""
        pages = {
            None: orders_answer([order_node(1, "2025-11-03T10:00:00Z")], True, "c1"),
            "c1": orders_answer([order_node(2, "2025-11-03T12:00:00Z")], True, "c2"),
            "c2": orders_answer([order_node(3, "2025-11-03T11:00:00Z")], False, "c3"),
        }
        adapter = recording(
            shopify.ShopifyMarketplace,
            {GRAPHQL: lambda body, params: pages[body["variables"]["after"]]},
        )
        orders, checkpoint = adapter.poll_orders("2025-11-01T00:00:00Z", 50)
        self.assertEqual([order["id"] for order in orders], [1, 2, 3])
        self.assertEqual(checkpoint, "2025-11-03T12:00:00Z")
        variables = adapter.calls[0][2]["variables"]
        self.assertEqual(variables["query"], "updated_at:>='2025-11-01T00:00:00Z'")
        self.assertEqual(variables["first"], shopify_graphql.ORDERS_PAGE)
        self.assertIn("sortKey: UPDATED_AT", adapter.calls[0][2]["query"])
        self.assertEqual(
            [call[2]["variables"]["after"] for call in adapter.calls],
            [None, "c1", "c2"],
        )

    def test_poll_reads_each_refund_in_full(self):
        """Test that a polled order's refunds are read one by one with their
        lines and money, as a webhook carries them: its current quantity
        and total, net of the refund, do not make it look edited, and the
        refund is imported without another call."""

        def answer(body, params):
            if "refund(id:" in body["query"]:
                self.assertEqual(body["variables"]["id"], "gid://shopify/Refund/19")
                return {
                    "data": {"refund": refund_node(1)},
                    "extensions": cost(100, 1900),
                }
            return orders_answer([order_node(1, refunded=True)], False, "c1")

        adapter = recording(shopify.ShopifyMarketplace, {GRAPHQL: answer})
        (payload,), _checkpoint = adapter.poll_orders(None, 50)
        self.assertEqual(len(adapter.calls), 2)
        order = shopify.parse_order(payload)
        self.assertEqual(order.lines[0].quantity, order.lines[0].current_quantity)
        self.assertEqual(order.current_total, order.total)
        (refund,) = adapter.fetch_refunds(payload)
        self.assertEqual(len(adapter.calls), 2)
        self.assertEqual(refund.order_external_id, "1")
        self.assertEqual((refund.amount, refund.currency), (Decimal("12.00"), "EUR"))
        self.assertEqual(refund.lines[0].external_line_id, "10")
        self.assertTrue(refund.lines[0].restock)

    def test_poll_stops_at_the_batch_size(self):
        """Test that a run reads at most the batch size, the rest waiting
        for the next run from the checkpoint, and that a poll without news
        keeps the checkpoint (and the first one has no lower bound)."""
        adapter = recording(
            shopify.ShopifyMarketplace,
            {GRAPHQL: orders_answer([order_node(1), order_node(2)], True, "c2")},
        )
        orders, checkpoint = adapter.poll_orders(None, 2)
        self.assertEqual(len(orders), 2)
        self.assertEqual(len(adapter.calls), 1)
        self.assertEqual(adapter.calls[0][2]["variables"]["first"], 2)
        self.assertIsNone(adapter.calls[0][2]["variables"]["query"])
        empty = recording(
            shopify.ShopifyMarketplace, {GRAPHQL: orders_answer([], False, None)}
        )
        since = "2026-01-05T10:00:00Z"
        self.assertEqual(empty.poll_orders(since, 50), ([], since))

    def test_line_items_are_paged_past_250(self):
        """Test that an order of 600 lines is completed from its line items
        connection's cursor, 250 at a time, in order."""
        lines = [line_node(n) for n in range(600)]
        first = shopify_graphql.ORDER_LINES_PAGE

        def answer(body, params):
            variables = body["variables"]
            if "lineFirst" in variables:
                page = connection(lines[:first], True, str(first))
                return orders_answer([order_node(1, lines=page)], False, "c1")
            start = int(variables["after"])
            end = start + variables["first"]
            self.assertEqual(variables["id"], "gid://shopify/Order/1")
            return {
                "data": {
                    "order": {
                        "lineItems": connection(
                            lines[start:end], end < len(lines), str(end)
                        )
                    }
                },
                "extensions": cost(253, 1700),
            }

        adapter = recording(shopify.ShopifyMarketplace, {GRAPHQL: answer})
        (order,), _checkpoint = adapter.poll_orders(None, 50)
        self.assertEqual([item["id"] for item in order["line_items"]], list(range(600)))
        self.assertEqual(
            [call[2]["variables"].get("first") for call in adapter.calls[1:]],
            [250, 250, 250],
        )
        self.assertEqual(len(shopify.parse_order(order).lines), 600)

    # === THROTTLING AND ERRORS === #
    def test_throttled_query_waits_for_its_points_and_retries(self):
        """Test that THROTTLED waits (requested - available) / restoreRate
        seconds, rounded up, and sends the query again."""
        throttled = load("shopify_graphql_throttled.json")
        answers = [throttled, orders_answer([order_node(1)], False, "c1")]
        adapter = recording(
            shopify.ShopifyMarketplace, {GRAPHQL: lambda body, params: answers.pop(0)}
        )
        with patch.object(graphql_client.time, "sleep") as sleep:
            orders, _checkpoint = adapter.poll_orders(None, 50)
        self.assertEqual(len(orders), 1)
        sleep.assert_called_once_with(2)
        self.assertEqual(len(adapter.calls), 2)

    def test_long_throttle_is_left_to_the_job_retry(self):
        """Test that a wait longer than a worker may sleep is not slept: the
        job is retried when the points are back."""
        throttled = {
            "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
            "extensions": cost(1000, 0, rate=50.0),
        }
        adapter = recording(shopify.ShopifyMarketplace, {GRAPHQL: throttled})
        with (
            patch.object(graphql_client.time, "sleep") as sleep,
            self.assertRaises(RetailTransientError) as caught,
        ):
            adapter.poll_orders(None, 50)
        self.assertEqual(caught.exception.retry_after, 20)
        sleep.assert_not_called()

    def test_user_errors_name_the_field_and_the_value(self):
        variables = {
            "input": {"quantities": [{"locationId": "gid://shopify/Location/9"}]}
        }
        result = {
            "userErrors": [
                {
                    "field": ["input", "quantities", "0", "locationId"],
                    "message": "The specified location could not be found.",
                }
            ]
        }
        with self.assertRaisesRegex(
            RetailBusinessError,
            r"input\.quantities\.0\.locationId = 'gid://shopify/Location/9': "
            "The specified location",
        ):
            graphql_client.user_errors(result, variables, "the stock update")
        graphql_client.user_errors({"userErrors": []}, variables, "nothing")


@tagged("post_install", "-at_install")
class TestShopifyCostBucket(MarketplaceCommon, HttpCase):
    # HttpCase: the bucket's SQL runs on a cursor of its own, which only
    # test mode lets see the test's records.

    def _adapter(self, backend, answer):
        class Answering(shopify.ShopifyMarketplace):
            def request(self, method, path, json_body=None, params=None, **options):
                return answer

        return Answering(backend)

    def test_bucket_is_shared_through_the_throttle_table(self):
        """Test that the bucket Shopify states is kept in the backend's
        throttle row, so that another adapter (another worker) on the same
        backend waits for the points before sending, and leaves the job to a
        later retry when the wait is too long, giving its points back."""
        backend = self._prepare_backend(platform="shopify", api_url="https://s.test")
        # The bucket is kept by SQL on its own cursor.
        self.env.flush_all()
        first = self._adapter(
            backend, {"data": {"ok": True}, "extensions": cost(10, 100.0, rate=50.0)}
        )
        self.assertEqual(first.graphql().execute("query A { ok }"), {"ok": True})
        throttle = self.env["retail.backend.throttle"].search(
            [("backend_id", "=", backend.id)]
        )
        self.assertEqual(
            (throttle.cost_available, throttle.cost_maximum), (100.0, 2000.0)
        )
        self.assertEqual(throttle.cost_restore_rate, 50.0)
        other = self._adapter(
            self.env["retail.backend"].browse(backend.id),
            {"data": {"ok": True}, "extensions": cost(300, 0.0, rate=50.0)},
        )
        with patch.object(graphql_client.time, "sleep") as sleep:
            other.graphql().execute("query B { ok }", cost=300)
        (wait,), _kwargs = sleep.call_args
        self.assertAlmostEqual(wait, 4.0, delta=0.2)
        with self.assertRaises(RetailTransientError) as caught:
            other.graphql().execute("query C { ok }", cost=1000)
        self.assertGreater(caught.exception.retry_after, 10)
        throttle.invalidate_recordset()
        self.assertLess(abs(throttle.cost_available), 5, "points given back")
