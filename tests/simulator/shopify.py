# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shopify mode: the GraphQL Admin API the connector speaks (the order poll
with cursors and line items paged, refunds, fulfillment orders and
``fulfillmentCreate``, ``inventorySetQuantities``, Shopify Payments payouts
and balance transactions, the app's access scopes, webhook subscriptions,
``returnCreate`` with the order's fulfillment line items and returns, and
``returnReasonDefinitions``)
within a query-cost bucket, and nothing of the REST Admin API, which the
suite no longer calls; and webhooks signed as Shopify signs them, sent to
the subscribed addresses, their bodies in the REST resources' JSON shape as
Shopify still sends them. The records are kept in that shape too.
Shapes follow the Admin API reference
(https://shopify.dev/docs/api/admin-graphql) and, for webhooks,
https://shopify.dev/docs/apps/build/webhooks."""

import base64
import copy
import hashlib
import hmac
import itertools
import json
import re
import time
import uuid
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import urlsplit

from .common import (
    DEFAULT_ADDRESS,
    DEFAULT_CUSTOMER,
    ZERO,
    Platform,
    merge,
    money,
    parse_spec,
    parse_time,
    phrase,
    share,
    tax_on,
)
from .shopify_catalog import ShopifyCatalog

PREFIX = "/admin/api/<v>/"
SHOP_ID = 548380009
MAX_QUANTITIES = 250
MUTATION_COST = 10
# inventorySetQuantities: changeFromQuantity and @idempotent from this
# version, both required from the next.
CHANGE_FROM_VERSION = "2026-01"
CHANGE_FROM_REQUIRED_VERSION = "2026-04"
# returnReasonDefinitions, and returnCreate's returnReasonDefinitionId, from
# this version (the ReturnReason enum deprecated, still accepted).
RETURN_REASON_DEFINITION_VERSION = "2026-01"
# What an order's own objects cost when read, apart from its line items (the
# estimate of a query counts more, as Shopify's does: requested >= actual).
ORDER_POINTS = 10
POINTS_MAX = 2000.0
POINTS_RESTORE = 100.0
UNAUTHORIZED = (
    "[API] Invalid API key or access token (unrecognized login or wrong password)"
)
THROTTLED = (
    "Exceeded 2 calls per second for api client. "
    "Reduce request rates to resume uninterrupted service."
)
# Shopify's own sample ids, so payloads look like the documentation's.
ID_STARTS = {
    "order": 820982911946154508,
    "line_item": 450789469,
    "product": 632910392,
    "product_image": 850703190,
    "variant": 808950810,
    "inventory_item": 39072856,
    "customer": 207119551,
    "shipping_line": 369256396,
    "fulfillment_order": 1046000778,
    "fulfillment_order_line": 1058737482,
    "fulfillment": 255858046,
    "refund": 509562969,
    "refund_line": 104689539,
    "transaction": 389404469,
    "adjustment": 1030976842,
    "payout": 623721858,
    "balance_transaction": 699519475,
    "payments_source": 460709370,
    "webhook_subscription": 4759306,
    "order_edit": 1029265010,
    "fulfillment_line_item": 1072503286,
    "return": 945000954,
    "return_line_item": 677614677,
}
RESTOCKING = ("return", "cancel")
# ``ReturnReason`` (https://shopify.dev/docs/api/admin-graphql/2025-10/enums/ReturnReason).
RETURN_REASONS = (
    "COLOR",
    "DEFECTIVE",
    "NOT_AS_DESCRIBED",
    "OTHER",
    "SIZE_TOO_LARGE",
    "SIZE_TOO_SMALL",
    "STYLE",
    "UNKNOWN",
    "UNWANTED",
    "WRONG_ITEM",
)
# Part of Shopify's library of ``ReturnReasonDefinition``s, by handle: the
# handles its reference names as examples
# (https://shopify.dev/docs/api/admin-graphql/2026-10/objects/ReturnReasonDefinition)
# and "other".
# ``{handle: (id, name)}``.
RETURN_REASON_DEFINITIONS = {
    "arrived-late": (1001, "Arrived late"),
    "color-too-bright": (1002, "Color too bright"),
    "comfort": (1003, "Comfort"),
    "other": (1004, "Other"),
    "quality": (1005, "Quality"),
    "too-tight": (1006, "Too tight"),
}
PAID_STATUSES = ("paid", "partially_paid", "partially_refunded", "refunded")
RESTOCK_TYPES = {"NO_RESTOCK": "no_restock", "CANCEL": "cancel", "RETURN": "return"}
REASONS = {
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_canceled",
    "movement_created",
    "movement_received",
    "movement_updated",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
}
PAYOUT_STATUSES = ("scheduled", "in_transit", "paid", "failed", "canceled")
# As the reference's examples write them.
SOURCE_TYPES = {
    "charge": "charge",
    "refund": "Payments::Refund",
    "dispute": "Payments::Dispute",
    "adjustment": "adjustment",
}
# The payout summary's categories: disputes count as adjustments ("Total
# gross amount for all adjustments including disputes").
SUMMARY_CATEGORIES = {
    "charge": "charges",
    "refund": "refunds",
    "dispute": "adjustments",
    "adjustment": "adjustments",
}
SUMMARY_KEYS = (
    "adjustments",
    "charges",
    "refunds",
    "reserved_funds",
    "retried_payouts",
)
COUNTRIES = {"FR": "France", "BE": "Belgium", "DE": "Germany", "US": "United States"}
ACCESS_SCOPES = (
    "read_orders",
    "write_orders",
    "write_inventory",
    "read_locations",
    "write_products",
    "write_merchant_managed_fulfillment_orders",
    "read_shopify_payments_payouts",
    "write_returns",
    "read_shopify_payments_disputes",
)
# The webhook topics a subscription may name (WebhookSubscriptionTopic).
WEBHOOK_TOPICS = {
    "APP_UNINSTALLED",
    "DISPUTES_CREATE",
    "DISPUTES_UPDATE",
    "ORDERS_CANCELLED",
    "ORDERS_CREATE",
    "ORDERS_EDITED",
    "ORDERS_FULFILLED",
    "ORDERS_PAID",
    "ORDERS_PARTIALLY_FULFILLED",
    "ORDERS_UPDATED",
    "PRODUCTS_UPDATE",
    "REFUNDS_CREATE",
}
# Topics an app subscribes to only with an access scope.
TOPIC_SCOPES = {
    "DISPUTES_CREATE": "read_shopify_payments_disputes",
    "DISPUTES_UPDATE": "read_shopify_payments_disputes",
}
# What a payout summary's categories are called in GraphQL.
SUMMARY_FIELDS = {
    "adjustments": ("adjustmentsGross", "adjustmentsFee"),
    "charges": ("chargesGross", "chargesFee"),
    "refunds": ("refundsFeeGross", "refundsFee"),
    "reserved_funds": ("reservedFundsGross", "reservedFundsFee"),
    "retried_payouts": ("retriedPayoutsGross", "retriedPayoutsFee"),
}


def sign(secret, body):
    """``X-Shopify-Hmac-Sha256``: base64 of the HMAC-SHA256 of the raw body."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def gid(kind, number):
    return f"gid://shopify/{kind}/{number}"


def _gid_number(value):
    prefix, _, number = str(value or "").rpartition("/")
    return int(number) if prefix.startswith("gid://shopify/") and number else None


def _money_set(amount, currency):
    value = {"amount": money(amount), "currency_code": currency}
    return {"shop_money": value, "presentment_money": dict(value)}


def _set_money(record, currency, **amounts):
    """Money fields with their ``*_set`` companion, as Shopify writes them."""
    for name, amount in amounts.items():
        record[name] = money(amount)
        record[f"{name}_set"] = _money_set(amount, currency)


def _tax_lines(tax, rate, currency):
    if not rate:
        return []
    return [
        {
            "title": "VAT",
            "rate": float(rate),
            "price": money(tax),
            "price_set": _money_set(tax, currency),
            "channel_liable": False,
        }
    ]


def _line_tax(item):
    return sum((Decimal(line["price"]) for line in item["tax_lines"]), ZERO)


class Shopify(ShopifyCatalog, Platform):
    DEFAULTS = {
        "api_version": "2026-10",
        "shop_domain": "sim-shop.myshopify.com",
        "location_id": 655441491,
        "currency": "EUR",
        # {payout id: HTTP status}: listing that payout's balance
        # transactions answers this status (a provider failing half-way).
        "failing_payouts": {},
        # The GraphQL query-cost bucket (Shopify's standard plan).
        "points_max": POINTS_MAX,
        "points_restore": POINTS_RESTORE,
        # Bulk operations run this long, then end with this status
        # (COMPLETED, FAILED, EXPIRED, CANCELED).
        "bulk_seconds": 0,
        "bulk_outcome": "COMPLETED",
        # At most this many variants per product (Shopify: 2,048).
        "max_variants": 2048,
        # The custom app's granted access scopes (currentAppInstallation).
        "access_scopes": list(ACCESS_SCOPES),
        # Location names by id; fulfillment orders are assigned to one.
        "locations": {655441491: "Sim Warehouse", 655441492: "Sim Store"},
    }
    # The GraphQL Admin API only: the suite calls no REST Admin endpoint.
    ROUTES = (("POST", PREFIX + "graphql.json", "_graphql"),)

    def reset(self):
        self.ids = {kind: itertools.count(start) for kind, start in ID_STARTS.items()}
        self.order_numbers = itertools.count(1001)
        self.customers = {}  # email: customer id, so a returning buyer keeps it
        self.sale_transactions = {}  # order id: the id refunds name as parent
        self.fulfillment_orders = {}
        self.variants = {}
        self.items = {}  # inventory item id: its variant
        self.levels = {}  # (inventory item id, location id): inventory level
        self.points, self.points_at = self.config["points_max"], time.monotonic()
        # operation, requested and actual cost, variables, when (monotonic)
        self.graphql_calls = []
        self.graphql_throttled = 0  # queries refused as THROTTLED
        # idempotency key: (the arguments first sent, the answer given)
        self.idempotent = {}
        self.idempotent_replays = 0  # repeats answered from the first call
        self.graphql_operations = Counter()  # requests per operation name
        # (fulfillment id, line item id): its FulfillmentLineItem id, given
        # when GraphQL first names it (the REST records have none)
        self.fulfillment_line_items = {}
        self.returns = {}  # order id: its returns, as returnCreate made them
        self.subscriptions = {}  # webhook subscription id: subscription
        self.payouts = {}  # id: payout
        self.balance_transactions = []  # with "_payout", the payout's id
        self._reset_catalog()
        self.payout_dates = (
            date.today() - timedelta(days=30 - day) for day in itertools.count()
        )

    def _next(self, kind):
        return next(self.ids[kind])

    def _stamp(self, previous=None):
        return self.moment(previous).isoformat()

    # --- answers in Shopify's shapes ---
    def authorized(self, headers, query):
        return headers.get("X-Shopify-Access-Token") == self.config["api_token"]

    def unauthorized(self):
        return 401, {"errors": UNAUTHORIZED}

    def throttled(self, wait):
        return 429, {"errors": THROTTLED}, {**self._call_limit(), "Retry-After": "2.0"}

    def failed(self, status, retry_after):
        headers = self._call_limit()
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        return status, {"errors": phrase(status)}, headers

    def not_found(self):
        return 404, {"errors": "Not Found"}

    def bad_request(self, message):
        return 400, {"errors": message}

    def handle(self, method, path, query, body):
        status, answer, headers = self.dispatch(method, path, query, body)
        self.send_echoes(lambda topic, payload: self._announce((topic, payload)))
        return status, answer, {**headers, **self._call_limit()}

    def _call_limit(self):
        used = self.sim._bucket_used()
        return {"X-Shopify-Shop-Api-Call-Limit": f"{used}/{self.config['burst']}"}

    # --- webhooks ---
    def send(self, topic, payload, event_id, duplicates, timestamp, secret):
        """Every copy gets its own webhook id, kept across its retries; the
        event id and the trigger time are those of the event."""
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        triggered = datetime.fromtimestamp(
            time.time() if timestamp is None else timestamp, timezone.utc
        )
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Shopify-Captain-Hook",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign(
                secret or self.config["webhook_secret"], body
            ),
            "X-Shopify-Shop-Domain": self.config["shop_domain"],
            "X-Shopify-API-Version": self.config["api_version"],
            "X-Shopify-Event-Id": event_id,
            "X-Shopify-Triggered-At": triggered.isoformat(
                timespec="milliseconds"
            ).replace("+00:00", "Z"),
        }
        return [
            self._deliver_copy(topic, event_id, body, headers, url)
            for url in self._destinations(topic)
            for _copy in range(duplicates)
        ]

    def _destinations(self, topic):
        """Where ``topic`` is delivered: the configured target URL, else the
        URL of each webhook subscription of the topic."""
        if self.config["target_url"]:
            return [self.config["target_url"]]
        name = topic.upper().replace("/", "_")
        with self.sim.lock:
            return [
                subscription["uri"]
                for subscription in self.subscriptions.values()
                if subscription["topic"] == name
            ]

    def _deliver_copy(self, topic, event_id, body, event_headers, url):
        headers = {**event_headers, "X-Shopify-Webhook-Id": str(uuid.uuid4())}
        return self.sim._post_with_retries(
            topic, event_id, body, lambda: headers, url=url
        )

    def _announce(self, *events):
        for topic, payload in events:
            if self._destinations(topic):
                self.sim.send_webhook(topic, payload)

    # --- catalog ---
    def add_product(self, sku, price="12.50", quantity=0, title=None, barcode=""):
        """Seed a one-variant product stocked ``quantity`` at the location."""
        with self.sim.lock:
            product = self._new_product(
                {
                    "title": title or sku,
                    "variants": [{"sku": sku, "price": price, "barcode": barcode}],
                }
            )
            item_id = product["variants"][0]["inventory_item_id"]
            self._set_available(item_id, int(quantity))
            return copy.deepcopy(product)

    def _new_product(self, data):
        now = self._stamp()
        product_id = self._next("product")
        product = {
            "id": product_id,
            "admin_graphql_api_id": gid("Product", product_id),
            "title": data["title"],
            "body_html": data.get("body_html") or "",
            "vendor": data.get("vendor") or "Sim Shop",
            "product_type": data.get("product_type") or "",
            "handle": "-".join(data["title"].lower().split()),
            "status": data.get("status") or "active",
            "tags": data.get("tags") or "",
            "created_at": now,
            "updated_at": now,
            "published_at": now,
            "options": [{"name": "Title", "values": ["Default Title"]}],
            "images": [],
            "variants": [],
        }
        for position, values in enumerate(data.get("variants") or [{}], 1):
            product["variants"].append(self._new_variant(product, values, position))
        self.sim.products[product_id] = product
        return product

    def _new_variant(self, product, values, position):
        variant_id, item_id = self._next("variant"), self._next("inventory_item")
        variant = {
            "id": variant_id,
            "admin_graphql_api_id": gid("ProductVariant", variant_id),
            "product_id": product["id"],
            "title": "Default Title",
            "sku": values.get("sku") or "",
            "barcode": values.get("barcode") or "",
            "price": money(Decimal(str(values.get("price") or "0"))),
            "compare_at_price": values.get("compare_at_price"),
            "position": position,
            "inventory_item_id": item_id,
            "inventory_quantity": 0,
            "inventory_management": "shopify",
            "inventory_policy": "deny",
            "image_id": None,
            "requires_shipping": True,
            "taxable": True,
            "created_at": product["created_at"],
            "updated_at": product["updated_at"],
        }
        self.variants[variant_id] = variant
        self.items[item_id] = variant
        for location_id in self.locations:
            self._stock_at(item_id, location_id)
        return variant

    def _set_available(self, item_id, quantity, location_id=None):
        """The item's level at ``location_id`` (the shop's first location by
        default); the variant's ``inventory_quantity`` is the first
        location's."""
        location_id = location_id or self.config["location_id"]
        level = self.levels.get((item_id, location_id))
        if level is None:
            return
        level["available"] = quantity
        level["updated_at"] = self._stamp()
        if location_id == self.config["location_id"]:
            self.items[item_id]["inventory_quantity"] = quantity

    def _adjust_available(self, item_id, delta):
        level = self.levels.get((item_id, self.config["location_id"]))
        if level is not None:
            self._set_available(item_id, level["available"] + delta)

    def _variant_by_sku(self, sku):
        return next((v for v in self.variants.values() if sku and v["sku"] == sku), {})

    # --- orders ---
    def create_order(self, **spec):
        """Build a REST Order from the compact spec (see README.md), open its
        fulfilment order, take the stock, and send ``orders/create``."""
        with self.sim.lock:
            order = self._build_order(parse_spec(spec))
            self.sim.orders[order["id"]] = order
            payload = copy.deepcopy(order)
        self._announce(("orders/create", payload))
        return payload

    def _build_order(self, spec):
        currency = spec["currency"] or self.config["currency"]
        now = self._stamp()
        order_id, number = self._next("order"), next(self.order_numbers)
        order = {
            "id": order_id,
            "admin_graphql_api_id": gid("Order", order_id),
            "name": f"#{number}",
            "order_number": number,
            "email": spec["email"],
            "contact_email": spec["email"],
            "created_at": now,
            "updated_at": now,
            "processed_at": now,
            "cancelled_at": None,
            "cancel_reason": None,
            "closed_at": None,
            "currency": currency,
            "presentment_currency": currency,
            "taxes_included": spec["included"],
            "financial_status": spec["financial_status"],
            "fulfillment_status": None,
            "discount_codes": [],
            "discount_applications": [],
            "tax_lines": _tax_lines(spec["total_tax"], spec["rate"], currency),
            "shipping_lines": [],
            "customer": self._customer(spec["customer"], now),
            "billing_address": self._address(spec, spec["billing_address"]),
            "shipping_address": self._address(spec, spec["shipping_address"]),
            "line_items": [
                self._line_item(line, spec, currency) for line in spec["lines"]
            ],
            "refunds": [],
            "fulfillments": [],
            "payment_gateway_names": [spec["gateway"] or "shopify_payments"],
            "source_name": "web",
            "tags": "",
            "note": None,
            "test": False,
        }
        _set_money(
            order,
            currency,
            total_line_items_price=sum((line["gross"] for line in spec["lines"]), ZERO),
            subtotal_price=spec["subtotal"],
            total_discounts=spec["discount"],
            total_tax=spec["total_tax"],
            total_price=spec["total"],
            current_subtotal_price=spec["subtotal"],
            current_total_discounts=spec["discount"],
            current_total_tax=spec["total_tax"],
            current_total_price=spec["total"],
        )
        order["total_shipping_price_set"] = _money_set(spec["shipping"] or 0, currency)
        if spec["shipping"] is not None:
            order["shipping_lines"] = [self._shipping_line(spec, currency)]
        if spec["discount"]:
            order["discount_applications"] = [self._discount_application(spec)]
        if spec["discount_code"]:
            order["discount_codes"] = [
                {
                    "code": spec["discount_code"],
                    "amount": money(spec["discount"]),
                    "type": "fixed_amount",
                }
            ]
        order.update(spec["extra"])
        self.sale_transactions[order_id] = self._next("transaction")
        self._open_fulfillment_order(order, now)
        return order

    def _customer(self, customer, now):
        if not customer:
            return None
        person = dict(DEFAULT_CUSTOMER, **customer)
        if person["email"] not in self.customers:
            self.customers[person["email"]] = person.get("id") or self._next("customer")
        customer_id = self.customers[person["email"]]
        return {
            "id": customer_id,
            "admin_graphql_api_id": gid("Customer", customer_id),
            "email": person["email"],
            "first_name": person["first_name"],
            "last_name": person["last_name"],
            "phone": person["phone"],
            "state": "enabled",
            "tax_exempt": False,
            "created_at": now,
            "updated_at": now,
        }

    def _address(self, spec, overrides):
        person = dict(DEFAULT_CUSTOMER, **(spec["customer"] or {}))
        address = dict(
            DEFAULT_ADDRESS,
            first_name=person["first_name"],
            last_name=person["last_name"],
            name=f"{person['first_name']} {person['last_name']}",
            phone=person["phone"],
            province_code=None,
            country=COUNTRIES.get(DEFAULT_ADDRESS["country_code"]),
        )
        address.update(overrides)
        return address

    def _line_item(self, line, spec, currency):
        variant = self._variant_by_sku(line.get("sku"))
        product = self.sim.products.get(variant.get("product_id"), {})
        item_id = self._next("line_item")
        item = {
            "id": item_id,
            "admin_graphql_api_id": gid("LineItem", item_id),
            "variant_id": line.get("variant_id")
            or variant.get("id")
            or self._next("variant"),
            "product_id": line.get("product_id")
            or variant.get("product_id")
            or self._next("product"),
            "sku": line.get("sku"),
            "title": line.get("title") or product.get("title") or line.get("sku"),
            "variant_title": None,
            "name": line.get("title") or product.get("title") or line.get("sku"),
            "vendor": product.get("vendor"),
            "quantity": line["quantity"],
            "current_quantity": line["quantity"],
            "discount_allocations": [],
            "tax_lines": _tax_lines(line["tax"], spec["rate"], currency),
            "taxable": bool(spec["rate"]),
            "requires_shipping": True,
            "fulfillable_quantity": line["quantity"],
            "fulfillment_status": None,
            "fulfillment_service": "manual",
            "gift_card": False,
            "properties": [],
            "duties": [],
        }
        _set_money(item, currency, price=line["price"], total_discount=line["discount"])
        if line["discount"]:
            item["discount_allocations"] = [
                {
                    "amount": money(line["discount"]),
                    "amount_set": _money_set(line["discount"], currency),
                    "discount_application_index": 0,
                }
            ]
        # A real shop takes the stock when the order is placed.
        if variant:
            self._adjust_available(variant["inventory_item_id"], -line["quantity"])
        return item

    def _shipping_line(self, spec, currency):
        line = {
            "id": self._next("shipping_line"),
            "code": "Standard",
            "title": "Standard",
            "source": "shopify",
            "tax_lines": _tax_lines(spec["shipping_tax"], spec["rate"], currency),
            "discount_allocations": [],
        }
        _set_money(
            line, currency, price=spec["shipping"], discounted_price=spec["shipping"]
        )
        return line

    def _discount_application(self, spec):
        """One application carries every line discount (index 0)."""
        application = {
            "type": "discount_code" if spec["discount_code"] else "manual",
            "title": spec["discount_code"] or "Discount",
            "value": money(spec["discount"]),
            "value_type": "fixed_amount",
            "allocation_method": "across",
            "target_selection": "explicit",
            "target_type": "line_item",
        }
        if spec["discount_code"]:
            application["code"] = spec["discount_code"]
        return application

    def _open_fulfillment_order(self, order, now):
        fulfillment_order_id = self._next("fulfillment_order")
        lines = []
        for item in order["line_items"]:
            variant = self.variants.get(item["variant_id"], {})
            lines.append(
                {
                    "id": self._next("fulfillment_order_line"),
                    "shop_id": SHOP_ID,
                    "fulfillment_order_id": fulfillment_order_id,
                    "line_item_id": item["id"],
                    "inventory_item_id": variant.get("inventory_item_id"),
                    "variant_id": item["variant_id"],
                    "quantity": item["quantity"],
                    "fulfillable_quantity": item["quantity"],
                }
            )
        self.fulfillment_orders[fulfillment_order_id] = {
            "id": fulfillment_order_id,
            "shop_id": SHOP_ID,
            "order_id": order["id"],
            "assigned_location_id": self.config["location_id"],
            "request_status": "unsubmitted",
            "status": "open",
            "supported_actions": ["create_fulfillment"],
            "fulfillment_holds": [],
            "line_items": lines,
            "created_at": now,
            "updated_at": now,
        }

    def _order_of(self, order_id):
        order = self.sim.orders.get(int(order_id))
        if order is None:
            raise LookupError(f"no order {order_id}")
        return order

    def update_order(self, order_id, **changes):
        """Change an order as the merchant would; a ``cancel_reason`` alone
        cancels it now. Sends ``orders/cancelled`` when it cancels, else
        ``orders/updated``."""
        with self.sim.lock:
            order = self._order_of(order_id)
            was_cancelled = order["cancelled_at"]
            merge(order, changes)
            now = self._stamp(order["updated_at"])
            order["updated_at"] = now
            if order["cancel_reason"] and not order["cancelled_at"]:
                order["cancelled_at"] = now
            cancelling = order["cancelled_at"] and not was_cancelled
            if cancelling:
                order["closed_at"] = order["closed_at"] or now
                for fulfillment_order in self._fulfillment_orders_of(order["id"]):
                    fulfillment_order["status"] = "closed"
            payload = copy.deepcopy(order)
        self._announce(
            ("orders/cancelled" if cancelling else "orders/updated", payload)
        )
        return payload

    def edit_order(self, order_id, quantities=None, add=()):
        """Commit an order edit as the merchant would (``orderEditBegin``,
        ``orderEditSetQuantity``, ``orderEditAddVariant``,
        ``orderEditCommit``): line items' ``current_quantity`` set
        (``quantities``: ``{line item id: units}``; removed units restocked
        and no longer to fulfil), new line items added (``add``: compact
        spec lines, at the order's tax rate, their stock taken and their
        units to fulfil), the ``current_*`` totals moved by the edit's
        amounts (``total_price`` stays the order as placed). Sends
        ``orders/edited`` (an OrderEdit with the additions and removals and
        their deltas) to its subscriptions only, then ``orders/updated``."""
        with self.sim.lock:
            order = self._order_of(order_id)
            rate = (
                Decimal(str(order["tax_lines"][0]["rate"]))
                if order["tax_lines"]
                else ZERO
            )
            included = order["taxes_included"]
            items = {item["id"]: item for item in order["line_items"]}
            additions, removals = [], []
            net_change = ZERO
            for item_id, units in (quantities or {}).items():
                item = items[int(item_id)]
                delta = int(units) - item["current_quantity"]
                if not delta or int(units) < 0:
                    continue
                item["current_quantity"] += delta
                item["fulfillable_quantity"] = max(
                    item["fulfillable_quantity"] + delta, 0
                )
                self._move_fulfillable(order, item, delta)
                net = (
                    (
                        Decimal(item["price"]) * item["quantity"]
                        - Decimal(item["total_discount"])
                    )
                    / item["quantity"]
                    * delta
                )
                net_change += net
                (additions if delta > 0 else removals).append(
                    {"id": item["id"], "delta": abs(delta)}
                )
                variant = self.variants.get(item["variant_id"])
                if variant:
                    self._adjust_available(variant["inventory_item_id"], -delta)
            spec = (
                parse_spec(
                    {
                        "lines": list(add),
                        "shipping": None,
                        "tax_rate": str(rate),
                        "taxes_included": included,
                    }
                )
                if add
                else None
            )
            for line in (spec or {}).get("lines", []):
                item = self._line_item(line, spec, order["currency"])
                order["line_items"].append(item)
                self._move_fulfillable(order, item, item["quantity"], new=True)
                net_change += line["net"]
                additions.append({"id": item["id"], "delta": item["quantity"]})
            tax_change = tax_on(net_change, rate, included)
            _set_money(
                order,
                order["currency"],
                current_subtotal_price=Decimal(order["current_subtotal_price"])
                + net_change,
                current_total_tax=Decimal(order["current_total_tax"]) + tax_change,
                current_total_price=Decimal(order["current_total_price"])
                + net_change
                + (ZERO if included else tax_change),
            )
            now = self._stamp(order["updated_at"])
            order["updated_at"] = now
            edit = {
                "order_edit": {
                    "id": self._next("order_edit"),
                    "app_id": None,
                    "created_at": now,
                    "committed_at": now,
                    "notify_customer": False,
                    "order_id": order["id"],
                    "staff_note": "",
                    "user_id": None,
                    "line_items": {"additions": additions, "removals": removals},
                }
            }
            payload = copy.deepcopy(order)
        with self.sim.lock:
            subscribed = any(
                s["topic"] == "ORDERS_EDITED" for s in self.subscriptions.values()
            )
        if subscribed:
            self.sim.send_webhook("orders/edited", edit)
        self._announce(("orders/updated", payload))
        return payload

    def _move_fulfillable(self, order, item, delta, new=False):
        """The order's open fulfillment order takes ``delta`` more units of
        ``item`` (fewer when negative), a new line for a new item."""
        open_orders = [
            fo
            for fo in self._fulfillment_orders_of(order["id"])
            if fo["status"] != "closed"
        ]
        if not open_orders:
            return
        fulfillment_order = open_orders[0]
        if new:
            variant = self.variants.get(item["variant_id"], {})
            fulfillment_order["line_items"].append(
                {
                    "id": self._next("fulfillment_order_line"),
                    "shop_id": SHOP_ID,
                    "fulfillment_order_id": fulfillment_order["id"],
                    "line_item_id": item["id"],
                    "inventory_item_id": variant.get("inventory_item_id"),
                    "variant_id": item["variant_id"],
                    "quantity": delta,
                    "fulfillable_quantity": delta,
                }
            )
            return
        for fo_line in fulfillment_order["line_items"]:
            if fo_line["line_item_id"] == item["id"]:
                fo_line["quantity"] += delta
                fo_line["fulfillable_quantity"] = max(
                    fo_line["fulfillable_quantity"] + delta, 0
                )
        self._update_fulfillment_order_status(fulfillment_order)

    def create_refund(self, order_id, lines=(), shipping=None, note=None):
        """Refund ``lines`` (``line_item_id``, ``quantity``, ``restock_type``)
        and ``shipping`` (an amount of the shipping charge) with amounts
        prorated from the order's; sends ``refunds/create``, then
        ``orders/updated``."""
        with self.sim.lock:
            order = self._order_of(order_id)
            refund = self._build_refund(order, lines, shipping, note)
            order["refunds"].append(refund)
            self._refresh_current_totals(order)
            order["updated_at"] = self._stamp(order["updated_at"])
            refund_payload, order_payload = copy.deepcopy((refund, order))
        self._announce(
            ("refunds/create", refund_payload), ("orders/updated", order_payload)
        )
        return refund_payload

    def _build_refund(self, order, lines, shipping, note):
        now, currency = self._stamp(), order["currency"]
        refund_id = self._next("refund")
        items = {item["id"]: item for item in order["line_items"]}
        refund_lines, restock = [], False
        for line in lines:
            item = items.get(int(line["line_item_id"]))
            if item is None:
                raise LookupError(f"no line item {line['line_item_id']}")
            refund_lines.append(self._refund_line(order, item, line))
            restock = restock or line.get("restock_type") in RESTOCKING
        adjustments, shipping_lines = [], []
        if shipping:
            adjustments.append(self._shipping_refund(order, refund_id, shipping))
            shipping_lines.append(self._refund_shipping_line(order, adjustments[-1]))
        amount = sum((Decimal(line["subtotal"]) for line in refund_lines), ZERO) - sum(
            (Decimal(adjustment["amount"]) for adjustment in adjustments), ZERO
        )
        if not order["taxes_included"]:
            amount += sum((Decimal(line["total_tax"]) for line in refund_lines), ZERO)
            amount -= sum((Decimal(a["tax_amount"]) for a in adjustments), ZERO)
        transaction_id = self._next("transaction")
        return {
            "id": refund_id,
            "admin_graphql_api_id": gid("Refund", refund_id),
            "order_id": order["id"],
            "created_at": now,
            "processed_at": now,
            "note": note,
            "user_id": None,
            "restock": restock,
            "refund_line_items": refund_lines,
            "transactions": [
                {
                    "id": transaction_id,
                    "admin_graphql_api_id": gid("OrderTransaction", transaction_id),
                    "order_id": order["id"],
                    "kind": "refund",
                    "status": "success",
                    "amount": money(amount),
                    "currency": currency,
                    "gateway": order["payment_gateway_names"][0],
                    "parent_id": self.sale_transactions[order["id"]],
                    "created_at": now,
                    "processed_at": now,
                    "test": False,
                }
            ],
            "order_adjustments": adjustments,
            "refund_shipping_lines": shipping_lines,
            "duties": [],
            "refund_duties": [],
        }

    def _refund_line(self, order, item, line):
        """A refunded quantity, its share of the line's net amount and tax,
        and the stock and fulfilment quantities it gives back."""
        quantity = int(line.get("quantity", item["current_quantity"]))
        if not 0 < quantity <= item["current_quantity"]:
            raise ValueError(f"cannot refund {quantity} of line item {item['id']}")
        restock_type = line.get("restock_type", "no_restock")
        net = Decimal(item["price"]) * item["quantity"] - Decimal(
            item["total_discount"]
        )
        refund_line = {
            "id": self._next("refund_line"),
            "line_item_id": item["id"],
            "line_item": copy.deepcopy(item),
            "quantity": quantity,
            "restock_type": restock_type,
            "location_id": self.config["location_id"]
            if restock_type in RESTOCKING
            else None,
        }
        _set_money(
            refund_line,
            order["currency"],
            subtotal=share(net, quantity, item["quantity"]),
            total_tax=share(_line_tax(item), quantity, item["quantity"]),
        )
        item["current_quantity"] -= quantity
        # A returned unit was shipped; any other refunded unit will not be.
        if restock_type != "return":
            cancelled = min(quantity, item["fulfillable_quantity"])
            item["fulfillable_quantity"] -= cancelled
            for fulfillment_order in self._fulfillment_orders_of(order["id"]):
                for fo_line in fulfillment_order["line_items"]:
                    if fo_line["line_item_id"] == item["id"]:
                        fo_line["quantity"] -= cancelled
                        fo_line["fulfillable_quantity"] -= cancelled
                self._update_fulfillment_order_status(fulfillment_order)
        if restock_type in RESTOCKING:
            variant = self.variants.get(item["variant_id"])
            if variant:
                self._adjust_available(variant["inventory_item_id"], quantity)
        return refund_line

    def _shipping_refund(self, order, refund_id, shipping):
        amount = Decimal(str(shipping))
        charged = order["shipping_lines"][0] if order["shipping_lines"] else None
        if charged is None or amount > Decimal(charged["price"]):
            raise ValueError(f"cannot refund {amount} of shipping")
        tax = share(_line_tax(charged), amount, Decimal(charged["price"]))
        adjustment = {
            "id": self._next("adjustment"),
            "order_id": order["id"],
            "refund_id": refund_id,
            "kind": "shipping_refund",
            "reason": "Shipping refund",
        }
        _set_money(adjustment, order["currency"], amount=-amount, tax_amount=-tax)
        return adjustment

    def _refund_shipping_line(self, order, adjustment):
        """The same shipping refund as API 2024-10 on states it, positive,
        next to the adjustment (as Shopify's 2025-01 payloads carry both)."""
        charged = order["shipping_lines"][0]
        line = {
            "id": self._next("adjustment"),
            "shipping_line_id": charged["id"],
            "shipping_line": copy.deepcopy(charged),
        }
        _set_money(
            line,
            order["currency"],
            subtotal_amount=-Decimal(adjustment["amount"]),
            tax_amount=-Decimal(adjustment["tax_amount"]),
        )
        return line

    def _refresh_current_totals(self, order):
        refunds = order["refunds"]
        lines = [line for refund in refunds for line in refund["refund_line_items"]]
        adjustments = [a for refund in refunds for a in refund["order_adjustments"]]
        refunded = sum(
            (Decimal(t["amount"]) for r in refunds for t in r["transactions"]), ZERO
        )
        taxes = sum((Decimal(line["total_tax"]) for line in lines), ZERO) - sum(
            (Decimal(a["tax_amount"]) for a in adjustments), ZERO
        )
        subtotals = sum((Decimal(line["subtotal"]) for line in lines), ZERO)
        total = Decimal(order["total_price"])
        _set_money(
            order,
            order["currency"],
            current_subtotal_price=Decimal(order["subtotal_price"]) - subtotals,
            current_total_tax=Decimal(order["total_tax"]) - taxes,
            current_total_price=total - refunded,
        )
        order["financial_status"] = (
            "refunded" if refunded >= total else "partially_refunded"
        )

    def _fulfillment_orders_of(self, order_id):
        return [
            fulfillment_order
            for fulfillment_order in self.fulfillment_orders.values()
            if fulfillment_order["order_id"] == order_id
        ]

    @staticmethod
    def _update_fulfillment_order_status(fulfillment_order):
        lines = fulfillment_order["line_items"]
        if not any(line["fulfillable_quantity"] for line in lines):
            fulfillment_order["status"] = "closed"
        elif any(line["fulfillable_quantity"] < line["quantity"] for line in lines):
            fulfillment_order["status"] = "in_progress"

    # --- Shopify Payments ---
    def create_payout(
        self,
        charges=(),
        refunds=(),
        disputes=(),
        adjustments=(),
        status="paid",
        payout_date=None,
        currency=None,
    ):
        """A payout and the balance transactions it pays out, from a compact
        spec (decimal strings; ``order`` is the id of an order created here):

        - ``charges``: ``[{"order", "amount" (default: the order's total),
          "fee"}]``;
        - ``refunds``: ``[{"order", "amount"}]`` (a positive amount refunded);
        - ``disputes``: ``[{"order", "amount", "fee"}]`` (a chargeback: the
          amount disputed and Shopify's chargeback fee, default 15.00);
        - ``adjustments``: ``[{"amount" (signed), "reason"}]``.

        The payout pays the sum of the nets; its summary adds up per
        category. ``payout_date`` (a date or ISO text) defaults to the day
        after the previous payout's, the first one 30 days ago.
        """
        with self.sim.lock:
            day = (
                date.fromisoformat(str(payout_date))
                if payout_date
                else next(self.payout_dates)
            )
            currency = currency or self.config["currency"]
            payout_id = self._next("payout")
            moment = datetime.combine(day, datetime.min.time(), timezone.utc)
            moment -= timedelta(days=2)
            transactions = []
            for source in self._payments_sources(
                charges, refunds, disputes, adjustments
            ):
                moment += timedelta(minutes=7)
                amount, fee = source.pop("amount"), source.pop("fee")
                transactions.append(
                    {
                        "id": self._next("balance_transaction"),
                        "type": source.pop("type"),
                        "test": False,
                        "payout_id": payout_id,
                        "currency": currency,
                        "amount": amount,
                        "fee": fee,
                        "net": money(amount - fee),
                        **source,
                        "processed_at": moment.isoformat(),
                        "_payout": payout_id,
                    }
                )
            payout = {
                "id": payout_id,
                "status": status,
                "date": day.isoformat(),
                "currency": currency,
                "amount": money(sum((Decimal(t["net"]) for t in transactions), ZERO)),
                "summary": _payout_summary(transactions),
            }
            for transaction in transactions:
                transaction["amount"] = money(transaction["amount"])
                transaction["fee"] = money(transaction["fee"])
            self.payouts[payout_id] = payout
            self.balance_transactions += transactions
            return copy.deepcopy(payout)

    def set_payout_status(self, payout_id, status):
        """Move a payout on (``scheduled`` to ``in_transit`` to ``paid``...)."""
        if status not in PAYOUT_STATUSES:
            raise ValueError(f"unknown payout status {status}")
        with self.sim.lock:
            self.payouts[int(payout_id)]["status"] = status
            return copy.deepcopy(self.payouts[int(payout_id)])

    def _payments_sources(self, charges, refunds, disputes, adjustments):
        """What each balance transaction of a payout comes from: its type,
        gross amount, fee, and source (an order's transaction or an
        adjustment)."""
        for kind, specs in (
            ("charge", charges),
            ("refund", refunds),
            ("dispute", disputes),
        ):
            for spec in specs:
                order = self._order_of(spec["order"])
                if kind == "charge":
                    amount = Decimal(str(spec.get("amount") or order["total_price"]))
                else:
                    amount = -Decimal(str(spec["amount"]))
                default_fee = "15.00" if kind == "dispute" else "0"
                yield {
                    "type": kind,
                    "amount": amount,
                    "fee": Decimal(str(spec.get("fee") or default_fee)),
                    "source_id": self._next("payments_source"),
                    "source_type": SOURCE_TYPES[kind],
                    "source_order_id": order["id"],
                    # A refund is its own order transaction; a charge and
                    # a dispute go back to the sale.
                    "source_order_transaction_id": self._next("transaction")
                    if kind == "refund"
                    else self.sale_transactions[order["id"]],
                    "adjustment_order_transactions": None,
                    "adjustment_reason": None,
                }
        for spec in adjustments:
            yield {
                "type": "adjustment",
                "amount": Decimal(str(spec["amount"])),
                "fee": ZERO,
                "source_id": self._next("payments_source"),
                "source_type": SOURCE_TYPES["adjustment"],
                "source_order_id": None,
                "source_order_transaction_id": None,
                "adjustment_order_transactions": [],
                "adjustment_reason": spec.get("reason") or "other",
            }

    # --- GraphQL (called under the simulator's lock) ---
    def _apply_fulfillment(self, plan, data):
        """Fulfil the planned fulfillment order lines with the REST
        ``fulfillment`` values ``data`` (tracking, notification); the
        fulfillment."""
        order = self.sim.orders[plan[0][0]["order_id"]]
        items = {item["id"]: item for item in order["line_items"]}
        now = self._stamp()
        fulfilled = []
        for fulfillment_order, fo_line, quantity in plan:
            fo_line["fulfillable_quantity"] -= quantity
            fulfillment_order["updated_at"] = now
            self._update_fulfillment_order_status(fulfillment_order)
            item = items[fo_line["line_item_id"]]
            item["fulfillable_quantity"] = fo_line["fulfillable_quantity"]
            item["fulfillment_status"] = (
                "partial" if item["fulfillable_quantity"] else "fulfilled"
            )
            fulfilled.append(dict(copy.deepcopy(item), quantity=quantity))
        order["fulfillment_status"] = (
            "partial"
            if any(item["fulfillable_quantity"] for item in order["line_items"])
            else "fulfilled"
        )
        order["updated_at"] = self._stamp(order["updated_at"])
        fulfillment = self._fulfillment(
            order, data, fulfilled, now, plan[0][0]["assigned_location_id"]
        )
        order["fulfillments"].append(fulfillment)
        self.sim.fulfillments.append(
            {
                "order_id": order["id"],
                "fulfillment_id": fulfillment["id"],
                "tracking_company": fulfillment["tracking_company"],
                "tracking_number": fulfillment["tracking_number"],
                "tracking_numbers": fulfillment["tracking_numbers"],
                "tracking_url": fulfillment["tracking_url"],
                "notify_customer": bool(data.get("notify_customer")),
                "line_items": [
                    {
                        "line_item_id": i["id"],
                        "sku": i["sku"],
                        "quantity": i["quantity"],
                    }
                    for i in fulfilled
                ],
                "location_id": fulfillment["location_id"],
            }
        )
        return fulfillment

    def _fulfillment_plan(self, groups):
        """``[(fulfillment order, its line, quantity)]`` or the reason the
        request is refused; an empty line list takes all that is left."""
        plan = []
        for group in groups:
            fulfillment_order = self.fulfillment_orders.get(
                int(group.get("fulfillment_order_id") or 0)
            )
            if fulfillment_order is None:
                return None, "Fulfillment order does not exist."
            if fulfillment_order["status"] == "closed":
                return None, "Fulfillment order is closed."
            lines = {line["id"]: line for line in fulfillment_order["line_items"]}
            wanted = group.get("fulfillment_order_line_items") or [
                {"id": line["id"], "quantity": line["fulfillable_quantity"]}
                for line in lines.values()
                if line["fulfillable_quantity"]
            ]
            for entry in wanted:
                line = lines.get(int(entry.get("id") or 0))
                if line is None:
                    return None, "Fulfillment order line item does not exist."
                if (
                    not 0
                    < int(entry.get("quantity", 0))
                    <= line["fulfillable_quantity"]
                ):
                    return (
                        None,
                        "Invalid fulfillment order line item quantity requested.",
                    )
                plan.append((fulfillment_order, line, int(entry["quantity"])))
        if not plan:
            return None, "line_items_by_fulfillment_order is required."
        if (
            len({fulfillment_order["order_id"] for fulfillment_order, _l, _q in plan})
            > 1
        ):
            return None, "All fulfillment orders must belong to the same order."
        locations = {order["assigned_location_id"] for order, _line, _qty in plan}
        if len(locations) > 1:
            return None, "All fulfillment orders must be assigned to the same location."
        return plan, None

    def _fulfillment(self, order, data, line_items, now, location_id):
        tracking = data.get("tracking_info") or {}
        number, url = tracking.get("number"), tracking.get("url")
        numbers = tracking.get("numbers") or ([number] if number else [])
        fulfillment_id = self._next("fulfillment")
        return {
            "id": fulfillment_id,
            "admin_graphql_api_id": gid("Fulfillment", fulfillment_id),
            "order_id": order["id"],
            "name": f"{order['name']}.{len(order['fulfillments']) + 1}",
            "status": "success",
            "service": "manual",
            "location_id": location_id,
            "shipment_status": None,
            "tracking_company": tracking.get("company"),
            "tracking_number": number,
            "tracking_numbers": numbers,
            "tracking_url": url,
            "tracking_urls": [url] if url else [],
            "line_items": line_items,
            "created_at": now,
            "updated_at": now,
        }

    def _graphql(self, query, body):
        """The operations the connector sends, chosen by operation name (or,
        for the stock mutation, by its field): the query text is not parsed,
        each answer carries every field the connector selects. Query cost is
        accounted in the shop's leaky bucket (see README.md)."""
        text = body.get("query") or ""
        variables = body.get("variables") or {}
        name = re.match(r"\s*(?:query|mutation)\s+(\w+)", text)
        name = name.group(1) if name else ""
        self.graphql_operations[name] += 1
        operation = self._operations().get(name)
        if operation:
            return self._run_operation(operation, variables)
        if "inventorySetQuantities" in text:
            return self._graphql_answer(
                MUTATION_COST,
                lambda values: self._inventory_mutation(values, text),
                variables,
            )
        if name == "PollOrders":
            return self._graphql_answer(
                _orders_cost(variables), self._orders_query, variables
            )
        if name == "OrderLineItems":
            return self._graphql_answer(
                3 + int(variables.get("first") or 0), self._line_items_query, variables
            )
        if name in self.CATALOG_OPERATIONS:
            cost, method = self.CATALOG_OPERATIONS[name]
            return self._graphql_answer(
                cost(variables), getattr(self, method), variables, name
            )
        return 200, {
            "errors": [
                {
                    "message": "The simulator serves the operations PollOrders, "
                    "OrderLineItems, inventorySetQuantities, "
                    f"{', '.join(sorted(self._operations()))} and those of the "
                    f"catalog: {', '.join(self.CATALOG_OPERATIONS)}.",
                }
            ]
        }

    def _graphql_answer(self, requested, operation, variables, name=None):
        """``operation(variables)`` -> ``(data or errors, actual cost)``, run
        only when the bucket holds the ``requested`` cost; THROTTLED
        otherwise, as Shopify answers (HTTP 200)."""
        if not self._take_points(requested):
            self.graphql_throttled += 1
            return 200, {
                "errors": [
                    {
                        "message": "Throttled",
                        "extensions": {
                            "code": "THROTTLED",
                            "documentation": "https://shopify.dev/api/usage/limits",
                        },
                    }
                ],
                "extensions": {"cost": self._cost(requested, None)},
            }
        answer, actual = operation(variables)
        # Shopify refunds the difference between the estimate and the cost.
        self.points = min(self.config["points_max"], self.points + requested - actual)
        self.graphql_calls.append(
            {
                "requested": requested,
                "actual": actual,
                "variables": variables,
                "name": name,
                "at": time.monotonic(),
            }
        )
        return 200, dict(answer, extensions={"cost": self._cost(requested, actual)})

    def _api_version(self):
        """The API version of the request being answered."""
        found = re.search(r"/admin/api/([^/]+)/", self.request_path or "")
        return found.group(1) if found else self.config["api_version"]

    def _inventory_mutation(self, variables, text):
        """``inventorySetQuantities`` as the request's API version has it
        (https://shopify.dev/changelog/concurrency-protection-features):
        from 2026-01 an ``@idempotent(key:)`` directive is understood (a
        repeated key answers the first call's result, changing nothing),
        from 2026-04 it is required, and so is ``changeFromQuantity`` on
        each quantity, ``compareQuantity`` and ``ignoreCompareQuantity``
        being gone."""
        data = variables.get("input")
        if not isinstance(data, dict):
            return _request_error(
                "Variable $input of type InventorySetQuantitiesInput! was "
                "provided invalid value",
                "INVALID_VARIABLE",
            ), MUTATION_COST
        version = self._api_version()
        if version >= CHANGE_FROM_REQUIRED_VERSION:
            removed = [
                name
                for name in ("ignoreCompareQuantity", "compareQuantity")
                if name in data
                or any(name in entry for entry in data.get("quantities") or [])
            ]
            if removed:
                return _request_error(
                    f"InputObject 'InventorySetQuantitiesInput' doesn't accept "
                    f"argument '{removed[0]}'",
                    "argumentNotAccepted",
                ), MUTATION_COST
        key = None
        if version >= CHANGE_FROM_VERSION:
            key = _idempotency_key(text, variables)
            if key is None and version >= CHANGE_FROM_REQUIRED_VERSION:
                return _request_error(
                    "This mutation requires an idempotency key: the "
                    "@idempotent(key:) directive.",
                    "BAD_REQUEST",
                ), MUTATION_COST
        if key is not None:
            sent = json.dumps(data, sort_keys=True)
            if key in self.idempotent:
                first_sent, answer = self.idempotent[key]
                if first_sent != sent:
                    return _request_error(
                        "The idempotency key was already used with other arguments.",
                        "BAD_REQUEST",
                    ), MUTATION_COST
                self.idempotent_replays += 1
                return copy.deepcopy(answer), MUTATION_COST
        errors, changes = self._set_quantities(data, version)
        group = None
        if not errors:
            group = {
                "createdAt": self._stamp(),
                "reason": data["reason"],
                "referenceDocumentUri": data.get("referenceDocumentUri"),
                "changes": changes,
            }
        result = {"inventoryAdjustmentGroup": group, "userErrors": errors}
        answer = {"data": {"inventorySetQuantities": result}}
        if key is not None:
            self.idempotent[key] = (sent, copy.deepcopy(answer))
        return answer, MUTATION_COST

    def _orders_query(self, variables):
        """``orders(first, after, sortKey: UPDATED_AT, query)``: the query
        understands ``updated_at:>='<time>'``; cursors are opaque and stable
        (the last node's sort key)."""
        since = re.search(
            r"updated_at:>=['\"]?([^'\"\s]+)", variables.get("query") or ""
        )
        orders = sorted(
            (
                order
                for order in self.sim.orders.values()
                if not since
                or parse_time(order["updated_at"]) >= parse_time(since.group(1))
            ),
            key=_order_key,
        )
        after = _decode_cursor(variables.get("after"))
        if after is not None:
            orders = [order for order in orders if _order_key(order) > tuple(after)]
        first = int(variables["first"])
        page, line_first = orders[:first], int(variables["lineFirst"])
        nodes = [_order_node(order, line_first) for order in page]
        actual = 2 + sum(
            ORDER_POINTS + len(node["lineItems"]["nodes"]) for node in nodes
        )
        return {
            "data": {
                "orders": {
                    "nodes": nodes,
                    "pageInfo": {
                        "hasNextPage": len(orders) > first,
                        "endCursor": _cursor(_order_key(page[-1])) if page else None,
                    },
                }
            }
        }, actual

    def _line_items_query(self, variables):
        order = self.sim.orders.get(_gid_number(variables.get("id")))
        if order is None:
            return {"data": {"order": None}}, 1
        start = _decode_cursor(variables.get("after")) or 0
        connection = _line_items(order, int(variables["first"]), start)
        return {"data": {"order": {"lineItems": connection}}}, 3 + len(
            connection["nodes"]
        )

    def _take_points(self, requested):
        now = time.monotonic()
        self.points = min(
            self.config["points_max"],
            self.points + (now - self.points_at) * self.config["points_restore"],
        )
        self.points_at = now
        if requested > self.points:
            return False
        self.points -= requested
        return True

    def _set_quantities(self, data, version):
        """``(userErrors, changes)``: all quantities are set, or none."""
        quantities = data.get("quantities") or []
        if len(quantities) > MAX_QUANTITIES:
            return [
                _user_error(
                    "MAX_INPUT_SIZE_EXCEEDED",
                    ["input", "quantities"],
                    f"The input array size of {len(quantities)} is greater than "
                    f"the maximum allowed of {MAX_QUANTITIES}.",
                )
            ], []
        if data.get("name") != "available":
            return [
                _user_error(
                    "INVALID_NAME", ["input", "name"], "The simulator sets 'available'."
                )
            ], []
        if data.get("reason") not in REASONS:
            return [
                _user_error(
                    "INVALID_REASON", ["input", "reason"], "The reason is invalid."
                )
            ], []
        errors, plan = [], []
        for index, entry in enumerate(quantities):
            field = ["input", "quantities", str(index)]
            item_id = _gid_number(entry.get("inventoryItemId"))
            level = self.levels.get((item_id, _gid_number(entry.get("locationId"))))
            if item_id not in self.items:
                errors.append(
                    _user_error(
                        "INVALID_INVENTORY_ITEM",
                        field + ["inventoryItemId"],
                        "The specified inventory item could not be found.",
                    )
                )
            elif level is None:
                errors.append(
                    _user_error(
                        "INVALID_LOCATION",
                        field + ["locationId"],
                        "The specified location could not be found.",
                    )
                )
            elif stale := _compare_error(data, entry, level, field, version):
                errors.append(stale)
            else:
                plan.append((item_id, level, int(entry["quantity"])))
        if errors:
            return errors, []
        changes = []
        for item_id, level, quantity in plan:
            changes.append(
                {
                    "name": "available",
                    "delta": quantity - level["available"],
                    "quantityAfterChange": quantity,
                }
            )
            self._set_available(item_id, quantity, level["location_id"])
            self.sim.stock_updates.append(
                {"sku": self.items[item_id]["sku"], "quantity": quantity}
            )
        return [], changes

    def _cost(self, requested, actual):
        """``extensions.cost``: the bucket after the query (``actual`` is
        None for a query refused as THROTTLED)."""
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": self.config["points_max"],
                "currentlyAvailable": int(self.points),
                "restoreRate": self.config["points_restore"],
            },
        }

    # --- GraphQL operations beyond the order poll and stock (by name) ---
    def _operations(self):
        """``{operation name: (requested cost of the variables, handler,
        access scope it needs)}``; a handler answers ``(answer, actual
        cost)``."""
        return {
            "ShopAccess": (lambda v: 2, self._shop_access, None),
            "FulfillmentOrders": (
                lambda v: 2 + int(v["first"]) * (5 + 3 * int(v["lineFirst"])),
                self._fulfillment_orders_query,
                "read_merchant_managed_fulfillment_orders",
            ),
            "FulfillmentOrderLines": (
                lambda v: 2 + 3 * int(v["first"]),
                self._fulfillment_order_lines_query,
                "read_merchant_managed_fulfillment_orders",
            ),
            "fulfillmentCreate": (
                lambda v: MUTATION_COST,
                self._fulfillment_create,
                "write_merchant_managed_fulfillment_orders",
            ),
            "Refund": (
                lambda v: 63 + 6 * int(v["first"]),
                self._refund_query,
                "read_orders",
            ),
            "OrderCancelState": (lambda v: 2, self._order_cancel_state, "read_orders"),
            "orderCancel": (
                lambda v: MUTATION_COST,
                self._order_cancel,
                "write_orders",
            ),
            "OrderRefundState": (
                lambda v: 103,
                self._order_refund_state,
                "read_orders",
            ),
            "refundCreate": (
                lambda v: MUTATION_COST,
                self._refund_create,
                "write_orders",
            ),
            "OrderReturnState": (
                lambda v: 543,
                self._order_return_state,
                "read_returns",
            ),
            "returnCreate": (
                lambda v: MUTATION_COST,
                self._return_create,
                "write_returns",
            ),
            "ReturnReasonDefinitions": (
                lambda v: 2 + int(v["first"]),
                self._return_reason_definitions,
                "read_returns",
            ),
            "ShopifyPaymentsPayouts": (
                lambda v: 3 + 15 * int(v["first"]),
                self._payouts_query,
                "read_shopify_payments_payouts",
            ),
            "ShopifyPaymentsBalanceTransactions": (
                lambda v: 3 + 6 * int(v["first"]),
                self._balance_transactions_query,
                "read_shopify_payments_payouts",
            ),
            "WebhookSubscriptions": (
                lambda v: 2 + int(v["first"]),
                self._webhook_subscriptions_query,
                None,
            ),
            "webhookSubscriptionCreate": (
                lambda v: MUTATION_COST,
                self._webhook_subscription_create,
                None,
            ),
            "webhookSubscriptionDelete": (
                lambda v: MUTATION_COST,
                self._webhook_subscription_delete,
                None,
            ),
        }

    def _granted(self, scope):
        """Whether the app holds ``scope`` (a write scope grants its read)."""
        granted = set(self.config["access_scopes"])
        return scope in granted or scope.replace("read_", "write_", 1) in granted

    def _run_operation(self, operation, variables):
        requested, handler, scope = operation
        if scope and not self._granted(scope):
            return 200, {
                "errors": [
                    {
                        "message": "Access denied. Required access: "
                        f"`{scope}` access scope.",
                        "extensions": {"code": "ACCESS_DENIED"},
                    }
                ]
            }
        failing = self._failing_transfer(variables)
        if failing:
            return failing, {"errors": phrase(failing)}
        try:
            cost = requested(variables)
        except (KeyError, TypeError, ValueError):
            return 200, {"errors": [{"message": "Variables are missing or invalid."}]}
        return self._graphql_answer(cost, handler, variables)

    def _failing_transfer(self, variables):
        """The HTTP status configured for the payout whose balance
        transactions are asked (``failing_payouts``), else None."""
        transfer = re.search(
            r"payments_transfer_id:(\d+)", variables.get("query") or ""
        )
        failing = {
            str(key): status
            for key, status in (self.config.get("failing_payouts") or {}).items()
        }
        return (
            int(failing[transfer[1]]) if transfer and transfer[1] in failing else None
        )

    def _shop_access(self, variables):
        scopes = [{"handle": scope} for scope in self.config["access_scopes"]]
        return {
            "data": {
                "shop": {
                    "name": "Sim Shop",
                    "myshopifyDomain": self.config["shop_domain"],
                },
                "currentAppInstallation": {"accessScopes": scopes},
            }
        }, 2

    # fulfilment
    def move_fulfillment_order_lines(self, order_id, location_id, lines=None):
        """Move ``lines`` (``{line item id: quantity}``; None: all that is
        left) of the order's open fulfillment orders to a new fulfillment
        order at ``location_id``, as ``fulfillmentOrderMove`` does; the new
        fulfillment order."""
        with self.sim.lock:
            order = self._order_of(order_id)
            moved_id = self._next("fulfillment_order")
            moved_lines = []
            for fulfillment_order in self._fulfillment_orders_of(order["id"]):
                if fulfillment_order["status"] not in ("open", "in_progress"):
                    continue
                for line in fulfillment_order["line_items"]:
                    wanted = (
                        line["fulfillable_quantity"]
                        if lines is None
                        else int(lines.get(line["line_item_id"], 0))
                    )
                    quantity = min(wanted, line["fulfillable_quantity"])
                    if quantity <= 0:
                        continue
                    line["quantity"] -= quantity
                    line["fulfillable_quantity"] -= quantity
                    moved_lines.append(
                        dict(
                            line,
                            id=self._next("fulfillment_order_line"),
                            fulfillment_order_id=moved_id,
                            quantity=quantity,
                            fulfillable_quantity=quantity,
                        )
                    )
                self._update_fulfillment_order_status(fulfillment_order)
            now = self._stamp()
            moved = {
                "id": moved_id,
                "shop_id": SHOP_ID,
                "order_id": order["id"],
                "assigned_location_id": int(location_id),
                "request_status": "unsubmitted",
                "status": "open",
                "supported_actions": ["create_fulfillment"],
                "fulfillment_holds": [],
                "line_items": moved_lines,
                "created_at": now,
                "updated_at": now,
            }
            self.fulfillment_orders[moved_id] = moved
            return copy.deepcopy(moved)

    def _fulfillment_order_node(self, fulfillment_order, line_first):
        location = fulfillment_order["assigned_location_id"]
        return {
            "id": gid("FulfillmentOrder", fulfillment_order["id"]),
            "status": fulfillment_order["status"].upper(),
            "assignedLocation": {
                "name": self.config["locations"].get(location)
                or self.config["locations"].get(str(location)),
                "location": {"id": gid("Location", location)},
            },
            "lineItems": _fulfillment_order_lines(fulfillment_order, line_first),
        }

    def _fulfillment_orders_query(self, variables):
        order = self.sim.orders.get(_gid_number(variables.get("id")))
        if order is None:
            return {"data": {"order": None}}, 1
        orders = sorted(self._fulfillment_orders_of(order["id"]), key=lambda o: o["id"])
        start = _decode_cursor(variables.get("after")) or 0
        first = int(variables["first"])
        page = orders[start : start + first]
        nodes = [
            self._fulfillment_order_node(fulfillment_order, int(variables["lineFirst"]))
            for fulfillment_order in page
        ]
        connection = {
            "nodes": nodes,
            "pageInfo": {
                "hasNextPage": start + first < len(orders),
                "endCursor": _cursor(start + len(page)) if page else None,
            },
        }
        actual = 2 + sum(5 + 3 * len(node["lineItems"]["nodes"]) for node in nodes)
        return {"data": {"order": {"fulfillmentOrders": connection}}}, actual

    def _fulfillment_order_lines_query(self, variables):
        fulfillment_order = self.fulfillment_orders.get(
            _gid_number(variables.get("id"))
        )
        if fulfillment_order is None:
            return {"data": {"fulfillmentOrder": None}}, 1
        start = _decode_cursor(variables.get("after")) or 0
        connection = _fulfillment_order_lines(
            fulfillment_order, int(variables["first"]), start
        )
        return {"data": {"fulfillmentOrder": {"lineItems": connection}}}, 2 + 3 * len(
            connection["nodes"]
        )

    def _fulfillment_create(self, variables):
        """``fulfillmentCreate(fulfillment: FulfillmentInput!)``: the planned
        lines fulfilled with their tracking, or userErrors and nothing
        fulfilled."""
        data = variables.get("fulfillment") or {}
        groups = [
            {
                "fulfillment_order_id": _gid_number(group.get("fulfillmentOrderId")),
                "fulfillment_order_line_items": [
                    {
                        "id": _gid_number(line.get("id")),
                        "quantity": line.get("quantity"),
                    }
                    for line in group.get("fulfillmentOrderLineItems") or []
                ],
            }
            for group in data.get("lineItemsByFulfillmentOrder") or []
        ]
        plan, error = self._fulfillment_plan(groups)
        if error:
            result = {
                "fulfillment": None,
                "userErrors": [
                    _user_error(
                        None, ["fulfillment", "lineItemsByFulfillmentOrder"], error
                    )
                ],
            }
            return {"data": {"fulfillmentCreate": result}}, MUTATION_COST
        tracking = data.get("trackingInfo") or {}
        fulfillment = self._apply_fulfillment(
            plan,
            {
                "tracking_info": {
                    key: tracking.get(key)
                    for key in ("number", "numbers", "company", "url")
                },
                "notify_customer": data.get("notifyCustomer", False),
            },
        )
        result = {
            "fulfillment": {
                "id": fulfillment["admin_graphql_api_id"],
                "status": fulfillment["status"].upper(),
            },
            "userErrors": [],
        }
        return {"data": {"fulfillmentCreate": result}}, MUTATION_COST

    # refunds
    def _refund_query(self, variables):
        """``refund(id)``, its refund line items paged by cursor."""
        refund_id = _gid_number(variables.get("id"))
        for order in self.sim.orders.values():
            for refund in order["refunds"]:
                if refund["id"] == refund_id:
                    node = _refund_node(refund, order["currency"])
                    start = _decode_cursor(variables.get("after")) or 0
                    first = int(variables["first"])
                    lines = node["refundLineItems"]["nodes"]
                    page = lines[start : start + first]
                    node["refundLineItems"] = {
                        "nodes": page,
                        "pageInfo": {
                            "hasNextPage": start + first < len(lines),
                            "endCursor": _cursor(start + len(page)) if page else None,
                        },
                    }
                    return {"data": {"refund": node}}, 10 + 6 * len(page)
        return {"data": {"refund": None}}, 1

    # changes made by the app: cancellations and refunds
    def _order_cancel_state(self, variables):
        order = self.sim.orders.get(_gid_number(variables.get("id")))
        if order is None:
            return {"data": {"order": None}}, 1
        node = {
            "id": order["admin_graphql_api_id"],
            "name": order["name"],
            "cancelledAt": order["cancelled_at"],
            "displayFulfillmentStatus": _display_fulfillment_status(order),
        }
        return {"data": {"order": node}}, 2

    def _order_cancel(self, variables):
        """``orderCancel``: refused (``orderCancelUserErrors``) for an order
        cancelled already or with fulfilments; else cancelled at once (the
        job answered done), its stock restocked when asked, what was paid
        refunded when asked (``refund``, or ``refundMethod``'s
        ``originalPaymentMethodsRefund``), and ``orders/cancelled`` (after
        ``refunds/create``) sent."""
        order = self.sim.orders.get(_gid_number(variables.get("orderId")))
        errors = []
        if order is None:
            errors.append(_user_error("NOT_FOUND", ["orderId"], "Order not found"))
        elif order["cancelled_at"]:
            errors.append(
                _user_error("INVALID", ["orderId"], "Order has already been cancelled")
            )
        elif order["fulfillments"]:
            errors.append(
                _user_error(
                    "INVALID",
                    ["orderId"],
                    "Cannot cancel an order that has fulfillments",
                )
            )
        if errors:
            result = {"job": None, "orderCancelUserErrors": errors, "userErrors": []}
            return {"data": {"orderCancel": result}}, MUTATION_COST
        refund = variables.get("refund")
        if refund is None:
            refund = (variables.get("refundMethod") or {}).get(
                "originalPaymentMethodsRefund", False
            )
        restock = "cancel" if variables.get("restock") else "no_restock"
        if refund and order["financial_status"] in PAID_STATUSES:
            lines = [
                {
                    "line_item_id": item["id"],
                    "quantity": item["current_quantity"],
                    "restock_type": restock,
                }
                for item in order["line_items"]
                if item["current_quantity"]
            ]
            refunded_shipping = sum(
                (
                    Decimal(line["subtotal_amount"])
                    for r in order["refunds"]
                    for line in r.get("refund_shipping_lines") or []
                ),
                ZERO,
            )
            shipping = (
                Decimal(order["shipping_lines"][0]["price"]) - refunded_shipping
                if order["shipping_lines"]
                else None
            )
            self._refund_now(order, lines, shipping or None, None)
        elif variables.get("restock"):
            for item in order["line_items"]:
                variant = self.variants.get(item["variant_id"])
                if variant and item["current_quantity"]:
                    self._adjust_available(
                        variant["inventory_item_id"], item["current_quantity"]
                    )
        now = self._stamp(order["updated_at"])
        order.update(
            cancelled_at=now,
            cancel_reason=(variables.get("reason") or "other").lower(),
            closed_at=order["closed_at"] or now,
            updated_at=now,
        )
        for fulfillment_order in self._fulfillment_orders_of(order["id"]):
            fulfillment_order["status"] = "closed"
        self.echo("orders/cancelled", order)
        job = {"id": gid("Job", uuid.uuid4()), "done": True}
        result = {"job": job, "orderCancelUserErrors": [], "userErrors": []}
        return {"data": {"orderCancel": result}}, MUTATION_COST

    def _order_refund_state(self, variables):
        """The order's transactions (its sale, then its refunds' own) and
        refunds with their notes."""
        order = self.sim.orders.get(_gid_number(variables.get("id")))
        if order is None:
            return {"data": {"order": None}}, 1
        sale = {
            "id": self.sale_transactions[order["id"]],
            "kind": "sale",
            "status": "success"
            if order["financial_status"] in PAID_STATUSES
            else "pending",
            "gateway": order["payment_gateway_names"][0],
            "amount": order["total_price"],
            "currency": order["currency"],
        }
        transactions = [sale] + [
            t for refund in order["refunds"] for t in refund["transactions"]
        ]
        node = {
            "id": order["admin_graphql_api_id"],
            "name": order["name"],
            "transactions": [_transaction_node(t) for t in transactions],
            "refunds": [
                {"id": gid("Refund", refund["id"]), "note": refund.get("note")}
                for refund in order["refunds"]
            ],
        }
        return {"data": {"order": node}}, 3 + len(transactions) + len(order["refunds"])

    def _refund_create(self, variables):
        """``refundCreate(input: RefundInput!)``: the line items (their
        ``restockType``) and shipping refunded with amounts prorated from
        the order's, the money given back the transactions' amount (a
        difference from the lines is recorded as a ``refund_discrepancy``
        adjustment, as Shopify does); ``refunds/create`` and
        ``orders/updated`` sent. A transaction whose parent is not the
        order's sale, or more money than is left, is refused in
        ``userErrors``. The ``@idempotent`` key is not remembered: the
        connector's note carries it."""
        data = variables.get("input") or {}
        order = self.sim.orders.get(_gid_number(data.get("orderId")))
        if order is None:
            return self._refund_refused(["input", "orderId"], "Order does not exist")
        transactions = data.get("transactions") or []
        amount = sum((Decimal(str(t.get("amount"))) for t in transactions), ZERO)
        refunded = sum(
            (Decimal(t["amount"]) for r in order["refunds"] for t in r["transactions"]),
            ZERO,
        )
        if any(
            _gid_number(t.get("parentId")) != self.sale_transactions[order["id"]]
            for t in transactions
        ):
            return self._refund_refused(
                ["input", "transactions", "0", "parentId"], "Parent is invalid"
            )
        if amount > Decimal(order["total_price"]) - refunded:
            return self._refund_refused(
                ["input", "transactions", "0", "amount"],
                "Amount exceeds the amount that can be refunded",
            )
        lines = [
            {
                "line_item_id": _gid_number(line.get("lineItemId")),
                "quantity": line.get("quantity"),
                "restock_type": RESTOCK_TYPES.get(
                    line.get("restockType") or "NO_RESTOCK", "no_restock"
                ),
            }
            for line in data.get("refundLineItems") or []
        ]
        shipping = (data.get("shipping") or {}).get("amount")
        try:
            refund = self._refund_now(
                order,
                lines,
                shipping,
                data.get("note"),
                amount if transactions else None,
            )
        except (LookupError, ValueError) as error:
            return self._refund_refused(["input"], str(error))
        result = {"refund": {"id": gid("Refund", refund["id"])}, "userErrors": []}
        return {"data": {"refundCreate": result}}, MUTATION_COST

    @staticmethod
    def _refund_refused(field, message):
        result = {"refund": None, "userErrors": [_user_error(None, field, message)]}
        return {"data": {"refundCreate": result}}, MUTATION_COST

    # returns
    def _fulfillment_line_nodes(self, order):
        """``[(fulfillment, [FulfillmentLineItem node])]`` of the order."""
        fulfilled = []
        for fulfillment in order["fulfillments"]:
            nodes = []
            for item in fulfillment["line_items"]:
                key = (fulfillment["id"], item["id"])
                if key not in self.fulfillment_line_items:
                    self.fulfillment_line_items[key] = self._next(
                        "fulfillment_line_item"
                    )
                nodes.append(
                    {
                        "id": gid(
                            "FulfillmentLineItem", self.fulfillment_line_items[key]
                        ),
                        "quantity": item["quantity"],
                        "lineItem": {"id": gid("LineItem", item["id"])},
                    }
                )
            fulfilled.append((fulfillment, nodes))
        return fulfilled

    def _return_node(self, shop_return):
        return {
            "id": gid("Return", shop_return["id"]),
            "name": shop_return["name"],
            "status": shop_return["status"],
            "returnLineItems": {
                "nodes": [
                    {
                        "quantity": line["quantity"],
                        "returnReason": line["return_reason"],
                        "returnReasonDefinition": _return_reason_definition(
                            line.get("return_reason_definition")
                        ),
                        "returnReasonNote": line["return_reason_note"],
                        "fulfillmentLineItem": {
                            "id": gid(
                                "FulfillmentLineItem", line["fulfillment_line_item_id"]
                            )
                        },
                    }
                    for line in shop_return["return_line_items"]
                ]
            },
        }

    def _order_return_state(self, variables):
        """``order(id)`` with its fulfilments' line items and its returns."""
        order = self.sim.orders.get(_gid_number(variables.get("id")))
        if order is None:
            return {"data": {"order": None}}, 1
        node = dict(
            id=order["admin_graphql_api_id"],
            name=order["name"],
            fulfillments=[
                {
                    "id": fulfillment["admin_graphql_api_id"],
                    "fulfillmentLineItems": {"nodes": nodes},
                }
                for fulfillment, nodes in self._fulfillment_line_nodes(order)
            ],
            returns={
                "nodes": [
                    self._return_node(shop_return)
                    for shop_return in self.returns.get(order["id"], [])
                ]
            },
        )
        return {"data": {"order": node}}, 3 + 3 * len(node["fulfillments"])

    def _return_reason_definitions(self, variables):
        """``returnReasonDefinitions(first, handles)`` from 2026-01: the
        library's definitions of those handles (every one without); a
        field the schema lacks before."""
        if self._api_version() < RETURN_REASON_DEFINITION_VERSION:
            return _request_error(
                "Field 'returnReasonDefinitions' doesn't exist on type 'QueryRoot'",
                "undefinedField",
            ), 1
        handles = variables.get("handles")
        found = [
            _return_reason_definition(handle)
            for handle in sorted(RETURN_REASON_DEFINITIONS)
            if handles is None or handle in handles
        ][: int(variables["first"])]
        result = {"nodes": found, "pageInfo": {"hasNextPage": False}}
        return {"data": {"returnReasonDefinitions": result}}, 2 + len(found)

    def _return_create(self, variables):
        """``returnCreate(returnInput: ReturnInput!)``: an OPEN return of
        the fulfillment line items, or ``userErrors`` and none for an
        unknown order or fulfillment line item, a reason outside
        ``ReturnReason``, a ``returnReasonDefinitionId`` (2026-01 on; the
        request refused before) of no definition, or more units than were
        fulfilled and not returned yet."""
        data = variables.get("returnInput") or {}
        if self._api_version() < RETURN_REASON_DEFINITION_VERSION and any(
            "returnReasonDefinitionId" in line
            for line in data.get("returnLineItems") or []
        ):
            return _request_error(
                "InputObject 'ReturnLineItemInput' doesn't accept argument "
                "'returnReasonDefinitionId'",
                "argumentNotAccepted",
            ), MUTATION_COST
        order = self.sim.orders.get(_gid_number(data.get("orderId")))
        if order is None:
            return self._return_refused(["returnInput", "orderId"], "Order not found")
        fulfilled = {
            node["id"]: node
            for _fulfillment, nodes in self._fulfillment_line_nodes(order)
            for node in nodes
        }
        returned = Counter()
        for shop_return in self.returns.get(order["id"], []):
            if shop_return["status"] not in ("CANCELED", "DECLINED"):
                for line in shop_return["return_line_items"]:
                    returned[line["fulfillment_line_item_id"]] += line["quantity"]
        lines = []
        for index, line in enumerate(data.get("returnLineItems") or []):
            field = ["returnInput", "returnLineItems", str(index)]
            node = fulfilled.get(line.get("fulfillmentLineItemId"))
            if node is None:
                return self._return_refused(
                    field + ["fulfillmentLineItemId"],
                    "Fulfillment line item does not exist.",
                )
            number = _gid_number(node["id"])
            quantity = int(line.get("quantity") or 0)
            if not 0 < quantity <= node["quantity"] - returned[number]:
                return self._return_refused(
                    field + ["quantity"],
                    "Quantity is not available for return.",
                )
            definition = None
            if line.get("returnReasonDefinitionId") is not None:
                definition = _definition_handle(line["returnReasonDefinitionId"])
                if definition is None:
                    return self._return_refused(
                        field + ["returnReasonDefinitionId"],
                        "Return reason definition does not exist.",
                    )
            reason = line.get("returnReason") or "UNKNOWN"
            if reason not in RETURN_REASONS:
                return self._return_refused(
                    field + ["returnReason"], "Return reason is invalid."
                )
            returned[number] += quantity
            lines.append(
                {
                    "id": self._next("return_line_item"),
                    "fulfillment_line_item_id": number,
                    "line_item_id": _gid_number(node["lineItem"]["id"]),
                    "quantity": quantity,
                    "return_reason": reason,
                    "return_reason_definition": definition,
                    "return_reason_note": (line.get("returnReasonNote") or "")[:255],
                }
            )
        if not lines:
            return self._return_refused(
                ["returnInput", "returnLineItems"], "Return line items are required."
            )
        returns = self.returns.setdefault(order["id"], [])
        shop_return = {
            "id": self._next("return"),
            "name": f"{order['name']}-R{len(returns) + 1}",
            "status": "OPEN",
            "notify_customer": bool(data.get("notifyCustomer")),
            "return_line_items": lines,
        }
        returns.append(shop_return)
        node = self._return_node(shop_return)
        result = {
            "return": {key: node[key] for key in ("id", "name", "status")},
            "userErrors": [],
        }
        return {"data": {"returnCreate": result}}, MUTATION_COST

    @staticmethod
    def _return_refused(field, message):
        result = {
            "return": None,
            "userErrors": [_user_error("INVALID", field, message)],
        }
        return {"data": {"returnCreate": result}}, MUTATION_COST

    def _refund_now(self, order, lines, shipping, note, amount=None):
        """Refund on the order, under the lock, the webhooks queued; with
        ``amount``, the money given back whatever the lines are worth."""
        refund = self._build_refund(order, lines, shipping, note)
        if amount is not None:
            transaction = refund["transactions"][0]
            difference = Decimal(transaction["amount"]) - amount
            transaction["amount"] = money(amount)
            if difference:
                adjustment = {
                    "id": self._next("adjustment"),
                    "order_id": order["id"],
                    "refund_id": refund["id"],
                    "kind": "refund_discrepancy",
                    "reason": "Refund discrepancy",
                }
                _set_money(
                    adjustment, order["currency"], amount=difference, tax_amount=ZERO
                )
                refund["order_adjustments"].append(adjustment)
        order["refunds"].append(refund)
        self._refresh_current_totals(order)
        order["updated_at"] = self._stamp(order["updated_at"])
        self.echo("refunds/create", refund)
        self.echo("orders/updated", order)
        return refund

    # Shopify Payments
    def _payouts_query(self, variables):
        """``shopifyPaymentsAccount.payouts``, sorted by issue date; the
        query understands ``status:<status>`` and ``issued_at:>=<date>``."""
        search = variables.get("query") or ""
        status = re.search(r"status:(\w+)", search)
        since = re.search(r"issued_at:>=['\"]?(\d{4}-\d{2}-\d{2})", search)
        payouts = sorted(
            (
                payout
                for payout in self.payouts.values()
                if (not status or payout["status"] == status[1].lower())
                and (not since or payout["date"] >= since[1])
            ),
            key=lambda payout: (payout["date"], payout["id"]),
        )
        connection = _paged(payouts, variables, self._payout_node)
        return {
            "data": {"shopifyPaymentsAccount": {"payouts": connection}}
        }, 3 + 15 * len(connection["nodes"])

    def _payout_node(self, payout):
        currency = payout["currency"]
        summary = {}
        for key, (gross, fee) in SUMMARY_FIELDS.items():
            summary[gross] = _money_v2(
                payout["summary"][f"{key}_gross_amount"], currency
            )
            summary[fee] = _money_v2(payout["summary"][f"{key}_fee_amount"], currency)
        summary["advanceGross"] = summary["advanceFees"] = _money_v2("0.00", currency)
        return {
            "id": gid("ShopifyPaymentsPayout", payout["id"]),
            "legacyResourceId": str(payout["id"]),
            "status": payout["status"].upper(),
            "issuedAt": f"{payout['date']}T00:00:00Z",
            "net": _money_v2(payout["amount"], currency),
            "summary": summary,
        }

    def _balance_transactions_query(self, variables):
        """``shopifyPaymentsAccount.balanceTransactions``; the query
        understands ``payments_transfer_id:<payout id>``."""
        transfer = re.search(
            r"payments_transfer_id:(\d+)", variables.get("query") or ""
        )
        transactions = sorted(
            (
                transaction
                for transaction in self.balance_transactions
                if not transfer or transaction["_payout"] == int(transfer[1])
            ),
            key=lambda transaction: (transaction["processed_at"], transaction["id"]),
        )
        connection = _paged(transactions, variables, self._balance_transaction_node)
        return {
            "data": {"shopifyPaymentsAccount": {"balanceTransactions": connection}}
        }, 3 + 6 * len(connection["nodes"])

    def _balance_transaction_node(self, transaction):
        currency = transaction["currency"]
        payout = self.payouts[transaction["_payout"]]
        order_id = transaction.get("source_order_id")
        transaction_id = transaction.get("source_order_transaction_id")
        return {
            "id": gid("ShopifyPaymentsBalanceTransaction", transaction["id"]),
            "type": transaction["type"].upper(),
            "test": transaction["test"],
            "transactionDate": transaction["processed_at"],
            "adjustmentReason": transaction.get("adjustment_reason"),
            # BigInt values are JSON strings.
            "sourceId": str(transaction["source_id"]),
            "sourceType": transaction["type"].upper(),
            "sourceOrderTransactionId": str(transaction_id) if transaction_id else None,
            "amount": _money_v2(transaction["amount"], currency),
            "fee": _money_v2(transaction["fee"], currency),
            "net": _money_v2(transaction["net"], currency),
            "associatedOrder": {"id": gid("Order", order_id)} if order_id else None,
            "associatedPayout": {
                "id": gid("ShopifyPaymentsPayout", payout["id"]),
                "status": payout["status"].upper(),
            },
        }

    # webhook subscriptions
    def _webhook_subscriptions_query(self, variables):
        subscriptions = sorted(self.subscriptions.values(), key=lambda s: s["id"])
        connection = _paged(subscriptions, variables, _subscription_node)
        return {"data": {"webhookSubscriptions": connection}}, 2 + len(
            connection["nodes"]
        )

    def _webhook_subscription_create(self, variables):
        """A subscription of ``topic`` at the input's ``uri`` (``callbackUrl``
        before API 2025-10): https, or http to this machine; one per topic
        and address."""
        topic = variables.get("topic")
        if topic not in WEBHOOK_TOPICS:
            return {
                "errors": [
                    {
                        "message": "Variable $topic of type WebhookSubscriptionTopic! "
                        f"was provided invalid value {topic!r}",
                        "extensions": {"code": "INVALID_VARIABLE"},
                    }
                ]
            }, 0
        data = variables.get("webhookSubscription") or {}
        field = "uri" if "uri" in data else "callbackUrl"
        uri = data.get(field) or ""
        parts = urlsplit(uri)
        error, path = None, ["webhookSubscription", field]
        if topic in TOPIC_SCOPES and not self._granted(TOPIC_SCOPES[topic]):
            path = ["topic"]
            error = (
                f"Access denied for {topic}: the app needs the "
                f"{TOPIC_SCOPES[topic]} access scope"
            )
        elif parts.scheme != "https" and not (
            parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")
        ):
            error = f"Address protocol {parts.scheme or 'none'}:// is not supported"
        elif any(
            subscription["topic"] == topic and subscription["uri"] == uri
            for subscription in self.subscriptions.values()
        ):
            error = "Address for this topic has already been taken"
        if error:
            result = {
                "webhookSubscription": None,
                "userErrors": [_user_error(None, path, error)],
            }
            return {"data": {"webhookSubscriptionCreate": result}}, MUTATION_COST
        subscription_id = self._next("webhook_subscription")
        self.subscriptions[subscription_id] = {
            "id": subscription_id,
            "topic": topic,
            "uri": uri,
            "format": data.get("format") or "JSON",
            "createdAt": self._stamp(),
        }
        result = {
            "webhookSubscription": {
                "id": gid("WebhookSubscription", subscription_id),
                "topic": topic,
            },
            "userErrors": [],
        }
        return {"data": {"webhookSubscriptionCreate": result}}, MUTATION_COST

    def _webhook_subscription_delete(self, variables):
        subscription_id = _gid_number(variables.get("id"))
        if self.subscriptions.pop(subscription_id, None) is None:
            result = {
                "deletedWebhookSubscriptionId": None,
                "userErrors": [
                    _user_error(None, ["id"], "Webhook subscription does not exist")
                ],
            }
        else:
            result = {"deletedWebhookSubscriptionId": variables["id"], "userErrors": []}
        return {"data": {"webhookSubscriptionDelete": result}}, MUTATION_COST

    def stats(self):
        """GraphQL requests per operation and the webhook subscriptions
        (called under the simulator's lock)."""
        return {
            "graphql": dict(self.graphql_operations),
            "graphql_throttled": self.graphql_throttled,
            "idempotent_replays": self.idempotent_replays,
            "webhook_subscriptions": [
                {"topic": s["topic"], "uri": s["uri"]}
                for s in sorted(self.subscriptions.values(), key=lambda s: s["id"])
            ],
        }


def _payout_summary(transactions):
    """Gross and fee per category; Σ (gross - fee) is the payout amount."""
    totals = {key: [ZERO, ZERO] for key in SUMMARY_KEYS}
    for transaction in transactions:
        gross_fee = totals[SUMMARY_CATEGORIES[transaction["type"]]]
        gross_fee[0] += transaction["amount"]
        gross_fee[1] += transaction["fee"]
    summary = {}
    for key, (gross, fee) in sorted(totals.items()):
        summary[f"{key}_fee_amount"] = money(fee)
        summary[f"{key}_gross_amount"] = money(gross)
    return summary


def _request_error(message, code):
    """A request refused as a whole (top-level ``errors``)."""
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def _idempotency_key(text, variables):
    """The key of the ``@idempotent(key:)`` directive of ``text``, a
    literal or a variable; None without one."""
    found = re.search(r'@idempotent\(\s*key:\s*(?:\$(\w+)|"([^"]*)")\s*\)', text or "")
    if not found:
        return None
    key = variables.get(found.group(1)) if found.group(1) else found.group(2)
    return str(key) if key else None


def _compare_error(data, entry, level, field, version):
    """The userError of a quantity whose compare-and-set fails, else None:
    ``changeFromQuantity`` (null skips the compare) from 2026-01, where
    given, and required from 2026-04; ``compareQuantity`` unless
    ``ignoreCompareQuantity`` before."""
    if version >= CHANGE_FROM_VERSION and "changeFromQuantity" in entry:
        expected = entry["changeFromQuantity"]
        if expected is None or expected == level["available"]:
            return None
        return _user_error(
            "CHANGE_FROM_QUANTITY_STALE",
            field + ["changeFromQuantity"],
            "The changeFromQuantity argument no longer matches the persisted quantity.",
        )
    if version >= CHANGE_FROM_REQUIRED_VERSION:
        return _user_error(
            "INVALID",
            field + ["changeFromQuantity"],
            "changeFromQuantity is required: the quantity expected, or null "
            "to skip the compare.",
        )
    if data.get("ignoreCompareQuantity") or (
        entry.get("compareQuantity") == level["available"]
    ):
        return None
    return _user_error(
        "COMPARE_QUANTITY_STALE",
        field + ["compareQuantity"],
        "The compareQuantity argument no longer matches the persisted quantity.",
    )


def _display_fulfillment_status(order):
    """``Order.displayFulfillmentStatus`` from the REST order."""
    return {"fulfilled": "FULFILLED", "partial": "PARTIALLY_FULFILLED"}.get(
        order.get("fulfillment_status"), "UNFULFILLED"
    )


def _return_reason_definition(handle):
    """The ``ReturnReasonDefinition`` node of ``handle``; None for None."""
    if handle is None:
        return None
    number, name = RETURN_REASON_DEFINITIONS[handle]
    return {
        "id": gid("ReturnReasonDefinition", number),
        "handle": handle,
        "name": name,
        "deleted": False,
    }


def _definition_handle(value):
    """The handle of the ``ReturnReasonDefinition`` whose gid is
    ``value``; None when there is none."""
    for handle, (number, _name) in RETURN_REASON_DEFINITIONS.items():
        if value == gid("ReturnReasonDefinition", number):
            return handle
    return None


def _user_error(code, field, message):
    return {"code": code, "field": field, "message": message}


# --- GraphQL shapes, from the REST records the simulator keeps ---
def _orders_cost(variables):
    """``requestedQueryCost`` of a page of orders: 2 for the connection plus
    ``first`` orders, each 20 points of objects and its ``lineFirst`` line
    items (the rule the connector estimates with)."""
    return 2 + int(variables["first"]) * (int(variables["lineFirst"]) + 20)


def _order_key(order):
    return (order["updated_at"], order["id"])


def _cursor(value):
    return base64.b64encode(json.dumps(value).encode()).decode()


def _decode_cursor(cursor):
    return json.loads(base64.b64decode(cursor)) if cursor else None


def _graphql_money(money_set):
    shop = (money_set or {}).get("shop_money")
    if not shop:
        return None
    value = {"amount": shop["amount"], "currencyCode": shop["currency_code"]}
    return {"shopMoney": value, "presentmentMoney": dict(value)}


def _graphql_amount(amount, currency):
    return _graphql_money(_money_set(amount or 0, currency))


def _graphql_taxes(lines):
    return [
        {
            "title": line["title"],
            "rate": line["rate"],
            "priceSet": _graphql_money(line["price_set"]),
        }
        for line in lines
    ]


def _graphql_allocations(allocations):
    return [
        {
            "allocatedAmountSet": _graphql_money(allocation["amount_set"]),
            "discountApplication": {
                "index": allocation.get("discount_application_index")
            },
        }
        for allocation in allocations
    ]


def _line_item_node(item):
    return {
        "id": gid("LineItem", item["id"]),
        "sku": item["sku"],
        "name": item["name"],
        "title": item["title"],
        "quantity": item["quantity"],
        "currentQuantity": item["current_quantity"],
        "variant": {"id": gid("ProductVariant", item["variant_id"])}
        if item.get("variant_id")
        else None,
        "product": {"id": gid("Product", item["product_id"])}
        if item.get("product_id")
        else None,
        "originalUnitPriceSet": _graphql_money(item["price_set"]),
        "totalDiscountSet": _graphql_money(item["total_discount_set"]),
        "discountAllocations": _graphql_allocations(item["discount_allocations"]),
        "taxLines": _graphql_taxes(item["tax_lines"]),
    }


def _line_items(order, first, start=0):
    """A page of the order's line items connection from index ``start``."""
    items = order["line_items"][start : start + first]
    end = start + len(items)
    return {
        "nodes": [_line_item_node(item) for item in items],
        "pageInfo": {
            "hasNextPage": end < len(order["line_items"]),
            "endCursor": _cursor(end) if items else None,
        },
    }


def _address_node(address):
    if not address:
        return None
    return {
        "name": address.get("name"),
        "firstName": address.get("first_name"),
        "lastName": address.get("last_name"),
        "company": address.get("company"),
        "address1": address.get("address1"),
        "address2": address.get("address2"),
        "city": address.get("city"),
        "provinceCode": address.get("province_code"),
        "zip": address.get("zip"),
        "countryCodeV2": address.get("country_code"),
        "phone": address.get("phone"),
    }


def _transaction_node(transaction):
    return {
        "id": gid("OrderTransaction", transaction["id"]),
        "kind": transaction["kind"].upper(),
        "status": transaction["status"].upper(),
        "gateway": transaction.get("gateway"),
        "amountSet": _graphql_amount(transaction["amount"], transaction["currency"]),
    }


def _discount_node(index, application, currency):
    typename = {
        "discount_code": "DiscountCodeApplication",
        "automatic": "AutomaticDiscountApplication",
        "script": "ScriptDiscountApplication",
    }.get(application["type"], "ManualDiscountApplication")
    node = {
        "__typename": typename,
        "index": index,
        "allocationMethod": application["allocation_method"].upper(),
        "targetSelection": application["target_selection"].upper(),
        "targetType": application["target_type"].upper(),
        "value": {"amount": application["value"], "currencyCode": currency}
        if application["value_type"] == "fixed_amount"
        else {"percentage": float(application["value"])},
    }
    if typename == "DiscountCodeApplication":
        node["code"] = application.get("code")
    else:
        node["title"] = application.get("title")
    return node


def _refund_node(refund, currency):
    return {
        "id": gid("Refund", refund["id"]),
        "createdAt": refund["created_at"],
        "note": refund.get("note"),
        "refundLineItems": {
            "nodes": [
                {
                    "lineItem": {"id": gid("LineItem", line["line_item_id"])},
                    "quantity": line["quantity"],
                    "restockType": line["restock_type"].upper(),
                    "subtotalSet": _graphql_money(line["subtotal_set"]),
                    "totalTaxSet": _graphql_money(line["total_tax_set"]),
                }
                for line in refund["refund_line_items"]
            ]
        },
        "refundShippingLines": {
            "nodes": [
                {
                    "subtotalAmountSet": _graphql_money(line["subtotal_amount_set"]),
                    "taxAmountSet": _graphql_money(line["tax_amount_set"]),
                }
                for line in refund.get("refund_shipping_lines") or []
            ]
        },
        "orderAdjustments": {
            "nodes": [
                {
                    "reason": adjustment["kind"].upper(),
                    "amountSet": _graphql_amount(adjustment["amount"], currency),
                    "taxAmountSet": _graphql_amount(adjustment["tax_amount"], currency),
                }
                for adjustment in refund.get("order_adjustments") or []
            ]
        },
        "transactions": {
            "nodes": [_transaction_node(t) for t in refund.get("transactions") or []]
        },
    }


def _order_node(order, line_first):
    """The ``Order`` node of a REST order, with every field the connector's
    poll selects."""
    currency = order["currency"]
    customer = order.get("customer")
    return {
        "id": gid("Order", order["id"]),
        "name": order["name"],
        "email": order.get("email"),
        "phone": order.get("phone"),
        "createdAt": order["created_at"],
        "updatedAt": order["updated_at"],
        "processedAt": order.get("processed_at"),
        "cancelledAt": order.get("cancelled_at"),
        "currencyCode": currency,
        "taxesIncluded": order["taxes_included"],
        "displayFinancialStatus": (order.get("financial_status") or "").upper() or None,
        "note": order.get("note"),
        "test": order.get("test", False),
        "paymentGatewayNames": order.get("payment_gateway_names") or [],
        "totalPriceSet": _graphql_money(order["total_price_set"]),
        "currentTotalPriceSet": _graphql_money(order["current_total_price_set"]),
        "subtotalPriceSet": _graphql_money(order.get("subtotal_price_set")),
        "totalTaxSet": _graphql_money(order.get("total_tax_set")),
        "totalDiscountsSet": _graphql_money(order.get("total_discounts_set")),
        "customer": {
            "id": gid("Customer", customer["id"]),
            "email": customer.get("email"),
            "firstName": customer.get("first_name"),
            "lastName": customer.get("last_name"),
            "phone": customer.get("phone"),
        }
        if customer
        else None,
        "billingAddress": _address_node(order.get("billing_address")),
        "shippingAddress": _address_node(order.get("shipping_address")),
        "taxLines": _graphql_taxes(order.get("tax_lines") or []),
        "lineItems": _line_items(order, line_first),
        "shippingLines": {
            "nodes": [
                {
                    "id": gid("ShippingLine", line["id"]),
                    "title": line["title"],
                    "code": line["code"],
                    "originalPriceSet": _graphql_money(line["price_set"]),
                    "discountedPriceSet": _graphql_money(
                        line.get("discounted_price_set")
                    ),
                    "discountAllocations": _graphql_allocations(
                        line.get("discount_allocations") or []
                    ),
                    "taxLines": _graphql_taxes(line["tax_lines"]),
                }
                for line in order.get("shipping_lines") or []
            ]
        },
        "discountApplications": {
            "nodes": [
                _discount_node(index, application, currency)
                for index, application in enumerate(
                    order.get("discount_applications") or []
                )
            ]
        },
        "transactions": [_transaction_node(t) for t in order.get("transactions") or []],
        "refunds": [_refund_node(refund, currency) for refund in order["refunds"]],
    }


def _money_v2(amount, currency):
    return {"amount": money(Decimal(str(amount))), "currencyCode": currency}


def _paged(records, variables, node):
    """A connection of ``first`` ``records`` after the ``after`` cursor (an
    index), each turned into a node by ``node``."""
    start = _decode_cursor(variables.get("after")) or 0
    first = int(variables["first"])
    page = records[start : start + first]
    return {
        "nodes": [node(record) for record in page],
        "pageInfo": {
            "hasNextPage": start + first < len(records),
            "endCursor": _cursor(start + len(page)) if page else None,
        },
    }


def _subscription_node(subscription):
    return {
        "id": gid("WebhookSubscription", subscription["id"]),
        "topic": subscription["topic"],
        "uri": subscription["uri"],
        "callbackUrl": subscription["uri"],
        "format": subscription["format"],
    }


def _fulfillment_order_lines(fulfillment_order, first, start=0):
    lines = fulfillment_order["line_items"][start : start + first]
    end = start + len(lines)
    return {
        "nodes": [
            {
                "id": gid("FulfillmentOrderLineItem", line["id"]),
                "remainingQuantity": line["fulfillable_quantity"],
                "totalQuantity": line["quantity"],
                "lineItem": {"id": gid("LineItem", line["line_item_id"])},
            }
            for line in lines
        ],
        "pageInfo": {
            "hasNextPage": end < len(fulfillment_order["line_items"]),
            "endCursor": _cursor(end) if lines else None,
        },
    }
