# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shopify's orders and refunds read through the GraphQL Admin API (the
client, limited by query cost, is ``retail_connector_base``'s
``shopify_graphql``).

Orders (https://shopify.dev/docs/api/admin-graphql/latest/queries/orders):
nodes are turned back into the REST/webhook Order JSON that ``parse_order``
reads, so that polled orders and webhook deliveries feed one import. A
polled order names its refunds; each is read on its own (``read_refund``),
with all its line items, as a page of orders reading every refund's items
would cost far more than the 1,000 points a query may request.
"""

from odoo.addons.retail_connector_base.adapters.common import parse_datetime
from odoo.addons.retail_connector_base.adapters.shopify_graphql import (
    legacy_id,
    nodes,
)
from odoo.addons.retail_connector_base.exceptions import RetailBusinessError

# A page of orders stays under the 1,000 points a single query may request
# (orders_cost(20, 25) = 902).
ORDERS_PAGE = 20
# Line items read with their order; an order with more is completed from the
# line items connection's own cursor, a page of the maximum at a time.
ORDER_LINES_PAGE = 25
LINES_PAGE = 250
NESTED_PAGE = 50
# A refund's line items a page at a time, under the 1,000 points a query may
# request (refund_cost(100) = 699); its shipping lines, adjustments and
# transactions are few.
REFUND_LINES_PAGE = 100
NESTED_REFUND_PAGE = 10

MONEY = "shopMoney { amount currencyCode }"
TAX_LINES = f"taxLines {{ title rate priceSet {{ {MONEY} }} }}"
LINE_ITEM = f"""
  id sku name title quantity currentQuantity
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
  currentTotalPriceSet {{ {MONEY} }}
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
  refunds(first: {NESTED_PAGE}) {{ id }}
"""
POLL_ORDERS = f"""
query PollOrders($first: Int!, $after: String, $query: String, $lineFirst: Int!) {{
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {{
    nodes {{ {ORDER} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""
REFUND = f"""
query Refund($id: ID!, $first: Int!, $after: String) {{
  refund(id: $id) {{
    id createdAt note
    refundLineItems(first: $first, after: $after) {{
      nodes {{
        lineItem {{ id }} quantity restockType
        subtotalSet {{ {MONEY} }} totalTaxSet {{ {MONEY} }}
      }}
      pageInfo {{ hasNextPage endCursor }}
    }}
    refundShippingLines(first: {NESTED_REFUND_PAGE}) {{
      nodes {{ subtotalAmountSet {{ {MONEY} }} taxAmountSet {{ {MONEY} }} }}
    }}
    orderAdjustments(first: {NESTED_REFUND_PAGE}) {{
      nodes {{ reason amountSet {{ {MONEY} }} taxAmountSet {{ {MONEY} }} }}
    }}
    transactions(first: {NESTED_REFUND_PAGE}) {{ nodes {{ {TRANSACTION} }} }}
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


def refund_cost(line_first):
    """The estimate of a refund read with ``line_first`` refund line items:
    each item counts 6 objects (itself, its line item, two money bags and
    their shop money), the shipping lines, adjustments and transactions
    ``NESTED_REFUND_PAGE`` of about 3 each."""
    return 1 + 2 + line_first * 6 + 3 * (2 + NESTED_REFUND_PAGE * 3)


# === ORDERS === #
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
        # Net of edits and refunds (parse_order reads an edited order by it).
        "current_quantity": node.get("currentQuantity", node["quantity"]),
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
            for line in nodes(node.get("refundLineItems"))
        ],
        "refund_shipping_lines": [
            {
                "subtotal_amount_set": _money_set(line["subtotalAmountSet"]),
                "tax_amount_set": _money_set(line.get("taxAmountSet")),
            }
            for line in nodes(node.get("refundShippingLines"))
        ],
        "order_adjustments": [
            {
                "kind": _enum(adjustment.get("reason")),
                "amount": _amount(adjustment["amountSet"]),
                "tax_amount": _amount(adjustment.get("taxAmountSet")),
            }
            for adjustment in nodes(node.get("orderAdjustments"))
        ],
        "transactions": [
            _transaction(transaction, order_id)
            for transaction in nodes(node.get("transactions"))
        ],
    }


def read_refund(client, refund_id, order_id):
    """The REST/webhook Refund JSON (what ``parse_refund`` reads) of refund
    ``refund_id`` (its gid) of order ``order_id``, its line items read page
    after page to the end: https://shopify.dev/docs/api/admin-graphql/latest/queries/refund"""
    variables = {"id": refund_id, "first": REFUND_LINES_PAGE}
    cost = refund_cost(REFUND_LINES_PAGE)
    node = client.execute(REFUND, dict(variables, after=None), cost)["refund"]
    if node is None:
        raise RetailBusinessError(
            f"Shopify order {order_id}: its refund {refund_id} was not found.",
            code="shopify_unknown_refund",
        )
    lines = client.pages(
        REFUND,
        variables,
        ("refund", "refundLineItems"),
        cost,
        first_page=node["refundLineItems"],
    )
    return _refund(dict(node, refundLineItems=lines), order_id)


def order_payload(node, line_items=None):
    """The REST/webhook Order JSON (the shape ``parse_order`` and
    ``fetch_refunds`` read) of an ``Order`` node; ``line_items`` are its
    line item nodes when read apart (past the first page)."""
    order_id = legacy_id(node["id"])
    lines = nodes(node["lineItems"]) if line_items is None else line_items
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
        "current_total_price": _amount(node.get("currentTotalPriceSet")),
        "subtotal_price": _amount(node.get("subtotalPriceSet")),
        "total_tax": _amount(node.get("totalTaxSet")),
        "total_discounts": _amount(node.get("totalDiscountsSet")),
        "customer": _customer(node.get("customer")),
        "billing_address": _address(node.get("billingAddress")),
        "shipping_address": _address(node.get("shippingAddress")),
        "tax_lines": _tax_lines(node.get("taxLines")),
        "line_items": [line_item(line) for line in lines],
        "shipping_lines": [
            _shipping_line(line) for line in nodes(node.get("shippingLines"))
        ],
        "discount_applications": [
            _discount_application(application)
            for application in nodes(node.get("discountApplications"))
        ],
        "transactions": [
            _transaction(transaction, order_id)
            for transaction in nodes(node.get("transactions"))
        ],
        # Named only: fetch_refunds reads each through ``read_refund``.
        "refunds": [
            {"id": legacy_id(refund["id"]), "admin_graphql_api_id": refund["id"]}
            for refund in node.get("refunds") or []
        ],
    }


def poll_orders(client, since, limit):
    """``(orders, checkpoint)``: the orders updated at or after ``since``,
    oldest change first, as REST payloads, page after page to the end or to
    ``limit`` orders. The checkpoint is the latest ``updatedAt`` read; the
    next run reads again from it (inclusive), so orders sharing that instant
    are not lost, and those already read are stored once (their version is
    the same). A run that has read only orders of the instant it started
    from reads on past ``limit`` to the first later one, so that the next
    run starts later even when more than ``limit`` orders changed at once."""
    orders, after = [], None
    search = f"updated_at:>='{since}'" if since else None
    start = parse_datetime(since) if since else None
    while True:
        # Past the limit, still in the start instant: whole pages again.
        left = limit - len(orders)
        first = min(ORDERS_PAGE, left) if left > 0 else ORDERS_PAGE
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
            order = order_payload(node, _all_lines(client, node))
            orders.append(_with_refunds(client, order))
            if len(orders) >= limit and _past(orders[-1], start):
                return orders, orders[-1]["updated_at"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    if not orders:
        return orders, since
    latest = max(orders, key=lambda order: parse_datetime(order["updated_at"]))
    return orders, latest["updated_at"]


def _with_refunds(client, order):
    """``order`` with its refunds read in full, as a webhook carries them:
    the order's current quantities are net of its refunds, and an order
    whose refunded units cannot be told would look edited. The poll names
    the refunds only (their lines and transactions in the orders query
    would multiply its cost for every order); refunded orders are few."""
    order["refunds"] = [
        read_refund(client, refund["admin_graphql_api_id"], order["id"])
        for refund in order["refunds"]
    ]
    return order


def _past(order, start):
    """Whether ``order`` changed after the instant ``start`` (None: the
    first run)."""
    return start is None or parse_datetime(order["updated_at"]) > start


def _all_lines(client, node):
    """The order's line item nodes, read on from the connection's cursor
    while it has more."""
    return client.pages(
        ORDER_LINE_ITEMS,
        {"id": node["id"], "first": LINES_PAGE},
        ("order", "lineItems"),
        lines_cost(LINES_PAGE),
        first_page=node["lineItems"],
    )
