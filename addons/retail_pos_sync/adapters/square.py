# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Square (pull): completed Point of Sale orders read with the Orders API,
announced by webhooks, booked as store transactions.

Built from Square's public documentation (developer.squareup.com):

- Webhook signature, /docs/webhooks/step3validate: the
  ``x-square-hmacsha256-signature`` header is
  ``base64(HMAC-SHA256(signature key, notification URL + raw body))``, the URL
  exactly as given in the webhook subscription. There is no timestamp in the
  MAC (no replay window): deliveries are retried for up to 24 hours and the
  event's ``event_id`` is the documented idempotency value.
- Events, /reference/square/webhooks/order.updated, order.created and
  payment.updated: ``{"merchant_id", "type", "event_id", "created_at", "data":
  {"type": "order", "id", "object": {"order_updated": {"order_id", "version",
  "state", "location_id", "created_at", "updated_at"}}}}`` (``order_created``
  for order.created; ``{"payment": {..., "order_id", "status"}}`` for
  payments). order.created is not published for orders made in the Point of
  Sale app, and order.updated is documented as coming from UpdateOrder, Order
  Manager and the Dashboard, so a completed payment is also taken as a sign
  that its order may be complete.
- SearchOrders, /reference/square/orders-api/search-orders and
  /docs/orders-api/manage-orders/search-orders: ``POST /v2/orders/search``
  with at most 10 ``location_ids``, ``limit`` up to 1000, ``cursor``;
  a ``date_time_filter`` needs the same ``sort_field``; time ranges are
  inclusive. BatchRetrieveOrders: ``POST /v2/orders/batch-retrieve``
  ``{"order_ids"}`` (at most 100), unknown ids left out of ``orders``.
- BatchRetrieveCatalogObjects, ``POST /v2/catalog/batch-retrieve``
  ``{"object_ids"}``: ``objects`` of type ``ITEM_VARIATION`` carry
  ``item_variation_data.sku``. ListLocations, ``GET /v2/locations``:
  ``locations[{id, name, timezone, currency, status}]``.
- Objects, /reference/square/objects/Order, OrderLineItem,
  OrderLineItemTax, OrderLineItemAppliedTax, OrderReturn,
  OrderReturnLineItem, OrderReturnTax, Tender, Refund and Money; returns and
  exchanges, /docs/orders-api/order-returns-exchanges; money in the currency's
  smallest unit, /docs/build-basics/working-with-monetary-amounts.

Choices:

- Only ``COMPLETED`` orders (fully paid, terminal) are booked. Webhook events
  of any other type, of orders in another state and of payments that are not
  ``COMPLETED`` (or name no order) are acknowledged and not stored.
- A sale has ``line_items``; a return has ``returns`` with
  ``return_line_items`` and no line items, and refers to one sale
  (``source_order_id``, empty for unlinked returns). An exchange (both) is
  refused with its reason.
- Base prices include inclusive taxes (documented on ``base_price_money``):
  map INCLUSIVE taxes to taxes included in price, ADDITIVE ones to excluded.
  A line's tax code is its applied tax's ``catalog_object_id`` (its name for
  ad hoc taxes); several taxes on a line give the codes joined with ``+``.
- Payments: a sale's tenders (``NO_SALE`` left out) by tender type, less tips
  (tips are not booked); a return's refunds that are not ``REJECTED`` or
  ``FAILED``, by the type of the tender they refund, read from the sale.
- Lines with priced modifiers, and orders with service charges, are refused:
  they would not balance.
"""

import base64
import hashlib
import hmac
import json
from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from odoo.addons.retail_connector_base.adapters.common import (
    ConnectionAdapter,
    WebhookAdapter,
    check_signature,
    load_json_object,
    parse_datetime,
)
from odoo.addons.retail_connector_base.exceptions import (
    RetailBusinessError,
    RetailTransientError,
)
from odoo.addons.retail_connector_base.registry import register

from .pos import PosAdapter
from .pos_batch import PosLine, PosPayment, PosTransaction

PLATFORM = "square"
TOPIC = "square/order"
# Production and sandbox API hosts (a backend in test mode: the sandbox).
API_URLS = {
    False: "https://connect.squareup.com",
    True: "https://connect.squareupsandbox.com",
}
SIGNATURE_HEADER = "x-square-hmacsha256-signature"
# The latest version of the official SDK (square/square-python-sdk) when this
# adapter was written; a backend pins its own in ``api_version``.
API_VERSION = "2026-08-19"
ORDER_EVENTS = {"order.created": "order_created", "order.updated": "order_updated"}
PAYMENT_EVENTS = ("payment.created", "payment.updated")
MAX_LOCATIONS = 10
MAX_SEARCH_LIMIT = 1000
MAX_ORDER_IDS = 100
CATALOG_CHUNK = 100
IGNORED_TENDERS = ("NO_SALE",)
FAILED_REFUNDS = ("REJECTED", "FAILED")
DEFAULT_TERMINAL = "square"
# ISO 4217 minor units other than 2.
CURRENCY_EXPONENTS = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(),
        0,
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
}


# === WEBHOOKS === #
def sign(secret, notification_url, body):
    """``x-square-hmacsha256-signature`` of ``body`` sent to ``notification_url``."""
    message = notification_url.encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_signature(secrets, notification_url, headers, body):
    """None when ``body`` is signed by one of ``secrets`` (current, previous)
    for ``notification_url``, else the reason."""
    if not notification_url:
        return "no notification URL to check the signature against"
    return check_signature(
        secrets,
        headers.get(SIGNATURE_HEADER),
        lambda secret: sign(secret, notification_url, body),
    )


def parse_event(body):
    """Inbox values of a verified delivery; ``ignored`` (a reason) is set for
    events that book nothing. ValueError when the body is not an event."""
    event = load_json_object(body)
    event_id = event.get("event_id")
    if not event_id:
        raise ValueError("the event has no event_id")
    kind = event.get("type") or ""
    data = event.get("data") or {}
    content = data.get("object") or {}
    values = {
        "topic": TOPIC,
        "dedupe_key": f"event:{event_id}",
        "payload": event,
    }
    if kind in ORDER_EVENTS:
        summary = content.get(ORDER_EVENTS[kind]) or {}
        order_id = summary.get("order_id") or data.get("id")
        if summary.get("state") != "COMPLETED":
            values["ignored"] = f"order {order_id} is {summary.get('state')}"
        updated_at = summary.get("updated_at")
    elif kind in PAYMENT_EVENTS:
        payment = content.get("payment") or {}
        order_id = payment.get("order_id")
        if payment.get("status") != "COMPLETED" or not order_id:
            values["ignored"] = f"payment {data.get('id')} is {payment.get('status')}"
        updated_at = payment.get("updated_at")
    else:
        values["ignored"] = f"{kind or 'untyped'} events book nothing"
        order_id = updated_at = None
    values["subject_key"] = order_id
    values["external_updated_at"] = parse_datetime(updated_at) if updated_at else None
    return values


def event_order_ref(event):
    """``(order id, location id)`` a stored webhook event is about."""
    data = event.get("data") or {}
    content = data.get("object") or {}
    payment = content.get("payment")
    if payment:
        return payment.get("order_id"), payment.get("location_id")
    summary = content.get(ORDER_EVENTS.get(event.get("type"), "")) or {}
    return summary.get("order_id") or data.get("id"), summary.get("location_id")


# === ORDERS API === #
def search_orders(request, location_ids, updated_after, cursor=None, limit=100):
    """One page of COMPLETED orders of ``location_ids`` (at most 10) updated
    at or after ``updated_after`` (RFC 3339, inclusive; None: all), oldest
    change first. ``request(method, path, json_body)`` calls the API.

    :return: ``(orders, cursor of the next page or None)``
    """
    query_filter = {"state_filter": {"states": ["COMPLETED"]}}
    if updated_after:
        query_filter["date_time_filter"] = {"updated_at": {"start_at": updated_after}}
    body = {
        "location_ids": list(location_ids)[:MAX_LOCATIONS],
        "query": {
            "filter": query_filter,
            # The sort field must be the date filter's field.
            "sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"},
        },
        "limit": max(1, min(int(limit), MAX_SEARCH_LIMIT)),
        "return_entries": False,
    }
    if cursor:
        body["cursor"] = cursor
    answer = request("POST", "v2/orders/search", body) or {}
    return answer.get("orders") or [], answer.get("cursor") or None


def completed_order_ids(request, location_id, start_at, end_at):
    """Ids of the COMPLETED orders of ``location_id`` closed from
    ``start_at`` to ``end_at`` (RFC 3339, both inclusive), every page read.
    Entries only (``return_entries``): ids, not whole orders, are needed."""
    body = {
        "location_ids": [location_id],
        "query": {
            "filter": {
                "state_filter": {"states": ["COMPLETED"]},
                "date_time_filter": {
                    "closed_at": {"start_at": start_at, "end_at": end_at}
                },
            },
            "sort": {"sort_field": "CLOSED_AT", "sort_order": "ASC"},
        },
        "limit": MAX_SEARCH_LIMIT,
        "return_entries": True,
    }
    ids = []
    while True:
        answer = request("POST", "v2/orders/search", body) or {}
        ids += [entry["order_id"] for entry in answer.get("order_entries") or []]
        if not answer.get("cursor"):
            return ids
        body["cursor"] = answer["cursor"]


def day_bounds(business_day, timezone=None):
    """``(start, end)`` RFC 3339 instants of ``business_day`` in
    ``timezone`` (UTC without one), end inclusive: the day an order closed
    then is the business day ``order_to_transaction`` gives it."""
    zone = ZoneInfo(timezone) if timezone else dt_timezone.utc
    start = datetime.combine(business_day, time.min, zone)
    end = start + timedelta(days=1) - timedelta(milliseconds=1)
    return (
        start.astimezone(dt_timezone.utc).isoformat(timespec="milliseconds"),
        end.astimezone(dt_timezone.utc).isoformat(timespec="milliseconds"),
    )


def retrieve_orders(request, order_ids, location_id=None):
    """``{order id: order}`` of the orders found (unknown ids are left out)."""
    found = {}
    ids = list(dict.fromkeys(order_id for order_id in order_ids if order_id))
    for start in range(0, len(ids), MAX_ORDER_IDS):
        body = {"order_ids": ids[start : start + MAX_ORDER_IDS]}
        if location_id:
            body["location_id"] = location_id
        answer = request("POST", "v2/orders/batch-retrieve", body) or {}
        found.update({order["id"]: order for order in answer.get("orders") or []})
    return found


def catalog_object_ids(order):
    """The catalog item variations an order's lines and returned lines name."""
    lines = list(order.get("line_items") or [])
    for order_return in order.get("returns") or []:
        lines += order_return.get("return_line_items") or []
    return list(
        dict.fromkeys(
            line["catalog_object_id"] for line in lines if line.get("catalog_object_id")
        )
    )


def retrieve_skus(request, object_ids):
    """``{catalog object id: sku}`` of the item variations among
    ``object_ids`` (an empty string for a variation without SKU; deleted or
    unknown ids are left out)."""
    skus = {}
    ids = list(dict.fromkeys(object_ids))
    for start in range(0, len(ids), CATALOG_CHUNK):
        answer = (
            request(
                "POST",
                "v2/catalog/batch-retrieve",
                {
                    "object_ids": ids[start : start + CATALOG_CHUNK],
                    "include_related_objects": False,
                },
            )
            or {}
        )
        for catalog_object in answer.get("objects") or []:
            if catalog_object.get("type") == "ITEM_VARIATION":
                data = catalog_object.get("item_variation_data") or {}
                skus[catalog_object["id"]] = data.get("sku") or ""
    return skus


def location_timezones(request):
    """``{location id: IANA time zone}`` from ListLocations."""
    answer = request("GET", "v2/locations", None) or {}
    return {
        location["id"]: location.get("timezone") or ""
        for location in answer.get("locations") or []
    }


def order_version(order):
    """What identifies one state of an order: its version, else (payments
    and refunds that SearchOrders converts to orders have none) its update
    time."""
    version = order.get("version")
    return str(version) if version is not None else order.get("updated_at") or ""


def refunded_tender_ids(order):
    """Tender ids a return's refunds name, with the sale orders they are on."""
    sources = [
        order_return.get("source_order_id")
        for order_return in order.get("returns") or []
        if order_return.get("source_order_id")
    ]
    tenders = [
        refund.get("tender_id")
        for refund in order.get("refunds") or []
        if refund.get("tender_id")
    ]
    return tenders, list(dict.fromkeys(sources))


def tender_types(orders):
    """``{tender id: tender type}`` of ``orders``."""
    return {
        tender["id"]: tender.get("type")
        for order in orders
        for tender in order.get("tenders") or []
        if tender.get("id")
    }


def day_kind(business_day):
    """The failure kind of a store's Square orders missing on a day: one
    activity per store and day."""
    return f"missing_transactions:{business_day}"


# === CONVERSION === #
def money(value):
    """A Money object (integer amount in the currency's smallest unit) as a
    Decimal in the currency's unit: ``{"amount": 1250, "currency": "EUR"}``
    is 12.50."""
    if not value:
        return Decimal(0)
    exponent = CURRENCY_EXPONENTS.get(value.get("currency"), 2)
    amount = value.get("amount") or 0
    if not isinstance(amount, int):
        raise ValueError(f"money amount {amount!r} is not an integer")
    return Decimal(amount).scaleb(-exponent)


def _quantity(value):
    try:
        quantity = Decimal(str(value))
    except InvalidOperation as error:
        raise ValueError(f"quantity {value!r} is not a number") from error
    return quantity


def _business_day(order, timezone):
    moment = order.get("closed_at") or order.get("updated_at") or order["created_at"]
    parsed = parse_datetime(moment).replace(tzinfo=dt_timezone.utc)
    if timezone:
        parsed = parsed.astimezone(ZoneInfo(timezone))
    return parsed.date(), parse_datetime(moment)


def _tax_code(line, taxes):
    codes = []
    for applied in line.get("applied_taxes") or []:
        tax = taxes.get(applied.get("tax_uid"))
        if tax is None:
            raise ValueError(
                f"applied tax {applied.get('tax_uid')} is not on the order"
            )
        codes.append(tax.get("catalog_object_id") or tax.get("name") or tax["uid"])
    return "+".join(sorted(dict.fromkeys(codes)))


def _line(line, taxes, catalog_skus):
    name = line.get("name") or line.get("uid") or ""
    object_id = line.get("catalog_object_id")
    if not object_id:
        raise ValueError(
            f"line '{name}' names no catalog item variation (custom amount), "
            "so it has no SKU"
        )
    if object_id not in catalog_skus:
        raise ValueError(f"catalog item variation {object_id} could not be read")
    if not catalog_skus[object_id]:
        raise ValueError(f"catalog item variation {object_id} ('{name}') has no SKU")
    modifiers = line.get("modifiers") or line.get("return_modifiers") or []
    if any(money(modifier.get("total_price_money")) for modifier in modifiers):
        raise ValueError(f"line '{name}' has priced modifiers, which are not booked")
    return PosLine(
        sku=catalog_skus[object_id],
        quantity=_quantity(line["quantity"]),
        unit_price=money(line.get("base_price_money")),
        discount=money(line.get("total_discount_money")),
        tax_code=_tax_code(line, taxes),
    )


def _sale_payments(order):
    return [
        PosPayment(
            method=tender["type"],
            amount=money(tender.get("amount_money")) - money(tender.get("tip_money")),
            reference=tender.get("payment_id") or tender.get("id") or "",
        )
        for tender in order.get("tenders") or []
        if tender.get("type") not in IGNORED_TENDERS
    ]


def _refund_payments(order, types):
    payments = []
    for refund in order.get("refunds") or []:
        if refund.get("status") in FAILED_REFUNDS:
            continue
        method = types.get(refund.get("tender_id"))
        if not method:
            raise ValueError(
                f"refund {refund.get('id')} returns tender "
                f"{refund.get('tender_id')}, whose type could not be read"
            )
        payments.append(
            PosPayment(
                method=method,
                amount=money(refund.get("amount_money")),
                reference=refund.get("id") or "",
            )
        )
    return payments


def order_to_transaction(order, catalog_skus, timezone=None, tender_types=None):
    """A ``PosTransaction`` from a COMPLETED Square Order.

    :param dict catalog_skus: ``{catalog object id: sku}`` of the order's lines
    :param str timezone: the location's IANA time zone, for the business day
        (the UTC date of ``closed_at`` without it)
    :param dict tender_types: ``{tender id: type}`` of the sales a return
        refunds (its own tenders are looked at too)
    :raise ValueError: naming what cannot be booked
    """
    try:
        return _order_to_transaction(order, catalog_skus, timezone, tender_types)
    except (KeyError, TypeError, AttributeError, ArithmeticError) as error:
        raise ValueError(f"malformed Square order: {error!r}") from error
    except ZoneInfoNotFoundError as error:
        raise ValueError(f"unknown time zone {timezone!r}") from error


def _order_to_transaction(order, catalog_skus, timezone, types):
    order_id = order["id"]
    if order.get("state") != "COMPLETED":
        raise ValueError(f"order {order_id} is {order.get('state')}, not COMPLETED")
    if money(order.get("total_service_charge_money")):
        raise ValueError(f"order {order_id} has service charges, which are not booked")
    line_items = [
        line
        for line in order.get("line_items") or []
        if _quantity(line.get("quantity", "0"))
    ]
    returns = [
        order_return
        for order_return in order.get("returns") or []
        if order_return.get("return_line_items")
    ]
    if line_items and returns:
        raise ValueError(f"order {order_id} is an exchange, which is not booked")
    if not line_items and not returns:
        raise ValueError(f"order {order_id} has no line items and returns nothing")
    business_day, moment = _business_day(order, timezone)
    if returns:
        sources = {
            order_return.get("source_order_id") or "" for order_return in returns
        }
        if len(sources) > 1:
            raise ValueError(f"return {order_id} returns items of several sales")
        taxes = {
            tax["uid"]: tax
            for order_return in returns
            for tax in order_return.get("return_taxes") or []
        }
        lines = [
            _line(line, taxes, catalog_skus)
            for order_return in returns
            for line in order_return["return_line_items"]
        ]
        own_types = {**(types or {}), **tender_types_of(order)}
        payments = _refund_payments(order, own_types)
        kind, original = "return", sources.pop()
    else:
        taxes = {tax["uid"]: tax for tax in order.get("taxes") or []}
        lines = [_line(line, taxes, catalog_skus) for line in line_items]
        payments = _sale_payments(order)
        kind, original = "sale", ""
    return PosTransaction(
        uuid=order_id,
        store=order["location_id"],
        terminal=(order.get("source") or {}).get("name") or DEFAULT_TERMINAL,
        sequence=0,
        business_day=business_day,
        type=kind,
        local_time=moment,
        original_uuid=original,
        customer_ref=order.get("customer_id") or "",
        lines=lines,
        payments=payments,
    )


def tender_types_of(order):
    return tender_types([order])


@register(PLATFORM, "connection")
class SquareConnection(ConnectionAdapter):
    def request_headers(self):
        # Square wants its API version pinned on every call.
        headers = super().request_headers()
        headers["Square-Version"] = self.backend.api_version or API_VERSION
        return headers

    def test(self):
        return self.request("GET", "v2/locations")


@register(PLATFORM, "webhook")
class SquareWebhook(WebhookAdapter):
    def verify(self, headers, body):
        # Square signs the notification URL of the webhook subscription,
        # which must be this backend's webhook URL character for character:
        # read as stored, never rebuilt from the request, which a proxy may
        # have rewritten.
        return verify_signature(
            self.backend._get_webhook_secrets(),
            self.backend.sudo().webhook_url,
            headers,
            body,
        )

    def parse(self, headers, body):
        return parse_event(body)


@register(PLATFORM, "pos")
class SquarePos(PosAdapter):
    """Completed orders of the backend's stores (codes: Square location ids)
    pulled by the ``transactions_in`` flow or announced by webhooks, each
    booked as a store transaction."""

    topics = (TOPIC,)

    @classmethod
    def backend_defaults(cls, vals):
        return {
            "api_url": API_URLS[bool(vals.get("test_mode"))],
            "api_version": API_VERSION,
        }

    # === PULL === #
    def poll(self, flow):
        """Pull the COMPLETED orders of the backend's stores updated since
        the checkpoint into the inbox, one event per order version, with the
        SKUs of their lines and their store's time zone read once for the
        whole page.

        The checkpoint is the ``updated_at`` of the last order read; Square's
        range is inclusive, so the orders at that instant are read again and
        dropped as duplicates by their version's dedupe key.
        """
        backend = self.backend
        locations = backend.pos_store_ids.mapped("code")
        if not locations:
            raise RetailBusinessError(
                self.env._(
                    "%(backend)s has no stores: add each Square location under "
                    "Stores, with its location id as code.",
                    backend=backend.name,
                ),
                code="no_store",
            )
        since = flow.checkpoint or None
        orders, bounds = [], []
        for start in range(0, len(locations), MAX_LOCATIONS):
            page, more = self._search(
                locations[start : start + MAX_LOCATIONS], since, flow.batch_size
            )
            orders += page
            if more and page:
                # Later orders of these locations wait for the next run: do
                # not move past the last one read.
                bounds.append(page[-1]["updated_at"])
        if not orders:
            return since
        skus = self._skus(
            list({i for order in orders for i in catalog_object_ids(order)})
        )
        Event = self.env["retail.event"]
        for order in orders:
            payload = {
                "order": order,
                "catalog_skus": {
                    object_id: skus[object_id]
                    for object_id in catalog_object_ids(order)
                    if object_id in skus
                },
                "timezone": self._timezone(order.get("location_id")),
            }
            Event._receive(
                backend,
                TOPIC,
                f"order:{order['id']}:{order_version(order)}",
                json.dumps(payload),
                external_updated_at=parse_datetime(order.get("updated_at")),
                subject=order["id"],
            )
        candidates = bounds or [order["updated_at"] for order in orders]
        pick = min if bounds else max
        return pick(candidates, key=parse_datetime)

    def _search(self, locations, since, limit):
        """Orders of ``locations`` updated at or after ``since``: one page,
        or more while every order read is still at ``since`` itself (so that
        a run always moves the checkpoint on). Whether more remain."""
        orders, cursor = search_orders(self.request, locations, since, None, limit)
        floor = parse_datetime(since) if since else None
        while (
            cursor
            and floor
            and orders
            and parse_datetime(orders[-1]["updated_at"]) <= floor
        ):
            page, cursor = search_orders(self.request, locations, since, cursor, limit)
            orders += page
        return orders, bool(cursor)

    def _cache(self):
        """Catalog SKUs and location time zones read during this transaction
        (one job): each is asked for once per job, not once per order."""
        return self.env.cr.cache.setdefault(
            ("retail_square", self.backend.id), {"skus": {}, "timezones": None}
        )

    def _skus(self, object_ids):
        skus = self._cache()["skus"]
        missing = [object_id for object_id in object_ids if object_id not in skus]
        if missing:
            skus.update(retrieve_skus(self.request, missing))
        return {
            object_id: skus[object_id] for object_id in object_ids if object_id in skus
        }

    def _timezone(self, location_id):
        cache = self._cache()
        if cache["timezones"] is None:
            cache["timezones"] = location_timezones(self.request)
        return cache["timezones"].get(location_id) or None

    # === BOOKING === #
    def book(self, event):
        """Book a COMPLETED Square order as a store transaction. The event
        holds the order itself (polled, with the SKUs and time zone read
        with it) or a webhook event naming it (read now). The order id is
        the transaction's uuid, so an order that came both ways is booked
        once; an order not completed yet books nothing (the poll or a later
        event brings it when it is)."""
        backend = self.backend
        try:
            payload = json.loads(event.payload)
        except (TypeError, ValueError) as error:
            raise RetailBusinessError(
                self.env._("Invalid Square event: %(reason)s", reason=error),
                code="invalid_square_order",
            ) from error
        if "order" in payload:
            order = payload["order"]
            order_id, location_id = order.get("id"), order.get("location_id")
        else:
            order_id, location_id = event_order_ref(payload)
        booked = self.env["retail.pos.transaction"].search(
            [("backend_id", "=", backend.id), ("uuid", "=", order_id)], limit=1
        )
        if booked:
            return booked.pos_order_id
        if location_id:
            # Names an unknown location before anything is read from Square.
            self.env["retail.pos.store"]._find(backend, location_id)
        if "order" in payload:
            transaction = self._transaction(
                order, payload.get("catalog_skus"), payload.get("timezone")
            )
        else:
            order = self._fetch_order(order_id, location_id)
            if order.get("state") != "COMPLETED":
                return None
            transaction = self._transaction(order)
        order = self.env["pos.order"]._retail_book_transaction(
            backend, transaction, event
        )
        store = self.env["retail.pos.store"]._find(backend, transaction.store)
        if self.env["retail.exception.activity"]._open(
            store, day_kind(transaction.business_day)
        ):
            # An order Square counted for a day and that had not arrived:
            # count the day again, which closes the activity when it is whole.
            self.check_day(store, transaction.business_day)
        return order

    # === DAY COUNT === #
    def check_day(self, store, business_day):
        """Square numbers nothing without gaps (a payment's
        ``receipt_number`` is a short code, not a sequence), so a missing
        order shows as a count: the COMPLETED
        orders Square has for the store's location on ``business_day``
        against those received (booked, or waiting or failed in the inbox,
        which shows them on its own). The store's activity for that day
        names the ones that never arrived, and closes when none is left."""
        start, end = day_bounds(business_day, self._timezone(store.code))
        square_ids = completed_order_ids(self.request, store.code, start, end)
        Transaction = self.env["retail.pos.transaction"]
        booked = set(
            Transaction.search(
                [
                    ("backend_id", "=", self.backend.id),
                    ("store_id", "=", store.id),
                    ("business_day", "=", business_day),
                ]
            ).mapped("uuid")
        )
        waiting = set(
            self.env["retail.event"]
            .search(
                [
                    ("backend_id", "=", self.backend.id),
                    ("subject_key", "in", square_ids),
                ]
            )
            .mapped("subject_key")
        )
        missing = [i for i in square_ids if i not in booked and i not in waiting]
        Activities = self.env["retail.exception.activity"]
        kind = day_kind(business_day)
        if not missing:
            Activities._resolve(
                store, kind, feedback=self.env._("The missing orders arrived.")
            )
            return missing
        Activities._raise(
            self.backend,
            store,
            kind,
            self.env._(
                "%(store)s: Square orders missing on %(day)s",
                store=store.name,
                day=business_day,
            ),
            self.env._(
                "Square has %(square)s completed orders of location %(location)s "
                "on %(day)s; %(booked)s are booked, %(waiting)s in the inbox, "
                "%(count)s never arrived: %(orders)s.",
                square=len(square_ids),
                location=store.code,
                day=business_day,
                booked=len(booked & set(square_ids)),
                waiting=len(waiting - booked),
                count=len(missing),
                orders=", ".join(missing),
            ),
        )
        return missing

    def _fetch_order(self, order_id, location_id=None):
        """The order, read now; transient when Square does not know it (yet)."""
        order = retrieve_orders(self.request, [order_id], location_id).get(order_id)
        if not order:
            raise RetailTransientError(f"Square does not return order {order_id} (yet)")
        return order

    def _transaction(self, order, catalog_skus=None, timezone=None):
        """The ``PosTransaction`` of a Square order, reading from Square what
        the order does not say: the SKUs of its catalog item variations, its
        location's time zone and, for a return, the tender types of the sale
        it refunds.

        :raise RetailBusinessError: when the order cannot be booked
        """
        skus = dict(catalog_skus or {})
        missing = [i for i in catalog_object_ids(order) if i not in skus]
        if missing:
            skus.update(self._skus(missing))
        timezone = timezone or self._timezone(order.get("location_id"))
        types = tender_types_of(order)
        tender_ids, sources = refunded_tender_ids(order)
        if sources and any(tender_id not in types for tender_id in tender_ids):
            types.update(tender_types(retrieve_orders(self.request, sources).values()))
        try:
            return order_to_transaction(order, skus, timezone, types)
        except ValueError as error:
            raise RetailBusinessError(
                self.env._(
                    "Square order %(order)s cannot be booked: %(reason)s",
                    order=order.get("id"),
                    reason=error,
                ),
                code="invalid_square_order",
            ) from error
