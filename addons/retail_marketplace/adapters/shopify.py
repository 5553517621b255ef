# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shopify: webhooks, and the marketplace contract of ``adapters/__init__``.

Webhooks. https://shopify.dev/docs/apps/build/webhooks/verify and
https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates: the body is
signed with ``base64(HMAC-SHA256(app client secret, raw body))`` in
``X-Shopify-Hmac-Sha256``, with no timestamp in the MAC. Deliveries are
at-least-once and retried with the original payload. Only the body is signed:
the event id, topic, shop domain and trigger time are headers anyone who
captured a delivery can change. So the dedupe key is the body's resource id
and hash (the same body books once, whatever the headers say; two topics
sending the same order body, orders/create then orders/paid, say the same
thing), ``X-Shopify-Webhook-Id`` is kept as the delivery id, a delivery
naming another shop than the backend's (``X-Shopify-Shop-Domain``: the app's
secret is shared by every shop that installed it) is refused, and so is one
whose ``X-Shopify-Triggered-At`` is missing or outside the backend's replay
tolerance.

Marketplace. The GraphQL Admin API (its client, limited by query cost, and
the connection are ``retail_connector_base``'s ``shopify``): the order poll
and refunds (``shopify_graphql``), stock (``inventorySetQuantities``), the
catalog, inventory levels and locations (``shopify_catalog``), fulfilments
(``shopify_fulfilment``) and the webhook subscriptions the backend keeps in
step with its flows. Amounts are the shop currency's (``total_price``,
``price``...), never the presentment currency's. Choices:

- ``total`` is ``total_price``, the order as placed; refunds are booked on
  their own, so ``current_total_price`` (net of refunds) is not used.
- Tax codes are ``"<title> <rate %>"`` (``"State Tax 6%"``), the keys of the
  backend's tax mapping.
- Payments: an order does not say how a paid total was split between its
  ``payment_gateway_names``. Its successful ``sale``/``capture``
  ``transactions`` are used when the payload embeds them; otherwise the whole
  total is one payment of the first gateway (kind ``gift_card`` for Shopify's
  ``gift_card`` gateway).
"""

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlsplit

from odoo.addons.retail_connector_base.adapters.common import (
    WebhookAdapter,
    body_digest,
    check_signature,
    load_json_object,
    parse_datetime,
    required_header,
    subscription_changes,
)
from odoo.addons.retail_connector_base.adapters.shopify import (
    ShopifyAdapter,
    flow_scopes,
)
from odoo.addons.retail_connector_base.adapters.shopify_graphql import (
    MUTATION_COST,
    user_errors,
)
from odoo.addons.retail_connector_base.exceptions import RetailBusinessError
from odoo.addons.retail_connector_base.registry import adapter_classes, register

from . import shopify_catalog, shopify_order_changes
from .channel_model import (
    ChannelAddress,
    ChannelCustomer,
    ChannelLocation,
    ChannelOrder,
    ChannelOrderLine,
    ChannelPayment,
    ChannelRefund,
    ChannelRefundLine,
    ChannelShippingLine,
)
from .common import MALFORMED, MarketplaceAdapter, chunks, money, quantity, unique
from .shopify_fulfilment import push_shipment as _push_shipment_graphql
from .shopify_graphql import poll_orders as _poll_orders_graphql

SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"
TOPIC_HEADER = "X-Shopify-Topic"
SHOP_HEADER = "X-Shopify-Shop-Domain"
EVENT_ID_HEADER = "X-Shopify-Event-Id"
WEBHOOK_ID_HEADER = "X-Shopify-Webhook-Id"
TRIGGERED_AT_HEADER = "X-Shopify-Triggered-At"


def sign(secret, body):
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_signature(
    secrets, headers, body, shop_domain=None, tolerance=None, now=None
):
    """None when ``body`` is signed by one of ``secrets`` for the shop
    ``shop_domain`` (``<shop>.myshopify.com``) and was triggered within
    ``tolerance`` seconds of ``now``, else the reason. The shop and the time
    are only checked when given."""
    reason = check_signature(
        secrets, headers.get(SIGNATURE_HEADER), lambda secret: sign(secret, body)
    )
    if reason or shop_domain is None:
        return reason
    if (headers.get(SHOP_HEADER) or "").strip().lower() != shop_domain.lower():
        return "the delivery is for another shop than the backend's"
    if tolerance is None:
        return None
    try:
        triggered = datetime.fromisoformat(
            (headers.get(TRIGGERED_AT_HEADER) or "").replace("Z", "+00:00")
        )
    except ValueError:
        return "triggered-at header missing"
    if triggered.tzinfo is None:
        return "triggered-at header has no time zone"
    now = time.time() if now is None else now
    if abs(now - triggered.timestamp()) > tolerance:
        return "triggered-at outside the tolerance window (replay refused)"
    return None


def parse_event(headers, body):
    """Inbox values of a verified delivery; ValueError when it is malformed."""
    topic = required_header(headers, TOPIC_HEADER)
    payload = load_json_object(body)
    return {
        "topic": topic,
        "dedupe_key": f"{payload.get('id', '')}:{body_digest(body)}",
        "delivery_id": headers.get(WEBHOOK_ID_HEADER),
        "subject_key": str(payload["id"]) if payload.get("id") else None,
        "payload": payload,
        "external_updated_at": parse_datetime(payload.get("updated_at")),
    }


# === MARKETPLACE CONTRACT === #
# orders/edited is left out: its body is an OrderEdit, not an Order, and
# Shopify sends orders/updated for every edit as well.
ORDER_TOPICS = (
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
    "orders/fulfilled",
    "orders/partially_fulfilled",
)
REFUND_TOPICS = ("refunds/create",)
PAYMENT_STATES = (
    "pending",
    "authorized",
    "partially_paid",
    "paid",
    "partially_refunded",
    "refunded",
    "voided",
)
PAID_STATES = ("paid", "partially_refunded", "refunded")
RESTOCK_TYPES = ("return", "cancel", "legacy_restock")
GIFT_CARD_GATEWAY = "gift_card"
# Note attribute names (lower case, "_" as " ") that hold the buyer's VAT number.
VAT_ATTRIBUTES = ("vat", "vat number", "vat id", "vat no", "tax id")
# The access scopes each flow needs (https://shopify.dev/docs/api/usage/access-scopes):
# orders, their refunds and their webhooks read orders; a fulfilment reads
# the order's fulfillment orders and fulfils those of the shop's own
# locations (merchant-managed); stock sets inventory quantities; catalog and
# prices write products.
FLOW_SCOPES = {
    "orders_in": ("read_orders",),
    "fulfilment_out": ("read_orders", "write_merchant_managed_fulfillment_orders"),
    "stock_out": ("write_inventory",),
    "catalog_out": ("write_products",),
    "prices_out": ("write_products",),
}
# What needs ``write_orders``, as the connection test names it.
ORDER_CHANGES_FEATURE = "Cancellations and refunds made in Odoo"
RETURNS_FEATURE = "Returns received in Odoo"
# Webhook subscriptions name their endpoint ``uri`` from this version on,
# ``callbackUrl`` before (https://shopify.dev/changelog/consolidate-webhook-graphql-surfaces).
URI_VERSION = "2025-10"
SUBSCRIPTIONS_PAGE = 100


def _subscriptions_query(field):
    """The app's webhook subscriptions, their address named ``field``."""
    return f"""
query WebhookSubscriptions($first: Int!, $after: String) {{
  webhookSubscriptions(first: $first, after: $after) {{
    nodes {{ id topic {field} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""


WEBHOOK_SUBSCRIPTION_CREATE = """
mutation webhookSubscriptionCreate(
  $topic: WebhookSubscriptionTopic!, $webhookSubscription: WebhookSubscriptionInput!
) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
    webhookSubscription { id topic }
    userErrors { field message }
  }
}
"""
WEBHOOK_SUBSCRIPTION_DELETE = """
mutation webhookSubscriptionDelete($id: ID!) {
  webhookSubscriptionDelete(id: $id) {
    deletedWebhookSubscriptionId
    userErrors { field message }
  }
}
"""
# GraphQL input arrays hold at most 250 items.
MAX_STOCK_BATCH = 250
# inventorySetQuantities' compare-and-set and idempotency by API version
# (https://shopify.dev/changelog/concurrency-protection-features): up to
# 2025-10 the call opts out of the compare with ``ignoreCompareQuantity``;
# 2026-01 adds ``changeFromQuantity`` per quantity (null: no compare, which
# overrides the older fields) and an optional ``@idempotent(key:)``
# directive; from 2026-04 both are required and the older fields are gone.
CHANGE_FROM_QUANTITY_VERSION = "2026-01"
INVENTORY_SET_QUANTITIES = """
mutation inventorySetQuantities($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { id }
    userErrors { code field message }
  }
}
"""
INVENTORY_SET_QUANTITIES_IDEMPOTENT = """
mutation inventorySetQuantities(
  $input: InventorySetQuantitiesInput!, $idempotencyKey: String!
) {
  inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) {
    inventoryAdjustmentGroup { id }
    userErrors { code field message }
  }
}
"""


def event_kind(topic):
    if topic in ORDER_TOPICS:
        return "order"
    if topic in REFUND_TOPICS:
        return "refund"
    return None


def _tax_codes(tax_lines):
    """``"<title> <rate in %>"`` per tax line: ``"State Tax 6%"``."""
    return unique(f"{tax['title']} {_percent(tax['rate'])}%" for tax in tax_lines or [])


def _percent(rate):
    # Through Decimal, so the JSON float 0.06 reads 6 and not 6.000000000000001.
    return format((Decimal(str(rate)) * 100).normalize(), "f")


def _allocated(values, fallback):
    """Sum of ``discount_allocations`` amounts, or ``fallback`` when the
    payload has none (older API versions)."""
    if values.get("discount_allocations") is None:
        return fallback
    return sum(
        (money(allocation["amount"]) for allocation in values["discount_allocations"]),
        money(0),
    )


def _address(values, email):
    if not values:
        return None
    name = values.get("name") or " ".join(
        filter(None, [values.get("first_name"), values.get("last_name")])
    )
    return ChannelAddress(
        name=name or "",
        company=values.get("company") or "",
        street=values.get("address1") or "",
        street2=values.get("address2") or "",
        city=values.get("city") or "",
        state_code=values.get("province_code") or "",
        zip=values.get("zip") or "",
        country_code=values.get("country_code") or "",
        phone=values.get("phone") or "",
        email=email,
    )


def _vat(payload):
    """Shopify orders have no VAT number field: checkout apps write it as a
    note attribute (``VAT number``, ``vat_id``...)."""
    for attribute in payload.get("note_attributes") or []:
        name = (attribute.get("name") or "").lower().replace("_", " ")
        if name in VAT_ATTRIBUTES and attribute.get("value"):
            return str(attribute["value"]).strip()
    return ""


def _customer(payload):
    customer = payload.get("customer")
    billing = payload.get("billing_address") or {}
    business = {"company": billing.get("company") or "", "vat": _vat(payload)}
    if not customer:
        return ChannelCustomer(
            email=payload.get("email") or "",
            name=billing.get("name") or "",
            phone=payload.get("phone") or "",
            **business,
        )
    return ChannelCustomer(
        external_id=str(customer["id"]),
        email=customer.get("email") or payload.get("email") or "",
        name=" ".join(
            filter(None, [customer.get("first_name"), customer.get("last_name")])
        ),
        phone=customer.get("phone") or payload.get("phone") or "",
        **business,
    )


def _refunded_units(payload):
    """``{line item id: units refunded}`` of the order's refunds."""
    units = {}
    for refund in payload.get("refunds") or []:
        for line in refund.get("refund_line_items") or []:
            key = str(line["line_item_id"])
            units[key] = units.get(key, 0) + int(line["quantity"])
    return units


def _edited(payload):
    """``(current quantities, current total)`` after the order's edits:
    ``current_quantity`` and ``current_total_price`` are net of edits and
    refunds both (REST 2024-01 on), so the refunded units and money are
    added back; None for both when the payload predates them."""
    items = payload.get("line_items") or []
    if not items or any("current_quantity" not in item for item in items):
        return {}, None
    refunded = _refunded_units(payload)
    quantities = {
        str(item["id"]): quantity(item["current_quantity"])
        + refunded.get(str(item["id"]), 0)
        for item in items
    }
    money_back = sum(
        (
            money(transaction["amount"])
            for refund in payload.get("refunds") or []
            for transaction in _refund_status(refund.get("transactions"))[1]
        ),
        money(0),
    )
    current = payload.get("current_total_price")
    return quantities, None if current is None else money(current) + money_back


def _line(item, current_quantity=None):
    return ChannelOrderLine(
        external_line_id=str(item["id"]),
        sku=item.get("sku") or "",
        quantity=quantity(item["quantity"]),
        unit_price=money(item["price"]),
        title=item.get("name") or item.get("title") or "",
        external_product_id=str(item["variant_id"]) if item.get("variant_id") else None,
        discount_amount=_allocated(item, money(item.get("total_discount"))),
        tax_codes=_tax_codes(item.get("tax_lines")),
        gift_card=bool(item.get("gift_card")),
        current_quantity=current_quantity,
    )


def _shipping_line(line):
    price = money(line["price"])
    discounted = line.get("discounted_price")
    return ChannelShippingLine(
        title=line.get("title") or "",
        amount=price,
        code=line.get("code") or "",
        discount_amount=_allocated(
            line, price - money(discounted) if discounted is not None else money(0)
        ),
        tax_codes=_tax_codes(line.get("tax_lines")),
    )


def _payment_kind(gateway):
    return "gift_card" if gateway == GIFT_CARD_GATEWAY else "payment"


def _payments(payload, total):
    if payload.get("financial_status") not in PAID_STATES:
        return []
    captured = [
        transaction
        for transaction in payload.get("transactions") or []
        if transaction.get("kind") in ("sale", "capture")
        and transaction.get("status") == "success"
    ]
    if captured:
        return [
            ChannelPayment(
                method=transaction.get("gateway") or "",
                amount=money(transaction["amount"]),
                kind=_payment_kind(transaction.get("gateway")),
                reference=str(transaction["id"]),
            )
            for transaction in captured
        ]
    gateways = payload.get("payment_gateway_names") or [""]
    return [
        ChannelPayment(
            method=gateways[0], amount=total, kind=_payment_kind(gateways[0])
        )
    ]


def parse_order(payload):
    """A ``ChannelOrder`` from an Order in the JSON shape of the ``orders/*``
    webhooks (the GraphQL poll's orders are turned into it):
    https://shopify.dev/docs/api/admin-rest/2025-01/resources/order"""
    try:
        email = payload.get("email") or ""
        total = money(payload["total_price"])
        status = payload.get("financial_status")
        current_quantities, current_total = _edited(payload)
        return ChannelOrder(
            external_id=str(payload["id"]),
            number=payload.get("name") or str(payload["id"]),
            currency=payload["currency"],
            tax_included=bool(payload.get("taxes_included")),
            total=total,
            updated_at=parse_datetime(payload.get("updated_at")),
            # processed_at is the sale's date, also for orders imported later.
            ordered_at=parse_datetime(
                payload.get("processed_at") or payload.get("created_at")
            ),
            state="cancelled" if payload.get("cancelled_at") else "open",
            payment_state=status if status in PAYMENT_STATES else "pending",
            customer=_customer(payload),
            billing_address=_address(payload.get("billing_address"), email),
            shipping_address=_address(payload.get("shipping_address"), email),
            lines=[
                _line(item, current_quantities.get(str(item["id"])))
                for item in payload["line_items"]
            ],
            current_total=current_total,
            shipping_lines=[
                _shipping_line(line) for line in payload.get("shipping_lines") or []
            ],
            payments=_payments(payload, total),
            note=payload.get("note") or "",
            test=bool(payload.get("test")),
        )
    except MALFORMED as error:
        raise ValueError(f"malformed Shopify order: {error!r}") from error


def _shop_amount(values, key):
    """An amount from its ``<key>_set`` shop money (always a string), else
    from ``<key>`` (a JSON number on refund line items)."""
    shop_money = (values.get(f"{key}_set") or {}).get("shop_money") or {}
    return money(shop_money.get("amount", values.get(key)))


def _refund_status(transactions):
    """``(status, refund transactions that succeeded)``: pending while one
    is under way; failed when none succeeded and one failed or erred; a
    refund without any transaction (restock only) moved no money and is
    booked as it stands."""
    refunds = [t for t in transactions or [] if t.get("kind") == "refund"]
    succeeded = [t for t in refunds if t.get("status") == "success"]
    if any(t.get("status") == "pending" for t in refunds):
        return "pending", succeeded
    if refunds and not succeeded:
        return "failed", succeeded
    return "success", succeeded


def _refunded_shipping(payload):
    """``(amount, tax)`` of the shipping refunded: ``refund_shipping_lines``
    (API 2024-10 on), else the ``shipping_refund`` order adjustments that
    older versions record, negative. Newer versions may send both for the
    same shipping, so the adjustments are read only without the lines."""
    lines = payload.get("refund_shipping_lines") or []
    if lines:
        return (
            sum((_shop_amount(line, "subtotal_amount") for line in lines), money(0)),
            sum((_shop_amount(line, "tax_amount") for line in lines), money(0))
            if all(line.get("tax_amount_set") for line in lines)
            else None,
        )
    adjustments = _adjustments(payload, "shipping_refund")
    if not adjustments:
        return money(0), None
    return (
        -sum((money(a["amount"]) for a in adjustments), money(0)),
        -sum((money(a.get("tax_amount")) for a in adjustments), money(0)),
    )


def _adjustments(payload, kind):
    return [
        adjustment
        for adjustment in payload.get("order_adjustments") or []
        if adjustment.get("kind") == kind
    ]


def parse_refund(payload):
    """A ``ChannelRefund`` from a REST Refund (``refunds/create`` webhooks, an
    order's ``refunds``): https://shopify.dev/docs/api/admin-rest/2025-01/resources/refund.

    Lines carry Shopify's refunded ``subtotal`` and ``total_tax``, stated as
    the order's prices are (tax included in a tax-included shop). The amount
    is what the successful refund transactions returned; a pending one makes
    the refund wait. Order adjustments make up the difference between the
    lines and the money: Shopify records them negative when they add to the
    refund (``shipping_refund``), so a ``refund_discrepancy`` of +4.75 means
    4.75 less went back than the lines are worth."""
    try:
        status, transactions = _refund_status(payload.get("transactions"))
        gateway = next(
            (
                t.get("gateway")
                for t in payload.get("transactions") or []
                if t.get("kind") == "refund" and t.get("gateway")
            ),
            "",
        )
        shipping_amount, shipping_tax = _refunded_shipping(payload)
        return ChannelRefund(
            external_id=str(payload["id"]),
            order_external_id=str(payload["order_id"]),
            currency=transactions[0].get("currency", "") if transactions else "",
            amount=sum(
                (money(transaction["amount"]) for transaction in transactions),
                money(0),
            ),
            created_at=parse_datetime(payload.get("created_at")),
            reason=payload.get("note") or "",
            lines=[
                ChannelRefundLine(
                    external_line_id=str(line["line_item_id"]),
                    quantity=quantity(line["quantity"]),
                    subtotal=_shop_amount(line, "subtotal"),
                    tax=_shop_amount(line, "total_tax"),
                    restock=line.get("restock_type") in RESTOCK_TYPES,
                )
                for line in payload.get("refund_line_items") or []
            ],
            shipping_amount=shipping_amount,
            shipping_tax=shipping_tax,
            discrepancy=-sum(
                (
                    money(adjustment["amount"]) + money(adjustment.get("tax_amount"))
                    for adjustment in _adjustments(payload, "refund_discrepancy")
                ),
                money(0),
            ),
            status=status,
            gateway=gateway,
        )
    except MALFORMED as error:
        raise ValueError(f"malformed Shopify refund: {error!r}") from error


def order_version(payload):
    return payload["updated_at"]


def _refused_in_chunk(chunk, result):
    """``{stock_ref: message}`` from the mutation's userErrors. An error whose
    field path names a quantity (``["input", "quantities", "3", ...]``) is
    that item's; any other is every item's. When no adjustment group came
    back, Shopify applied nothing, so every item of the chunk is refused."""
    refused = {}
    general = []
    for error in result.get("userErrors") or []:
        path = error.get("field") or []
        index = path[2] if len(path) > 2 and path[1] == "quantities" else None
        if index is not None and str(index).isdigit() and int(index) < len(chunk):
            refused[chunk[int(index)].stock_ref] = error["message"]
        else:
            general.append(error["message"])
    if general or (refused and not result.get("inventoryAdjustmentGroup")):
        reason = "; ".join(general) or "another quantity of the call was refused"
        for item in chunk:
            refused.setdefault(item.stock_ref, reason)
    return refused


def idempotency_key(env, variables):
    """The ``@idempotent`` key of a mutation sending ``variables``. Shopify
    answers a repeat of a key with the first call's result: a queue job
    tried again (``job_uuid`` in the context) repeats its calls under the
    same keys, while the same quantities sent by a later job are a new
    operation, under new keys (https://shopify.dev/docs/api/usage/implementing-idempotency)."""
    # Adapters playing against a stand-in (tests) have no environment.
    job = env.context.get("job_uuid") if env is not None else None
    if not job:
        return str(uuid.uuid4())
    digest = hashlib.sha256(
        json.dumps(variables, sort_keys=True, default=str).encode()
    ).hexdigest()
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"retail-job:{job}:{digest}"))


def _check_location(location_ref):
    if not location_ref:
        raise RetailBusinessError(
            "Shopify keeps stock per location: set the channel location (the "
            "Shopify location id) on the backend.",
            code="no_location",
        )


@register("shopify", "marketplace")
class ShopifyMarketplace(ShopifyAdapter, MarketplaceAdapter):
    publishes_promotions = True
    lists_variants = True
    cancels_orders = True
    refunds_orders = True
    reports_returns = True

    # Pure payload reading: module functions, which the tests call too.
    event_kind = staticmethod(event_kind)
    parse_order = staticmethod(parse_order)
    parse_refund = staticmethod(parse_refund)
    order_version = staticmethod(order_version)

    def access_scopes(self):
        """The scopes of the flows set up (``FLOW_SCOPES``), and
        ``write_orders`` and ``write_returns`` when Odoo's cancellations,
        refunds and returns go to the shop."""
        scopes = flow_scopes(self.backend, FLOW_SCOPES)
        if self.backend._retail_sends_order_changes():
            scopes.append(("write_orders", ORDER_CHANGES_FEATURE))
            scopes.append(("write_returns", RETURNS_FEATURE))
        return scopes

    def cancel_order(self, request):
        """``orderCancel`` (``shopify_order_changes.cancel_order``)."""
        return shopify_order_changes.cancel_order(
            self.graphql(), request, self.api_version
        )

    def push_refund(self, request):
        """``refundCreate`` (``shopify_order_changes.push_refund``)."""
        return shopify_order_changes.push_refund(
            self.graphql(), request, self.api_version
        )

    def push_return(self, request):
        """``returnCreate`` (``shopify_order_changes.push_return``)."""
        return shopify_order_changes.push_return(
            self.graphql(), request, self.api_version
        )

    def webhook_topics(self):
        """An order's every change and its refunds, while orders come in."""
        if self.backend._get_flow_mode("orders_in") == "off":
            return []
        return list(ORDER_TOPICS + REFUND_TOPICS)

    def fetch_refunds(self, payload):
        """The order's refunds, in full in a webhook's Order and in a polled
        one (``shopify_graphql.poll_orders`` reads each)."""
        return [parse_refund(refund) for refund in payload.get("refunds") or []]

    def poll_orders(self, since, limit):
        """The orders updated at or after ``since``, oldest change first, at
        most ``limit``, read with the GraphQL ``orders`` query and turned into
        the webhook payload shape (``shopify_graphql.poll_orders``)."""
        return _poll_orders_graphql(self.graphql(), since, limit)

    def push_stock(self, items, location_ref):
        """Set the ``available`` quantities with ``inventorySetQuantities``, 250
        per call: https://shopify.dev/docs/api/admin-graphql/latest/mutations/inventorySetQuantities.
        Odoo is the source of truth, so no compare-and-set, in the words of
        the backend's API version (``CHANGE_FROM_QUANTITY_VERSION``)."""
        _check_location(location_ref)
        modern = self.api_version >= CHANGE_FROM_QUANTITY_VERSION
        refused = {}
        client = self.graphql()
        for chunk in chunks(items, MAX_STOCK_BATCH):
            quantities = [
                dict(
                    inventoryItemId=f"gid://shopify/InventoryItem/{item.stock_ref}",
                    locationId=f"gid://shopify/Location/{location_ref}",
                    quantity=item.quantity,
                    **({"changeFromQuantity": None} if modern else {}),
                )
                for item in chunk
            ]
            variables = {
                "input": dict(
                    name="available",
                    reason="correction",
                    quantities=quantities,
                    **({} if modern else {"ignoreCompareQuantity": True}),
                )
            }
            document = INVENTORY_SET_QUANTITIES
            if modern:
                document = INVENTORY_SET_QUANTITIES_IDEMPOTENT
                variables["idempotencyKey"] = idempotency_key(self.env, variables)
            data = client.execute(document, variables, cost=MUTATION_COST)
            refused.update(_refused_in_chunk(chunk, data["inventorySetQuantities"]))
        return refused

    def fetch_stock(self, items, location_ref):
        """``available`` per inventory item at the location, 250 items a
        query (``shopify_catalog.fetch_stock``)."""
        _check_location(location_ref)
        return shopify_catalog.fetch_stock(self.graphql(), items, location_ref)

    def fetch_all_stock(self, items, location_ref):
        """``available`` per inventory item at the location, from one bulk
        operation over the shop's levels (``shopify_catalog.fetch_all_stock``)."""
        return self.fetch_all_stock_at(items, [location_ref])[location_ref]

    def fetch_all_stock_at(self, items, location_refs):
        """The same at several locations, from the same one bulk operation."""
        for location_ref in location_refs:
            _check_location(location_ref)
        return shopify_catalog.fetch_all_stock(self, items, location_refs)

    def fetch_locations(self):
        return [
            ChannelLocation(ref=ref, name=name, address=address)
            for ref, name, address in shopify_catalog.fetch_locations(self.graphql())
        ]

    def push_shipment(self, shipment):
        """A fulfillment of the shipped lines on the order's fulfillment
        orders at the backend's location (``shopify_fulfilment``)."""
        return _push_shipment_graphql(
            self.graphql(), shipment, self.backend.location_ref
        )

    def push_listing(self, listing):
        """Create or update the product with its options and variants
        (``shopify_catalog.push_listing``)."""
        return shopify_catalog.push_listing(self.graphql(), listing)

    def archive_listing(self, parent_ref):
        shopify_catalog.archive_listing(self.graphql(), parent_ref)

    def push_prices(self, items):
        """Prices and promotions (``shopify_catalog.push_prices``): Shopify
        has no promotion window, so the connector switches it at its start
        and end."""
        return shopify_catalog.push_prices(self.graphql(), items)

    def stock_ref_for(self, external_id):
        """The inventory item of a variant: order lines name the variant, while
        the stock API addresses its inventory item."""
        stock_ref = shopify_catalog.variant_refs(self.graphql(), external_id)[1]
        if not stock_ref:
            raise RetailBusinessError(
                f"Shopify has no variant {external_id}: its listing cannot take stock.",
                code="shopify_unknown_variant",
            )
        return stock_ref


@register("shopify", "webhook")
class ShopifyWebhook(ShopifyAdapter, WebhookAdapter):
    registers_subscriptions = True

    def topics(self):
        """The topics the backend's enabled flows need, from every installed
        Shopify adapter (``webhook_topics``: the orders' of this module, the
        disputes' of the settlement module...); none for an archived
        backend."""
        if not self.backend.active:
            return []
        topics = []
        for cls in adapter_classes(self.env, self.backend.platform):
            for topic in cls(self.backend).webhook_topics():
                if topic not in topics:
                    topics.append(topic)
        return topics

    def sync_subscriptions(self):
        """The app's subscriptions of the backend's topics at its webhook
        URL, created, and its stale ones deleted, through
        ``webhookSubscriptions``, ``webhookSubscriptionCreate`` and
        ``webhookSubscriptionDelete``
        (https://shopify.dev/docs/apps/build/webhooks/subscribe/subscribe-using-api).
        The webhooks' signing key is the app's client secret: nothing to
        send."""
        client = self.graphql()
        field = "uri" if self.api_version >= URI_VERSION else "callbackUrl"
        url = self.backend.sudo().webhook_url
        existing = [
            {
                "id": node["id"],
                "topic": node["topic"].lower().replace("_", "/", 1),
                "url": node.get(field),
            }
            for node in client.pages(
                _subscriptions_query(field),
                {"first": SUBSCRIPTIONS_PAGE},
                ("webhookSubscriptions",),
                cost=2 + SUBSCRIPTIONS_PAGE,
            )
        ]
        create, stale = subscription_changes(existing, self.topics(), url)
        for topic in create:
            variables = {
                "topic": topic.upper().replace("/", "_"),
                "webhookSubscription": {field: url, "format": "JSON"},
            }
            result = client.execute(
                WEBHOOK_SUBSCRIPTION_CREATE, variables, cost=MUTATION_COST
            )["webhookSubscriptionCreate"]
            user_errors(result, variables, f"the {topic} webhook subscription")
        for subscription in stale:
            variables = {"id": subscription["id"]}
            result = client.execute(
                WEBHOOK_SUBSCRIPTION_DELETE, variables, cost=MUTATION_COST
            )["webhookSubscriptionDelete"]
            user_errors(
                result, variables, f"to delete the {subscription['topic']} webhook"
            )
        return {
            "created": create,
            "deleted": [subscription["topic"] for subscription in stale],
        }

    def verify(self, headers, body):
        # The shop's <shop>.myshopify.com is the host of the API base URL,
        # where its Admin API is served.
        shop_domain = urlsplit(self.backend.api_url or "").hostname or ""
        if not shop_domain:
            return "no shop address (API base URL) to check the shop against"
        return verify_signature(
            self.backend._get_webhook_secrets(),
            headers,
            body,
            shop_domain=shop_domain,
            tolerance=self.backend.webhook_tolerance,
        )

    def parse(self, headers, body):
        return parse_event(headers, body)
