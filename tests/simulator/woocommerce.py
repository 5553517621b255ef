# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""WooCommerce mode: the REST API v3 a connector needs (orders, refunds,
products and their batch endpoint), the Shipment Tracking extension, and
webhooks delivered as class-wc-webhook.php delivers them: signed, never
retried, disabled after the seventh failure in a row. Shapes follow
the WooCommerce REST API documentation (https://woocommerce.github.io/woocommerce-rest-api-docs/)."""

import base64
import copy
import hashlib
import hmac
import html
import itertools
import json
import math
import uuid
from datetime import datetime, timezone
from decimal import Decimal

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

PREFIX = "/wp-json/wc/v3/"
TRACKINGS = "/wp-json/wc-shipment-tracking/v3/orders/<id>/shipment-trackings"
MAX_BATCH = 100
MAX_PER_PAGE = 100
# class-wc-webhook.php: a failure arriving while failure_count is above this
# disables the webhook, so the seventh failure in a row does.
MAX_DELIVERY_FAILURES = 5
WC_VERSION, WP_VERSION = "9.4.0", "6.7.1"
USER_AGENT = f"WooCommerce/{WC_VERSION} Hookshot (WordPress/{WP_VERSION})"
STATUSES = {
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "trash",
    "checkout-draft",
}
PAID_STATUS = {"paid": "processing", "authorized": "on-hold"}
# WC_Order::is_editable, before the shop's wc_order_is_editable filter.
EDITABLE_STATUSES = {"pending", "on-hold", "auto-draft"}
STOCK_TAKING = {"processing", "on-hold", "completed"}
GATEWAYS = {
    "stripe": "Credit Card (Stripe)",
    "bacs": "Direct bank transfer",
    "cod": "Cash on delivery",
    "paypal": "PayPal",
}
PRODUCT_FIELDS = (
    "name",
    "description",
    "short_description",
    "sku",
    "regular_price",
    "sale_price",
    "date_on_sale_from_gmt",
    "date_on_sale_to_gmt",
    "global_unique_id",
    "status",
    "manage_stock",
)
WEBHOOK_RESOURCES = ("coupon", "customer", "order", "product", "action")
WEBHOOK_EVENTS = ("created", "updated", "deleted", "restored")
WEBHOOK_STATUSES = ("active", "paused", "disabled")
TRACKING_LINKS = {
    "colissimo": "https://www.laposte.fr/outils/suivre-vos-envois?code={}",
    "dhl": "https://www.dhl.com/en/express/tracking.html?AWB={}",
    "ups": "https://www.ups.com/track?tracknum={}",
}


def sign(secret, body):
    """``X-WC-Webhook-Signature``: base64 of the HMAC-SHA256 of the raw body,
    keyed with the HTML-entity-decoded secret (wp_specialchars_decode)."""
    key = html.unescape(secret).encode()
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def wp_json(payload):
    """The body as ``wp_json_encode`` writes it: compact, non-ASCII as \\u
    escapes, and ``/`` escaped (it only occurs inside JSON strings)."""
    return json.dumps(payload, separators=(",", ":")).replace("/", "\\/").encode()


def error(code, message, status):
    return {"code": code, "message": message, "data": {"status": status}}


def _answer(code, message, status, headers=None):
    return status, error(code, message, status), headers or {}


def _invalid_webhook():
    return _answer("woocommerce_rest_webhook_invalid_id", "Invalid ID.", 404)


def _ship_date(value):
    if not value:
        return datetime.now(timezone.utc).strftime("%Y-%m-%d")
    if str(value).isdigit():
        return datetime.fromtimestamp(int(value), timezone.utc).strftime("%Y-%m-%d")
    return str(value)[:10]


class WooCommerce(Platform):
    DEFAULTS = {
        "consumer_key": "ck_sim",
        "consumer_secret": "cs_sim",
        "webhook_id": 17,
        "currency": "EUR",
        "tax_rate_id": 1,
        "tax_rate_code": "FR-VAT-1",
        "site_url": None,
    }
    ROUTES = (
        ("GET", PREFIX + "system_status", "_system_status"),
        ("GET", PREFIX + "orders", "_orders"),
        ("GET", PREFIX + "orders/<id>", "_order"),
        ("PUT", PREFIX + "orders/<id>", "_update_order"),
        ("GET", PREFIX + "orders/<id>/refunds", "_refunds"),
        ("POST", PREFIX + "orders/<id>/refunds", "_create_refund"),
        ("GET", PREFIX + "products", "_products"),
        ("POST", PREFIX + "products", "_create_product"),
        ("POST", PREFIX + "products/batch", "_batch"),
        ("GET", PREFIX + "products/<id>", "_product"),
        ("PUT", PREFIX + "products/<id>", "_update_product"),
        ("POST", TRACKINGS, "_add_tracking"),
        ("GET", TRACKINGS, "_trackings"),
        ("GET", PREFIX + "webhooks", "_webhooks"),
        ("POST", PREFIX + "webhooks", "_create_webhook"),
        ("GET", PREFIX + "webhooks/<id>", "_webhook"),
        ("PUT", PREFIX + "webhooks/<id>", "_update_webhook"),
        ("DELETE", PREFIX + "webhooks/<id>", "_delete_webhook"),
    )

    def reset(self):
        # Orders, refunds and products are all WordPress posts: one sequence.
        self.post_ids = itertools.count(727)
        self.item_ids = itertools.count(315)
        self.meta_ids = itertools.count(5001)
        self.customer_ids = itertools.count(25)
        self.customers = {}  # email: customer id
        self.refunds = {}  # order id: its refunds, newest first
        # Orders whose stock is taken (WooCommerce's _order_stock_reduced).
        self.stock_reduced = set()
        self.trackings = {}  # order id: its shipment trackings
        self.webhook_status, self.failure_count = "active", 0
        self.webhooks = {}  # id: webhook created through the REST API

    def stats(self):
        return {
            "webhook": {
                "id": self.config["webhook_id"],
                "status": self.webhook_status,
                "failure_count": self.failure_count,
            },
            "webhooks": [
                {key: hook[key] for key in ("id", "topic", "delivery_url", "status")}
                for hook in sorted(self.webhooks.values(), key=lambda h: h["id"])
            ],
            "trackings": [
                dict(tracking, order_id=order_id)
                for order_id, trackings in self.trackings.items()
                for tracking in trackings
            ],
        }

    @property
    def site(self):
        return self.config["site_url"] or f"{self.sim.url}/"

    def _stamp(self, previous=None):
        """Site time and GMT are the same here: the site runs on UTC."""
        return self.moment(previous).strftime("%Y-%m-%dT%H:%M:%S")

    def _touch(self, record):
        stamp = self._stamp(record["date_modified_gmt"])
        record["date_modified"] = record["date_modified_gmt"] = stamp

    def _links(self, path):
        base = f"{self.site}wp-json/wc/v3/"
        return {
            "self": [{"href": base + path}],
            "collection": [{"href": base + path.rsplit("/", 1)[0]}],
        }

    # --- answers in WordPress's shapes ---
    def authorized(self, headers, query):
        """HTTP Basic with the consumer key and secret, or both as query
        parameters (the fallback for servers that drop Authorization)."""
        expected = (self.config["consumer_key"], self.config["consumer_secret"])
        authorization = headers.get("Authorization") or ""
        if authorization.startswith("Basic "):
            try:
                decoded = base64.b64decode(authorization[6:]).decode()
            except (ValueError, UnicodeDecodeError):
                return False
            user, _, password = decoded.partition(":")
            return (user, password) == expected
        given = (param(query, "consumer_key"), param(query, "consumer_secret"))
        return given == expected

    def unauthorized(self):
        message = "Sorry, you cannot list resources."
        return 401, error("woocommerce_rest_cannot_view", message, 401)

    def throttled(self, wait):
        message = "Too many requests; retry later."
        return _answer(
            "woocommerce_rest_too_many_requests",
            message,
            429,
            {"Retry-After": str(max(1, round(wait)))},
        )

    def failed(self, status, retry_after):
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return _answer("simulator_injected_fault", phrase(status), status, headers)

    def not_found(self):
        message = "No route was found matching the URL and request method."
        return 404, error("rest_no_route", message, 404)

    def bad_request(self, message):
        return 400, error("rest_invalid_param", message, 400)

    @staticmethod
    def _invalid_order():
        return 404, error("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404)

    # --- webhooks ---
    def send(self, topic, payload, event_id, duplicates, timestamp, secret):
        """One attempt per copy, whatever ``webhook_retries`` says; None for a
        copy not sent because the webhook is disabled. WooCommerce has no
        event id or timestamp header: ``event_id`` only labels deliveries."""
        body = wp_json(payload)
        if self.config["target_url"]:
            key = secret or self.config["webhook_secret"]
            return [
                self._deliver(topic, event_id, body, key) for _copy in range(duplicates)
            ]
        return [
            self._deliver(topic, event_id, body, secret or hook["_secret"], hook)
            for hook in self._hooks_of(topic)
            for _copy in range(duplicates)
        ]

    def _hooks_of(self, topic):
        with self.sim.lock:
            return [
                hook
                for hook in self.webhooks.values()
                if hook["topic"] == topic and hook["status"] == "active"
            ]

    def _deliver(self, topic, event_id, body, secret, hook=None):
        """One attempt to the target URL (``hook`` None) or to ``hook``'s
        delivery URL; a webhook is disabled after its seventh failure in a
        row."""
        with self.sim.lock:
            if (hook or {"status": self.webhook_status})["status"] == "disabled":
                return None
        resource, _, event = topic.partition(".")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-WC-Webhook-Source": self.site,
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": sign(secret, body),
            "X-WC-Webhook-ID": str(hook["id"] if hook else self.config["webhook_id"]),
            "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
        }
        status = self.sim._post_webhook(
            topic, event_id, body, headers, url=hook and hook["delivery_url"]
        )
        with self.sim.lock:
            if hook:
                failures = 0 if 200 <= status < 303 else hook["failure_count"] + 1
                hook["failure_count"] = failures
                if failures > MAX_DELIVERY_FAILURES + 1:
                    hook["status"] = "disabled"
            elif 200 <= status < 303:
                self.failure_count = 0
            elif self.failure_count > MAX_DELIVERY_FAILURES:
                self.webhook_status = "disabled"
            else:
                self.failure_count += 1
        return status

    def ping_webhook(self):
        """The ping WooCommerce sends when a webhook is created: an unsigned
        form body; it wants exactly 200 back. Returns the status."""
        body = f"webhook_id={self.config['webhook_id']}".encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": USER_AGENT,
        }
        return self.sim._post_webhook("ping", None, body, headers)

    def _announce(self, topic, payload):
        if self.config["target_url"] or self._hooks_of(topic):
            self.sim.send_webhook(topic, payload)

    def handle(self, method, path, query, body):
        answer = self.dispatch(method, path, query, body)
        self.send_echoes(self._announce)
        return answer

    # --- catalog ---
    def add_product(self, sku, price="12.50", quantity=0, title=None, barcode=""):
        """Seed a simple product managing its stock."""
        with self.sim.lock:
            product = self._new_product(
                {
                    "name": title or sku,
                    "sku": sku,
                    "regular_price": money(Decimal(str(price))),
                    "global_unique_id": barcode,
                    "manage_stock": True,
                    "stock_quantity": int(quantity),
                }
            )
            return copy.deepcopy(product)

    def _new_product(self, data):
        now = self._stamp()
        product_id = next(self.post_ids)
        product = {
            "id": product_id,
            "name": "",
            "slug": "",
            "permalink": f"{self.site}?p={product_id}",
            "date_created": now,
            "date_created_gmt": now,
            "date_modified": now,
            "date_modified_gmt": now,
            "type": "simple",
            "status": "publish",
            "description": "",
            "short_description": "",
            "sku": "",
            "global_unique_id": "",
            "price": "",
            "regular_price": "",
            "sale_price": "",
            "date_on_sale_from_gmt": None,
            "date_on_sale_to_gmt": None,
            "manage_stock": False,
            "stock_quantity": None,
            "stock_status": "instock",
            "meta_data": [],
            "_links": self._links(f"products/{product_id}"),
        }
        self._apply_product(product, data)
        product["slug"] = "-".join(product["name"].lower().split())
        self.sim.products[product_id] = product
        return product

    def _apply_product(self, product, data):
        product.update({key: data[key] for key in PRODUCT_FIELDS if key in data})
        product["price"] = self._active_price(product)
        if "stock_quantity" in data:
            quantity = data["stock_quantity"]
            product["stock_quantity"] = None if quantity is None else int(quantity)
        if "meta_data" in data:
            self._set_meta(product, data["meta_data"])
        for meta in product["meta_data"]:
            if meta["key"] == "_global_unique_id":
                product["global_unique_id"] = meta["value"]
        if product["manage_stock"]:
            in_stock = (product["stock_quantity"] or 0) > 0
            product["stock_status"] = "instock" if in_stock else "outofstock"

    def _active_price(self, product):
        """What the product sells at now: its sale price within the sale's
        window (GMT, either side open when empty), else its regular price."""
        sale = product.get("sale_price") or ""
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        starts = product.get("date_on_sale_from_gmt") or ""
        ends = product.get("date_on_sale_to_gmt") or ""
        if sale and (not starts or starts <= now) and (not ends or now <= ends):
            return sale
        return product["regular_price"]

    def _set_meta(self, record, entries):
        """Meta entries are matched by id, else by key, else added."""
        for entry in entries:
            meta = next(
                (
                    meta
                    for meta in record["meta_data"]
                    if meta["id"] == entry.get("id") or meta["key"] == entry["key"]
                ),
                None,
            )
            if meta is None:
                meta = {"id": next(self.meta_ids), "key": entry["key"]}
                record["meta_data"].append(meta)
            meta["value"] = entry.get("value")

    def _sku_taken(self, sku, product_id=None):
        return bool(sku) and any(
            product["sku"] == sku and product["id"] != product_id
            for product in self.sim.products.values()
        )

    def _product_by_sku(self, sku):
        return next(
            (p for p in self.sim.products.values() if sku and p["sku"] == sku), None
        )

    def _adjust_stock(self, product_id, delta):
        product = self.sim.products.get(product_id)
        if product and product["manage_stock"]:
            self._apply_product(
                product, {"stock_quantity": (product["stock_quantity"] or 0) + delta}
            )

    # --- orders ---
    def create_order(self, **spec):
        """Build a v3 order from the compact spec (see README.md), take the
        stock when it is paid, and send ``order.created``."""
        with self.sim.lock:
            order = self._build_order(parse_spec(spec))
            self.sim.orders[order["id"]] = order
            payload = copy.deepcopy(order)
        self._announce("order.created", payload)
        return payload

    def _build_order(self, spec):
        now, rate = self._stamp(), spec["rate"]
        order_id = next(self.post_ids)
        paid = spec["financial_status"] == "paid"
        gateway = spec["gateway"] or "stripe"
        lines = [self._line_item(line, spec) for line in spec["lines"]]
        shipping_tax = spec["shipping_tax"]
        order = {
            "id": order_id,
            "parent_id": 0,
            "number": str(order_id),
            "order_key": f"wc_order_{uuid.uuid4().hex[:13]}",
            "created_via": "checkout",
            "version": WC_VERSION,
            "status": PAID_STATUS.get(spec["financial_status"], "pending"),
            "currency": spec["currency"] or self.config["currency"],
            "date_created": now,
            "date_created_gmt": now,
            "date_modified": now,
            "date_modified_gmt": now,
            "discount_total": money(
                sum(
                    (
                        _subtotal(line, spec) - _total(line, spec)
                        for line in spec["lines"]
                    ),
                    ZERO,
                )
            ),
            "discount_tax": money(
                sum((line["gross_tax"] - line["tax"] for line in spec["lines"]), ZERO)
            ),
            "shipping_total": money(_shipping_excluded(spec)),
            "shipping_tax": money(shipping_tax),
            "cart_tax": money(spec["total_tax"] - shipping_tax),
            "total": money(spec["total"]),
            "total_tax": money(spec["total_tax"]),
            "prices_include_tax": spec["included"],
            "customer_id": self._customer_id(spec["customer"]),
            "customer_ip_address": "127.0.0.1",
            "customer_user_agent": "Mozilla/5.0",
            "customer_note": "",
            "billing": self._address(spec, spec["billing_address"], email=True),
            "shipping": self._address(spec, spec["shipping_address"], email=False),
            "payment_method": gateway,
            "payment_method_title": GATEWAYS.get(gateway, gateway),
            "transaction_id": f"ch_{uuid.uuid4().hex[:24]}" if paid else "",
            "date_paid": now if paid else None,
            "date_paid_gmt": now if paid else None,
            "date_completed": None,
            "date_completed_gmt": None,
            "cart_hash": "",
            "meta_data": [],
            "line_items": lines,
            "tax_lines": [],
            "shipping_lines": [],
            "fee_lines": [],
            "coupon_lines": [],
            "refunds": [],
            "_links": self._links(f"orders/{order_id}"),
        }
        if rate:
            order["tax_lines"] = [self._tax_line(spec)]
        if spec["shipping"] is not None:
            order["shipping_lines"] = [self._shipping_line(spec)]
        if spec["discount_code"]:
            order["coupon_lines"] = [
                {
                    "id": next(self.item_ids),
                    "code": spec["discount_code"],
                    "discount": order["discount_total"],
                    "discount_tax": order["discount_tax"],
                    "meta_data": [],
                }
            ]
        order.update(spec["extra"])
        if order["status"] in STOCK_TAKING:
            self.stock_reduced.add(order["id"])
            for line in lines:
                self._adjust_stock(line["product_id"], -line["quantity"])
        return order

    def _customer_id(self, customer):
        if not customer:
            return 0
        email = customer.get("email") or DEFAULT_CUSTOMER["email"]
        if email not in self.customers:
            self.customers[email] = customer.get("id") or next(self.customer_ids)
        return self.customers[email]

    def _address(self, spec, overrides, email):
        person = dict(DEFAULT_CUSTOMER, **(spec["customer"] or {}))
        address = {
            "first_name": person["first_name"],
            "last_name": person["last_name"],
            "company": DEFAULT_ADDRESS["company"],
            "address_1": DEFAULT_ADDRESS["address1"],
            "address_2": DEFAULT_ADDRESS["address2"],
            "city": DEFAULT_ADDRESS["city"],
            "state": DEFAULT_ADDRESS["province"],
            "postcode": DEFAULT_ADDRESS["zip"],
            "country": DEFAULT_ADDRESS["country_code"],
            "phone": person["phone"],
        }
        if email:
            address["email"] = spec["email"]
        address.update(overrides)
        return address

    def _taxes(self, total, subtotal):
        return [
            {
                "id": self.config["tax_rate_id"],
                "total": money(total),
                "subtotal": subtotal if subtotal == "" else money(subtotal),
            }
        ]

    def _line_item(self, line, spec):
        product = self._product_by_sku(line.get("sku")) or {}
        total = _total(line, spec)
        item = {
            "id": next(self.item_ids),
            "name": line.get("title") or product.get("name") or line.get("sku"),
            "product_id": line.get("product_id")
            or product.get("id")
            or next(self.post_ids),
            "variation_id": line.get("variation_id", 0),
            "quantity": line["quantity"],
            "tax_class": "",
            "subtotal": money(_subtotal(line, spec)),
            "subtotal_tax": money(line["gross_tax"]),
            "total": money(total),
            "total_tax": money(line["tax"]),
            "taxes": [],
            "meta_data": [],
            "sku": line.get("sku") or "",
            # get_item_total(): after discount, before tax, not rounded.
            "price": float(total / line["quantity"]),
        }
        if spec["rate"]:
            item["taxes"] = self._taxes(line["tax"], line["gross_tax"])
        return item

    def _tax_line(self, spec):
        return {
            "id": next(self.item_ids),
            "rate_code": self.config["tax_rate_code"],
            "rate_id": self.config["tax_rate_id"],
            "label": "VAT",
            "compound": False,
            "tax_total": money(spec["total_tax"] - spec["shipping_tax"]),
            "shipping_tax_total": money(spec["shipping_tax"]),
            "rate_percent": float(spec["rate"] * 100),
            "meta_data": [],
        }

    def _shipping_line(self, spec):
        line = {
            "id": next(self.item_ids),
            "method_title": "Flat rate",
            "method_id": "flat_rate",
            "instance_id": "1",
            "total": money(_shipping_excluded(spec)),
            "total_tax": money(spec["shipping_tax"]),
            "taxes": [],
            "meta_data": [],
        }
        if spec["rate"]:
            line["taxes"] = self._taxes(spec["shipping_tax"], "")
        return line

    def _order_of(self, order_id):
        order = self.sim.orders.get(int(order_id))
        if order is None:
            raise LookupError(f"no order {order_id}")
        return order

    def update_order(self, order_id, **changes):
        """Change an order as the shop manager would; sends
        ``order.updated``."""
        with self.sim.lock:
            order = self._order_of(order_id)
            merge(order, changes)
            self._touch(order)
            payload = copy.deepcopy(order)
        self._announce("order.updated", payload)
        return payload

    def edit_order(self, order_id, quantities=None, add=(), force=False):
        """Edit an order's items as the shop manager does on its edit screen
        (saved, then recalculated), which WooCommerce offers while the order
        is editable (``pending``, ``on-hold``) unless ``force`` (a shop whose
        ``wc_order_is_editable`` filter allows more): ``quantities`` ({line
        item id: units}, 0 deletes the item) and ``add`` (compact spec lines,
        at the order's tax rate); sends ``order.updated``."""
        with self.sim.lock:
            order = self._order_of(order_id)
            if not force and order["status"] not in EDITABLE_STATUSES:
                raise ValueError(f"order {order_id} is {order['status']}: not editable")
            self._edit_items(order, quantities or {}, add)
            self._touch(order)
            payload = copy.deepcopy(order)
        self._announce("order.updated", payload)
        return payload

    def _edit_items(self, order, quantities, add):
        """Set item quantities (0 deletes the item), add items, move the
        stock an order holding it took (wc_maybe_adjust_line_item_product_stock)
        and recalculate the totals; refunds, apart, are left as they are."""
        items = {item["id"]: item for item in order["line_items"]}
        for item_id, units in quantities.items():
            if int(item_id) not in items or int(units) < 0:
                raise ValueError(f"no line item {item_id} to set to {units}")
        holds_stock = order["id"] in self.stock_reduced
        for item_id, units in quantities.items():
            item = items[int(item_id)]
            units, before = int(units), item["quantity"]
            if holds_stock:
                self._adjust_stock(item["product_id"], before - units)
            if not units:
                order["line_items"].remove(item)
                continue
            for key in ("subtotal", "subtotal_tax", "total", "total_tax"):
                item[key] = money(share(Decimal(item[key]), units, before))
            for tax in item["taxes"]:
                tax["total"] = item["total_tax"]
                tax["subtotal"] = item["subtotal_tax"]
            item["quantity"] = units
            item["price"] = float(Decimal(item["total"]) / units)
        if add:
            rate = (
                Decimal(str(order["tax_lines"][0]["rate_percent"])) / 100
                if order["tax_lines"]
                else ZERO
            )
            spec = parse_spec(
                {
                    "lines": list(add),
                    "shipping": None,
                    "tax_rate": str(rate),
                    "taxes_included": order["prices_include_tax"],
                }
            )
            for line in spec["lines"]:
                item = self._line_item(line, spec)
                order["line_items"].append(item)
                if holds_stock:
                    self._adjust_stock(item["product_id"], -item["quantity"])
        self._recalculate(order)

    def _recalculate(self, order):
        """WC_Abstract_Order::calculate_totals from the items as they are."""
        items = order["line_items"]
        cart_tax = _sum(items, "total_tax")
        discount = _sum(items, "subtotal") - _sum(items, "total")
        shipping_tax = Decimal(order["shipping_tax"])
        fees = _sum(order["fee_lines"], "total") + _sum(order["fee_lines"], "total_tax")
        order.update(
            discount_total=money(discount),
            discount_tax=money(_sum(items, "subtotal_tax") - cart_tax),
            cart_tax=money(cart_tax),
            total_tax=money(cart_tax + shipping_tax),
            total=money(
                _sum(items, "total")
                + cart_tax
                + Decimal(order["shipping_total"])
                + shipping_tax
                + fees
            ),
        )
        for tax_line in order["tax_lines"]:
            tax_line["tax_total"] = order["cart_tax"]
        for coupon in order["coupon_lines"]:
            coupon.update(
                discount=order["discount_total"], discount_tax=order["discount_tax"]
            )

    def create_refund(
        self, order_id, lines=(), shipping=None, reason="", refunded_payment=True
    ):
        """Refund ``lines`` (``line_item_id``, ``quantity``, ``restock``) and
        ``shipping`` (an amount of the shipping charge as the customer paid
        it), prorated from the order's amounts; sends ``order.updated``, as
        WooCommerce has no refund topic."""
        with self.sim.lock:
            order = self._order_of(order_id)
            refund = self._build_refund(order, lines, shipping, reason)
            refund["refunded_payment"] = refunded_payment
            self.refunds.setdefault(order["id"], []).insert(0, refund)
            order["refunds"].insert(
                0,
                {"id": refund["id"], "reason": reason, "total": f"-{refund['amount']}"},
            )
            refunded = sum(
                (Decimal(entry["total"]) for entry in order["refunds"]), ZERO
            )
            if -refunded >= Decimal(order["total"]):
                order["status"] = "refunded"
            self._touch(order)
            refund_payload, order_payload = copy.deepcopy((refund, order))
        self._announce("order.updated", order_payload)
        return refund_payload

    def _build_refund(self, order, lines, shipping, reason):
        now = self._stamp()
        refund_id = next(self.post_ids)
        items = {item["id"]: item for item in order["line_items"]}
        refund_lines = []
        for line in lines:
            item = items.get(int(line["line_item_id"]))
            if item is None:
                raise LookupError(f"no line item {line['line_item_id']}")
            refund_lines.append(self._refund_line(order, item, line))
        shipping_lines = []
        if shipping:
            shipping_lines.append(self._shipping_refund(order, shipping))
        amount = -sum(
            (
                Decimal(line["total"]) + Decimal(line["total_tax"])
                for line in refund_lines + shipping_lines
            ),
            ZERO,
        )
        refund = {
            "id": refund_id,
            "date_created": now,
            "date_created_gmt": now,
            "amount": money(amount),
            "reason": reason,
            "refunded_by": 1,
            "meta_data": [],
            "line_items": refund_lines,
            "tax_lines": [],
            "shipping_lines": shipping_lines,
            "fee_lines": [],
            "_links": self._links(f"orders/{order['id']}/refunds/{refund_id}"),
        }
        if order["tax_lines"]:
            refund["tax_lines"] = [
                dict(
                    order["tax_lines"][0],
                    id=next(self.item_ids),
                    tax_total=money(_tax_sum(refund_lines)),
                    shipping_tax_total=money(_tax_sum(shipping_lines)),
                )
            ]
        return refund

    def _refunded_quantity(self, order_id, item_id):
        return -sum(
            line["quantity"]
            for refund in self.refunds.get(order_id, [])
            for line in refund["line_items"]
            if line["meta_data"][0]["value"] == str(item_id)
        )

    def _refund_line(self, order, item, line):
        """A refunded quantity and its share of the line, negative as
        WooCommerce reads refunds back; restocks when asked."""
        left = item["quantity"] - self._refunded_quantity(order["id"], item["id"])
        quantity = int(line.get("quantity", left))
        if not 0 < quantity <= left:
            raise ValueError(f"cannot refund {quantity} of line item {item['id']}")
        total = share(Decimal(item["total"]), quantity, item["quantity"])
        tax = share(Decimal(item["total_tax"]), quantity, item["quantity"])
        refund_line = {
            "id": next(self.item_ids),
            "name": item["name"],
            "product_id": item["product_id"],
            "variation_id": item["variation_id"],
            "quantity": -quantity,
            "tax_class": item["tax_class"],
            "subtotal": money(-total),
            "subtotal_tax": money(-tax),
            "total": money(-total),
            "total_tax": money(-tax),
            "taxes": [],
            "meta_data": [
                {
                    "id": next(self.meta_ids),
                    "key": "_refunded_item_id",
                    "value": str(item["id"]),
                }
            ],
            "sku": item["sku"],
            "price": item["price"],
        }
        if item["taxes"]:
            refund_line["taxes"] = self._taxes(-tax, -tax)
        if line.get("restock"):
            self._adjust_stock(item["product_id"], quantity)
        return refund_line

    def _shipping_refund(self, order, shipping):
        amount = Decimal(str(shipping))
        if not order["shipping_lines"]:
            raise ValueError("the order has no shipping to refund")
        charged = order["shipping_lines"][0]
        total, tax = Decimal(charged["total"]), Decimal(charged["total_tax"])
        paid = total + tax if order["prices_include_tax"] else total
        if amount > paid:
            raise ValueError(f"cannot refund {amount} of shipping")
        refunded_tax = share(tax, amount, paid)
        excluded = amount - refunded_tax if order["prices_include_tax"] else amount
        line = {
            "id": next(self.item_ids),
            "method_title": charged["method_title"],
            "method_id": charged["method_id"],
            "instance_id": charged["instance_id"],
            "total": money(-excluded),
            "total_tax": money(-refunded_tax),
            "taxes": [],
            "meta_data": [
                {
                    "id": next(self.meta_ids),
                    "key": "_refunded_item_id",
                    "value": str(charged["id"]),
                }
            ],
        }
        if charged["taxes"]:
            line["taxes"] = self._taxes(-refunded_tax, "")
        return line

    # --- REST routes (called under the simulator's lock) ---
    def _system_status(self, query, body):
        return 200, {
            "environment": {
                "home_url": self.site,
                "site_url": self.site,
                "version": WC_VERSION,
                "wp_version": WP_VERSION,
                "default_timezone": "UTC",
            },
            "settings": {"currency": self.config["currency"]},
        }

    def _page(self, records, query):
        """One page of ``records`` with WordPress's total headers."""
        per_page = int(param(query, "per_page", "10"))
        page = int(param(query, "page", "1"))
        if not 1 <= per_page <= MAX_PER_PAGE:
            return self.bad_request(
                f"per_page must be between 1 (inclusive) and {MAX_PER_PAGE} (inclusive)"
            )
        start = (page - 1) * per_page
        headers = {
            "X-WP-Total": str(len(records)),
            "X-WP-TotalPages": str(math.ceil(len(records) / per_page)),
        }
        return 200, records[start : start + per_page], headers

    def _orders(self, query, body):
        after = param(query, "modified_after")
        statuses = set((param(query, "status") or "any").split(","))
        field = {
            "modified": "date_modified_gmt",
            "date": "date_created_gmt",
            "id": "id",
        }.get(param(query, "orderby", "date"), "date_created_gmt")
        orders = [
            order
            for order in self.sim.orders.values()
            if ("any" in statuses or order["status"] in statuses)
            and (
                not after or parse_time(order["date_modified_gmt"]) >= parse_time(after)
            )
        ]
        orders.sort(
            key=lambda order: (order[field], order["id"]),
            reverse=param(query, "order", "desc") == "desc",
        )
        return self._page(orders, query)

    def _order(self, query, body, order_id):
        order = self.sim.orders.get(order_id)
        return (200, order) if order else self._invalid_order()

    def _update_order(self, query, body, order_id):
        """Status, shipping address, meta data and line items (an ``id``
        with ``quantity``, or with ``product_id`` null to delete it; a
        ``product_id`` and ``quantity`` to add one at the product's price),
        in any status; completing the order is recorded as a fulfilment,
        with the trackings added so far."""
        order = self.sim.orders.get(order_id)
        if order is None:
            return self._invalid_order()
        status = body.get("status", order["status"])
        if status not in STATUSES:
            return self.bad_request(f"status is not one of {sorted(STATUSES)}")
        if body.get("line_items"):
            try:
                self._edit_items(order, *self._posted_items(body["line_items"]))
            except (LookupError, ValueError) as error:
                return _answer("woocommerce_rest_invalid_item_id", str(error), 400)
        completing = status == "completed" and order["status"] != "completed"
        # wc_maybe_increase_stock_levels: a cancelled order whose stock was
        # taken gives it back, less the units its refunds took off.
        if status == "cancelled" and order["id"] in self.stock_reduced:
            self.stock_reduced.discard(order["id"])
            for item in order["line_items"]:
                left = item["quantity"] - self._refunded_quantity(
                    order["id"], item["id"]
                )
                self._adjust_stock(item["product_id"], left)
        order["status"] = status
        merge(order, {"shipping": body.get("shipping") or {}})
        self._set_meta(order, body.get("meta_data") or [])
        self._touch(order)
        if completing:
            order["date_completed"] = order["date_completed_gmt"] = order[
                "date_modified"
            ]
            self._record_completion(order)
        self.echo("order.updated", order)
        return 200, order

    def _posted_items(self, posted):
        """``(quantities, added spec lines)`` of a request's ``line_items``
        (the REST API deletes an item whose ``product_id`` is null)."""
        quantities, added = {}, []
        for entry in posted:
            if entry.get("id"):
                deleted = "product_id" in entry and entry["product_id"] is None
                quantities[int(entry["id"])] = 0 if deleted else entry["quantity"]
                continue
            product = self.sim.products.get(int(entry["product_id"]))
            if product is None:
                raise LookupError(f"no product {entry['product_id']}")
            added.append(
                {
                    "sku": product["sku"],
                    "title": product["name"],
                    "price": product["price"],
                    "quantity": entry.get("quantity", 1),
                }
            )
        return quantities, added

    def _record_completion(self, order):
        trackings = self.trackings.get(order["id"], [])
        last = trackings[-1] if trackings else {}
        self.sim.fulfillments.append(
            {
                "order_id": order["id"],
                "status": "completed",
                "tracking_number": last.get("tracking_number"),
                "tracking_numbers": [t["tracking_number"] for t in trackings],
                "tracking_provider": last.get("tracking_provider"),
                "line_items": [
                    {
                        "line_item_id": item["id"],
                        "sku": item["sku"],
                        "quantity": item["quantity"],
                    }
                    for item in order["line_items"]
                ],
            }
        )

    def _refunds(self, query, body, order_id):
        if order_id not in self.sim.orders:
            return self._invalid_order()
        return 200, self.refunds.get(order_id, [])

    def _create_refund(self, query, body, order_id):
        """``POST orders/<id>/refunds``: ``amount`` given back (through the
        gateway with ``api_refund``, the default, recorded as
        ``refunded_payment``), the ``line_items`` (order item ``id``,
        ``quantity``, ``refund_total`` and ``refund_tax`` per rate id) and
        shipping lines recorded negative as WooCommerce reads refunds back,
        stock put back with ``api_restock`` (the default); more than is
        left to refund is refused. ``order.updated`` is sent."""
        order = self.sim.orders.get(order_id)
        if order is None:
            return self._invalid_order()
        amount = Decimal(str(body.get("amount") or "0"))
        refunded = -sum((Decimal(entry["total"]) for entry in order["refunds"]), ZERO)
        if amount <= 0 or amount > Decimal(order["total"]) - refunded:
            return _answer(
                "woocommerce_rest_invalid_order_refund",
                "Invalid refund amount.",
                400,
            )
        items = {item["id"]: item for item in order["line_items"]}
        shipping = {line["id"]: line for line in order["shipping_lines"]}
        lines, shipping_lines = [], []
        for values in body.get("line_items") or []:
            item_id = int(values["id"])
            total = Decimal(str(values.get("refund_total") or "0"))
            tax = sum(
                (
                    Decimal(str(t.get("refund_total") or "0"))
                    for t in values.get("refund_tax") or []
                ),
                ZERO,
            )
            if item_id in shipping:
                shipping_lines.append(
                    self._refund_entry(shipping[item_id], 0, total, tax)
                )
                continue
            item = items.get(item_id)
            if item is None:
                return _answer(
                    "woocommerce_rest_invalid_order_refund",
                    f"Invalid line item {item_id}.",
                    400,
                )
            quantity = int(values.get("quantity") or 0)
            lines.append(self._refund_entry(item, quantity, total, tax))
            if body.get("api_restock", True) and quantity:
                self._adjust_stock(item["product_id"], quantity)
        now = self._stamp()
        refund = {
            "id": next(self.post_ids),
            "date_created": now,
            "date_created_gmt": now,
            "amount": money(amount),
            "reason": body.get("reason") or "",
            "refunded_by": 1,
            "refunded_payment": bool(body.get("api_refund", True)),
            "meta_data": [],
            "line_items": lines,
            "tax_lines": [],
            "shipping_lines": shipping_lines,
            "fee_lines": [],
            "_links": self._links(f"orders/{order['id']}/refunds"),
        }
        self.refunds.setdefault(order["id"], []).insert(0, refund)
        order["refunds"].insert(
            0,
            {
                "id": refund["id"],
                "reason": refund["reason"],
                "total": f"-{refund['amount']}",
            },
        )
        if amount + refunded >= Decimal(order["total"]):
            order["status"] = "refunded"
        self._touch(order)
        self.echo("order.updated", order)
        return 201, refund

    def _refund_entry(self, item, quantity, total, tax):
        """A refund's copy of an order item or shipping line, negative."""
        entry = {
            "id": next(self.item_ids),
            "total": money(-total),
            "total_tax": money(-tax),
            "taxes": self._taxes(-tax, "") if item.get("taxes") and tax else [],
            "meta_data": [
                {
                    "id": next(self.meta_ids),
                    "key": "_refunded_item_id",
                    "value": str(item["id"]),
                }
            ],
        }
        if "method_id" in item:
            entry.update(method_title=item["method_title"], method_id=item["method_id"])
            return entry
        entry.update(
            name=item["name"],
            product_id=item["product_id"],
            variation_id=item["variation_id"],
            quantity=-quantity,
            tax_class=item["tax_class"],
            subtotal=money(-total),
            subtotal_tax=money(-tax),
            sku=item["sku"],
            price=item["price"],
        )
        return entry

    def _products(self, query, body):
        include = id_list(param(query, "include"))
        sku = param(query, "sku")
        products = [
            product
            for product in sorted(self.sim.products.values(), key=lambda p: p["id"])
            if (not include or product["id"] in include)
            and (not sku or product["sku"] == sku)
        ]
        return self._page(products, query)

    def _product(self, query, body, product_id):
        product = self.sim.products.get(product_id)
        if product is None:
            return 404, error("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
        return 200, product

    def _create_product(self, query, body):
        if self._sku_taken(body.get("sku")):
            return self._invalid_sku()
        product = self._new_product(body)
        self._record("create", product, body)
        return 201, product

    def _update_product(self, query, body, product_id):
        product = self.sim.products.get(product_id)
        if product is None:
            return 400, error("woocommerce_rest_product_invalid_id", "Invalid ID.", 400)
        if self._sku_taken(body.get("sku"), product_id):
            return self._invalid_sku()
        self._apply_product(product, body)
        self._touch(product)
        self._record("update", product, body)
        return 200, product

    @staticmethod
    def _invalid_sku():
        message = "Invalid or duplicated SKU."
        return 400, error("product_invalid_sku", message, 400)

    def _record(self, action, product, data):
        """Catalog writes go to product_updates, stock writes to
        stock_updates; one call may be both."""
        catalog = {key: value for key, value in data.items() if key != "id"}
        if action == "create" or set(catalog) - {"stock_quantity", "manage_stock"}:
            self.sim.product_updates.append(
                {
                    "action": action,
                    "resource": "product",
                    "id": product["id"],
                    "sku": product["sku"],
                    "changes": copy.deepcopy(catalog),
                }
            )
        if "stock_quantity" in data:
            self.sim.stock_updates.append(
                {"sku": product["sku"], "quantity": product["stock_quantity"]}
            )

    def _batch(self, query, body):
        """Per-item results, a refused item answered in place; at most
        MAX_BATCH objects in all. Deleting is not simulated."""
        creates, updates = body.get("create") or [], body.get("update") or []
        deletes = body.get("delete") or []
        if len(creates) + len(updates) + len(deletes) > MAX_BATCH:
            message = f"Unable to accept more than {MAX_BATCH} items for this request."
            return _answer("woocommerce_rest_request_entity_too_large", message, 413)
        answer = {}
        if creates:
            answer["create"] = [
                _batch_item(0, self._create_product(query, item)) for item in creates
            ]
        if updates:
            answer["update"] = [
                _batch_item(item.get("id"), self._update_one(query, item))
                for item in updates
            ]
        if deletes:
            answer["delete"] = [
                {
                    "id": product_id,
                    "error": error(
                        "simulator_unsupported", "Deleting is not simulated.", 501
                    ),
                }
                for product_id in deletes
            ]
        return 200, answer

    def _update_one(self, query, item):
        try:
            product_id = int(item.get("id"))
        except (TypeError, ValueError):
            return 400, error("woocommerce_rest_product_invalid_id", "Invalid ID.", 400)
        return self._update_product(query, item, product_id)

    def _add_tracking(self, query, body, order_id):
        if order_id not in self.sim.orders:
            return self._invalid_order()
        number = body.get("tracking_number")
        if not number:
            return self.bad_request("Missing parameter(s): tracking_number")
        provider = body.get("tracking_provider") or body.get(
            "custom_tracking_provider", ""
        )
        link = TRACKING_LINKS.get(provider.lower(), "").format(number) or body.get(
            "custom_tracking_link", ""
        )
        tracking = {
            "tracking_id": uuid.uuid4().hex,
            "tracking_provider": provider,
            "tracking_link": link,
            "tracking_number": number,
            "date_shipped": _ship_date(body.get("date_shipped")),
        }
        self.trackings.setdefault(order_id, []).append(tracking)
        return 201, tracking

    def _trackings(self, query, body, order_id):
        if order_id not in self.sim.orders:
            return self._invalid_order()
        return 200, self.trackings.get(order_id, [])

    # --- webhooks through the REST API ---
    def _webhook_record(self, hook):
        """A webhook as the API shows it: its secret is never read back."""
        record = {key: value for key, value in hook.items() if key != "_secret"}
        record["_links"] = self._links(f"webhooks/{hook['id']}")
        return record

    def _webhooks(self, query, body):
        status = param(query, "status", "all")
        hooks = [
            self._webhook_record(hook)
            for hook in sorted(self.webhooks.values(), key=lambda h: h["id"])
            if status == "all" or hook["status"] == status
        ]
        return self._page(hooks, query)

    def _webhook(self, query, body, hook_id):
        hook = self.webhooks.get(hook_id)
        if hook is None:
            return _invalid_webhook()
        return 200, self._webhook_record(hook)

    def _check_webhook(self, values):
        """The reason ``values`` cannot make a webhook, or None."""
        resource, _, event = (values.get("topic") or "").partition(".")
        if resource not in WEBHOOK_RESOURCES or event not in WEBHOOK_EVENTS:
            return f"Invalid parameter(s): topic ({values.get('topic')!r})"
        if values.get("status", "active") not in WEBHOOK_STATUSES:
            return "Invalid parameter(s): status"
        url = values.get("delivery_url") or ""
        if not url.startswith(("http://", "https://")):
            return "Invalid parameter(s): delivery_url"
        return None

    def _create_webhook(self, query, body):
        reason = self._check_webhook(body)
        if reason:
            return self.bad_request(reason)
        stamp = self._stamp()
        hook_id = next(self.post_ids)
        resource, _, event = body["topic"].partition(".")
        self.webhooks[hook_id] = {
            "id": hook_id,
            "name": body.get("name") or f"Webhook created on {stamp}",
            "status": body.get("status") or "active",
            "topic": body["topic"],
            "resource": resource,
            "event": event,
            "hooks": [f"woocommerce_{resource}_{event}"],
            "delivery_url": body["delivery_url"],
            "failure_count": 0,
            "date_created": stamp,
            "date_created_gmt": stamp,
            "date_modified": stamp,
            "date_modified_gmt": stamp,
            "_secret": body.get("secret") or uuid.uuid4().hex,
        }
        return 201, self._webhook_record(self.webhooks[hook_id])

    def _update_webhook(self, query, body, hook_id):
        hook = self.webhooks.get(hook_id)
        if hook is None:
            return _invalid_webhook()
        values = dict(hook, **body)
        reason = self._check_webhook(values)
        if reason:
            return self.bad_request(reason)
        for key in ("name", "status", "topic", "delivery_url"):
            hook[key] = values[key]
        hook["resource"], _, hook["event"] = hook["topic"].partition(".")
        if body.get("secret"):
            hook["_secret"] = body["secret"]
        if body.get("status") == "active":
            hook["failure_count"] = 0
        self._touch(hook)
        return 200, self._webhook_record(hook)

    def _delete_webhook(self, query, body, hook_id):
        if param(query, "force") not in ("true", "1"):
            return _answer(
                "woocommerce_rest_trash_not_supported",
                "Webhooks do not support trashing.",
                501,
            )
        hook = self.webhooks.pop(hook_id, None)
        if hook is None:
            return _invalid_webhook()
        return 200, self._webhook_record(hook)


# WooCommerce stores line amounts before tax whatever the shop's prices
# include: a line's subtotal is before its discount, its total after.
def _subtotal(line, spec):
    return line["gross"] - line["gross_tax"] if spec["included"] else line["gross"]


def _total(line, spec):
    return line["net"] - line["tax"] if spec["included"] else line["net"]


def _shipping_excluded(spec):
    shipping = spec["shipping"] or ZERO
    return shipping - spec["shipping_tax"] if spec["included"] else shipping


def _tax_sum(lines):
    return _sum(lines, "total_tax")


def _sum(lines, key):
    return sum((Decimal(line[key]) for line in lines), ZERO)


def _batch_item(item_id, answer):
    status, body = answer[0], answer[1]
    return {"id": item_id, "error": body} if status >= 400 else body
