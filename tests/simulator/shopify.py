# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shopify mode: the GraphQL Admin API the connector speaks (the order poll
with cursors and line items paged, refunds, fulfillment orders and
``fulfillmentCreate``, ``inventorySetQuantities``, Shopify Payments payouts
and balance transactions, the app's access scopes, webhook subscriptions)
within a query-cost bucket; what the REST Admin API still serves
(shop, orders, refunds, products and variants, inventory levels); and
webhooks signed as Shopify signs them, sent to the subscribed addresses.
Shapes follow the Admin API reference
(https://shopify.dev/docs/api/admin-graphql, https://shopify.dev/docs/api/admin-rest)
and, for webhooks, https://shopify.dev/docs/apps/build/webhooks."""

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
    id_list,
    merge,
    money,
    param,
    parse_spec,
    parse_time,
    phrase,
    share,
)
from .shopify_catalog import ShopifyCatalog

PREFIX = "/admin/api/<v>/"
SHOP_ID = 548380009
MAX_ORDERS_PAGE = 250
MAX_QUANTITIES = 250
MAX_LEVEL_ITEMS = 50
MUTATION_COST = 10
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
}
ORDER_SORT_FIELDS = ("created_at", "updated_at", "processed_at")
PRODUCT_FIELDS = ("title", "body_html", "vendor", "product_type", "tags", "status")
VARIANT_FIELDS = ("sku", "barcode", "price", "compare_at_price")
RESTOCKING = ("return", "cancel")
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
    "write_inventory",
    "read_locations",
    "write_products",
    "write_merchant_managed_fulfillment_orders",
    "read_shopify_payments_payouts",
)
# The webhook topics a subscription may name (WebhookSubscriptionTopic).
WEBHOOK_TOPICS = {
    "APP_UNINSTALLED",
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
        "api_version": "2025-01",
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
    ROUTES = (
        ("GET", PREFIX + "shop.json", "_shop"),
        ("GET", PREFIX + "orders.json", "_orders"),
        ("GET", PREFIX + "orders/<id>.json", "_order"),
        ("GET", PREFIX + "orders/<id>/refunds.json", "_refunds"),
        ("POST", PREFIX + "graphql.json", "_graphql"),
        ("GET", PREFIX + "inventory_levels.json", "_inventory_levels"),
        ("POST", PREFIX + "products.json", "_create_product"),
        ("GET", PREFIX + "products/<id>.json", "_product"),
        ("PUT", PREFIX + "products/<id>.json", "_update_product"),
        ("GET", PREFIX + "variants/<id>.json", "_variant"),
        ("PUT", PREFIX + "variants/<id>.json", "_update_variant"),
    )

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
        self.graphql_calls = []  # requested and actual cost, variables
        self.points, self.points_at = POINTS_MAX, time.monotonic()
        self.graphql_calls = []  # operation, requested and actual cost, variables
        self.graphql_operations = Counter()  # requests per operation name
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

    # --- REST routes (called under the simulator's lock) ---
    def _shop(self, query, body):
        return 200, {
            "shop": {
                "id": SHOP_ID,
                "name": "Sim Shop",
                "domain": self.config["shop_domain"],
                "myshopify_domain": self.config["shop_domain"],
                "currency": self.config["currency"],
                "iana_timezone": "UTC",
                "plan_name": "basic",
            }
        }

    def _orders(self, query, body):
        status = param(query, "status", "open")
        since = param(query, "updated_at_min")
        limit = min(int(param(query, "limit", "50")), MAX_ORDERS_PAGE)
        field, _, direction = (param(query, "order") or "created_at desc").partition(
            " "
        )
        if field not in ORDER_SORT_FIELDS:
            return 400, {"errors": {"order": [f"cannot sort by {field}"]}}
        orders = [
            order
            for order in self.sim.orders.values()
            if _has_status(order, status)
            and (not since or parse_time(order["updated_at"]) >= parse_time(since))
        ]
        orders.sort(
            key=lambda order: (parse_time(order[field]), order["id"]),
            reverse=direction.strip().lower() == "desc",
        )
        return 200, {"orders": orders[:limit]}

    def _order(self, query, body, order_id):
        order = self.sim.orders.get(order_id)
        return (200, {"order": order}) if order else self.not_found()

    def _refunds(self, query, body, order_id):
        order = self.sim.orders.get(order_id)
        return (200, {"refunds": order["refunds"]}) if order else self.not_found()

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
                MUTATION_COST, self._inventory_mutation, variables
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
            }
        )
        return 200, dict(answer, extensions={"cost": self._cost(requested, actual)})

    def _inventory_mutation(self, variables):
        data = variables.get("input")
        if not isinstance(data, dict):
            return {
                "errors": [
                    {
                        "message": "Variable $input of type "
                        "InventorySetQuantitiesInput! was provided invalid value",
                        "extensions": {"code": "INVALID_VARIABLE"},
                    }
                ]
            }, MUTATION_COST
        errors, changes = self._set_quantities(data)
        group = None
        if not errors:
            group = {
                "createdAt": self._stamp(),
                "reason": data["reason"],
                "referenceDocumentUri": data.get("referenceDocumentUri"),
                "changes": changes,
            }
        result = {"inventoryAdjustmentGroup": group, "userErrors": errors}
        return {"data": {"inventorySetQuantities": result}}, MUTATION_COST

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

    def _set_quantities(self, data):
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
            elif (
                not data.get("ignoreCompareQuantity")
                and entry.get("compareQuantity") != level["available"]
            ):
                errors.append(
                    _user_error(
                        "COMPARE_QUANTITY_STALE",
                        field + ["compareQuantity"],
                        "The compareQuantity argument no longer matches the "
                        "persisted quantity.",
                    )
                )
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

    def _inventory_levels(self, query, body):
        items = id_list(param(query, "inventory_item_ids"))
        locations = id_list(param(query, "location_ids"))
        if not items and not locations:
            return 422, {
                "errors": "Must specify at least one of inventory_item_ids or "
                "location_ids"
            }
        if len(items) > MAX_LEVEL_ITEMS:
            return 422, {
                "errors": {
                    "inventory_item_ids": [f"must have at most {MAX_LEVEL_ITEMS} items"]
                }
            }
        levels = [
            level
            for (item_id, location_id), level in self.levels.items()
            if (not items or item_id in items)
            and (not locations or location_id in locations)
        ]
        return 200, {"inventory_levels": levels}

    def _create_product(self, query, body):
        data = body.get("product") or {}
        if not data.get("title"):
            return 422, {"errors": {"title": ["can't be blank"]}}
        product = self._new_product(data)
        self._record("create", "product", product, data)
        return 201, {"product": product}

    def _product(self, query, body, product_id):
        product = self.sim.products.get(product_id)
        return (200, {"product": product}) if product else self.not_found()

    def _update_product(self, query, body, product_id):
        product = self.sim.products.get(product_id)
        if product is None:
            return self.not_found()
        data = body.get("product") or {}
        product.update({key: data[key] for key in PRODUCT_FIELDS if key in data})
        product["updated_at"] = self._stamp(product["updated_at"])
        self._record("update", "product", product, data)
        return 200, {"product": product}

    def _variant(self, query, body, variant_id):
        variant = self.variants.get(variant_id)
        return (200, {"variant": variant}) if variant else self.not_found()

    def _update_variant(self, query, body, variant_id):
        variant = self.variants.get(variant_id)
        if variant is None:
            return self.not_found()
        data = body.get("variant") or {}
        variant.update({key: data[key] for key in VARIANT_FIELDS if key in data})
        if "price" in data:
            variant["price"] = money(Decimal(str(data["price"])))
        variant["updated_at"] = self._stamp(variant["updated_at"])
        product = self.sim.products[variant["product_id"]]
        product["updated_at"] = self._stamp(product["updated_at"])
        self._record("update", "variant", variant, data)
        return 200, {"variant": variant}

    def _record(self, action, resource, record, data):
        sku = record["sku"] if resource == "variant" else record["variants"][0]["sku"]
        self.sim.product_updates.append(
            {
                "action": action,
                "resource": resource,
                "id": record["id"],
                "sku": sku,
                "changes": copy.deepcopy(data),
            }
        )

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
        error = None
        if parts.scheme != "https" and not (
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
                "userErrors": [
                    _user_error(None, ["webhookSubscription", field], error)
                ],
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


def _has_status(order, status):
    if status == "any":
        return True
    if status == "cancelled":
        return bool(order["cancelled_at"])
    if status == "closed":
        return bool(order["closed_at"])
    return not order["cancelled_at"] and not order["closed_at"]


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
