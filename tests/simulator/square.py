# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Square mode: what a POS connector reads of Square (locations, SearchOrders,
BatchRetrieveOrders, BatchRetrieveCatalogObjects) and ``order.updated``
webhooks signed as Square signs them. Shapes follow Square's API reference
(developer.squareup.com/reference/square: Order, OrderLineItem, OrderReturn,
Tender, Refund, Money), and its webhook
signature guide (developer.squareup.com/docs/webhooks/step3validate).
Sale and return orders are built from a compact spec (README.md)."""

import base64
import copy
import hashlib
import hmac
import itertools
import json
import secrets
import time
from datetime import datetime, timezone
from decimal import Decimal

from .common import ZERO, Platform, parse_time, round_cents, share, tax_on

MAX_LOCATIONS = 10
MAX_LIMIT = 1000
DEFAULT_LIMIT = 500
MAX_ORDER_IDS = 100
MAX_OBJECT_IDS = 1000
SORT_FIELDS = {
    "CREATED_AT": "created_at",
    "UPDATED_AT": "updated_at",
    "CLOSED_AT": "closed_at",
}
SIGNATURE_HEADER = "x-square-hmacsha256-signature"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def sign(secret, notification_url, body):
    """``x-square-hmacsha256-signature``: base64 HMAC-SHA256 of URL + body."""
    message = notification_url.encode() + body
    return base64.b64encode(
        hmac.new(secret.encode(), message, hashlib.sha256).digest()
    ).decode()


def _error(category, code, detail, field=None):
    error = {"category": category, "code": code, "detail": detail}
    if field:
        error["field"] = field
    return {"errors": [error]}


def _cents(amount):
    return int(round_cents(amount) * 100)


class Square(Platform):
    DEFAULTS = {
        "api_version": "2026-08-19",
        "merchant_id": "MLSIM5TQ2VX4K",
        "currency": "EUR",
        "notification_url": None,  # default: target_url
        "environment": "Production",
        "locations": [
            {"id": "LSIMBREST0001", "name": "Brest", "timezone": "Europe/Paris"}
        ],
        "tax_id": "VAT20SIMTAXCATALOG01",
        "tax_name": "VAT",
        "source_name": "Square Point of Sale",
    }
    ROUTES = (
        ("GET", "/v2/locations", "_locations"),
        ("POST", "/v2/orders/search", "_search"),
        ("POST", "/v2/orders/batch-retrieve", "_batch_orders"),
        ("POST", "/v2/catalog/batch-retrieve", "_batch_catalog"),
    )

    def reset(self):
        self.catalog = {}  # object id: CatalogObject (items and variations)
        self.skus = {}  # sku: variation id
        self.uids = itertools.count(1)
        self.versions_seen = []

    def stats(self):
        return {"square_versions": list(self.versions_seen)}

    def _id(self, length=29):
        return "".join(secrets.choice(ALPHABET) for _ in range(length))

    def _uid(self):
        return f"uid-{next(self.uids)}"

    def _money(self, amount, currency=None):
        return {
            "amount": _cents(amount),
            "currency": currency or self.config["currency"],
        }

    # --- answers in Square's shapes ---
    def authorized(self, headers, query):
        with self.sim.lock:
            self.versions_seen.append(headers.get("Square-Version"))
        return headers.get("Authorization") == f"Bearer {self.config['api_token']}"

    def unauthorized(self):
        return 401, _error(
            "AUTHENTICATION_ERROR",
            "UNAUTHORIZED",
            "This request could not be authorized.",
        )

    def throttled(self, wait):
        return (
            429,
            _error("RATE_LIMIT_ERROR", "RATE_LIMITED", "Rate limit exceeded."),
            {"Retry-After": f"{max(1, round(wait))}"},
        )

    def failed(self, status, retry_after):
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return status, _error("API_ERROR", "INTERNAL_SERVER_ERROR", "injected"), headers

    def not_found(self):
        return 404, _error("INVALID_REQUEST_ERROR", "NOT_FOUND", "Resource not found.")

    def bad_request(self, message, field=None):
        return 400, _error("INVALID_REQUEST_ERROR", "INVALID_VALUE", message, field)

    # --- REST ---
    def _locations(self, query, body):
        locations = [
            {
                "id": location["id"],
                "name": location.get("name") or location["id"],
                "timezone": location.get("timezone") or "UTC",
                "currency": self.config["currency"],
                "status": "ACTIVE",
                "type": "PHYSICAL",
                "merchant_id": self.config["merchant_id"],
                "capabilities": ["CREDIT_CARD_PROCESSING"],
            }
            for location in self.config["locations"]
        ]
        return 200, {"locations": locations}

    def _search(self, query, body):
        location_ids = body.get("location_ids") or []
        if not location_ids or len(location_ids) > MAX_LOCATIONS:
            return self.bad_request(
                f"Between 1 and {MAX_LOCATIONS} location_ids are required.",
                "location_ids",
            )
        limit = body.get("limit", DEFAULT_LIMIT)
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            return self.bad_request(f"limit must be 1 to {MAX_LIMIT}.", "limit")
        search = body.get("query") or {}
        selected, problem = self._filtered(location_ids, search.get("filter") or {})
        if problem:
            return self.bad_request(problem)
        sort = search.get("sort") or {}
        sort_field = sort.get("sort_field", "CREATED_AT")
        date_filter = (search.get("filter") or {}).get("date_time_filter") or {}
        if sort_field not in SORT_FIELDS or any(
            key != SORT_FIELDS[sort_field] for key in date_filter
        ):
            return self.bad_request(
                "sort_field must be the field the date_time_filter filters on.",
                "query.sort.sort_field",
            )
        key = SORT_FIELDS[sort_field]
        if any(not order.get(key) for order in selected):
            return self.bad_request(f"Orders without {key} cannot be sorted by it.")
        selected.sort(
            key=lambda order: (parse_time(order[key]), order["id"]),
            reverse=sort.get("sort_order", "DESC") == "DESC",
        )
        start = _decode_cursor(body.get("cursor"))
        if start is None:
            return self.bad_request("Invalid cursor.", "cursor")
        page = selected[start : start + limit]
        answer = {}
        if body.get("return_entries"):
            answer["order_entries"] = [
                {
                    "order_id": order["id"],
                    "version": order["version"],
                    "location_id": order["location_id"],
                }
                for order in page
            ]
        elif page:
            answer["orders"] = page
        if start + limit < len(selected):
            answer["cursor"] = _encode_cursor(start + limit)
        return 200, answer

    def _filtered(self, location_ids, search_filter):
        states = (search_filter.get("state_filter") or {}).get("states")
        date_filter = search_filter.get("date_time_filter") or {}
        if len(date_filter) > 1:
            return [], "Only one date_time_filter range is allowed."
        selected = []
        for order in self.sim.orders.values():
            if order["location_id"] not in location_ids:
                continue
            if states and order["state"] not in states:
                continue
            if not all(
                _in_range(order.get(field), time_range)
                for field, time_range in date_filter.items()
            ):
                continue
            selected.append(order)
        return selected, None

    def _batch_orders(self, query, body):
        order_ids = body.get("order_ids")
        if not order_ids or len(order_ids) > MAX_ORDER_IDS:
            return self.bad_request(
                f"Between 1 and {MAX_ORDER_IDS} order_ids are required.", "order_ids"
            )
        location_id = body.get("location_id")
        orders = [
            self.sim.orders[order_id]
            for order_id in order_ids
            if order_id in self.sim.orders
            and (
                not location_id
                or self.sim.orders[order_id]["location_id"] == location_id
            )
        ]
        return 200, {"orders": orders} if orders else {}

    def _batch_catalog(self, query, body):
        object_ids = body.get("object_ids")
        if not object_ids or len(object_ids) > MAX_OBJECT_IDS:
            return self.bad_request("object_ids is required.", "object_ids")
        objects = [self.catalog[i] for i in object_ids if i in self.catalog]
        answer = {"objects": objects} if objects else {}
        if body.get("include_related_objects"):
            related = {
                obj["item_variation_data"]["item_id"]
                for obj in objects
                if obj["type"] == "ITEM_VARIATION"
            }
            answer["related_objects"] = [self.catalog[i] for i in related]
        return 200, answer

    # --- catalog ---
    def add_product(self, sku, price="12.50", quantity=0, title=None, barcode=""):
        """A catalog item with one variation of that SKU (quantity unused)."""
        with self.sim.lock:
            return copy.deepcopy(self._variation(sku, price, title, barcode))

    def _variation(self, sku, price="12.50", title=None, barcode=""):
        if sku in self.skus:
            return self.catalog[self.skus[sku]]
        item_id, variation_id = self._id(24).upper(), self._id(24).upper()
        now = self._stamp()
        variation = {
            "type": "ITEM_VARIATION",
            "id": variation_id,
            "updated_at": now,
            "version": int(time.time() * 1000),
            "is_deleted": False,
            "present_at_all_locations": True,
            "item_variation_data": {
                "item_id": item_id,
                "name": "Regular",
                "sku": sku,
                "upc": barcode or None,
                "pricing_type": "FIXED_PRICING",
                "price_money": self._money(Decimal(str(price))),
            },
        }
        self.catalog[item_id] = {
            "type": "ITEM",
            "id": item_id,
            "updated_at": now,
            "version": variation["version"],
            "is_deleted": False,
            "present_at_all_locations": True,
            "item_data": {"name": title or sku, "variations": [variation]},
        }
        self.catalog[variation_id] = variation
        self.skus[sku] = variation_id
        return variation

    def _stamp(self, previous=None):
        return (
            self.moment(previous)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z")
        )

    # --- orders ---
    def create_order(self, **spec):
        """A COMPLETED Point of Sale sale from the compact spec (README.md),
        announced by ``order.updated`` when a target URL is set."""
        with self.sim.lock:
            order = self._build_sale(spec)
            self.sim.orders[order["id"]] = order
            payload = copy.deepcopy(order)
        self._announce(payload)
        return payload

    def create_refund(self, order_id, lines=(), shipping=None, **options):
        """A return order refunding ``lines`` (``[{"sku" or "uid",
        "quantity"}]``, default: everything) of sale ``order_id``."""
        with self.sim.lock:
            if order_id not in self.sim.orders:
                raise LookupError(f"order {order_id} not found")
            order = self._build_return(self.sim.orders[order_id], lines, options)
            self.sim.orders[order["id"]] = order
            payload = copy.deepcopy(order)
        self._announce(payload)
        return payload

    create_return = create_refund

    def update_order(self, order_id, **changes):
        """Change fields of an order; bumps its version and ``updated_at``."""
        with self.sim.lock:
            if order_id not in self.sim.orders:
                raise LookupError(f"order {order_id} not found")
            order = self.sim.orders[order_id]
            order.update(changes)
            order["version"] += 1
            order["updated_at"] = self._stamp(order["updated_at"])
            payload = copy.deepcopy(order)
        self._announce(payload)
        return payload

    def _build_sale(self, spec):
        currency = spec.get("currency") or self.config["currency"]
        rate = Decimal(str(spec.get("tax_rate", "0.20")))
        included = bool(spec.get("taxes_included", True))
        tax_uid = self._uid()
        tax = {
            "uid": tax_uid,
            "catalog_object_id": spec.get("tax_id", self.config["tax_id"]),
            "catalog_version": 1,
            "name": self.config["tax_name"],
            "percentage": format((rate * 100).normalize(), "f"),
            "type": "INCLUSIVE" if included else "ADDITIVE",
            "scope": "ORDER",
        }
        lines, discounts, total, total_tax, total_discount = [], [], ZERO, ZERO, ZERO
        for values in spec.get("lines") or [{"sku": "SKU-1", "quantity": 1}]:
            line, discount = self._sale_line(values, rate, included, tax_uid, currency)
            lines.append(line)
            if discount:
                discounts.append(discount)
            total += Decimal(line["total_money"]["amount"]) / 100
            total_tax += Decimal(line["total_tax_money"]["amount"]) / 100
            total_discount += Decimal(line["total_discount_money"]["amount"]) / 100
        tax["applied_money"] = self._money(total_tax, currency)
        now = self._stamp()
        order_id = spec.get("id") or self._id()
        tenders = self._tenders(order_id, spec, total, currency, now)
        tip = sum(
            (Decimal(str(t.get("tip", "0"))) for t in spec.get("tenders") or []), ZERO
        )
        order = {
            "id": order_id,
            "location_id": spec.get("location_id") or self.config["locations"][0]["id"],
            "source": {"name": spec.get("source_name", self.config["source_name"])},
            "line_items": lines,
            "taxes": [tax] if rate else [],
            "discounts": discounts,
            "tenders": tenders,
            "created_at": now,
            "updated_at": now,
            "closed_at": spec.get("closed_at") or now,
            "state": spec.get("state", "COMPLETED"),
            "version": 4,
            "total_money": self._money(total + tip, currency),
            "total_tax_money": self._money(total_tax, currency),
            "total_discount_money": self._money(total_discount, currency),
            "total_tip_money": self._money(tip, currency),
            "total_service_charge_money": self._money(ZERO, currency),
            "net_amounts": {
                "total_money": self._money(total + tip, currency),
                "tax_money": self._money(total_tax, currency),
                "discount_money": self._money(total_discount, currency),
                "tip_money": self._money(tip, currency),
                "service_charge_money": self._money(ZERO, currency),
            },
            "net_amount_due_money": self._money(ZERO, currency),
        }
        if spec.get("customer_id"):
            order["customer_id"] = spec["customer_id"]
        if order["state"] != "COMPLETED":
            order.pop("closed_at")
        return order

    def _sale_line(self, values, rate, included, tax_uid, currency):
        price = Decimal(str(values.get("price", "12.50")))
        quantity = int(values.get("quantity", 1))
        discount = Decimal(str(values.get("discount", "0")))
        variation = self._variation(values["sku"], price, values.get("title"))
        gross = price * quantity
        net = gross - discount
        tax = tax_on(net, rate, included) if rate else ZERO
        line = {
            "uid": self._uid(),
            "catalog_object_id": variation["id"],
            "catalog_version": variation["version"],
            "name": values.get("title") or values["sku"],
            "variation_name": "Regular",
            "item_type": "ITEM",
            "quantity": str(quantity),
            "base_price_money": self._money(price, currency),
            "variation_total_price_money": self._money(gross, currency),
            "gross_sales_money": self._money(gross, currency),
            "total_tax_money": self._money(tax, currency),
            "total_discount_money": self._money(discount, currency),
            "total_money": self._money(net if included else net + tax, currency),
            "applied_taxes": (
                [
                    {
                        "uid": self._uid(),
                        "tax_uid": tax_uid,
                        "applied_money": self._money(tax, currency),
                    }
                ]
                if rate
                else []
            ),
        }
        if not discount:
            return line, None
        discount_uid = self._uid()
        line["applied_discounts"] = [
            {
                "uid": self._uid(),
                "discount_uid": discount_uid,
                "applied_money": self._money(discount, currency),
            }
        ]
        return line, {
            "uid": discount_uid,
            "name": "Line discount",
            "type": "FIXED_AMOUNT",
            "amount_money": self._money(discount, currency),
            "applied_money": self._money(discount, currency),
            "scope": "LINE_ITEM",
        }

    def _tenders(self, order_id, spec, total, currency, now):
        location_id = spec.get("location_id") or self.config["locations"][0]["id"]
        wanted = spec.get("tenders") or [{"type": "CARD", "amount": str(total)}]
        tenders = []
        for values in wanted:
            tip = Decimal(str(values.get("tip", "0")))
            tender_id = self._id(27)
            tender = {
                "id": tender_id,
                "location_id": location_id,
                "transaction_id": order_id,
                "created_at": now,
                "amount_money": self._money(
                    Decimal(str(values["amount"])) + tip, currency
                ),
                "type": values.get("type", "CARD"),
            }
            if tip:
                tender["tip_money"] = self._money(tip, currency)
            if tender["type"] == "CARD":
                tender["card_details"] = {
                    "status": "CAPTURED",
                    "card": {"card_brand": "VISA", "last_4": "1111"},
                    "entry_method": "EMV",
                }
                tender["payment_id"] = tender_id
            elif tender["type"] == "CASH":
                tender["cash_details"] = {
                    "buyer_tendered_money": tender["amount_money"],
                    "change_back_money": self._money(ZERO, currency),
                }
                tender["payment_id"] = tender_id
            tenders.append(tender)
        return tenders

    def _build_return(self, sale, lines, options):
        currency = sale["total_money"]["currency"]
        wanted = list(lines) or [
            {"uid": line["uid"], "quantity": line["quantity"]}
            for line in sale["line_items"]
        ]
        by_uid = {line["uid"]: line for line in sale["line_items"]}
        by_sku = {
            self.catalog[line["catalog_object_id"]]["item_variation_data"]["sku"]: line
            for line in sale["line_items"]
        }
        tax_uids = {}  # sale tax uid: return tax
        return_lines, total, total_tax = [], ZERO, ZERO
        for values in wanted:
            sold = by_uid.get(values.get("uid")) or by_sku.get(values.get("sku"))
            if sold is None:
                raise LookupError(f"no line {values} on order {sale['id']}")
            quantity = int(values.get("quantity", sold["quantity"]))
            sold_quantity = int(sold["quantity"])
            amounts = {
                name: share(
                    Decimal(sold[name]["amount"]) / 100, quantity, sold_quantity
                )
                for name in ("total_tax_money", "total_discount_money", "total_money")
            }
            price = Decimal(sold["base_price_money"]["amount"]) / 100
            applied = []
            for applied_tax in sold.get("applied_taxes") or []:
                sale_tax = next(
                    t for t in sale["taxes"] if t["uid"] == applied_tax["tax_uid"]
                )
                return_tax = tax_uids.setdefault(
                    sale_tax["uid"],
                    {
                        "uid": self._uid(),
                        "source_tax_uid": sale_tax["uid"],
                        "catalog_object_id": sale_tax["catalog_object_id"],
                        "catalog_version": sale_tax.get("catalog_version"),
                        "name": sale_tax["name"],
                        "type": sale_tax["type"],
                        "percentage": sale_tax["percentage"],
                        "applied_money": self._money(ZERO, currency),
                        "scope": sale_tax["scope"],
                    },
                )
                return_tax["applied_money"]["amount"] += _cents(
                    amounts["total_tax_money"]
                )
                applied.append(
                    {
                        "uid": self._uid(),
                        "tax_uid": return_tax["uid"],
                        "applied_money": self._money(
                            amounts["total_tax_money"], currency
                        ),
                    }
                )
            return_lines.append(
                {
                    "uid": self._uid(),
                    "source_line_item_uid": sold["uid"],
                    "name": sold["name"],
                    "quantity": str(quantity),
                    "catalog_object_id": sold["catalog_object_id"],
                    "catalog_version": sold["catalog_version"],
                    "variation_name": sold["variation_name"],
                    "item_type": "ITEM",
                    "base_price_money": self._money(price, currency),
                    "variation_total_price_money": self._money(
                        price * quantity, currency
                    ),
                    "gross_return_money": self._money(price * quantity, currency),
                    "total_tax_money": self._money(
                        amounts["total_tax_money"], currency
                    ),
                    "total_discount_money": self._money(
                        amounts["total_discount_money"], currency
                    ),
                    "total_money": self._money(amounts["total_money"], currency),
                    "applied_taxes": applied,
                }
            )
            total += amounts["total_money"]
            total_tax += amounts["total_tax_money"]
        now = self._stamp()
        order_id = options.get("id") or self._id()
        return_amounts = {
            "total_money": self._money(total, currency),
            "tax_money": self._money(total_tax, currency),
            "discount_money": self._money(ZERO, currency),
            "tip_money": self._money(ZERO, currency),
            "service_charge_money": self._money(ZERO, currency),
        }
        return {
            "id": order_id,
            "location_id": sale["location_id"],
            "source": {"name": options.get("source_name", self.config["source_name"])},
            "returns": [
                {
                    "uid": self._uid(),
                    "source_order_id": sale["id"],
                    "return_line_items": return_lines,
                    "return_taxes": list(tax_uids.values()),
                    "return_amounts": return_amounts,
                }
            ],
            "return_amounts": return_amounts,
            "net_amounts": {
                name: {"amount": -money["amount"], "currency": currency}
                for name, money in return_amounts.items()
            },
            "refunds": self._refunds(
                sale, total, options.get("reason", "Returned goods"), now
            ),
            "created_at": now,
            "updated_at": now,
            "closed_at": options.get("closed_at") or now,
            "state": "COMPLETED",
            "version": 1,
            "total_money": self._money(ZERO, currency),
            "total_tax_money": self._money(ZERO, currency),
            "total_discount_money": self._money(ZERO, currency),
            "total_tip_money": self._money(ZERO, currency),
            "total_service_charge_money": self._money(ZERO, currency),
        }

    def _refunds(self, sale, total, reason, now):
        """Refund ``total`` to the sale's tenders, first tender first."""
        refunds, left = [], total
        for tender in sale["tenders"]:
            if left <= 0:
                break
            paid = Decimal(tender["amount_money"]["amount"]) / 100
            amount = min(left, paid)
            left -= amount
            refunds.append(
                {
                    "id": self._id(27),
                    "location_id": sale["location_id"],
                    "transaction_id": sale["id"],
                    "tender_id": tender["id"],
                    "created_at": now,
                    "reason": reason,
                    "amount_money": self._money(
                        amount, tender["amount_money"]["currency"]
                    ),
                    "status": "APPROVED",
                }
            )
        return refunds

    # --- webhooks ---
    def _announce(self, order):
        if self.config["target_url"]:
            self.sim.send_webhook("order.updated", order)

    def event(self, event_type, order, event_id, created_at=None):
        """The event Square sends for ``order`` (an Order, or its summary)."""
        key = "order_created" if event_type == "order.created" else "order_updated"
        return {
            "merchant_id": self.config["merchant_id"],
            "type": event_type,
            "event_id": event_id,
            "created_at": created_at or self._stamp(),
            "data": {
                "type": "order",
                "id": order["id"],
                "object": {
                    key: {
                        "order_id": order["id"],
                        "version": order.get("version"),
                        "location_id": order["location_id"],
                        "state": order["state"],
                        "created_at": order.get("created_at"),
                        "updated_at": order.get("updated_at"),
                    }
                },
            },
        }

    def send(self, topic, payload, event_id, duplicates, timestamp, secret):
        """``payload`` is an order (its event is built) or a whole event."""
        if "event_id" not in payload:
            payload = self.event(topic, payload, event_id)
        body = json.dumps(payload, separators=(",", ":")).encode()
        url = self.config["notification_url"] or self.config["target_url"]
        moment = datetime.fromtimestamp(
            time.time() if timestamp is None else timestamp, timezone.utc
        )
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Square Connect v2",
            "square-environment": self.config["environment"],
            "square-initial-delivery-timestamp": moment.isoformat(
                timespec="milliseconds"
            ).replace("+00:00", "Z"),
            SIGNATURE_HEADER: sign(secret or self.config["webhook_secret"], url, body),
        }
        return [
            self.sim._post_with_retries(
                topic, payload["event_id"], body, lambda: headers
            )
            for _copy in range(duplicates)
        ]


def _in_range(value, time_range):
    """Whether ``value`` is in the inclusive ``{start_at, end_at}`` range."""
    if not value:
        return False
    moment = parse_time(value)
    start, end = time_range.get("start_at"), time_range.get("end_at")
    return (not start or parse_time(start) <= moment) and (
        not end or moment <= parse_time(end)
    )


def _encode_cursor(offset):
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor):
    if not cursor:
        return 0
    try:
        prefix, _, offset = base64.urlsafe_b64decode(cursor).decode().partition(":")
        return int(offset) if prefix == "offset" else None
    except (ValueError, UnicodeDecodeError):
        return None
