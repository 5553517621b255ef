# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""WooCommerce: webhooks, and the marketplace contract of ``adapters/__init__``.

Webhooks (class-wc-webhook.php). The signature is ``base64(HMAC-SHA256(secret,
raw body))`` in ``X-WC-Webhook-Signature``, where WooCommerce first
HTML-entity-decodes the secret (``wp_specialchars_decode``). There is no event
id and a failed delivery is never retried, so the dedupe key is built from
the signed body only, the resource, its modification date and a hash of the
body (the ``X-WC-Webhook-*`` headers are not signed: a replay could change
them), and WooCommerce backends also run a reconciliation poll. A new webhook is first
pinged with an unsigned form body ``webhook_id=<id>`` that must get exactly
HTTP 200.

Marketplace. The REST API v3 at ``wp-json/wc/v3/``
(https://woocommerce.github.io/woocommerce-rest-api-docs/, pages cited per
function). Choices:

- Refunds have no topic: they ride on ``order.updated``, and
  ``fetch_refunds`` reads them from ``orders/<id>/refunds``.
- A variation is addressed as ``"<parent id>/<variation id>"`` (order lines'
  ``external_product_id``, stock refs, product refs), a simple product by its
  id, so stock and product calls reach the right endpoint.
- Line tax codes are the ``rate_code`` of the order's tax lines
  (``"US-CA-STATE TAX"``), the keys of the backend's tax mapping.
- ``fee_lines``: a positive fee is charged to the customer, so it becomes a
  shipping-like line with code ``"fee"``; a negative one (how WooCommerce
  records some discounts) a ``ChannelDiscount``. Coupons are already allocated
  to the lines' totals by WooCommerce, so they add nothing.
- A paid order is one payment of its ``payment_method`` for the total.
- Order edits. A shop manager changes an order's items while WooCommerce
  lets them (``WC_Order::is_editable``: ``pending`` and ``on-hold``, unless
  the shop's ``wc_order_is_editable`` filter says otherwise; ``PUT
  orders/<id>`` with ``line_items`` asks no status,
  https://woocommerce.github.io/woocommerce-rest-api-docs/#update-an-order),
  and ``order.updated`` carries the order as edited: ``line_items`` hold the
  new quantities, an item removed is deleted (``drops_removed_lines``), and
  ``total`` is the new total. A refund changes neither: it is an order of
  its own (``shop_order_refund``, ``wc_create_refund``) whose items copy the
  refunded ones with negative quantities, and the order only lists it under
  ``refunds``. So each line's ``quantity`` is its current quantity, refunded
  units included, and ``total`` the edited total before refunds: what the
  sale order compares with the quantities it last applied.
- Shipments: core WooCommerce has no tracking, so tracking numbers go to the
  Shipment Tracking extension. The order is set ``completed`` (which mails the
  customer, with the tracking) only when this shipment covers every line's
  ordered quantity; an order shipped in several parts is left for a person to
  complete, as the adapter cannot know what earlier shipments held.
"""

import base64
import hashlib
import hmac
import html
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from odoo.addons.retail_connector_base.adapters.common import (
    ConnectionAdapter,
    WebhookAdapter,
    body_digest,
    check_signature,
    load_json_object,
    parse_datetime,
    required_header,
    subscription_changes,
)
from odoo.addons.retail_connector_base.exceptions import RetailBusinessError
from odoo.addons.retail_connector_base.registry import register

from .channel_model import (
    ChannelAddress,
    ChannelCustomer,
    ChannelDiscount,
    ChannelOrder,
    ChannelOrderLine,
    ChannelPayment,
    ChannelRefund,
    ChannelRefundLine,
    ChannelShippingLine,
)
from .common import (
    MALFORMED,
    MarketplaceAdapter,
    chunks,
    money,
    quantity,
    unique,
    unit_price,
)

SIGNATURE_HEADER = "X-WC-Webhook-Signature"
TOPIC_HEADER = "X-WC-Webhook-Topic"
WEBHOOK_ID_HEADER = "X-WC-Webhook-ID"
DELIVERY_ID_HEADER = "X-WC-Webhook-Delivery-ID"
RESOURCE_HEADER = "X-WC-Webhook-Resource"


def sign(secret, body):
    key = html.unescape(secret).encode()
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def is_ping(headers, body):
    if headers.get(SIGNATURE_HEADER):
        return False
    try:
        fields = parse_qs(body.decode(), strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return False
    return list(fields) == ["webhook_id"]


def verify_signature(secrets, headers, body):
    """None when ``body`` is signed by one of ``secrets``, else the reason."""
    return check_signature(
        secrets, headers.get(SIGNATURE_HEADER), lambda secret: sign(secret, body)
    )


def parse_event(headers, body):
    """Inbox values of a verified delivery; ValueError when it is malformed."""
    topic = required_header(headers, TOPIC_HEADER)
    payload = load_json_object(body)
    if "id" not in payload:
        raise ValueError("the body has no resource id")
    modified = payload.get("date_modified_gmt")
    dedupe = ":".join([str(payload["id"]), modified or "", body_digest(body)])
    return {
        "topic": topic,
        "dedupe_key": dedupe,
        "delivery_id": headers.get(DELIVERY_ID_HEADER),
        "subject_key": str(payload["id"]),
        "payload": payload,
        # date_modified_gmt has no zone designator; it is UTC by definition.
        "external_updated_at": parse_datetime(modified),
    }


# === MARKETPLACE CONTRACT === #
API = "wp-json/wc/v3"
TRACKING_API = "wp-json/wc-shipment-tracking/v3"
ORDER_TOPICS = ("order.created", "order.updated", "order.restored")
CANCELLED_STATUSES = ("cancelled", "failed", "trash")
# An order in one of these has left the shop (or been refunded in full).
SHIPPED_STATUSES = ("completed", "refunded")
# The key of the refund a cancellation gives back: one per order.
CANCEL_KEY = "odoo-cancel-{}"
# Orders the adapter must not set to completed.
CLOSED_STATUSES = ("completed", "cancelled", "refunded", "failed", "trash")
PAID_STATES = ("paid", "partially_refunded", "refunded")
REFUNDED_ITEM_KEY = "_refunded_item_id"
# Order meta keys of the buyer's VAT number: WooCommerce EU VAT Number,
# Germanized, EU VAT Assistant.
VAT_META_KEYS = ("_billing_vat_number", "_vat_number", "_billing_vat_id", "vat_number")
MAX_PAGE = 100
MAX_BATCH = 100


def event_kind(topic):
    return "order" if topic in ORDER_TOPICS else None


def _product_ref(product_id, variation_id):
    return f"{product_id}/{variation_id}" if variation_id else str(product_id)


def _split_ref(ref):
    """``(parent id or "", own id)`` of a product ref."""
    parent, _slash, own = str(ref).rpartition("/")
    return parent, own


def _name(values):
    return " ".join(filter(None, [values.get("first_name"), values.get("last_name")]))


def _address(values, email):
    """None for an address left blank (virtual orders have no shipping)."""
    if not values or not any(values.values()):
        return None
    return ChannelAddress(
        name=_name(values),
        company=values.get("company") or "",
        street=values.get("address_1") or "",
        street2=values.get("address_2") or "",
        city=values.get("city") or "",
        state_code=values.get("state") or "",
        zip=values.get("postcode") or "",
        country_code=values.get("country") or "",
        phone=values.get("phone") or "",
        email=values.get("email") or email,
    )


def _vat(payload):
    """WooCommerce has no VAT number field: the EU VAT plugins keep it in
    the order's meta data, each under its own key (``VAT_META_KEYS``)."""
    for meta in payload.get("meta_data") or []:
        if meta.get("key") in VAT_META_KEYS and meta.get("value"):
            return str(meta["value"]).strip()
    return ""


def _tax_codes(taxes, rate_codes):
    """The ``rate_code`` of each tax rate an item's ``taxes`` name (by the
    order's ``tax_lines`` ``rate_id``); the rate id when the order does not
    list it."""
    return unique(rate_codes.get(tax["id"], str(tax["id"])) for tax in taxes or [])


def _amount(values, tax_included, key="total"):
    """An item's amount on the order's tax basis: WooCommerce's totals
    exclude tax, so prices that include it add the item's tax."""
    amount = money(values[key])
    if tax_included:
        amount += money(values.get(f"{key}_tax"))
    return amount


def _line(item, tax_included, rate_codes, quantum):
    qty = quantity(item["quantity"])
    gross = _amount(item, tax_included, "subtotal")
    price, excess = unit_price(gross, qty, quantum)
    return ChannelOrderLine(
        external_line_id=str(item["id"]),
        sku=item.get("sku") or "",
        quantity=qty,
        unit_price=price,
        title=html.unescape(item.get("name") or ""),
        external_product_id=_product_ref(item["product_id"], item.get("variation_id"))
        if item.get("product_id")
        else None,
        discount_amount=gross - _amount(item, tax_included) + excess,
        tax_codes=_tax_codes(item.get("taxes"), rate_codes),
    )


def _charges(payload, tax_included, rate_codes):
    """Shipping lines, then positive fees, as ``ChannelShippingLine``."""
    charges = [
        ChannelShippingLine(
            title=html.unescape(line.get("method_title") or ""),
            amount=_amount(line, tax_included),
            code=line.get("method_id") or "",
            tax_codes=_tax_codes(line.get("taxes"), rate_codes),
        )
        for line in payload.get("shipping_lines") or []
    ]
    return charges + [
        ChannelShippingLine(
            title=html.unescape(fee.get("name") or ""),
            amount=_amount(fee, tax_included),
            code="fee",
            tax_codes=_tax_codes(fee.get("taxes"), rate_codes),
        )
        for fee in payload.get("fee_lines") or []
        if money(fee["total"]) > 0
    ]


def _discounts(payload, tax_included, rate_codes):
    return [
        ChannelDiscount(
            title=html.unescape(fee.get("name") or ""),
            amount=-_amount(fee, tax_included),
            code="fee",
            tax_codes=_tax_codes(fee.get("taxes"), rate_codes),
        )
        for fee in payload.get("fee_lines") or []
        if money(fee["total"]) < 0
    ]


def _payment_state(payload):
    """WooCommerce has no payment status: an order is paid once
    ``date_paid`` is set, and refunded by its status and refunds."""
    if payload.get("status") == "refunded":
        return "refunded"
    if payload.get("refunds"):
        return "partially_refunded"
    if payload.get("date_paid_gmt") or payload.get("date_paid"):
        return "paid"
    return "pending"


def parse_order(payload):
    """A ``ChannelOrder`` from a v3 order (``order.*`` webhooks, ``GET
    orders``): https://woocommerce.github.io/woocommerce-rest-api-docs/#order-properties.
    Unit prices that are not a whole number of cents are rounded up and the
    excess added to the line's discount (``common.unit_price``), so every
    line keeps its exact total."""
    try:
        tax_included = bool(payload.get("prices_include_tax"))
        total = money(payload["total"])
        # The store's price decimals, as WooCommerce formats every amount.
        quantum = Decimal(1).scaleb(total.as_tuple().exponent)
        rate_codes = {
            tax["rate_id"]: tax["rate_code"] for tax in payload.get("tax_lines") or []
        }
        billing = payload.get("billing") or {}
        email = billing.get("email") or ""
        payment_state = _payment_state(payload)
        return ChannelOrder(
            external_id=str(payload["id"]),
            number=str(payload.get("number") or payload["id"]),
            currency=payload["currency"],
            tax_included=tax_included,
            total=total,
            updated_at=parse_datetime(payload.get("date_modified_gmt")),
            ordered_at=parse_datetime(payload.get("date_created_gmt")),
            state="cancelled"
            if payload.get("status") in CANCELLED_STATUSES
            else "open",
            payment_state=payment_state,
            customer=ChannelCustomer(
                external_id=str(payload["customer_id"])
                if payload.get("customer_id")
                else None,
                email=email,
                name=_name(billing),
                phone=billing.get("phone") or "",
                company=billing.get("company") or "",
                vat=_vat(payload),
            ),
            billing_address=_address(billing, email),
            shipping_address=_address(payload.get("shipping"), email),
            lines=[
                _line(item, tax_included, rate_codes, quantum)
                for item in payload["line_items"]
            ],
            shipping_lines=_charges(payload, tax_included, rate_codes),
            discounts=_discounts(payload, tax_included, rate_codes),
            payments=[
                ChannelPayment(
                    method=payload.get("payment_method") or "",
                    amount=total,
                    reference=payload.get("transaction_id") or "",
                )
            ]
            if payment_state in PAID_STATES
            else [],
            note=payload.get("customer_note") or "",
            drops_removed_lines=True,
        )
    except MALFORMED as error:
        raise ValueError(f"malformed WooCommerce order: {error!r}") from error


def _refunded_item(item):
    """The order line a refund item takes back: its own id is the refund's."""
    for meta in item.get("meta_data") or []:
        if meta.get("key") == REFUNDED_ITEM_KEY:
            return str(meta["value"])
    raise KeyError(f"{REFUNDED_ITEM_KEY} of refund item {item.get('id')}")


def _refund_order_id(payload):
    if payload.get("order_id"):
        return str(payload["order_id"])
    return urlsplit(payload["_links"]["up"][0]["href"]).path.rstrip("/").split("/")[-1]


def parse_refund(payload):
    """A ``ChannelRefund`` from a v3 order refund:
    https://woocommerce.github.io/woocommerce-rest-api-docs/#order-refund-properties.

    A refund names neither its order, its currency nor its gateway:
    ``fetch_refunds`` adds them as ``order_id``, ``currency`` and
    ``payment_method``; without them the order comes from the refund's
    ``_links.up``. Line and shipping ``total`` exclude tax (``total_tax``),
    whatever the store's price basis, and are read back negative. The money
    went back through the order's gateway when ``refunded_payment`` is true,
    else by hand (the backend's default journal). A refund exists once
    WooCommerce made it: never pending. Nothing is marked restocked:
    WooCommerce's ``api_restock`` is write-only, so returned goods are
    received in Odoo by hand."""
    try:
        shipping = payload.get("shipping_lines") or []
        return ChannelRefund(
            external_id=str(payload["id"]),
            order_external_id=_refund_order_id(payload),
            currency=payload.get("currency") or "",
            amount=money(payload["amount"]),
            created_at=parse_datetime(payload.get("date_created_gmt")),
            reason=payload.get("reason") or "",
            lines=[
                ChannelRefundLine(
                    external_line_id=_refunded_item(item),
                    # WooCommerce reads refunded quantities back negative.
                    quantity=quantity(abs(money(item["quantity"]))),
                    subtotal=abs(money(item.get("total"))),
                    tax=abs(money(item.get("total_tax"))),
                )
                for item in payload.get("line_items") or []
            ],
            shipping_amount=sum(
                (abs(money(line.get("total"))) for line in shipping), money(0)
            ),
            shipping_tax=sum(
                (abs(money(line.get("total_tax"))) for line in shipping), money(0)
            ),
            tax_included=False,
            gateway=payload.get("payment_method") or ""
            if payload.get("refunded_payment")
            else "",
        )
    except MALFORMED as error:
        raise ValueError(f"malformed WooCommerce refund: {error!r}") from error


def order_version(payload):
    return payload["date_modified_gmt"]


def _by_parent(refs):
    """``{parent id or "": [own ids]}``: variations are read and written
    under their parent product."""
    groups = {}
    for ref in refs:
        parent, own = _split_ref(ref)
        groups.setdefault(parent, []).append(own)
    return groups


def _gmt(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S") if moment else ""


def _sale_fields(data):
    """A product's promotion as WooCommerce takes it; empty strings end one."""
    if data.sale_price is None:
        return {
            "sale_price": "",
            "date_on_sale_from_gmt": "",
            "date_on_sale_to_gmt": "",
        }
    return {
        "sale_price": str(data.sale_price),
        "date_on_sale_from_gmt": _gmt(data.sale_from),
        "date_on_sale_to_gmt": _gmt(data.sale_to),
    }


def _collection(parent):
    return f"{API}/products/{parent}/variations" if parent else f"{API}/products"


def _full_ref(parent, own):
    return f"{parent}/{own}" if parent else str(own)


def _tracking_values(shipment, number, shipped_on):
    values = {"tracking_number": number, "date_shipped": shipped_on}
    if shipment.tracking_url:
        # A carrier the extension does not list needs its name and link.
        values.update(
            custom_tracking_provider=shipment.carrier,
            custom_tracking_link=shipment.tracking_url,
        )
    else:
        values["tracking_provider"] = shipment.carrier
    return values


def _refund_item(item, count, subtotal, tax):
    """A refund's line: the order item (or shipping line), the units (none
    for shipping), the untaxed amount and its tax on the item's tax rate."""
    values = {"id": item["id"], "refund_total": str(subtotal or 0)}
    if count is not None:
        values["quantity"] = int(count)
    rates = [tax_line.get("id") for tax_line in item.get("taxes") or []]
    if rates and tax:
        values["refund_tax"] = [{"id": rates[0], "refund_total": str(tax)}]
    return values


def _ships_everything(order, shipment):
    shipped = {}
    for line_ref, qty in shipment.lines:
        shipped[str(line_ref)] = shipped.get(str(line_ref), 0) + qty
    return all(
        shipped.get(str(item["id"]), 0) >= item["quantity"]
        for item in order["line_items"]
    )


@register("woocommerce", "marketplace")
class WooCommerceMarketplace(MarketplaceAdapter):
    publishes_promotions = True
    # A failed webhook is never sent again: the orders are polled as well.
    poll_always = True
    cancels_orders = True
    refunds_orders = True

    # Pure payload reading: module functions, which the tests call too.
    event_kind = staticmethod(event_kind)
    parse_order = staticmethod(parse_order)
    parse_refund = staticmethod(parse_refund)
    order_version = staticmethod(order_version)

    def fetch_refunds(self, payload):
        """The order's refunds, read only when the order lists some:
        https://woocommerce.github.io/woocommerce-rest-api-docs/#list-all-refunds"""
        if not payload.get("refunds"):
            return []
        refunds = self.request(
            "GET",
            f"{API}/orders/{payload['id']}/refunds",
            params={"per_page": MAX_PAGE},
        )
        return [
            parse_refund(
                dict(
                    refund,
                    order_id=payload["id"],
                    currency=payload.get("currency"),
                    payment_method=payload.get("payment_method"),
                )
            )
            for refund in refunds
        ]

    def poll_orders(self, since, limit):
        """The orders modified at or after ``since``, oldest first:
        https://woocommerce.github.io/woocommerce-rest-api-docs/#list-all-orders.
        Checkpoints are ``date_modified_gmt`` values (UTC, no zone designator),
        compared as GMT dates (``dates_are_gmt``)."""
        params = {
            "orderby": "modified",
            "order": "asc",
            "per_page": min(limit, MAX_PAGE),
            "dates_are_gmt": "true",
        }
        if since:
            # modified_after is exclusive: a second earlier makes it inclusive;
            # the orders seen again are dropped by their unchanged version.
            params["modified_after"] = (
                parse_datetime(since) - timedelta(seconds=1)
            ).isoformat()
        orders = self.request("GET", f"{API}/orders", params=params)
        if not orders:
            return orders, since
        return orders, max(order["date_modified_gmt"] for order in orders)

    def push_stock(self, items, location_ref):
        """Absolute quantities by batch update, 100 per call:
        https://woocommerce.github.io/woocommerce-rest-api-docs/#batch-update-products
        (and ``#batch-update-product-variations``). Each item of the answer is
        checked: a refused one comes back as ``{"id", "error": {"code",
        "message"}}``. WooCommerce keeps one stock per product, so
        ``location_ref`` is not used."""
        return self._batch_update(
            {
                item.stock_ref: {"manage_stock": True, "stock_quantity": item.quantity}
                for item in items
            }
        )

    def push_prices(self, items):
        """Regular price and promotion (``sale_price`` with its window,
        ``date_on_sale_from_gmt``/``date_on_sale_to_gmt``, which WooCommerce
        switches itself) by batch update:
        https://woocommerce.github.io/woocommerce-rest-api-docs/#product-properties.
        Empty values end a promotion."""
        return self._batch_update(
            {
                item.external_id: {
                    "regular_price": str(item.price),
                    **_sale_fields(item),
                }
                for item in items
            }
        )

    def _batch_update(self, updates):
        """Write ``{product ref: values}`` by batch update, 100 per call
        (``#batch-update-products``, ``#batch-update-product-variations``),
        and return ``{ref: message}`` for those refused. Each item of the
        answer is checked: a refused one comes back as ``{"id", "error":
        {"code", "message"}}``."""
        refused = {
            ref: "not a WooCommerce product id"
            for ref in updates
            if not _split_ref(ref)[1].isdigit()
        }
        sendable = [ref for ref in updates if ref not in refused]
        for parent, owns in _by_parent(sendable).items():
            for chunk in chunks(owns, MAX_BATCH):
                update = [
                    {"id": int(own), **updates[_full_ref(parent, own)]} for own in chunk
                ]
                answer = self.request(
                    "POST", f"{_collection(parent)}/batch", json_body={"update": update}
                )
                results = {
                    str(row.get("id")): row for row in answer.get("update") or []
                }
                for own in chunk:
                    row = results.get(own)
                    if row is None:
                        refused[_full_ref(parent, own)] = (
                            "missing from the batch answer"
                        )
                    elif row.get("error"):
                        error = row["error"]
                        refused[_full_ref(parent, own)] = error.get(
                            "message"
                        ) or error.get("code", "")
        return refused

    def fetch_stock(self, items, location_ref):
        """``stock_quantity`` of each product (0 when unmanaged), 100 per call:
        https://woocommerce.github.io/woocommerce-rest-api-docs/#list-all-products"""
        quantities = {}
        for parent, owns in _by_parent(item.stock_ref for item in items).items():
            for chunk in chunks(owns, MAX_PAGE):
                rows = self.request(
                    "GET",
                    _collection(parent),
                    params={"include": ",".join(chunk), "per_page": MAX_PAGE},
                )
                for row in rows:
                    quantities[_full_ref(parent, row["id"])] = (
                        row.get("stock_quantity") or 0
                    )
        return quantities

    def push_shipment(self, shipment):
        """Tracking numbers to the Shipment Tracking extension
        (https://woocommerce.com/document/shipment-tracking/shipment-tracking-rest-api-create-tracking-item/),
        then the order ``completed`` when this shipment holds all of it (see the
        module docstring). Returns the tracking ids, or the order id when there
        are none."""
        order_id = shipment.order_external_id
        order = self.request("GET", f"{API}/orders/{order_id}")
        shipped_on = datetime.now(timezone.utc).date().isoformat()
        tracking_ids = [
            str(
                self.request(
                    "POST",
                    f"{TRACKING_API}/orders/{order_id}/shipment-trackings",
                    json_body=_tracking_values(shipment, number, shipped_on),
                )["tracking_id"]
            )
            for number in shipment.tracking_numbers
        ]
        # After the tracking, so the completed-order email carries it.
        if order.get("status") not in CLOSED_STATUSES and _ships_everything(
            order, shipment
        ):
            self.request(
                "PUT", f"{API}/orders/{order_id}", json_body={"status": "completed"}
            )
        return ",".join(tracking_ids) or str(order_id)

    def push_product(self, refs, data):
        """Create a simple product, or update a product or variation:
        https://woocommerce.github.io/woocommerce-rest-api-docs/#products. The
        barcode goes to ``global_unique_id`` (WooCommerce 9.2+). Fields Odoo does
        not own (None) are never sent; a new product takes the SKU as name when
        Odoo does not own names."""
        values = {
            key: value
            for key, value in {
                "name": data.title,
                "description": data.description,
                "sku": data.sku,
                "regular_price": str(data.price) if data.price is not None else None,
                "global_unique_id": data.barcode,
            }.items()
            if value is not None
        }
        if data.sale_price is not None:
            # An ended promotion is cleared by push_prices, at its end.
            values.update(_sale_fields(data))
        external_id = refs.get("external_id")
        if not external_id:
            values.setdefault("name", data.sku)
            answer = self.request("POST", f"{API}/products", json_body=values)
            return {
                "external_id": str(answer["id"]),
                "parent_ref": None,
                "stock_ref": str(answer["id"]),
            }
        parent, own = _split_ref(external_id)
        if parent:
            # A variation is named after its attributes.
            values.pop("name", None)
        self.request("PUT", f"{_collection(parent)}/{own}", json_body=values)
        return {
            "external_id": external_id,
            "parent_ref": parent or None,
            "stock_ref": external_id,
        }

    def stock_ref_for(self, external_id):
        """The stock API addresses products by the id orders name them with."""
        return external_id

    def cancel_order(self, request):
        """The order set ``cancelled``
        (https://woocommerce.github.io/woocommerce-rest-api-docs/#update-an-order),
        which puts its stock back. WooCommerce gives no money back when it
        cancels, so a paid order asked to be refunded is refunded first, in
        full, through the gateway (``push_refund``'s call, keyed by the
        order). A ``completed`` order has shipped: refused, before asking."""
        order_id = request.order_external_id
        order = self.request("GET", f"{API}/orders/{order_id}")
        number = order.get("number") or order_id
        if order.get("status") in CANCELLED_STATUSES:
            return f"WooCommerce order {number} was already {order['status']}."
        if order.get("status") in SHIPPED_STATUSES:
            raise RetailBusinessError(
                f"WooCommerce order {number} is already {order['status']} there "
                "and cannot be cancelled: make a return and a refund instead.",
                code="woocommerce_cancel_shipped",
            )
        refunded = ""
        left = money(order.get("total")) + sum(
            (money(entry.get("total")) for entry in order.get("refunds") or []),
            money(0),
        )
        if request.refund and order.get("date_paid_gmt") and left > 0:
            refund_id = self._refund(
                order,
                {"amount": str(left), "line_items": []},
                f"Cancelled in Odoo [{CANCEL_KEY.format(order_id)}]",
                CANCEL_KEY.format(order_id),
            )
            refunded = f", {left} {order.get('currency')} refunded (refund {refund_id})"
        self.request(
            "PUT", f"{API}/orders/{order_id}", json_body={"status": "cancelled"}
        )
        return f"WooCommerce order {number} set cancelled{refunded}."

    def push_refund(self, request):
        """A refund through the payment gateway (``api_refund``), without
        restocking (returns are reported on their own):
        https://woocommerce.github.io/woocommerce-rest-api-docs/#create-a-refund.
        Each line names the order item and its tax rate, the shipping the
        order's shipping line. WooCommerce takes no idempotency key: the
        key is in the refund's reason, and the order's refunds are read
        first for it."""
        order_id = request.order_external_id
        order = self.request("GET", f"{API}/orders/{order_id}")
        items = {str(item["id"]): item for item in order.get("line_items") or []}
        line_items = []
        for line in request.lines:
            item = items.get(line.external_line_id)
            if item is None:
                raise RetailBusinessError(
                    f"WooCommerce order {order_id} has no line "
                    f"{line.external_line_id} to refund.",
                    code="woocommerce_unknown_line",
                )
            line_items.append(
                _refund_item(item, line.quantity, line.subtotal, line.tax)
            )
        shipping = (order.get("shipping_lines") or [None])[0]
        if request.shipping_subtotal and shipping:
            line_items.append(
                _refund_item(
                    shipping, None, request.shipping_subtotal, request.shipping_tax
                )
            )
        return self._refund(
            order,
            {"amount": str(request.amount), "line_items": line_items},
            request.channel_note,
            request.key,
        )

    def _refund(self, order, values, reason, key):
        """The id of the order's refund whose reason holds ``key``, made
        now unless it exists."""
        existing = self.request(
            "GET",
            f"{API}/orders/{order['id']}/refunds",
            params={"per_page": MAX_PAGE},
        )
        for refund in existing:
            if key in (refund.get("reason") or ""):
                return str(refund["id"])
        answer = self.request(
            "POST",
            f"{API}/orders/{order['id']}/refunds",
            json_body=dict(values, reason=reason, api_refund=True, api_restock=False),
        )
        return str(answer["id"])


@register("woocommerce", "connection")
class WooCommerceConnection(ConnectionAdapter):
    def request_headers(self):
        # REST API keys over HTTPS: consumer key and secret as basic auth.
        key = self.backend._get_secret("api_key")
        secret = self.backend._get_secret("api_secret")
        if not (key and secret):
            return {}
        credentials = base64.b64encode(f"{key}:{secret}".encode()).decode()
        return {"Authorization": f"Basic {credentials}"}

    def test(self):
        return self.request("GET", "wp-json/wc/v3/system_status")


@register("woocommerce", "webhook")
class WooCommerceWebhook(WebhookAdapter):
    registers_subscriptions = True

    def topics(self):
        """Every change of an order while orders come in (refunds ride on
        ``order.updated``); none for an archived backend."""
        if not self.backend.active or self.backend._get_flow_mode("orders_in") == "off":
            return []
        return list(ORDER_TOPICS)

    def sync_subscriptions(self):
        """The backend's webhooks, through the REST API's webhooks endpoints
        (https://woocommerce.github.io/woocommerce-rest-api-docs/#webhooks):
        those of its topics at its URL created, signed with the backend's
        webhook secret (set again on the ones kept, so that a new secret
        reaches them), and its stale or disabled ones deleted (webhooks are
        not trashed: ``force``)."""
        secret = self.backend._get_secret("webhook_secret")
        if not secret:
            raise RetailBusinessError(
                "WooCommerce signs each webhook with the secret given when it "
                "is created: enter the backend's webhook secret first.",
                code="no_webhook_secret",
            )
        url = self.backend.sudo().webhook_url
        existing = [
            {
                "id": hook["id"],
                "topic": hook.get("topic"),
                "url": hook.get("delivery_url"),
                "active": hook.get("status") == "active",
            }
            for hook in self._all_webhooks()
        ]
        create, stale = subscription_changes(existing, self.topics(), url)
        for subscription in existing:
            if subscription not in stale and subscription["url"] == url:
                self.request(
                    "PUT",
                    f"{API}/webhooks/{subscription['id']}",
                    json_body={"secret": secret},
                )
        for topic in create:
            self.request(
                "POST",
                f"{API}/webhooks",
                json_body={
                    "name": f"Odoo {self.backend.name}: {topic}",
                    "topic": topic,
                    "delivery_url": url,
                    "secret": secret,
                    "status": "active",
                },
            )
        for subscription in stale:
            self.request(
                "DELETE",
                f"{API}/webhooks/{subscription['id']}",
                params={"force": "true"},
            )
        return {
            "created": create,
            "deleted": [subscription["topic"] for subscription in stale],
        }

    def _all_webhooks(self):
        hooks, page = [], 1
        while True:
            batch = self.request(
                "GET", f"{API}/webhooks", params={"per_page": MAX_PAGE, "page": page}
            )
            hooks.extend(batch)
            if len(batch) < MAX_PAGE:
                return hooks
            page += 1

    def is_ping(self, headers, body):
        return is_ping(headers, body)

    def verify(self, headers, body):
        return verify_signature(self.backend._get_webhook_secrets(), headers, body)

    def parse(self, headers, body):
        return parse_event(headers, body)
