# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shipments reported to Shopify on the order's fulfillment orders, through
the GraphQL Admin API.

Shopify splits an order into fulfillment orders, one per location that is
to ship its lines (https://shopify.dev/docs/apps/build/orders-fulfillment/order-management-apps).
A shipment is placed on the open (``OPEN``, ``IN_PROGRESS``) fulfillment
order lines of its line items, up to what each has left to ship
(``remainingQuantity``), so part of a line ships as part of a fulfillment
order line. The backend ships from its channel location: when it has one,
only the fulfillment orders assigned to that location are used, and a line
open elsewhere is refused, naming the location that holds it.

``fulfillmentCreate`` (https://shopify.dev/docs/api/admin-graphql/2025-10/mutations/fulfillmentCreate)
takes fulfillment orders of one location per call, with the tracking
number(s), company and URL (Shopify builds the link for the carriers it
knows by name). A backend without a channel location may meet lines open at
several locations: one fulfillment per location, and a refusal after the
first one names what was already created.
"""

from odoo.addons.retail_connector_base.adapters.shopify_graphql import (
    MUTATION_COST,
    gid,
    legacy_id,
    user_errors,
)
from odoo.addons.retail_connector_base.exceptions import RetailBusinessError

FULFILLABLE = ("OPEN", "IN_PROGRESS")
# Five fulfillment orders of 50 lines stay under the 1,000 points a query
# may request (fulfillment_orders_cost() = 777); longer ones are read on from
# their line items' cursor.
ORDERS_PAGE = 5
ORDER_LINES_PAGE = 50
LINES_PAGE = 250
FO_LINE = "id remainingQuantity lineItem { id }"
FULFILLMENT_ORDERS = f"""
query FulfillmentOrders($id: ID!, $first: Int!, $after: String, $lineFirst: Int!) {{
  order(id: $id) {{
    fulfillmentOrders(first: $first, after: $after) {{
      nodes {{
        id status
        assignedLocation {{ name location {{ id }} }}
        lineItems(first: $lineFirst) {{
          nodes {{ {FO_LINE} }}
          pageInfo {{ hasNextPage endCursor }}
        }}
      }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}
"""
FULFILLMENT_ORDER_LINES = f"""
query FulfillmentOrderLines($id: ID!, $first: Int!, $after: String) {{
  fulfillmentOrder(id: $id) {{
    lineItems(first: $first, after: $after) {{
      nodes {{ {FO_LINE} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}
"""
FULFILLMENT_CREATE = """
mutation fulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status }
    userErrors { field message }
  }
}
"""


def fulfillment_orders_cost():
    """Each fulfillment order counts itself, its assigned location (2
    objects), its line items connection (2) and 3 a line (the line, its line
    item and its share of the connection), a generous estimate."""
    return 2 + ORDERS_PAGE * (3 + 2 + ORDER_LINES_PAGE * 3)


def _order_lines(client, node):
    """The line nodes of fulfillment order ``node``, read on from its line
    items' cursor while there are more."""
    return client.pages(
        FULFILLMENT_ORDER_LINES,
        {"id": node["id"], "first": LINES_PAGE},
        ("fulfillmentOrder", "lineItems"),
        2 + LINES_PAGE * 3,
        first_page=node["lineItems"],
    )


def fulfillment_orders(client, order_id):
    """The order's fulfillment orders, each ``{"id", "status", "location",
    "location_name", "lines": [{"id", "line_item_id", "remaining"}]}``.
    RetailBusinessError when Shopify does not know the order."""
    orders = []
    for node in _all_fulfillment_orders(client, order_id):
        assigned = node.get("assignedLocation") or {}
        location = assigned.get("location") or {}
        orders.append(
            {
                "id": node["id"],
                "status": node["status"],
                "location": str(legacy_id(location.get("id")) or ""),
                "location_name": assigned.get("name") or "",
                "lines": [
                    {
                        "id": line["id"],
                        "line_item_id": str(legacy_id(line["lineItem"]["id"])),
                        "remaining": line["remainingQuantity"],
                    }
                    for line in _order_lines(client, node)
                ],
            }
        )
    return orders


def _all_fulfillment_orders(client, order_id):
    variables = {
        "id": gid("Order", order_id),
        "first": ORDERS_PAGE,
        "lineFirst": ORDER_LINES_PAGE,
    }
    cost = fulfillment_orders_cost()
    order = client.execute(FULFILLMENT_ORDERS, dict(variables, after=None), cost)[
        "order"
    ]
    if order is None:
        raise RetailBusinessError(
            f"Shopify order {order_id} was not found: it cannot be fulfilled.",
            code="shopify_unknown_order",
        )
    return client.pages(
        FULFILLMENT_ORDERS,
        variables,
        ("order", "fulfillmentOrders"),
        cost,
        first_page=order["fulfillmentOrders"],
    )


def plan(orders, shipment, location_ref):
    """``{location: {fulfillment order id: [{"id", "quantity"}]}}`` placing
    each shipped line on the open fulfillment order lines of its line item
    (at ``location_ref`` when given), up to what they have left. A line that
    does not fit is refused, before anything is sent, naming the order, the
    line and where its units are open."""
    open_orders = [order for order in orders if order["status"] in FULFILLABLE]
    left = {line["id"]: line["remaining"] for o in open_orders for line in o["lines"]}
    placed = {}
    for line_ref, shipped in shipment.lines:
        remaining = shipped
        elsewhere = set()
        for order in open_orders:
            for line in order["lines"]:
                if line["line_item_id"] != str(line_ref) or left[line["id"]] <= 0:
                    continue
                if location_ref and order["location"] != str(location_ref):
                    elsewhere.add(order["location_name"] or order["location"])
                    continue
                take = min(remaining, left[line["id"]])
                if take <= 0:
                    continue
                left[line["id"]] -= take
                remaining -= take
                by_order = placed.setdefault(order["location"], {})
                by_order.setdefault(order["id"], []).append(
                    {"id": line["id"], "quantity": take}
                )
        if remaining:
            where = (
                f" (open at {', '.join(sorted(elsewhere))}, not at the backend's "
                f"location {location_ref})"
                if elsewhere
                else " (already fulfilled, cancelled or on hold)"
            )
            raise RetailBusinessError(
                f"Shopify order {shipment.order_external_id}: {remaining} of the "
                f"{shipped} units shipped of line {line_ref} are not open for "
                f"fulfilment there{where}.",
                code="shopify_unfulfillable_line",
            )
    return placed


def tracking_info(shipment):
    """``FulfillmentTrackingInput`` of the shipment, or None without any."""
    tracking = {}
    if shipment.tracking_numbers:
        tracking["number"] = shipment.tracking_numbers[0]
    if len(shipment.tracking_numbers) > 1:
        tracking["numbers"] = shipment.tracking_numbers
    if shipment.carrier:
        tracking["company"] = shipment.carrier
    if shipment.tracking_url:
        tracking["url"] = shipment.tracking_url
    return tracking or None


def push_shipment(client, shipment, location_ref):
    """Fulfil the shipped lines; the created fulfillments' ids, joined by
    commas (one per location)."""
    orders = fulfillment_orders(client, shipment.order_external_id)
    created = []
    for location, by_order in plan(orders, shipment, location_ref).items():
        fulfillment = {
            "lineItemsByFulfillmentOrder": [
                {"fulfillmentOrderId": order_id, "fulfillmentOrderLineItems": lines}
                for order_id, lines in by_order.items()
            ],
            "notifyCustomer": shipment.notify_customer,
        }
        tracking = tracking_info(shipment)
        if tracking:
            fulfillment["trackingInfo"] = tracking
        variables = {"fulfillment": fulfillment}
        result = client.execute(FULFILLMENT_CREATE, variables, cost=MUTATION_COST)[
            "fulfillmentCreate"
        ]
        try:
            user_errors(
                result,
                variables,
                f"the fulfilment of order {shipment.order_external_id}"
                + (f" from location {location}" if location else ""),
            )
        except RetailBusinessError as error:
            if not created:
                raise
            raise RetailBusinessError(
                f"{error} Fulfilment {', '.join(created)} of the same shipment "
                "was created already: complete the rest in Shopify.",
                code=error.code,
            ) from error
        created.append(str(legacy_id(result["fulfillment"]["id"])))
    return ",".join(created)
