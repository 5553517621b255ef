# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The simulator's generic protocol (tests/simulator/README.md), marketplace side.

An order is ``{"id", "number", "created_at", "updated_at", "currency",
"status", "tax_included", "customer": {"id", "email", "name", "company",
"vat"}, "billing_address", "shipping_address", "lines": [{"id", "sku",
"quantity", "unit_price", "discount", "tax_code", "gift_card"}], "shipping",
"shipping_tax_code", "discounts", "payments", "fees", "refunds", "total"}``;
amounts are decimal strings. ``company`` and ``vat`` (a business buyer) and
``gift_card`` (a line selling a gift card) are optional.
"""

from odoo.addons.retail_connector_base.adapters.common import parse_datetime
from odoo.addons.retail_connector_base.registry import register

from .channel_model import (
    ChannelAddress,
    ChannelCustomer,
    ChannelDiscount,
    ChannelFee,
    ChannelOrder,
    ChannelOrderLine,
    ChannelPayment,
    ChannelRefund,
    ChannelRefundLine,
    ChannelShippingLine,
)
from .common import MALFORMED, MarketplaceAdapter, money, quantity

MAX_BATCH = 250
ORDER_TOPICS = ("orders/create", "orders/updated", "orders/cancelled")
REFUND_TOPICS = ("refunds/create",)
PAYMENT_STATES = {"paid": "paid", "pending": "pending", "refunded": "refunded"}
REFUND_STATUSES = {"success": "success", "pending": "pending", "failed": "failed"}


def event_kind(topic):
    if topic in ORDER_TOPICS:
        return "order"
    if topic in REFUND_TOPICS:
        return "refund"
    return None


def _codes(code):
    return [code] if code else []


def _address(values):
    if not values:
        return None
    return ChannelAddress(
        **{key: str(values.get(key) or "") for key in ChannelAddress.__annotations__}
    )


def parse_order(payload):
    try:
        customer = payload.get("customer") or {}
        lines = [
            ChannelOrderLine(
                external_line_id=str(line.get("id") or index),
                sku=line["sku"],
                quantity=quantity(line["quantity"]),
                unit_price=money(line["unit_price"]),
                title=line.get("title", ""),
                barcode=line.get("barcode", ""),
                discount_amount=money(line.get("discount")),
                tax_codes=_codes(line.get("tax_code")),
                gift_card=bool(line.get("gift_card")),
            )
            for index, line in enumerate(payload["lines"], start=1)
        ]
        shipping = money(payload.get("shipping"))
        status = payload.get("status", "pending")
        return ChannelOrder(
            external_id=str(payload["id"]),
            number=str(payload.get("number") or payload["id"]),
            currency=payload["currency"],
            tax_included=bool(payload.get("tax_included")),
            total=money(payload["total"]),
            updated_at=parse_datetime(payload.get("updated_at")),
            ordered_at=parse_datetime(payload.get("created_at")),
            state="cancelled" if status == "cancelled" else "open",
            payment_state=PAYMENT_STATES.get(status, "pending"),
            customer=ChannelCustomer(
                external_id=customer.get("id") or None,
                email=customer.get("email", ""),
                name=customer.get("name", ""),
                company=customer.get("company", ""),
                vat=customer.get("vat", ""),
            ),
            billing_address=_address(payload.get("billing_address")),
            shipping_address=_address(payload.get("shipping_address")),
            lines=lines,
            shipping_lines=[
                ChannelShippingLine(
                    title="Shipping",
                    amount=shipping,
                    tax_codes=_codes(payload.get("shipping_tax_code")),
                )
            ]
            if shipping
            else [],
            discounts=[
                ChannelDiscount(
                    title=discount.get("title", "Discount"),
                    amount=money(discount["amount"]),
                    code=discount.get("code", ""),
                    tax_codes=_codes(discount.get("tax_code")),
                )
                for discount in payload.get("discounts", [])
            ],
            payments=[
                ChannelPayment(
                    method=payment["method"],
                    amount=money(payment["amount"]),
                    kind=payment.get("kind", "payment"),
                    reference=payment.get("reference", ""),
                )
                for payment in payload.get("payments", [])
            ],
            fees=[
                ChannelFee(title=fee["title"], amount=money(fee["amount"]))
                for fee in payload.get("fees", [])
            ],
            note=payload.get("note", ""),
        )
    except MALFORMED as error:
        raise ValueError(f"malformed order: {error!r}") from error


def parse_refund(payload):
    """Amounts include tax; a line without ``amount`` is refunded at its
    order price. ``status`` (``success``, ``pending``, ``failed``) and
    ``gateway`` are those of the refund's payment."""
    try:
        return ChannelRefund(
            external_id=str(payload["id"]),
            order_external_id=str(payload["order_id"]),
            currency=payload.get("currency", ""),
            amount=money(payload["amount"]),
            created_at=parse_datetime(payload.get("created_at")),
            reason=payload.get("reason", ""),
            lines=[
                ChannelRefundLine(
                    external_line_id=str(line["line_id"]),
                    quantity=quantity(line["quantity"]),
                    subtotal=money(line["amount"]) if line.get("amount") else None,
                    restock=bool(line.get("restock")),
                )
                for line in payload.get("lines", [])
            ],
            shipping_amount=money(payload.get("shipping")),
            tax_included=True,
            status=REFUND_STATUSES[payload.get("status") or "success"],
            gateway=payload.get("gateway") or "",
        )
    except MALFORMED as error:
        raise ValueError(f"malformed refund: {error!r}") from error


def order_version(payload):
    return payload["updated_at"]


def _text(value):
    return None if value is None else str(value)


@register("simulator", "marketplace")
class SimulatorMarketplace(MarketplaceAdapter):
    publishes_promotions = True
    # Pure payload reading: module functions, which the tests call too.
    event_kind = staticmethod(event_kind)
    parse_order = staticmethod(parse_order)
    parse_refund = staticmethod(parse_refund)
    order_version = staticmethod(order_version)

    def fetch_refunds(self, payload):
        return [
            parse_refund(dict(refund, order_id=payload["id"]))
            for refund in payload.get("refunds", [])
        ]

    def poll_orders(self, since, limit):
        answer = self.request(
            "GET",
            "api/v1/orders",
            params={"updated_since": since or "", "limit": limit},
        )
        orders = answer.get("orders", [])
        checkpoint = max([since or ""] + [order["updated_at"] for order in orders])
        return orders, checkpoint or None

    def push_stock(self, items, location_ref):
        for start in range(0, len(items), MAX_BATCH):
            chunk = items[start : start + MAX_BATCH]
            self.request(
                "POST",
                "api/v1/stock/batch",
                json_body={
                    "items": [
                        {"sku": item.stock_ref, "quantity": item.quantity}
                        for item in chunk
                    ]
                },
            )
        return {}

    def fetch_stock(self, items, location_ref):
        answer = self.request("GET", "api/v1/stock")
        wanted = {item.stock_ref for item in items}
        return {
            row["sku"]: int(row["quantity"])
            for row in answer.get("stock", [])
            if row["sku"] in wanted
        }

    def push_shipment(self, shipment):
        answer = self.request(
            "POST",
            f"api/v1/orders/{shipment.order_external_id}/fulfillments",
            json_body={
                "lines": [
                    {"line_id": line_id, "quantity": quantity}
                    for line_id, quantity in shipment.lines
                ],
                "carrier": shipment.carrier,
                "tracking_numbers": shipment.tracking_numbers,
                "tracking_url": shipment.tracking_url,
            },
        )
        return str(answer["id"])

    def push_product(self, refs, data):
        body = {
            key: str(value) if key == "price" else value
            for key, value in vars(data).items()
            if value is not None
        }
        sku = refs.get("external_id") or data.sku
        self.request("PUT", f"api/v1/products/{sku}", json_body=body)
        return {"external_id": sku, "parent_ref": None, "stock_ref": sku}

    def stock_ref_for(self, external_id):
        """The stock API addresses products by the id orders name them with."""
        return external_id

    def push_prices(self, items):
        """Regular price and promotion of each product, one call each."""
        for item in items:
            self.request(
                "PUT",
                f"api/v1/products/{item.external_id}",
                json_body={
                    "price": str(item.price),
                    "sale_price": _text(item.sale_price),
                    "sale_from": item.sale_from.isoformat() if item.sale_from else None,
                    "sale_to": item.sale_to.isoformat() if item.sale_to else None,
                },
            )
        return {}
