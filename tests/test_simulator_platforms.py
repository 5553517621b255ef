# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The simulator's Shopify and WooCommerce modes speak their platform: webhooks
the suite's adapters verify, the platforms' totals, order polling, fulfilment,
inventory, product batches, delivery rules, refunds, limits and faults."""

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from simulator import Simulator
from simulator import shopify as sim_shopify
from simulator import woocommerce as sim_woocommerce
from simulator.receiver import WebhookReceiver
from store import idle, sales_states
from waiting import inbox_state, wait_for

from odoo import fields

from odoo.addons.retail_connector_base.adapters.common import parse_datetime
from odoo.addons.retail_connector_base.adapters.shopify import SHOP_ACCESS
from odoo.addons.retail_connector_base.adapters.shopify_graphql import (
    ShopifyGraphQL,
    graphql_path,
)
from odoo.addons.retail_marketplace.adapters import (
    shopify,
    shopify_catalog,
    shopify_fulfilment,
    shopify_graphql,
    woocommerce,
)

SHOPIFY_SECRET = "shpss_test_secret"
SHOPIFY_BODY = (
    b'{"id":820982911946154508,"admin_graphql_api_id":'
    b'"gid://shopify/Order/820982911946154508","name":"#1001","currency":"EUR"}'
)
SHOPIFY_SIGNATURE = "u0YmrNbpf3H2Yr5QsckJDHnDRabITUSxwUswS8Gqlk0="
WOO_SECRET = "wc_webhook_secret"
WOO_BODY = (
    b'{"id":727,"status":"processing","currency":"EUR","total":"29.35",'
    b'"_links":{"self":[{"href":"https:\\/\\/example.com\\/wp-json\\/wc\\/v3'
    b'\\/orders\\/727"}]}}'
)
WOO_SIGNATURE = "+rkfUNJHoftZtqXOqyf/n4n29NHo5/3IOaiXyfOYPlg="
LOCATION = 655441491
WOO_AUTH = ("ck_sim", "cs_sim")
MUTATION = """
mutation inventorySetQuantities($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { reason changes { name delta quantityAfterChange } }
    userErrors { code field message }
  }
}"""
# Two lines, one discounted, and shipping, at 20 %: 9.99 is a half-cent case
# when taxes are included (tax 1.665, rounded half up to 1.67).
LINES = [
    {"sku": "A", "quantity": 2, "price": "12.50", "discount": "1.00"},
    {"sku": "B", "quantity": 1, "price": "9.99"},
]


@pytest.fixture
def receiver():
    hooks = WebhookReceiver()
    yield hooks
    hooks.close()


@pytest.fixture
def shop(receiver):
    with Simulator(
        platform="shopify",
        target_url=receiver.url,
        webhook_secret=SHOPIFY_SECRET,
        webhook_retry_delay=0.01,
    ) as simulator:
        yield simulator


@pytest.fixture
def woo(receiver):
    with Simulator(
        platform="woocommerce", target_url=receiver.url, webhook_secret=WOO_SECRET
    ) as simulator:
        yield simulator


def _shopify(sim, method, path, token="sim-token", **kwargs):
    return requests.request(
        method,
        f"{sim.url}/admin/api/2025-01/{path}",
        headers={"X-Shopify-Access-Token": token},
        timeout=5,
        **kwargs,
    )


def _graphql(sim, query, **variables):
    """The ``data`` of ``query`` posted to the simulator's GraphQL endpoint."""
    answer = _shopify(
        sim, "POST", "graphql.json", json={"query": query, "variables": variables}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "errors" not in body, body
    return body["data"]


def _woo(sim, method, path, auth=WOO_AUTH, **kwargs):
    return requests.request(
        method, f"{sim.url}/wp-json/wc/v3/{path}", auth=auth, timeout=5, **kwargs
    )


def _set_quantities(sim, quantities, ignore_compare=False):
    variables = {
        "input": {
            "name": "available",
            "reason": "correction",
            "ignoreCompareQuantity": ignore_compare,
            "referenceDocumentUri": "gid://odoo-retail/StockMove/1",
            "quantities": quantities,
        }
    }
    answer = _shopify(
        sim, "POST", "graphql.json", json={"query": MUTATION, "variables": variables}
    )
    assert answer.status_code == 200
    return answer.json()


def _quantity(item_id, quantity, compare=None):
    entry = {
        "inventoryItemId": sim_shopify.gid("InventoryItem", item_id),
        "locationId": sim_shopify.gid("Location", LOCATION),
        "quantity": quantity,
    }
    if compare is not None:
        entry["compareQuantity"] = compare
    return entry


def _available(sim, *item_ids):
    """The ``available`` quantities at the location, as the simulator keeps
    them."""
    with sim.lock:
        return {
            item_id: sim.platform.levels[(item_id, LOCATION)]["available"]
            for item_id in item_ids
        }


def _shop_access(sim, token="sim-token"):
    """The connection test's query, posted as the client posts it."""
    return _shopify(
        sim,
        "POST",
        "graphql.json",
        token=token,
        json={"query": SHOP_ACCESS, "variables": {}},
    )


# --- Shopify ---


def test_shopify_webhooks_verify_with_the_vector_and_the_adapter(shop, receiver):
    """Test the derived vector, and that the suite's Shopify adapter accepts
    the simulator's deliveries and dedupes copies on the event id."""
    assert sim_shopify.sign(SHOPIFY_SECRET, SHOPIFY_BODY) == SHOPIFY_SIGNATURE
    assert sim_shopify.sign(SHOPIFY_SECRET, SHOPIFY_BODY + b"\n") != SHOPIFY_SIGNATURE
    shop.send_webhook("orders/create", json.loads(SHOPIFY_BODY), duplicates=2)
    (first, body), (second, _body) = receiver.deliveries
    assert body == SHOPIFY_BODY
    assert first["X-Shopify-Hmac-Sha256"] == SHOPIFY_SIGNATURE
    assert first["X-Shopify-Shop-Domain"] == "sim-shop.myshopify.com"
    assert first["X-Shopify-API-Version"] == "2026-10"
    assert first["X-Shopify-Triggered-At"].endswith("Z")
    assert shopify.verify_signature([SHOPIFY_SECRET], first, body) is None
    assert shopify.verify_signature(["other"], first, body) is not None
    assert shopify.verify_signature([SHOPIFY_SECRET], first, body + b"\n")
    assert first["X-Shopify-Event-Id"] == second["X-Shopify-Event-Id"]
    assert first["X-Shopify-Webhook-Id"] != second["X-Shopify-Webhook-Id"]
    events = [shopify.parse_event(headers, body) for headers in (first, second)]
    assert events[0]["dedupe_key"] == events[1]["dedupe_key"]
    assert events[0]["topic"] == "orders/create"
    assert events[0]["subject_key"] == "820982911946154508"


def test_shopify_failed_delivery_is_retried_as_the_same_copy(shop, receiver):
    """Test that retries keep the payload, the event id and the webhook id."""
    receiver.statuses = [500, 503]
    order = shop.create_order()
    assert [d["status"] for d in shop.stats()["deliveries"]] == [500, 503, 200]
    assert len({body for _headers, body in receiver.deliveries}) == 1
    assert len(set(receiver.topics("X-Shopify-Event-Id"))) == 1
    assert len(set(receiver.topics("X-Shopify-Webhook-Id"))) == 1
    assert json.loads(receiver.deliveries[0][1])["id"] == order["id"]


@pytest.mark.parametrize(
    "included, line_taxes, shipping_tax, total_tax, total",
    [
        (False, ["4.80", "2.00"], "0.98", "7.78", "46.67"),
        (True, ["4.00", "1.67"], "0.82", "6.49", "38.89"),
    ],
)
def test_shopify_order_totals_round_per_line(
    shop, included, line_taxes, shipping_tax, total_tax, total
):
    """Test Shopify's totals, taxes excluded and included, with a discount."""
    order = shop.create_order(lines=LINES, shipping="4.90", taxes_included=included)
    assert order["taxes_included"] is included
    assert order["subtotal_price"] == "33.99"
    assert order["total_discounts"] == "1.00"
    assert order["total_tax"] == total_tax
    assert order["total_price"] == order["current_total_price"] == total
    assert order["total_price_set"]["shop_money"] == {
        "amount": total,
        "currency_code": "EUR",
    }
    assert order["total_shipping_price_set"]["shop_money"]["amount"] == "4.90"
    items = order["line_items"]
    assert [item["tax_lines"][0]["price"] for item in items] == line_taxes
    assert items[0]["tax_lines"][0]["title"] == "VAT"
    assert items[0]["tax_lines"][0]["rate"] == 0.2
    assert items[0]["price"] == "12.50" and items[0]["total_discount"] == "1.00"
    assert items[0]["discount_allocations"][0]["amount"] == "1.00"
    assert order["shipping_lines"][0]["tax_lines"][0]["price"] == shipping_tax
    assert order["tax_lines"][0]["price"] == total_tax
    assert order["name"] == "#1001" and order["id"] == 820982911946154508
    assert items[0]["id"] == 450789469


def test_shopify_guest_order_and_seeded_product_ids(shop):
    """Test that a guest order has no customer and that a seeded sku lends its
    ids to the line item and takes its stock."""
    product = shop.add_product(sku="A", price="12.50", quantity=10, title="Mug")
    variant = product["variants"][0]
    order = shop.create_order(customer=None, email="guest@example.com", lines=LINES)
    assert order["customer"] is None and order["email"] == "guest@example.com"
    item = order["line_items"][0]
    assert (item["variant_id"], item["product_id"]) == (variant["id"], product["id"])
    assert item["title"] == "Mug"
    assert _available(shop, variant["inventory_item_id"]) == {
        variant["inventory_item_id"]: 8
    }
    returning = shop.create_order(customer={"email": "bob@example.com"})
    again = shop.create_order(customer={"email": "bob@example.com"})
    assert returning["customer"]["id"] == again["customer"]["id"]


def test_shopify_order_polling_filters_and_sorts(shop, receiver):
    """Test that updates and cancellations send their topics, and that the
    GraphQL poll filters by ``updated_at``, sorts by it and pages by
    cursor."""
    orders = [
        shop.create_order(
            created_at=f"2025-01-1{day}T10:00:00+00:00",
            updated_at=f"2025-01-1{day}T10:00:00+00:00",
        )
        for day in range(4)
    ]
    first, second, third, fourth = (order["id"] for order in orders)
    updated = shop.update_order(first, shipping_address={"city": "Lyon"})
    assert updated["shipping_address"]["city"] == "Lyon"
    assert updated["shipping_address"]["zip"] == "75002"
    again = shop.update_order(first, note="gift")
    assert again["updated_at"] > updated["updated_at"] > orders[0]["updated_at"]
    cancelled = shop.update_order(fourth, cancel_reason="customer")
    assert cancelled["cancelled_at"] and cancelled["closed_at"]
    assert receiver.topics("X-Shopify-Topic")[4:] == [
        "orders/updated",
        "orders/updated",
        "orders/cancelled",
    ]

    def poll(first=10, after=None):
        variables = {
            "first": first,
            "after": after,
            "query": "updated_at:>='2025-01-11T00:00:00Z'",
            "lineFirst": 5,
        }
        answer = _shopify(
            shop,
            "POST",
            "graphql.json",
            json={"query": shopify_graphql.POLL_ORDERS, "variables": variables},
        )
        page = answer.json()["data"]["orders"]
        return [sim_shopify._gid_number(node["id"]) for node in page["nodes"]], page

    everything, _page = poll()
    assert everything[:2] == [second, third]
    assert set(everything[2:]) == {first, fourth}
    versions = [shop.orders[order_id]["updated_at"] for order_id in everything]
    assert versions == sorted(versions)
    two, page = poll(first=2)
    assert two == [second, third] and page["pageInfo"]["hasNextPage"]
    rest, page = poll(first=2, after=page["pageInfo"]["endCursor"])
    assert rest == everything[2:] and not page["pageInfo"]["hasNextPage"]


def test_shopify_fulfilment_through_fulfillment_orders(shop):
    """Test, through GraphQL, a partial fulfilment, refused ones (userErrors,
    nothing changed), then the rest, with tracking recorded and the order's
    statuses following; a fulfillment order moved to another location."""
    shop.add_product(sku="A", quantity=10)
    order = shop.create_order(
        lines=[{"sku": "A", "quantity": 3}, {"sku": "B", "quantity": 1}]
    )

    def fulfillment_orders():
        data = _graphql(
            shop,
            shopify_fulfilment.FULFILLMENT_ORDERS,
            id=f"gid://shopify/Order/{order['id']}",
            first=5,
            after=None,
            lineFirst=50,
        )
        return data["order"]["fulfillmentOrders"]["nodes"]

    (fulfillment_order,) = fulfillment_orders()
    assert fulfillment_order["status"] == "OPEN"
    assert fulfillment_order["assignedLocation"] == {
        "name": "Sim Warehouse",
        "location": {"id": f"gid://shopify/Location/{LOCATION}"},
    }
    line_a, line_b = fulfillment_order["lineItems"]["nodes"]
    assert (line_a["remainingQuantity"], line_b["remainingQuantity"]) == (3, 1)
    assert line_a["lineItem"]["id"].endswith(f"/{order['line_items'][0]['id']}")

    def fulfil(items, fulfillment_order_id=fulfillment_order["id"]):
        return _graphql(
            shop,
            shopify_fulfilment.FULFILLMENT_CREATE,
            fulfillment={
                "lineItemsByFulfillmentOrder": [
                    {
                        "fulfillmentOrderId": fulfillment_order_id,
                        "fulfillmentOrderLineItems": items,
                    }
                ],
                "trackingInfo": {
                    "number": "1Z999",
                    "company": "UPS",
                    "url": "https://ups.example/1Z999",
                },
                "notifyCustomer": True,
            },
        )["fulfillmentCreate"]

    partial = fulfil([{"id": line_a["id"], "quantity": 2}])
    assert partial["userErrors"] == []
    assert partial["fulfillment"]["status"] == "SUCCESS"
    current = shop.orders[order["id"]]
    assert current["fulfillment_status"] == "partial"
    assert current["line_items"][0]["fulfillable_quantity"] == 1
    assert current["updated_at"] > order["updated_at"]
    assert (
        current["fulfillments"][0]["admin_graphql_api_id"]
        == (partial["fulfillment"]["id"])
    )

    too_many = fulfil([{"id": line_a["id"], "quantity": 2}])
    assert too_many["fulfillment"] is None
    assert too_many["userErrors"][0]["field"] == [
        "fulfillment",
        "lineItemsByFulfillmentOrder",
    ]
    assert fulfil([{"id": "gid://shopify/FulfillmentOrderLineItem/1", "quantity": 1}])[
        "userErrors"
    ]
    assert fulfil([], fulfillment_order_id="gid://shopify/FulfillmentOrder/1")[
        "userErrors"
    ]
    (after,) = fulfillment_orders()
    assert after["status"] == "IN_PROGRESS"
    assert [line["remainingQuantity"] for line in after["lineItems"]["nodes"]] == [1, 1]

    moved = shop.platform.move_fulfillment_order_lines(
        order["id"], 655441492, {order["line_items"][1]["id"]: 1}
    )
    assert moved["assigned_location_id"] == 655441492
    kept, elsewhere = fulfillment_orders()
    assert elsewhere["assignedLocation"]["name"] == "Sim Store"
    both = _graphql(
        shop,
        shopify_fulfilment.FULFILLMENT_CREATE,
        fulfillment={
            "lineItemsByFulfillmentOrder": [
                {"fulfillmentOrderId": kept["id"]},
                {"fulfillmentOrderId": elsewhere["id"]},
            ]
        },
    )["fulfillmentCreate"]
    assert "same location" in both["userErrors"][0]["message"]

    assert fulfil([])["userErrors"] == []  # no line list: all that is left
    closed, _moved = fulfillment_orders()
    assert closed["status"] == "CLOSED"
    assert fulfil([])["userErrors"]
    recorded = shop.stats()["fulfillments"]
    assert [entry["line_items"] for entry in recorded] == [
        [{"line_item_id": order["line_items"][0]["id"], "sku": "A", "quantity": 2}],
        [{"line_item_id": order["line_items"][0]["id"], "sku": "A", "quantity": 1}],
    ]
    assert recorded[0]["tracking_number"] == "1Z999"
    assert recorded[0]["tracking_company"] == "UPS"
    assert recorded[0]["notify_customer"] is True
    assert [entry["location_id"] for entry in recorded] == [LOCATION, LOCATION]


def test_shopify_inventory_set_quantities(shop):
    """Test compare-and-set, a stale compare quantity and a list over 250
    items (nothing changes either time), and reading levels back."""
    item_a = shop.add_product(sku="A", quantity=5)["variants"][0]["inventory_item_id"]
    item_b = shop.add_product(sku="B", quantity=0)["variants"][0]["inventory_item_id"]
    answer = _set_quantities(shop, [_quantity(item_a, 8, compare=5)])
    result = answer["data"]["inventorySetQuantities"]
    assert result["userErrors"] == []
    assert result["inventoryAdjustmentGroup"]["changes"] == [
        {"name": "available", "delta": 3, "quantityAfterChange": 8}
    ]
    cost = answer["extensions"]["cost"]
    assert cost["throttleStatus"]["maximumAvailable"] == 2000.0
    assert cost["throttleStatus"]["restoreRate"] == 100.0
    assert (
        cost["throttleStatus"]["currentlyAvailable"] <= 2000 - cost["actualQueryCost"]
    )

    stale = _set_quantities(
        shop, [_quantity(item_b, 4, compare=0), _quantity(item_a, 1, compare=5)]
    )["data"]["inventorySetQuantities"]
    assert stale["inventoryAdjustmentGroup"] is None
    assert [error["code"] for error in stale["userErrors"]] == [
        "COMPARE_QUANTITY_STALE"
    ]
    assert stale["userErrors"][0]["field"] == [
        "input",
        "quantities",
        "1",
        "compareQuantity",
    ]
    assert _available(shop, item_a, item_b) == {item_a: 8, item_b: 0}

    too_many = [_quantity(item_a, 1)] * 251
    refused = _set_quantities(shop, too_many, ignore_compare=True)
    assert refused["data"]["inventorySetQuantities"]["userErrors"]
    assert refused["data"]["inventorySetQuantities"]["inventoryAdjustmentGroup"] is None
    assert _available(shop, item_a) == {item_a: 8}

    forced = _set_quantities(
        shop, [_quantity(item_a, 2), _quantity(item_b, 6)], ignore_compare=True
    )["data"]["inventorySetQuantities"]
    assert forced["userErrors"] == []
    assert _available(shop, item_a, item_b) == {item_a: 2, item_b: 6}
    unknown = _set_quantities(shop, [_quantity(1, 2)], ignore_compare=True)
    codes = [e["code"] for e in unknown["data"]["inventorySetQuantities"]["userErrors"]]
    assert codes == ["INVALID_INVENTORY_ITEM"]
    assert shop.stats()["stock_updates"] == [
        {"sku": "A", "quantity": 8},
        {"sku": "A", "quantity": 2},
        {"sku": "B", "quantity": 6},
    ]

    other = _shopify(shop, "POST", "graphql.json", json={"query": "{ shop { id } }"})
    assert other.status_code == 200 and other.json()["errors"]


def test_shopify_refund_restocks_and_refunds_shipping(shop, receiver):
    """Test a partial refund (returned unit restocked, shipping refunded) and
    the rest, with amounts consistent with the order's taxes."""
    item_id = shop.add_product(sku="A", quantity=10)["variants"][0]["inventory_item_id"]
    order = shop.create_order(lines=LINES, shipping="4.90")
    line_a, line_b = order["line_items"]
    refund = shop.create_refund(
        order["id"],
        lines=[{"line_item_id": line_a["id"], "quantity": 1, "restock_type": "return"}],
        shipping="4.90",
    )
    (refund_line,) = refund["refund_line_items"]
    assert (refund_line["subtotal"], refund_line["total_tax"]) == ("12.00", "2.40")
    assert refund_line["location_id"] == LOCATION
    (adjustment,) = refund["order_adjustments"]
    assert adjustment["kind"] == "shipping_refund"
    assert (adjustment["amount"], adjustment["tax_amount"]) == ("-4.90", "-0.98")
    (shipping_line,) = refund["refund_shipping_lines"]
    assert shipping_line["shipping_line_id"] == order["shipping_lines"][0]["id"]
    assert shipping_line["subtotal_amount_set"]["shop_money"]["amount"] == "4.90"
    assert shipping_line["tax_amount_set"]["shop_money"]["amount"] == "0.98"
    (transaction,) = refund["transactions"]
    assert (transaction["kind"], transaction["status"]) == ("refund", "success")
    assert transaction["amount"] == "20.28"
    assert transaction["gateway"] == "shopify_payments" and transaction["parent_id"]
    assert _available(shop, item_id) == {item_id: 9}
    assert receiver.topics("X-Shopify-Topic")[-2:] == [
        "refunds/create",
        "orders/updated",
    ]
    assert json.loads(receiver.deliveries[-2][1])["id"] == refund["id"]
    current = json.loads(receiver.deliveries[-1][1])
    assert current["financial_status"] == "partially_refunded"
    assert current["current_total_price"] == "26.39"
    assert current["line_items"][0]["current_quantity"] == 1

    rest = shop.create_refund(
        order["id"],
        lines=[
            {"line_item_id": line_a["id"], "quantity": 1},
            {"line_item_id": line_b["id"], "quantity": 1, "restock_type": "cancel"},
        ],
    )
    assert rest["transactions"][0]["amount"] == "26.39"
    final = shop.orders[order["id"]]
    assert [r["id"] for r in final["refunds"]] == [refund["id"], rest["id"]]
    assert final["financial_status"] == "refunded"
    assert final["current_total_price"] == "0.00"
    assert _available(shop, item_id) == {item_id: 9}
    with pytest.raises(ValueError):
        shop.create_refund(
            order["id"], lines=[{"line_item_id": line_a["id"], "quantity": 1}]
        )
    included = shop.create_order(lines=LINES, shipping="4.90", taxes_included=True)
    everything = shop.create_refund(
        included["id"],
        lines=[{"line_item_id": item["id"]} for item in included["line_items"]],
        shipping="4.90",
    )
    assert everything["transactions"][0]["amount"] == included["total_price"]


def test_shopify_rate_limit_auth_faults_and_counters(shop):
    """Test the call-limit header and 429, the 401 body, an injected fault in
    Shopify's shape, and counters keyed by path template: the GraphQL
    endpoint is the only one served."""
    assert _shop_access(shop, token="wrong").json() == {
        "errors": "[API] Invalid API key or access token "
        "(unrecognized login or wrong password)"
    }
    shop.configure(rate_per_second=1, burst=2)
    shop.reset()
    answers = [_shop_access(shop) for _call in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers["X-Shopify-Shop-Api-Call-Limit"] for a in answers] == [
        "1/2",
        "2/2",
        "2/2",
    ]
    assert answers[2].headers["Retry-After"] == "2.0"
    assert answers[2].json()["errors"].startswith("Exceeded 2 calls per second")
    assert (
        answers[0].json()["data"]["shop"]["myshopifyDomain"] == "sim-shop.myshopify.com"
    )
    shop.configure(rate_limit_enabled=False)
    shop.set_faults(fail_next=1, fail_status=503, retry_after=3)
    failed = _shop_access(shop)
    assert failed.status_code == 503 and failed.headers["Retry-After"] == "3"
    assert failed.json() == {"errors": "Service Unavailable"}
    assert "X-Shopify-Shop-Api-Call-Limit" in failed.headers
    assert _shop_access(shop).status_code == 200
    for path in ("shop.json", "orders.json", "products.json"):
        assert _shopify(shop, "GET", path).status_code == 404
    requests_made = shop.stats()["requests"]
    assert requests_made["POST /admin/api/<v>/graphql.json"] == 5


def test_control_api_drives_the_platform_helpers(shop, receiver):
    """Test the control routes for products, order updates and refunds."""

    def control(path, body):
        return requests.post(f"{shop.url}/_sim/{path}", json=body, timeout=5)

    product = control("products", {"sku": "Z", "quantity": 4}).json()
    assert product["variants"][0]["sku"] == "Z"
    order = control("orders", {"lines": [{"sku": "Z", "quantity": 2}]}).json()
    assert order["line_items"][0]["product_id"] == product["id"]
    cancelled = control(f"orders/{order['id']}", {"cancel_reason": "customer"})
    assert cancelled.status_code == 200 and cancelled.json()["cancelled_at"]
    refund = control(
        "refunds",
        {
            "order_id": order["id"],
            "lines": [
                {
                    "line_item_id": order["line_items"][0]["id"],
                    "quantity": 2,
                    "restock_type": "cancel",
                }
            ],
        },
    )
    assert refund.status_code == 201
    assert control("refunds", {"order_id": 1, "lines": []}).status_code == 404
    assert control("orders/1", {}).status_code == 404
    assert receiver.topics("X-Shopify-Topic") == [
        "orders/create",
        "orders/cancelled",
        "refunds/create",
        "orders/updated",
    ]
    with Simulator() as generic, pytest.raises(ValueError):
        generic.update_order("1001", status="cancelled")


def test_command_line_serves_a_platform():
    """Test that ``python -m tests.simulator --platform shopify`` serves it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.simulator", "--platform", "shopify"]
        + ["--port", str(port)],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "shopify simulator on" in process.stdout.readline()
        answer = requests.post(
            f"http://127.0.0.1:{port}/admin/api/2025-10/graphql.json",
            headers={"X-Shopify-Access-Token": "sim-token"},
            json={"query": SHOP_ACCESS, "variables": {}},
            timeout=5,
        )
        assert answer.json()["data"]["shop"]["myshopifyDomain"] == (
            "sim-shop.myshopify.com"
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- WooCommerce ---


def test_woocommerce_webhooks_verify_with_the_vector_and_the_adapter(woo, receiver):
    """Test the derived vector (escaped slashes), the headers, the suite's
    WooCommerce adapter, and that the secret is HTML-entity-decoded."""
    payload = json.loads(WOO_BODY)
    assert sim_woocommerce.wp_json(payload) == WOO_BODY and len(WOO_BODY) == 148
    assert sim_woocommerce.sign(WOO_SECRET, WOO_BODY) == WOO_SIGNATURE
    woo.send_webhook("order.updated", payload)
    headers, body = receiver.deliveries[0]
    assert body == WOO_BODY
    assert headers["X-WC-Webhook-Signature"] == WOO_SIGNATURE
    assert headers["X-WC-Webhook-Topic"] == "order.updated"
    assert headers["X-WC-Webhook-Resource"] == "order"
    assert headers["X-WC-Webhook-Event"] == "updated"
    assert headers["X-WC-Webhook-ID"] == "17"
    assert headers["X-WC-Webhook-Source"] == f"{woo.url}/"
    assert woocommerce.verify_signature([WOO_SECRET], headers, body) is None
    assert woocommerce.verify_signature(["other"], headers, body) is not None
    event = woocommerce.parse_event(headers, body)
    assert (event["topic"], event["subject_key"]) == ("order.updated", "727")
    assert event["delivery_id"] == headers["X-WC-Webhook-Delivery-ID"]
    woo.send_webhook("order.updated", payload, secret="a&amp;b")
    escaped_headers, escaped_body = receiver.deliveries[1]
    assert escaped_headers["X-WC-Webhook-Signature"] == sim_woocommerce.sign(
        "a&b", escaped_body
    )
    assert (
        woocommerce.verify_signature(["a&amp;b"], escaped_headers, escaped_body) is None
    )
    assert escaped_headers["X-WC-Webhook-Delivery-ID"] != event["delivery_id"]


def test_woocommerce_never_retries_and_disables_after_seven_failures(woo, receiver):
    """Test one attempt per delivery, the reset on success, and that the
    seventh failure in a row disables the webhook for good."""
    receiver.statuses = [500] * 6 + [200] + [500] * 7
    woo.configure(webhook_retries=3)
    for _failure in range(6):
        assert woo.send_webhook("order.updated", {"id": 1}) == [500]
    assert woo.stats()["webhook"] == {"id": 17, "status": "active", "failure_count": 6}
    assert woo.send_webhook("order.updated", {"id": 1}) == [200]
    assert woo.stats()["webhook"]["failure_count"] == 0
    statuses = [woo.send_webhook("order.updated", {"id": 1})[0] for _n in range(7)]
    assert statuses == [500] * 7
    assert woo.stats()["webhook"]["status"] == "disabled"
    assert woo.send_webhook("order.updated", {"id": 1}) == [None]
    woo.create_order()
    assert len(receiver.deliveries) == 14
    assert len(woo.stats()["deliveries"]) == 14


def test_woocommerce_ping_is_unsigned_form_data(woo, receiver):
    """Test the creation ping: form body, no signature, status returned."""
    assert woo.ping_webhook() == 200
    headers, body = receiver.deliveries[0]
    assert body == b"webhook_id=17"
    assert "X-WC-Webhook-Signature" not in headers
    assert woocommerce.is_ping(headers, body)
    receiver.statuses = [500]
    assert woo.ping_webhook() == 500
    assert woo.stats()["webhook"]["failure_count"] == 0
    control = requests.post(f"{woo.url}/_sim/ping", json={}, timeout=5)
    assert control.json() == {"status": 200}


@pytest.mark.parametrize(
    "included, lines, totals",
    [
        (
            False,
            [
                ("25.00", "5.00", "24.00", "4.80", 12.0),
                ("9.99", "2.00", "9.99", "2.00", 9.99),
            ],
            ("1.00", "0.20", "4.90", "0.98", "6.80", "7.78", "46.67"),
        ),
        (
            True,
            [
                ("20.83", "4.17", "20.00", "4.00", 10.0),
                ("8.32", "1.67", "8.32", "1.67", 8.32),
            ],
            ("0.83", "0.17", "4.08", "0.82", "5.67", "6.49", "38.89"),
        ),
    ],
)
def test_woocommerce_order_totals_round_per_line(woo, included, lines, totals):
    """Test WooCommerce's amounts: line subtotal before and total after the
    discount, both before tax, and the order's totals."""
    order = woo.create_order(
        lines=LINES, shipping="4.90", taxes_included=included, customer=None
    )
    assert [
        (
            line["subtotal"],
            line["subtotal_tax"],
            line["total"],
            line["total_tax"],
            line["price"],
        )
        for line in order["line_items"]
    ] == lines
    assert (
        order["discount_total"],
        order["discount_tax"],
        order["shipping_total"],
        order["shipping_tax"],
        order["cart_tax"],
        order["total_tax"],
        order["total"],
    ) == totals
    assert order["prices_include_tax"] is included
    (tax_line,) = order["tax_lines"]
    assert (tax_line["rate_code"], tax_line["rate_id"]) == ("FR-VAT-1", 1)
    assert tax_line["tax_total"] == totals[4]
    assert tax_line["shipping_tax_total"] == totals[3]
    assert order["line_items"][0]["taxes"][0]["id"] == 1
    assert order["customer_id"] == 0 and order["status"] == "processing"
    assert order["date_paid_gmt"] and order["billing"]["email"]
    assert (
        "Z" not in order["date_modified_gmt"] and "+" not in order["date_modified_gmt"]
    )


def test_woocommerce_order_polling_pages_by_modification(woo, receiver):
    """Test modified_after, ascending modification order, paging headers,
    the per_page cap, and order.updated on updates."""
    orders = [
        woo.create_order(
            date_modified=f"2025-01-1{day}T10:00:00",
            date_modified_gmt=f"2025-01-1{day}T10:00:00",
        )
        for day in range(3)
    ]
    first, second, third = (order["id"] for order in orders)
    updated = woo.update_order(first, status="on-hold")
    assert updated["date_modified_gmt"] > orders[2]["date_modified_gmt"]
    assert receiver.topics("X-WC-Webhook-Topic") == ["order.created"] * 3 + [
        "order.updated"
    ]
    params = {
        "modified_after": "2025-01-11T00:00:00",
        "orderby": "modified",
        "order": "asc",
        "per_page": 2,
    }
    page_one = _woo(woo, "GET", "orders", params=params)
    assert [order["id"] for order in page_one.json()] == [second, third]
    assert (page_one.headers["X-WP-Total"], page_one.headers["X-WP-TotalPages"]) == (
        "3",
        "2",
    )
    page_two = _woo(woo, "GET", "orders", params={**params, "page": 2})
    assert [order["id"] for order in page_two.json()] == [first]
    too_big = _woo(woo, "GET", "orders", params={**params, "per_page": 101})
    assert too_big.status_code == 400 and too_big.json()["data"]["status"] == 400
    missing = _woo(woo, "GET", "orders/1")
    assert missing.status_code == 404
    assert missing.json()["code"] == "woocommerce_rest_shop_order_invalid_id"


def test_woocommerce_products_batch(woo):
    """Test per-item batch results with a refused item, the 100-object
    limit, reading stock back, and what is recorded."""
    first = woo.add_product(sku="A", quantity=5)
    second = woo.add_product(sku="B", quantity=0, barcode="3017620422003")
    assert second["global_unique_id"] == "3017620422003"
    answer = _woo(
        woo,
        "POST",
        "products/batch",
        json={
            "update": [
                {"id": first["id"], "stock_quantity": 3, "manage_stock": True},
                {"id": 999999, "stock_quantity": 1, "manage_stock": True},
            ],
            "create": [{"name": "Cup", "sku": "C", "regular_price": "5.00"}],
        },
    )
    assert answer.status_code == 200
    updated, refused = answer.json()["update"]
    assert updated["stock_quantity"] == 3 and updated["stock_status"] == "instock"
    assert refused["id"] == 999999
    assert refused["error"]["code"] == "woocommerce_rest_product_invalid_id"
    assert refused["error"]["data"] == {"status": 400}
    (created,) = answer.json()["create"]
    assert created["sku"] == "C" and created["price"] == "5.00"

    too_many = {"update": [{"id": first["id"], "stock_quantity": 1}] * 101}
    over = _woo(woo, "POST", "products/batch", json=too_many)
    assert over.status_code == 413 and over.json()["data"]["status"] == 413
    duplicate = _woo(woo, "POST", "products", json={"name": "Again", "sku": "A"})
    assert duplicate.status_code == 400

    barcode = _woo(
        woo,
        "PUT",
        f"products/{first['id']}",
        json={
            "name": "Mug",
            "meta_data": [{"key": "_global_unique_id", "value": "4006381333931"}],
        },
    ).json()
    assert barcode["global_unique_id"] == "4006381333931"
    listed = _woo(
        woo,
        "GET",
        "products",
        params={"include": f"{first['id']},{second['id']}", "per_page": 100},
    )
    assert [(p["sku"], p["stock_quantity"]) for p in listed.json()] == [
        ("A", 3),
        ("B", 0),
    ]
    assert listed.headers["X-WP-Total"] == "2"
    stats = woo.stats()
    assert stats["stock_updates"] == [{"sku": "A", "quantity": 3}]
    assert [(u["action"], u["sku"]) for u in stats["product_updates"]] == [
        ("create", "C"),
        ("update", "A"),
    ]
    assert stats["requests"]["POST /wp-json/wc/v3/products/batch"] == 2


def test_woocommerce_completion_and_shipment_tracking(woo):
    """Test the Shipment Tracking extension and completing an order, which
    is recorded as a fulfilment with its tracking."""
    order = woo.create_order(lines=LINES)
    path = f"{woo.url}/wp-json/wc-shipment-tracking/v3/orders/{order['id']}"
    tracking = requests.post(
        f"{path}/shipment-trackings",
        json={
            "tracking_provider": "Colissimo",
            "tracking_number": "6A123",
            "date_shipped": "2025-01-15",
        },
        auth=WOO_AUTH,
        timeout=5,
    )
    assert tracking.status_code == 201
    assert tracking.json()["tracking_link"].endswith("6A123")
    assert tracking.json()["date_shipped"] == "2025-01-15"
    listed = requests.get(f"{path}/shipment-trackings", auth=WOO_AUTH, timeout=5)
    assert [t["tracking_number"] for t in listed.json()] == ["6A123"]
    completed = _woo(
        woo,
        "PUT",
        f"orders/{order['id']}",
        json={
            "status": "completed",
            "meta_data": [{"key": "_odoo_picking", "value": "WH/OUT/00001"}],
        },
    ).json()
    assert completed["status"] == "completed" and completed["date_completed_gmt"]
    assert completed["date_modified_gmt"] > order["date_modified_gmt"]
    assert completed["meta_data"][0]["value"] == "WH/OUT/00001"
    (fulfillment,) = woo.stats()["fulfillments"]
    assert fulfillment["order_id"] == order["id"]
    assert fulfillment["tracking_numbers"] == ["6A123"]
    assert fulfillment["tracking_provider"] == "Colissimo"
    assert [line["quantity"] for line in fulfillment["line_items"]] == [2, 1]
    assert woo.stats()["trackings"][0]["order_id"] == order["id"]
    invalid = _woo(woo, "PUT", f"orders/{order['id']}", json={"status": "shipped"})
    assert invalid.status_code == 400


def test_woocommerce_refund_restocks_and_refunds_shipping(woo, receiver):
    """Test a refund read back with negative amounts, restocking, the order's
    refunds list, and the refunded status once everything is refunded."""
    product = woo.add_product(sku="A", quantity=10)
    order = woo.create_order(lines=LINES, shipping="4.90")
    line_a, line_b = order["line_items"]
    stock = _woo(woo, "GET", f"products/{product['id']}").json()["stock_quantity"]
    assert stock == 8
    refund = woo.create_refund(
        order["id"],
        lines=[{"line_item_id": line_a["id"], "quantity": 1, "restock": True}],
        shipping="4.90",
        reason="Broken",
    )
    assert refund["amount"] == "20.28" and refund["reason"] == "Broken"
    (refund_line,) = refund["line_items"]
    assert refund_line["quantity"] == -1
    assert (refund_line["total"], refund_line["total_tax"]) == ("-12.00", "-2.40")
    assert refund_line["meta_data"][0]["value"] == str(line_a["id"])
    (shipping,) = refund["shipping_lines"]
    assert (shipping["total"], shipping["total_tax"]) == ("-4.90", "-0.98")
    stock = _woo(woo, "GET", f"products/{product['id']}").json()["stock_quantity"]
    assert stock == 9
    current = _woo(woo, "GET", f"orders/{order['id']}").json()
    assert current["refunds"] == [
        {"id": refund["id"], "reason": "Broken", "total": "-20.28"}
    ]
    assert current["status"] == "processing"
    assert receiver.topics("X-WC-Webhook-Topic")[-1] == "order.updated"

    rest = woo.create_refund(
        order["id"],
        lines=[
            {"line_item_id": line_a["id"], "quantity": 1},
            {"line_item_id": line_b["id"], "quantity": 1},
        ],
    )
    assert rest["amount"] == "26.39"
    listed = _woo(woo, "GET", f"orders/{order['id']}/refunds").json()
    assert [r["id"] for r in listed] == [rest["id"], refund["id"]]
    assert _woo(woo, "GET", f"orders/{order['id']}").json()["status"] == "refunded"
    with pytest.raises(ValueError):
        woo.create_refund(
            order["id"], lines=[{"line_item_id": line_b["id"], "quantity": 1}]
        )


def test_woocommerce_order_edit_recalculates_and_refunds_stay_apart(woo, receiver):
    """Test an on-hold order edited as the edit screen saves it (a quantity
    raised, an item deleted, one added): the items, the stock moved, the
    totals recalculated and order.updated; a refund then leaves the items
    and the total as they are; a processing order is not editable unless
    the shop allows it; PUT orders/<id> with line_items edits in any
    status."""
    product_a = woo.add_product(sku="A", quantity=10)
    product_c = woo.add_product(sku="C", price="5.00", quantity=10)
    order = woo.create_order(
        lines=LINES, shipping="4.90", financial_status="authorized"
    )
    assert order["status"] == "on-hold"
    line_a, line_b = order["line_items"]
    edited = woo.platform.edit_order(
        order["id"],
        quantities={line_a["id"]: 3, line_b["id"]: 0},
        add=[{"sku": "C", "quantity": 1, "price": "5.00"}],
    )
    item_a, item_c = edited["line_items"]
    assert (item_a["id"], item_a["quantity"], item_a["price"]) == (
        line_a["id"],
        3,
        12.0,
    )
    amounts = ("subtotal", "subtotal_tax", "total", "total_tax")
    assert [tuple(item[key] for key in amounts) for item in (item_a, item_c)] == [
        ("37.50", "7.50", "36.00", "7.20"),
        ("5.00", "1.00", "5.00", "1.00"),
    ]
    assert item_c["product_id"] == product_c["id"]
    assert (
        edited["discount_total"],
        edited["discount_tax"],
        edited["cart_tax"],
        edited["total_tax"],
        edited["total"],
    ) == ("1.50", "0.30", "8.20", "9.18", "55.08")
    assert edited["tax_lines"][0]["tax_total"] == "8.20"
    assert edited["date_modified_gmt"] > order["date_modified_gmt"]
    stock = {
        product["id"]: _woo(woo, "GET", f"products/{product['id']}").json()[
            "stock_quantity"
        ]
        for product in (product_a, product_c)
    }
    assert stock == {product_a["id"]: 7, product_c["id"]: 9}
    assert receiver.topics("X-WC-Webhook-Topic")[-1] == "order.updated"

    woo.create_refund(
        order["id"], lines=[{"line_item_id": line_a["id"], "quantity": 1}]
    )
    refunded = _woo(woo, "GET", f"orders/{order['id']}").json()
    assert [item["quantity"] for item in refunded["line_items"]] == [3, 1]
    assert refunded["total"] == "55.08" and len(refunded["refunds"]) == 1

    paid = woo.create_order(lines=LINES)
    first, second = paid["line_items"]
    with pytest.raises(ValueError, match="not editable"):
        woo.platform.edit_order(paid["id"], quantities={first["id"]: 1})
    forced = woo.platform.edit_order(
        paid["id"], quantities={first["id"]: 1}, force=True
    )
    assert forced["line_items"][0]["quantity"] == 1
    answer = _woo(
        woo,
        "PUT",
        f"orders/{paid['id']}",
        json={
            "line_items": [
                {"id": second["id"], "product_id": None},
                {"product_id": product_c["id"], "quantity": 2},
            ]
        },
    )
    assert answer.status_code == 200, answer.text
    assert [
        (item["sku"], item["quantity"], item["total"])
        for item in answer.json()["line_items"]
    ] == [("A", 1, "12.00"), ("C", 2, "10.00")]
    unknown = _woo(
        woo,
        "PUT",
        f"orders/{paid['id']}",
        json={"line_items": [{"id": 1, "quantity": 2}]},
    )
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "woocommerce_rest_invalid_item_id"


def test_woocommerce_auth_rate_limit_and_faults(woo):
    """Test Basic and query-string keys, the 401 and 429 bodies, and an
    injected fault in WordPress's error shape."""
    refused = _woo(woo, "GET", "system_status", auth=("ck_sim", "wrong"))
    assert refused.status_code == 401
    assert refused.json()["code"] == "woocommerce_rest_cannot_view"
    assert refused.json()["data"] == {"status": 401}
    assert _woo(woo, "GET", "system_status", auth=None).status_code == 401
    by_query = _woo(
        woo,
        "GET",
        "system_status",
        auth=None,
        params={"consumer_key": "ck_sim", "consumer_secret": "cs_sim"},
    )
    assert by_query.json()["environment"]["version"] == "9.4.0"
    woo.configure(rate_per_second=1, burst=1)
    woo.reset()
    answers = [_woo(woo, "GET", "system_status") for _call in range(2)]
    assert [a.status_code for a in answers] == [200, 429]
    assert int(answers[1].headers["Retry-After"]) >= 1
    assert answers[1].json()["data"] == {"status": 429}
    woo.configure(rate_limit_enabled=False)
    woo.set_faults(fail_next=1, fail_status=500)
    failed = _woo(woo, "GET", "orders")
    assert failed.status_code == 500
    assert failed.json()["data"] == {"status": 500}
    assert _woo(woo, "GET", "orders").json() == []


class _SimConnection:
    """The Shopify adapter's transport, reduced to posting to the simulator:
    what the GraphQL client needs of an adapter (no backend: no shared
    bucket)."""

    backend = None
    api_version = "2025-10"

    def __init__(self, sim):
        self.sim = sim

    def request(self, method, path, json_body=None, params=None, **options):
        answer = requests.request(
            method,
            f"{self.sim.url}/{path}",
            headers={"X-Shopify-Access-Token": "sim-token"},
            json=json_body,
            timeout=5,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()


def test_shopify_graphql_poll_reads_the_webhook_orders(shop, receiver):
    """Test that the GraphQL poll pages every order changed since the
    checkpoint, line items past their first page included, and that each
    reads as its webhook payload does; the next run from the checkpoint
    brings only the latest again."""
    many = [{"sku": f"L{n}", "quantity": 1, "price": "1.00"} for n in range(60)]
    created = [shop.create_order(lines=LINES, shipping="4.90") for _ in range(23)]
    created.append(shop.create_order(lines=many))
    client = ShopifyGraphQL(_SimConnection(shop))
    orders, checkpoint = shopify_graphql.poll_orders(client, None, 250)
    assert [order["id"] for order in orders] == [order["id"] for order in created]
    for polled, original in zip(orders, created, strict=True):
        assert shopify.parse_order(polled) == shopify.parse_order(original)
    assert checkpoint == created[-1]["updated_at"]
    calls = shop.platform.graphql_calls
    pages = [call for call in calls if "lineFirst" in call["variables"]]
    assert [call["variables"]["after"] is None for call in pages] == [True, False]
    assert [
        call["variables"]["first"] for call in calls if "id" in call["variables"]
    ] == [250]
    assert all(call["actual"] <= call["requested"] <= 1000 for call in calls)
    again, _checkpoint = shopify_graphql.poll_orders(client, checkpoint, 250)
    assert [order["id"] for order in again] == [
        order["id"] for order in created if order["updated_at"] >= checkpoint
    ]


def test_shopify_graphql_poll_reads_past_250_lines_and_crowded_instants(shop):
    """Test that an order of 300 line items is read whole, its lines paged
    by cursor past 250; and that a run never ends inside the instant it
    started from: when more orders than the batch changed in the same
    second, it reads on to the first later one, so that the next run starts
    later and none is left behind."""
    many = [{"sku": f"L{n}", "quantity": 1, "price": "1.00"} for n in range(300)]
    big = shop.create_order(lines=many)
    client = ShopifyGraphQL(_SimConnection(shop))
    (order,), _checkpoint = shopify_graphql.poll_orders(client, None, 1)
    assert [line["sku"] for line in order["line_items"]] == [
        f"L{n}" for n in range(300)
    ]
    assert shopify.parse_order(order) == shopify.parse_order(big)
    assert [
        call["variables"]["after"] is None
        for call in shop.platform.graphql_calls
        if "id" in call["variables"]
    ] == [False, False], "the first 25 lines came with the order, then 250 + 25"

    instant, second = "2025-03-01T09:00:00+00:00", "2025-03-01T09:00:01+00:00"
    crowded = [
        shop.create_order(created_at=instant, updated_at=instant)["id"]
        for _order in range(5)
    ]
    later = shop.create_order(created_at=second, updated_at=second)["id"]

    def run(since):
        orders, checkpoint = shopify_graphql.poll_orders(client, since, 3)
        return [order["id"] for order in orders], checkpoint

    first_run, checkpoint = run(None)
    assert first_run == crowded[:3]
    assert parse_datetime(checkpoint) == parse_datetime(instant)
    second_run, checkpoint = run(checkpoint)
    assert second_run == [*crowded, later]
    third_run, _checkpoint = run(checkpoint)
    assert third_run == [later, big["id"]]


def test_shopify_graphql_throttled_when_the_cost_bucket_is_empty(shop, receiver):
    """Test that a query costing more than the points left is refused as
    THROTTLED with the bucket's state, and that the client waits for the
    points and sends it again."""
    shop.create_order(lines=LINES)
    shop.platform.points = 0
    connection = _SimConnection(shop)
    variables = {"first": 1, "after": None, "query": None, "lineFirst": 5}
    refused = connection.request(
        "POST",
        "admin/api/2025-10/graphql.json",
        json_body={"query": shopify_graphql.POLL_ORDERS, "variables": variables},
    )
    assert refused["errors"][0]["extensions"]["code"] == "THROTTLED"
    cost = refused["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 2 + 1 * (5 + 20)
    assert cost["actualQueryCost"] is None
    assert cost["throttleStatus"]["maximumAvailable"] == 2000
    shop.platform.points = 0
    client = ShopifyGraphQL(connection)
    orders, _checkpoint = shopify_graphql.poll_orders(client, None, 1)
    assert len(orders) == 1


def _catalog_call(sim, name, document, variables):
    """A catalog operation of the adapter, posted as it posts it."""
    connection = _SimConnection(sim)
    answer = connection.request(
        "POST",
        graphql_path(connection.api_version),
        json_body={"query": document, "variables": variables},
    )
    assert answer["extensions"]["cost"]["actualQueryCost"] is not None, answer
    assert sim.platform.graphql_calls[-1]["name"] == name
    return answer["data"]


def _product_set(sim, product, variant_first=10):
    return _catalog_call(
        sim,
        "ProductSet",
        shopify_catalog.PRODUCT_SET,
        {"input": product, "variantFirst": variant_first},
    )["productSet"]


def _variant_input(color, size, **values):
    return {
        "optionValues": [
            {"optionName": "Color", "name": color},
            {"optionName": "Size", "name": size},
        ],
        **values,
    }


def test_shopify_graphql_product_set_sets_the_whole_product(shop):
    """Test that productSet creates a product with its options and variants,
    pages its variants, keeps variants sent with their id, deletes those
    left out (with their inventory), and answers userErrors naming the
    field for bad input, changing nothing."""
    options = [
        {"name": "Color", "values": [{"name": "Red"}, {"name": "Blue"}]},
        {"name": "Size", "values": [{"name": "S"}, {"name": "M"}, {"name": "L"}]},
    ]
    variants = [
        _variant_input(color, size, sku=f"T-{color}-{size}", price="9.50")
        for color in ("Red", "Blue")
        for size in ("S", "M", "L")
    ]
    created = _product_set(
        shop, {"title": "Tee", "productOptions": options, "variants": variants}, 4
    )
    assert created["userErrors"] == []
    product = created["product"]
    assert len(product["variants"]["nodes"]) == 4
    rest = _catalog_call(
        shop,
        "ProductVariants",
        shopify_catalog.PRODUCT_VARIANTS,
        {
            "id": product["id"],
            "first": 4,
            "after": product["variants"]["pageInfo"]["endCursor"],
        },
    )["product"]["variants"]
    nodes = product["variants"]["nodes"] + rest["nodes"]
    assert [node["sku"] for node in nodes] == [v["sku"] for v in variants]
    assert not rest["pageInfo"]["hasNextPage"]
    assert nodes[0]["selectedOptions"] == [
        {"name": "Color", "value": "Red"},
        {"name": "Size", "value": "S"},
    ]

    kept = [dict(variants[0], id=nodes[0]["id"], price="11.00")]
    dropped_item = sim_shopify._gid_number(nodes[1]["inventoryItem"]["id"])
    _product_set(
        shop, {"id": product["id"], "productOptions": options, "variants": kept}, 10
    )
    stored = shop.platform.sim.products[sim_shopify._gid_number(product["id"])]
    assert [(v["sku"], v["price"]) for v in stored["variants"]] == [
        ("T-Red-S", "11.00")
    ]
    assert dropped_item not in shop.platform.items
    assert not [key for key in shop.platform.levels if key[0] == dropped_item]

    bad = [
        dict(variants[0], price="-1"),
        _variant_input("Green", "S"),
        _variant_input("Red", "S"),
    ]
    refused = _product_set(
        shop, {"id": product["id"], "productOptions": options, "variants": bad}, 10
    )
    assert refused["product"] is None
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("INVALID_VARIANT", ["input", "variants", "0", "price"]),
        ("OPTION_VALUE_DOES_NOT_EXIST", ["input", "variants", "1", "optionValues"]),
        ("DUPLICATED_OPTION_VALUE", ["input", "variants", "2"]),
    ]
    assert [v["price"] for v in stored["variants"]] == ["11.00"], "nothing changed"
    shop.configure(max_variants=1)
    limited = _product_set(
        shop, {"title": "Big", "productOptions": options, "variants": variants}, 10
    )
    assert limited["userErrors"][0]["code"] == "VARIANTS_OVER_LIMIT"


def test_shopify_graphql_product_set_takes_variant_images(shop):
    """Test that productSet shows a variant's file on that variant when the
    file is among the product's files, and refuses one that is not,
    changing nothing."""
    options = [{"name": "Color", "values": [{"name": "Red"}, {"name": "Blue"}]}]
    front = {
        "originalSource": "https://cdn.example.com/cap.jpg",
        "contentType": "IMAGE",
    }
    red = {"originalSource": "https://cdn.example.com/red.jpg", "contentType": "IMAGE"}

    def variant(color, **values):
        return {"optionValues": [{"optionName": "Color", "name": color}], **values}

    created = _product_set(
        shop,
        {
            "title": "Cap",
            "productOptions": options,
            "files": [front, red],
            "variants": [variant("Red", sku="CAP-R", file=red), variant("Blue")],
        },
    )
    assert created["userErrors"] == []
    stored = shop.platform.sim.products[
        sim_shopify._gid_number(created["product"]["id"])
    ]
    images = {image["src"]: image for image in stored["images"]}
    assert list(images) == [front["originalSource"], red["originalSource"]]
    red_variant, blue_variant = stored["variants"]
    assert red_variant["image_id"] == images[red["originalSource"]]["id"]
    assert images[red["originalSource"]]["variant_ids"] == [red_variant["id"]]
    assert blue_variant["image_id"] is None

    blue = {"originalSource": "https://cdn.example.com/blue.jpg"}
    refused = _product_set(
        shop,
        {
            "id": created["product"]["id"],
            "productOptions": options,
            "files": [front],
            "variants": [variant("Red"), variant("Blue", file=blue)],
        },
    )
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("INVALID_INPUT", ["input", "variants", "1", "file"])
    ]
    assert len(stored["images"]) == 2 and red_variant["image_id"], "nothing changed"


def test_shopify_bulk_operation_serves_its_result_file(shop):
    """Test that a bulk query over inventory levels runs for the configured
    time, completes with a JSONL file of every location and level served on
    loopback without the access token (403 once unknown), that a second one
    is refused while it runs, and that an outcome FAILED is reported with
    its error code."""
    item = shop.add_product(sku="A", quantity=4)["variants"][0]["inventory_item_id"]
    outlet = shop.platform.add_location("Outlet")
    shop.platform.set_available(item, 9, outlet)
    shop.configure(bulk_seconds=0.3)
    query = {"query": shopify_catalog.INVENTORY_LEVELS_BULK}
    run = shopify_catalog.RUN_BULK_QUERY_UNGROUPED
    started = _catalog_call(shop, "RunBulkQuery", run, query)["bulkOperationRunQuery"]
    operation = started["bulkOperation"]["id"]
    busy = _catalog_call(shop, "RunBulkQuery", run, query)["bulkOperationRunQuery"]
    assert busy["userErrors"][0]["code"] == "OPERATION_IN_PROGRESS"
    status = shopify_catalog.BULK_OPERATION_STATUS
    variables = {"id": operation}
    assert (
        _catalog_call(shop, "BulkOperationStatus", status, variables)["node"]["status"]
        == "RUNNING"
    )
    time.sleep(0.3)
    done = _catalog_call(shop, "BulkOperationStatus", status, variables)["node"]
    assert (done["status"], done["objectCount"]) == ("COMPLETED", "4")
    answer = requests.get(done["url"], timeout=5)
    lines = [json.loads(line) for line in answer.text.splitlines()]
    levels = {
        (line["__parentId"], line["item"]["id"]): line["quantities"][0]["quantity"]
        for line in lines
        if "__parentId" in line
    }
    assert levels == {
        (
            sim_shopify.gid("Location", LOCATION),
            sim_shopify.gid("InventoryItem", item),
        ): 4,
        (
            sim_shopify.gid("Location", outlet),
            sim_shopify.gid("InventoryItem", item),
        ): 9,
    }
    assert (
        requests.get(
            done["url"].replace("/_files/", "/_files/x"), timeout=5
        ).status_code
        == 403
    )
    shop.configure(bulk_seconds=0, bulk_outcome="FAILED")
    failed = _catalog_call(shop, "RunBulkQuery", run, query)["bulkOperationRunQuery"]
    node = _catalog_call(
        shop, "BulkOperationStatus", status, {"id": failed["bulkOperation"]["id"]}
    )["node"]
    assert (node["status"], node["errorCode"], node["url"]) == (
        "FAILED",
        "INTERNAL_SERVER_ERROR",
        None,
    )


@pytest.fixture
def polled_shop(committed_env):
    """The simulator as a Shopify store sending no webhook, and a committed
    Shopify backend for it that only polls orders; archived afterwards, so
    that no later test's server polls a store that is gone."""
    with (
        Simulator(platform="shopify", shop_domain="127.0.0.1", burst=100) as sim,
        committed_env() as env,
    ):
        sim.configure(currency=env.company.currency_id.name)
        # Found again when an earlier run in the database committed them.
        tax = env["account.tax"].search(
            [("name", "=", "GraphQL poll VAT 20%")], limit=1
        ) or env["account.tax"].create(
            {
                "name": "GraphQL poll VAT 20%",
                "amount": 20,
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
            }
        )
        service = {"type": "service", "invoice_policy": "order", "taxes_id": False}
        Product = env["product.product"]
        if not Product.search([("default_code", "=", "GQL-1")]):
            Product.create(
                dict(service, name="GraphQL poll item", default_code="GQL-1")
            )
        sim.add_product("GQL-1", price="5.99", quantity=1000)
        backend = env["retail.backend"].create(
            {
                "name": "Shopify polled through GraphQL",
                "kind": "marketplace",
                "platform": "shopify",
                "api_url": sim.url,
                "access_token": "sim-token",
                "rate_limit": 100,
                "rate_burst": 100,
                "retry_delay": 1,
                "warehouse_id": env["stock.warehouse"]
                .search([("company_id", "=", env.company.id)], limit=1)
                .id,
                "shipping_product_id": Product.create(
                    dict(service, name="GraphQL poll shipping")
                ).id,
                "discount_product_id": Product.create(
                    dict(service, name="GraphQL poll discount")
                ).id,
                # Run by the test only: not due for the server's scheduler.
                "flow_ids": [
                    (
                        0,
                        0,
                        {
                            "flow": "orders_in",
                            "mode": "batch",
                            "batch_size": 250,
                            "last_run_at": fields.Datetime.now(),
                        },
                    )
                ],
                "mapping_ids": [
                    (
                        0,
                        0,
                        {
                            "mapping_type": "tax",
                            "external_code": "VAT 20%",
                            "odoo_ref": f"account.tax,{tax.id}",
                        },
                    )
                ],
            }
        )
        env.cr.commit()
        yield sim, backend.id
        backend.active = False


def test_shopify_orders_without_webhooks_come_by_the_graphql_poll(
    odoo_server, polled_shop, committed_env
):
    """Test that orders placed while no webhook reaches Odoo are brought by
    the poll through GraphQL, over two pages of orders, and that running it
    again (from the checkpoint, which it reads again) imports none twice."""
    sim, backend_id = polled_shop
    line = {"sku": "GQL-1", "quantity": 1, "price": "5.99"}
    created = [sim.create_order(lines=[line], shipping="4.90") for _ in range(25)]
    for _run in range(2):
        with committed_env() as env:
            env["retail.backend.flow"].search(
                [("backend_id", "=", backend_id), ("flow", "=", "orders_in")]
            )._run()
    wait_for(
        lambda: idle(committed_env, backend_id, jobs=False)
        and len(sales_states(committed_env, backend_id)) == len(created),
        120,
        "the polled imports",
        explain=lambda: inbox_state(committed_env, [backend_id]),
    )
    imported = sales_states(committed_env, backend_id)
    for order in created:
        state, total = imported[str(order["id"])]
        assert (state, f"{total:.2f}") == ("sale", order["total_price"])
    with committed_env() as env:
        sales = env["sale.order"].search([("retail_backend_id", "=", backend_id)])
        assert len(sales) == len(created), "each order imported once"
    polls = [c["variables"] for c in sim.platform.graphql_calls]
    assert [poll["query"] for poll in polls[:2]] == [None, None], "two pages"
    # The next run reads again from the latest change, which orders placed
    # within the same second share.
    latest = max(order["updated_at"] for order in created)
    assert {poll["query"] for poll in polls[2:]} == {f"updated_at:>='{latest}'"}
