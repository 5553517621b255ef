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
"""

from odoo.addons.retail_connector_base.adapters.shopify_graphql import (
    MUTATION_COST,
    gid,
    legacy_id,
    user_errors,
)
from odoo.addons.retail_connector_base.exceptions import RetailBusinessError

# ``orderCancel`` takes ``refundMethod`` from this version on (``refund``
# before, deprecated since).
REFUND_METHOD_VERSION = "2025-10"
# ``refundCreate`` takes ``@idempotent(key:)`` from this version on.
IDEMPOTENT_VERSION = "2026-01"
# What Shopify has shipped of an order it no longer lets cancel.
SHIPPED = ("FULFILLED", "PARTIALLY_FULFILLED", "IN_PROGRESS")
PAID_KINDS = ("SALE", "CAPTURE")
TRANSACTIONS_FIRST = 50
REFUNDS_FIRST = 50

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
