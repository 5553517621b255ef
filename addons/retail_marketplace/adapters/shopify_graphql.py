# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shopify's GraphQL Admin API: one client per connection, limited by query
cost, and the order poll read through it.

Cost limits (https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits):
each answer states in ``extensions.cost`` what the query was estimated to
cost (``requestedQueryCost``), what it cost (``actualQueryCost``) and the
shop's bucket (``throttleStatus``: ``maximumAvailable``,
``currentlyAvailable``, ``restoreRate`` points a second). A query whose
requested cost exceeds what is available is refused with a ``THROTTLED``
error. The bucket is per shop and app, so every worker of every backend
talking to the shop spends it: its last known state is kept in the backend's
row of ``retail_backend_throttle`` (the shared limiter), points are reserved
there before a query and the state Shopify answers replaces the estimate
after it.

Orders (https://shopify.dev/docs/api/admin-graphql/latest/queries/orders):
nodes are turned back into the REST/webhook Order JSON that ``parse_order``
reads, so that polled orders and webhook deliveries feed one import.
"""

import math
import time

from odoo.addons.retail_connector_base.adapters.common import parse_datetime
from odoo.addons.retail_connector_base.exceptions import (
    RetailBusinessError,
    RetailTransientError,
)
from odoo.addons.retail_connector_base.http_client import MAX_INLINE_WAIT, Throttle

# A THROTTLED answer is waited out and retried this many times in the worker;
# beyond, the job is retried later.
THROTTLE_RETRIES = 2
# A page of orders stays under the 1,000 points a single query may request
# (orders_cost(20, 25) = 902).
ORDERS_PAGE = 20
# Line items read with their order; an order with more is completed from the
# line items connection's own cursor, a page of the maximum at a time.
ORDER_LINES_PAGE = 25
LINES_PAGE = 250
NESTED_PAGE = 50
# A mutation's requested cost: 10 points.
MUTATION_COST = 10

MONEY = "shopMoney { amount currencyCode }"
TAX_LINES = f"taxLines {{ title rate priceSet {{ {MONEY} }} }}"
LINE_ITEM = f"""
  id sku name title quantity
  variant {{ id }} product {{ id }}
  originalUnitPriceSet {{ {MONEY} }}
  totalDiscountSet {{ {MONEY} }}
  discountAllocations {{
    allocatedAmountSet {{ {MONEY} }} discountApplication {{ index }}
  }}
  {TAX_LINES}
"""
ADDRESS = """
  name firstName lastName company address1 address2 city provinceCode zip
  countryCodeV2 phone
"""
TRANSACTION = f"id kind status gateway amountSet {{ {MONEY} }}"
ORDER = f"""
  id name email phone createdAt updatedAt processedAt cancelledAt
  currencyCode taxesIncluded displayFinancialStatus note test
  paymentGatewayNames
  totalPriceSet {{ {MONEY} }}
  subtotalPriceSet {{ {MONEY} }}
  totalTaxSet {{ {MONEY} }}
  totalDiscountsSet {{ {MONEY} }}
  customer {{ id email firstName lastName phone }}
  billingAddress {{ {ADDRESS} }}
  shippingAddress {{ {ADDRESS} }}
  {TAX_LINES}
  lineItems(first: $lineFirst) {{
    nodes {{ {LINE_ITEM} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
  shippingLines(first: {NESTED_PAGE}) {{
    nodes {{
      id title code
      originalPriceSet {{ {MONEY} }}
      discountedPriceSet {{ {MONEY} }}
      discountAllocations {{ allocatedAmountSet {{ {MONEY} }} }}
      {TAX_LINES}
    }}
  }}
  discountApplications(first: {NESTED_PAGE}) {{
    nodes {{
      __typename allocationMethod targetSelection targetType index
      value {{
        ... on MoneyV2 {{ amount currencyCode }}
        ... on PricingPercentageValue {{ percentage }}
      }}
      ... on DiscountCodeApplication {{ code }}
      ... on ManualDiscountApplication {{ title }}
      ... on AutomaticDiscountApplication {{ title }}
      ... on ScriptDiscountApplication {{ title }}
    }}
  }}
  transactions(first: {NESTED_PAGE}) {{ {TRANSACTION} }}
  refunds(first: {NESTED_PAGE}) {{
    id createdAt note
    refundLineItems(first: {LINES_PAGE}) {{
      nodes {{
        lineItem {{ id }} quantity restockType
        subtotalSet {{ {MONEY} }} totalTaxSet {{ {MONEY} }}
      }}
    }}
    refundShippingLines(first: {NESTED_PAGE}) {{
      nodes {{ subtotalAmountSet {{ {MONEY} }} taxAmountSet {{ {MONEY} }} }}
    }}
    orderAdjustments(first: {NESTED_PAGE}) {{
      nodes {{ reason amountSet {{ {MONEY} }} taxAmountSet {{ {MONEY} }} }}
    }}
    transactions(first: {NESTED_PAGE}) {{ nodes {{ {TRANSACTION} }} }}
  }}
"""
POLL_ORDERS = f"""
query PollOrders($first: Int!, $after: String, $query: String, $lineFirst: Int!) {{
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {{
    nodes {{ {ORDER} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""
ORDER_LINE_ITEMS = f"""
query OrderLineItems($id: ID!, $first: Int!, $after: String) {{
  order(id: $id) {{
    lineItems(first: $first, after: $after) {{
      nodes {{ {LINE_ITEM} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}
"""


def orders_cost(first, line_first):
    """Shopify's estimate of a page of orders (``requestedQueryCost``): a
    connection costs 2 plus its ``first`` times the cost of a node, an
    object 1. The nested connections of an order (lines, shipping lines,
    refunds...) are bounded by their ``first``; this counts the line items,
    by far the largest, and a flat part for the rest."""
    return 2 + first * (line_first + 20)


def lines_cost(first):
    return 3 + first


# === ERRORS === #
def graphql_errors(answer):
    """Raise for the top-level ``errors`` of a GraphQL answer: transient when
    throttled, retried once the bucket holds the query's cost again; a
    business error otherwise."""
    errors = answer.get("errors")
    if not errors:
        return
    message = "; ".join(error.get("message", "") for error in errors)
    if is_throttled(answer):
        raise RetailTransientError(
            f"Shopify throttled the call: {message}",
            retry_after=throttle_wait(answer),
        )
    raise RetailBusinessError(
        f"Shopify refused the call: {message}", code="shopify_graphql"
    )


def is_throttled(answer):
    return any(
        (error.get("extensions") or {}).get("code") == "THROTTLED"
        for error in answer.get("errors") or []
    )


def throttle_wait(answer):
    """Seconds until the bucket holds the refused query's cost:
    ``(requested - available) / restoreRate``, rounded up; None when the
    answer does not say."""
    cost = (answer.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    if not status.get("restoreRate") or cost.get("requestedQueryCost") is None:
        return None
    missing = cost["requestedQueryCost"] - status.get("currentlyAvailable", 0)
    return max(1, math.ceil(missing / status["restoreRate"]))


def _value_at(variables, path):
    value = variables
    for step in path:
        if isinstance(value, list) and str(step).isdigit() and int(step) < len(value):
            value = value[int(step)]
        elif isinstance(value, dict) and step in value:
            value = value[step]
        else:
            return None
    return value


def user_errors(result, variables, what):
    """Raise a business error for the ``userErrors`` of a mutation's
    ``result``, each naming its field and the value sent for it."""
    errors = result.get("userErrors") or []
    if not errors:
        return
    described = []
    for error in errors:
        path = error.get("field") or []
        text = error.get("message", "")
        if path:
            value = _value_at(variables, path)
            text = f"{'.'.join(str(step) for step in path)} = {value!r}: {text}"
        described.append(text)
    raise RetailBusinessError(
        f"Shopify refused {what}: {'; '.join(described)}", code="shopify_user_error"
    )


# === COST BUCKET === #
class CostBucket(Throttle):
    """The shop's GraphQL cost bucket in the backend's throttle row: single
    SQL statements on their own committed cursor, as the request bucket."""

    def take(self, cost):
        """Reserve ``cost`` points; return how long to wait before sending
        (the bucket may go into debt, as the request bucket does). Nothing
        is known before the first answer: no wait."""
        row = self._execute(
            """
            UPDATE retail_backend_throttle
               SET cost_available = LEAST(
                       cost_maximum,
                       cost_available + cost_restore_rate * EXTRACT(
                           EPOCH FROM (clock_timestamp() at time zone 'UTC')
                                      - cost_at
                       )
                   ) - %(cost)s,
                   cost_at = clock_timestamp() at time zone 'UTC'
             WHERE backend_id = %(backend)s AND cost_maximum > 0
               AND cost_restore_rate > 0
            RETURNING cost_available, cost_restore_rate
            """,
            dict(self._params(), cost=cost),
        )
        if not row:
            return 0.0
        available, rate = row
        return max(0.0, -available / rate)

    def give_back(self, cost):
        self._execute(
            """
            UPDATE retail_backend_throttle
               SET cost_available = cost_available + %(cost)s
             WHERE backend_id = %(backend)s RETURNING cost_available
            """,
            dict(self._params(), cost=cost),
        )

    def record(self, status):
        """The bucket as Shopify states it after a query."""
        self._execute(
            """
            UPDATE retail_backend_throttle
               SET cost_available = %(available)s,
                   cost_maximum = %(maximum)s,
                   cost_restore_rate = %(rate)s,
                   cost_at = clock_timestamp() at time zone 'UTC'
             WHERE backend_id = %(backend)s RETURNING cost_available
            """,
            dict(
                self._params(),
                available=status["currentlyAvailable"],
                maximum=status["maximumAvailable"],
                rate=status["restoreRate"],
            ),
        )


class ShopifyGraphQL:
    """``POST admin/api/<version>/graphql.json`` through the adapter's
    ``request`` (the backend's authentication, rate limit, circuit breaker
    and request log), within the shop's cost bucket."""

    def __init__(self, adapter):
        self.adapter = adapter
        # Adapters playing against a stand-in (tests) have no backend.
        self.bucket = CostBucket(adapter.backend) if adapter.backend else None

    def execute(self, query, variables=None, cost=1):
        """The ``data`` of the answer to ``query``; ``cost`` is the estimate
        reserved in the shared bucket before sending it. A THROTTLED answer
        is waited out and retried a bounded number of times."""
        path = self.adapter._path("graphql.json")
        for attempt in range(THROTTLE_RETRIES + 1):
            self._reserve(cost)
            answer = self.adapter.request(
                "POST", path, json_body={"query": query, "variables": variables or {}}
            )
            status = ((answer.get("extensions") or {}).get("cost") or {}).get(
                "throttleStatus"
            )
            if self.bucket and status and status.get("restoreRate"):
                self.bucket.record(status)
            if not is_throttled(answer):
                graphql_errors(answer)
                return answer["data"]
            wait = throttle_wait(answer) or 1
            if attempt == THROTTLE_RETRIES or wait > MAX_INLINE_WAIT:
                graphql_errors(answer)
            time.sleep(wait)

    def _reserve(self, cost):
        if not self.bucket:
            return
        wait = self.bucket.take(cost)
        if wait > MAX_INLINE_WAIT:
            self.bucket.give_back(cost)
            raise RetailTransientError(
                f"Shopify query cost bucket empty: {cost} points in {wait:.0f} s",
                retry_after=wait,
            )
        time.sleep(wait)


# === ORDERS === #
def legacy_id(value):
    """``123`` of ``gid://shopify/Order/123``; None for None."""
    if value is None:
        return None
    return int(str(value).rpartition("/")[2].partition("?")[0])


def _ref(node):
    return legacy_id(node["id"]) if node else None


def _amount(money_set):
    """The shop money amount of a ``...Set`` (a decimal string)."""
    return ((money_set or {}).get("shopMoney") or {}).get("amount")


def _money_set(money_set):
    """A GraphQL MoneyBag in its REST ``*_set`` shape."""
    shop = (money_set or {}).get("shopMoney")
    if not shop:
        return None
    value = {"amount": shop["amount"], "currency_code": shop.get("currencyCode")}
    return {"shop_money": value, "presentment_money": dict(value)}


def _enum(value):
    return value.lower() if value else value


def _nodes(connection):
    """The nodes of a connection, or a plain list as some fields are."""
    if isinstance(connection, list):
        return connection
    return (connection or {}).get("nodes") or []


def _tax_lines(lines):
    return [
        {
            "title": line["title"],
            "rate": line.get("rate"),
            "price": _amount(line.get("priceSet")),
            "price_set": _money_set(line.get("priceSet")),
        }
        for line in lines or []
    ]


def _allocations(allocations):
    return [
        {
            "amount": _amount(allocation["allocatedAmountSet"]),
            "amount_set": _money_set(allocation["allocatedAmountSet"]),
            "discount_application_index": (
                allocation.get("discountApplication") or {}
            ).get("index"),
        }
        for allocation in allocations or []
    ]


def line_item(node):
    return {
        "id": legacy_id(node["id"]),
        "admin_graphql_api_id": node["id"],
        "sku": node.get("sku"),
        "name": node.get("name"),
        "title": node.get("title"),
        "quantity": node["quantity"],
        "variant_id": _ref(node.get("variant")),
        "product_id": _ref(node.get("product")),
        "price": _amount(node["originalUnitPriceSet"]),
        "price_set": _money_set(node["originalUnitPriceSet"]),
        "total_discount": _amount(node.get("totalDiscountSet")) or "0.00",
        "total_discount_set": _money_set(node.get("totalDiscountSet")),
        "discount_allocations": _allocations(node.get("discountAllocations")),
        "tax_lines": _tax_lines(node.get("taxLines")),
    }


def _shipping_line(node):
    return {
        "id": legacy_id(node["id"]) if node.get("id") else None,
        "title": node.get("title"),
        "code": node.get("code"),
        "price": _amount(node["originalPriceSet"]),
        "price_set": _money_set(node["originalPriceSet"]),
        "discounted_price": _amount(node.get("discountedPriceSet")),
        "discounted_price_set": _money_set(node.get("discountedPriceSet")),
        "discount_allocations": _allocations(node.get("discountAllocations")),
        "tax_lines": _tax_lines(node.get("taxLines")),
    }


def _discount_application(node):
    value = node.get("value") or {}
    application = {
        "type": {
            "DiscountCodeApplication": "discount_code",
            "ManualDiscountApplication": "manual",
            "AutomaticDiscountApplication": "automatic",
            "ScriptDiscountApplication": "script",
        }.get(node.get("__typename"), "manual"),
        "title": node.get("title") or node.get("code"),
        "value": value["amount"] if "amount" in value else value.get("percentage"),
        "value_type": "fixed_amount" if "amount" in value else "percentage",
        "allocation_method": _enum(node.get("allocationMethod")),
        "target_selection": _enum(node.get("targetSelection")),
        "target_type": _enum(node.get("targetType")),
    }
    if node.get("code"):
        application["code"] = node["code"]
    return application


def _transaction(node, order_id):
    return {
        "id": legacy_id(node["id"]),
        "order_id": order_id,
        "kind": _enum(node["kind"]),
        "status": _enum(node["status"]),
        "gateway": node.get("gateway"),
        "amount": _amount(node["amountSet"]),
        "currency": ((node["amountSet"] or {}).get("shopMoney") or {}).get(
            "currencyCode"
        ),
    }


def _address(node):
    if not node:
        return None
    return {
        "name": node.get("name"),
        "first_name": node.get("firstName"),
        "last_name": node.get("lastName"),
        "company": node.get("company"),
        "address1": node.get("address1"),
        "address2": node.get("address2"),
        "city": node.get("city"),
        "province_code": node.get("provinceCode"),
        "zip": node.get("zip"),
        "country_code": node.get("countryCodeV2"),
        "phone": node.get("phone"),
    }


def _customer(node):
    if not node:
        return None
    return {
        "id": legacy_id(node["id"]),
        "email": node.get("email"),
        "first_name": node.get("firstName"),
        "last_name": node.get("lastName"),
        "phone": node.get("phone"),
    }


def _refund(node, order_id):
    return {
        "id": legacy_id(node["id"]),
        "order_id": order_id,
        "created_at": node.get("createdAt"),
        "note": node.get("note"),
        "refund_line_items": [
            {
                "line_item_id": legacy_id(line["lineItem"]["id"]),
                "quantity": line["quantity"],
                "restock_type": _enum(line.get("restockType")),
                "subtotal": _amount(line["subtotalSet"]),
                "subtotal_set": _money_set(line["subtotalSet"]),
                "total_tax": _amount(line.get("totalTaxSet")),
                "total_tax_set": _money_set(line.get("totalTaxSet")),
            }
            for line in _nodes(node.get("refundLineItems"))
        ],
        "refund_shipping_lines": [
            {
                "subtotal_amount_set": _money_set(line["subtotalAmountSet"]),
                "tax_amount_set": _money_set(line.get("taxAmountSet")),
            }
            for line in _nodes(node.get("refundShippingLines"))
        ],
        "order_adjustments": [
            {
                "kind": _enum(adjustment.get("reason")),
                "amount": _amount(adjustment["amountSet"]),
                "tax_amount": _amount(adjustment.get("taxAmountSet")),
            }
            for adjustment in _nodes(node.get("orderAdjustments"))
        ],
        "transactions": [
            _transaction(transaction, order_id)
            for transaction in _nodes(node.get("transactions"))
        ],
    }


def order_payload(node, line_items=None):
    """The REST/webhook Order JSON (the shape ``parse_order`` and
    ``fetch_refunds`` read) of an ``Order`` node; ``line_items`` are its
    line item nodes when read apart (past the first page)."""
    order_id = legacy_id(node["id"])
    lines = _nodes(node["lineItems"]) if line_items is None else line_items
    return {
        "id": order_id,
        "admin_graphql_api_id": node["id"],
        "name": node.get("name"),
        "email": node.get("email"),
        "phone": node.get("phone"),
        "created_at": node.get("createdAt"),
        "updated_at": node["updatedAt"],
        "processed_at": node.get("processedAt"),
        "cancelled_at": node.get("cancelledAt"),
        "currency": node["currencyCode"],
        "taxes_included": node.get("taxesIncluded"),
        "financial_status": _enum(node.get("displayFinancialStatus")),
        "note": node.get("note"),
        "test": node.get("test"),
        "payment_gateway_names": node.get("paymentGatewayNames") or [],
        "total_price": _amount(node["totalPriceSet"]),
        "total_price_set": _money_set(node["totalPriceSet"]),
        "subtotal_price": _amount(node.get("subtotalPriceSet")),
        "total_tax": _amount(node.get("totalTaxSet")),
        "total_discounts": _amount(node.get("totalDiscountsSet")),
        "customer": _customer(node.get("customer")),
        "billing_address": _address(node.get("billingAddress")),
        "shipping_address": _address(node.get("shippingAddress")),
        "tax_lines": _tax_lines(node.get("taxLines")),
        "line_items": [line_item(line) for line in lines],
        "shipping_lines": [
            _shipping_line(line) for line in _nodes(node.get("shippingLines"))
        ],
        "discount_applications": [
            _discount_application(application)
            for application in _nodes(node.get("discountApplications"))
        ],
        "transactions": [
            _transaction(transaction, order_id)
            for transaction in _nodes(node.get("transactions"))
        ],
        "refunds": [_refund(refund, order_id) for refund in node.get("refunds") or []],
    }


def poll_orders(client, since, limit):
    """``(orders, checkpoint)``: the orders updated at or after ``since``,
    oldest change first, as REST payloads, page after page to the end or to
    ``limit`` orders. The checkpoint is the latest ``updatedAt`` read; the
    next run reads again from it (inclusive), so orders sharing that instant
    are not lost, and those already read are stored once (their version is
    the same)."""
    orders, after = [], None
    search = f"updated_at:>='{since}'" if since else None
    while len(orders) < limit:
        first = min(ORDERS_PAGE, limit - len(orders))
        page = client.execute(
            POLL_ORDERS,
            {
                "first": first,
                "after": after,
                "query": search,
                "lineFirst": ORDER_LINES_PAGE,
            },
            cost=orders_cost(first, ORDER_LINES_PAGE),
        )["orders"]
        for node in page["nodes"]:
            orders.append(order_payload(node, _all_lines(client, node)))
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    if not orders:
        return orders, since
    latest = max(orders, key=lambda order: parse_datetime(order["updated_at"]))
    return orders, latest["updated_at"]


def _all_lines(client, node):
    """The order's line item nodes, read on from the connection's cursor
    while it has more."""
    connection = node["lineItems"]
    lines = list(connection["nodes"])
    while connection["pageInfo"]["hasNextPage"]:
        connection = client.execute(
            ORDER_LINE_ITEMS,
            {
                "id": node["id"],
                "first": LINES_PAGE,
                "after": connection["pageInfo"]["endCursor"],
            },
            cost=lines_cost(LINES_PAGE),
        )["order"]["lineItems"]
        lines.extend(connection["nodes"])
    return lines
