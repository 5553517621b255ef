# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Cancellations and refunds made in Odoo, sent to Shopify through the
GraphQL Admin API.

Cancelling: ``orderCancel``
(https://shopify.dev/docs/api/admin-graphql/2025-10/mutations/orderCancel)
cancels in a background job of Shopify's, with the reason, a staff note,
whether to restock and notify the customer, and the refund: the
``refundMethod`` input (``originalPaymentMethodsRefund``) in the versions
that have it, the ``refund`` flag before. Shopify refuses an order that is
cancelled already or has fulfilments, so the order is read first
(``cancelledAt``, ``displayFulfillmentStatus``): one cancelled already is
the answer to a retried request, and a fulfilled one is refused in words
that say why, before asking.

Refunding: ``refundCreate``
(https://shopify.dev/docs/api/admin-graphql/2025-10/mutations/refundCreate)
with the refunded line items (no restock: returns are reported on their
own), the shipping and one refund transaction on the order's successful
sale or capture. Its idempotency key goes in the ``@idempotent`` directive
from API 2026-01 (https://shopify.dev/docs/api/usage/idempotent-requests;
mandatory from 2026-04), and in the refund's note in every version: the
order's refunds are read first, and one whose note carries the key is the
refund already made, so a request retried after a lost answer refunds once
whatever the version.

Returning: ``returnCreate``
(https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/returnCreate)
records the units received in Odoo as an open return, each on a
fulfillment line item of the order (read first, with the order's returns),
with its reason, the Odoo reason's words and the idempotency key in the
note (``returnReasonNote``): a return whose note carries the key is the one
already made. The reason is the one the Odoo reason's *Return reason*
mapping names, else Shopify's "other". From API 2026-01 it is a
``ReturnReasonDefinition``: the mapping names its stable handle (such as
``arrived-late`` or ``quality``), which one ``returnReasonDefinitions
(handles:)`` query per return turns into the ``returnReasonDefinitionId``
sent; a handle Shopify does not know stops the return in words that say
so. Before 2026-01 it is the ``ReturnReason`` enum (``returnReason``,
``OTHER``), which 2026-01 deprecates
(https://shopify.dev/changelog/new-return-reason-definitions-api-for-better-return-insights)
but keeps in the schema: 2026-07 and the unstable version after 2026-10
still list it
(https://shopify.dev/docs/api/admin-graphql/2026-07/input-objects/ReturnLineItemInput).
The return is not processed (``returnProcess``): the money goes back
through Odoo's credit note, refunded on its own, and ``returnProcess``
would refund it a second time.
"""

from odoo.addons.retail_connector_base.adapters.shopify_graphql import (
    MUTATION_COST,
    gid,
    legacy_id,
    nodes,
    user_errors,
)
from odoo.addons.retail_connector_base.exceptions import RetailBusinessError

# ``orderCancel`` takes ``refundMethod`` from this version on (``refund``
# before, deprecated since).
REFUND_METHOD_VERSION = "2025-10"
# ``refundCreate`` takes ``@idempotent(key:)`` from this version on.
IDEMPOTENT_VERSION = "2026-01"
# What Shopify has shipped of an order it no longer lets cancel. From
# 2026-10 an order with nothing left to fulfil reads FULFILLMENT_NOT_REQUIRED
# instead of UNFULFILLED
# (https://shopify.dev/changelog/orderdisplayfulfillmentstatus-now-returns-fulfillmentnotrequired):
# nothing shipped either.
SHIPPED = ("FULFILLED", "PARTIALLY_FULFILLED", "IN_PROGRESS")
PAID_KINDS = ("SALE", "CAPTURE")
TRANSACTIONS_FIRST = 50
REFUNDS_FIRST = 50
# Kept small: Shopify refuses a query whose cost passes 1000 points.
FULFILLMENTS_FIRST = 10
RETURNS_FIRST = 10
LINES_FIRST = 25
RETURN_STATE_COST = 3 + (FULFILLMENTS_FIRST + RETURNS_FIRST) * (2 + LINES_FIRST)
# ``returnCreate`` names a line's reason by ``returnReasonDefinitionId``
# from this version on (the ``ReturnReason`` enum before).
RETURN_REASON_DEFINITION_VERSION = "2026-01"
# The reason for one no mapping names, in each version's words; the note
# says which. Shopify's reference gives example handles, no full list: a
# shop without "other" would refuse it as any unknown handle, by name.
OTHER_REASON = "OTHER"
OTHER_REASON_HANDLE = "other"
# Returns whose units are free to return again.
VOID_RETURNS = ("CANCELED", "DECLINED")

ORDER_CANCEL_STATE = """
query OrderCancelState($id: ID!) {
  order(id: $id) { id name cancelledAt displayFulfillmentStatus }
}
"""
ORDER_CANCEL = """
mutation orderCancel(
  $orderId: ID!, $reason: OrderCancelReason!, %(refund_type)s, $restock: Boolean!,
  $notifyCustomer: Boolean, $staffNote: String
) {
  orderCancel(
    orderId: $orderId, reason: $reason, %(refund_argument)s, restock: $restock,
    notifyCustomer: $notifyCustomer, staffNote: $staffNote
  ) {
    job { id done }
    orderCancelUserErrors { code field message }
  }
}
"""
ORDER_REFUND_STATE = f"""
query OrderRefundState($id: ID!) {{
  order(id: $id) {{
    id name
    transactions(first: {TRANSACTIONS_FIRST}) {{
      id kind status gateway amountSet {{ shopMoney {{ amount currencyCode }} }}
    }}
    refunds(first: {REFUNDS_FIRST}) {{ id note }}
  }}
}}
"""
REFUND_CREATE = """
mutation refundCreate($input: RefundInput!%(key_type)s) {
  refundCreate(input: $input)%(directive)s {
    refund { id }
    userErrors { field message }
  }
}
"""


def cancel_order(client, request, api_version):
    """Cancel the order on Shopify; the answer for its chatter."""
    order_id = gid("Order", request.order_external_id)
    order = client.execute(ORDER_CANCEL_STATE, {"id": order_id}, cost=2)["order"]
    if not order:
        raise RetailBusinessError(
            f"Shopify has no order {request.order_external_id} to cancel.",
            code="shopify_unknown_order",
        )
    if order.get("cancelledAt"):
        return f"Shopify order {order['name']} was already cancelled."
    status = order.get("displayFulfillmentStatus")
    if status in SHIPPED:
        raise RetailBusinessError(
            f"Shopify order {order['name']} is already fulfilled there "
            f"({status}) and cannot be cancelled: make a return and a "
            "refund instead.",
            code="shopify_cancel_shipped",
        )
    modern = api_version >= REFUND_METHOD_VERSION
    query = ORDER_CANCEL % (
        {
            "refund_type": "$refundMethod: OrderCancelRefundMethodInput!",
            "refund_argument": "refundMethod: $refundMethod",
        }
        if modern
        else {"refund_type": "$refund: Boolean!", "refund_argument": "refund: $refund"}
    )
    variables = {
        "orderId": order_id,
        "reason": "CUSTOMER",
        "restock": request.restock,
        "notifyCustomer": request.notify_customer,
        "staffNote": request.note or None,
    }
    if modern:
        variables["refundMethod"] = {"originalPaymentMethodsRefund": request.refund}
    else:
        variables["refund"] = request.refund
    result = client.execute(query, variables, cost=MUTATION_COST)["orderCancel"]
    user_errors(
        {"userErrors": result.get("orderCancelUserErrors")},
        variables,
        f"to cancel order {order['name']}",
    )
    job = result.get("job") or {}
    return (
        f"Shopify cancels order {order['name']} (job {job.get('id')}"
        f"{', done' if job.get('done') else ''}; refund "
        f"{'yes' if request.refund else 'no'}, restock "
        f"{'yes' if request.restock else 'no'})."
    )


def _parent_transaction(order, request):
    paid = [
        transaction
        for transaction in order.get("transactions") or []
        if transaction.get("kind") in PAID_KINDS
        and transaction.get("status") == "SUCCESS"
    ]
    if not paid:
        raise RetailBusinessError(
            f"Shopify order {order['name']} has no successful payment to refund "
            f"{request.amount} {request.currency} to.",
            code="shopify_nothing_to_refund",
        )
    return paid[0]


def push_refund(client, request, api_version):
    """The Shopify refund of ``request``: the one its key already made, else
    a new one."""
    order_id = gid("Order", request.order_external_id)
    order = client.execute(
        ORDER_REFUND_STATE,
        {"id": order_id},
        cost=3 + TRANSACTIONS_FIRST + REFUNDS_FIRST,
    )["order"]
    if not order:
        raise RetailBusinessError(
            f"Shopify has no order {request.order_external_id} to refund.",
            code="shopify_unknown_order",
        )
    for refund in order.get("refunds") or []:
        if request.key in (refund.get("note") or ""):
            return str(legacy_id(refund["id"]))
    parent = _parent_transaction(order, request)
    refund_input = {
        "orderId": order_id,
        "note": request.channel_note,
        "notify": request.notify_customer,
        "currency": (parent.get("amountSet") or {})
        .get("shopMoney", {})
        .get("currencyCode")
        or request.currency,
        "refundLineItems": [
            {
                "lineItemId": gid("LineItem", line.external_line_id),
                "quantity": int(line.quantity),
                "restockType": "NO_RESTOCK",
            }
            for line in request.lines
        ],
        "transactions": [
            {
                "orderId": order_id,
                "parentId": parent["id"],
                "gateway": parent.get("gateway"),
                "kind": "REFUND",
                "amount": str(request.amount),
            }
        ],
    }
    # Shipping as the order prices it, like its line items.
    shipping = request.shipping_subtotal + (
        request.shipping_tax if request.tax_included else 0
    )
    if shipping:
        refund_input["shipping"] = {"amount": str(shipping)}
    variables = {"input": refund_input}
    idempotent = api_version >= IDEMPOTENT_VERSION
    if idempotent:
        variables["key"] = request.key
    query = REFUND_CREATE % (
        {"key_type": ", $key: String!", "directive": " @idempotent(key: $key)"}
        if idempotent
        else {"key_type": "", "directive": ""}
    )
    result = client.execute(query, variables, cost=MUTATION_COST)["refundCreate"]
    user_errors(result, variables, f"the refund of order {order['name']}")
    if not result.get("refund"):
        raise RetailBusinessError(
            f"Shopify made no refund of order {order['name']} and said nothing.",
            code="shopify_no_refund",
        )
    return str(legacy_id(result["refund"]["id"]))


ORDER_RETURN_STATE = f"""
query OrderReturnState($id: ID!) {{
  order(id: $id) {{
    id name
    fulfillments(first: {FULFILLMENTS_FIRST}) {{
      id
      fulfillmentLineItems(first: {LINES_FIRST}) {{
        nodes {{ id quantity lineItem {{ id }} }}
      }}
    }}
    returns(first: {RETURNS_FIRST}) {{
      nodes {{
        id name status
        returnLineItems(first: {LINES_FIRST}) {{
          nodes {{
            quantity returnReasonNote
            ... on ReturnLineItem {{ fulfillmentLineItem {{ id }} }}
          }}
        }}
      }}
    }}
  }}
}}
"""
RETURN_REASON_DEFINITIONS = """
query ReturnReasonDefinitions($handles: [String!]!, $first: Int!) {
  returnReasonDefinitions(first: $first, handles: $handles) {
    nodes { id handle }
  }
}
"""
RETURN_CREATE = """
mutation returnCreate($returnInput: ReturnInput!) {
  returnCreate(returnInput: $returnInput) {
    return { id name status }
    userErrors { code field message }
  }
}
"""


def _free_fulfilled(order):
    """``{line item gid: [[fulfillment line item gid, units not returned]]}``
    of the order's fulfilments."""
    returned = {}
    for shop_return in (order.get("returns") or {}).get("nodes") or []:
        if shop_return.get("status") in VOID_RETURNS:
            continue
        for line in (shop_return.get("returnLineItems") or {}).get("nodes") or []:
            fulfilled = (line.get("fulfillmentLineItem") or {}).get("id")
            returned[fulfilled] = returned.get(fulfilled, 0) + int(line["quantity"])
    free = {}
    for fulfillment in order.get("fulfillments") or []:
        for line in (fulfillment.get("fulfillmentLineItems") or {}).get("nodes") or []:
            left = int(line["quantity"]) - returned.get(line["id"], 0)
            free.setdefault(line["lineItem"]["id"], []).append([line["id"], left])
    return free


def _reason_handle(request, api_version):
    """The request's reason as ``api_version`` names it: a
    ``ReturnReasonDefinition`` handle from 2026-01, a ``ReturnReason``
    before."""
    if api_version >= RETURN_REASON_DEFINITION_VERSION:
        return request.reason_code or OTHER_REASON_HANDLE
    return request.reason_code or OTHER_REASON


def _reason_fields(client, request, api_version):
    """The reason fields of each of the return's lines."""
    handle = _reason_handle(request, api_version)
    if api_version < RETURN_REASON_DEFINITION_VERSION:
        return {"returnReason": handle}
    found = client.execute(
        RETURN_REASON_DEFINITIONS, {"handles": [handle], "first": 1}, cost=3
    )["returnReasonDefinitions"]
    ids = {node["handle"]: node["id"] for node in nodes(found)}
    if handle not in ids:
        raise RetailBusinessError(
            f"Shopify knows no return reason '{handle}' (a return reason "
            "definition handle, as API version "
            f"{RETURN_REASON_DEFINITION_VERSION} and later name reasons): "
            "correct the Return reason mapping of the backend.",
            code="shopify_unknown_return_reason",
        )
    return {"returnReasonDefinitionId": ids[handle]}


def _return_lines(order, request, reason_fields):
    """The request's units spread over the fulfillment line items that
    shipped them; what exceeds them goes on the last one, for Shopify to
    refuse in its own words."""
    free = _free_fulfilled(order)
    note = request.channel_note[:255]
    lines = []
    for line in request.lines:
        fulfilled = free.get(gid("LineItem", line.external_line_id))
        if not fulfilled:
            raise RetailBusinessError(
                f"Shopify order {order['name']} has no fulfilment of line "
                f"{line.external_line_id}: only shipped units can be returned.",
                code="shopify_return_unshipped",
            )
        wanted = int(line.quantity)
        for index, (fulfilled_id, left) in enumerate(fulfilled):
            units = wanted if index == len(fulfilled) - 1 else min(wanted, left)
            if units <= 0:
                continue
            wanted -= units
            lines.append(
                {
                    "fulfillmentLineItemId": fulfilled_id,
                    "quantity": units,
                    **reason_fields,
                    "returnReasonNote": note,
                }
            )
    return lines


def push_return(client, request, api_version):
    """``(return id, answer)``: the Shopify return its key already made,
    else a new one."""
    order_id = gid("Order", request.order_external_id)
    order = client.execute(
        ORDER_RETURN_STATE,
        {"id": order_id},
        cost=RETURN_STATE_COST,
    )["order"]
    if not order:
        raise RetailBusinessError(
            f"Shopify has no order {request.order_external_id} to return.",
            code="shopify_unknown_order",
        )
    for shop_return in (order.get("returns") or {}).get("nodes") or []:
        lines = (shop_return.get("returnLineItems") or {}).get("nodes") or []
        if any(request.key in (line.get("returnReasonNote") or "") for line in lines):
            return (
                str(legacy_id(shop_return["id"])),
                f"Shopify already holds return {shop_return['name']} of order "
                f"{order['name']}.",
            )
    variables = {
        "returnInput": {
            "orderId": order_id,
            "returnLineItems": _return_lines(
                order, request, _reason_fields(client, request, api_version)
            ),
            "notifyCustomer": False,
        }
    }
    result = client.execute(RETURN_CREATE, variables, cost=MUTATION_COST)
    result = result["returnCreate"]
    user_errors(result, variables, f"the return of order {order['name']}")
    if not result.get("return"):
        raise RetailBusinessError(
            f"Shopify made no return of order {order['name']} and said nothing.",
            code="shopify_no_return",
        )
    shop_return = result["return"]
    return (
        str(legacy_id(shop_return["id"])),
        f"Shopify records return {shop_return['name']} of order {order['name']} "
        f"({shop_return['status']}; reason "
        f"{_reason_handle(request, api_version)}).",
    )
