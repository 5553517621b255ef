# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The platform-neutral shapes the adapters produce and consume.

Adapters turn a platform's payloads into these and back; the models read and
write only these, so nothing platform-specific reaches them. Money is
``Decimal`` in the order's currency; quantities are ``Decimal`` too.

Prices are as the channel states them: ``ChannelOrder.tax_included`` says
whether unit prices, discounts and shipping amounts include tax.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

ZERO = Decimal("0")


@dataclass
class ChannelAddress:
    name: str = ""
    company: str = ""
    street: str = ""
    street2: str = ""
    city: str = ""
    state_code: str = ""
    zip: str = ""
    country_code: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class ChannelCustomer:
    """``external_id`` is None for a guest checkout. A business buyer
    carries its ``company`` name and ``vat`` number (as the channel states
    it, country prefix included: ``DE123456789``)."""

    external_id: str | None = None
    email: str = ""
    name: str = ""
    phone: str = ""
    company: str = ""
    vat: str = ""


@dataclass
class ChannelOrderLine:
    external_line_id: str
    sku: str
    quantity: Decimal
    unit_price: Decimal
    title: str = ""
    external_product_id: str | None = None
    barcode: str = ""
    # Discount on the whole line (not per unit), same tax basis as unit_price.
    discount_amount: Decimal = ZERO
    # The channel's tax codes (keys of the backend's tax mapping).
    tax_codes: list[str] = field(default_factory=list)
    # A gift card sold: money received for later purchases, not revenue.
    gift_card: bool = False
    # The units the order holds now that the channel's order edits are
    # made, refunded ones still counted (refunds are booked on their own);
    # None: ``quantity`` (the order as placed, or as edited where the
    # channel keeps only the edited quantity).
    current_quantity: Decimal | None = None


@dataclass
class ChannelShippingLine:
    title: str
    amount: Decimal
    code: str = ""
    discount_amount: Decimal = ZERO
    tax_codes: list[str] = field(default_factory=list)


@dataclass
class ChannelDiscount:
    """A discount on the order as a whole (not allocated to lines)."""

    title: str
    amount: Decimal
    code: str = ""
    tax_codes: list[str] = field(default_factory=list)


@dataclass
class ChannelPayment:
    """Money the customer paid. ``kind`` is ``payment``, ``gift_card`` or
    ``store_credit``; ``method`` is a key of the payment method mapping."""

    method: str
    amount: Decimal
    kind: str = "payment"
    reference: str = ""


@dataclass
class ChannelFee:
    """What the channel charges the retailer for the order (kept for the
    settlement, not billed to the customer)."""

    title: str
    amount: Decimal


@dataclass
class ChannelOrder:
    external_id: str
    number: str
    currency: str
    tax_included: bool
    # Total the customer pays, tax and shipping included.
    total: Decimal
    updated_at: datetime | None = None
    ordered_at: datetime | None = None
    # open, cancelled
    state: str = "open"
    # pending, authorized, paid, partially_paid, partially_refunded, refunded, voided
    payment_state: str = "pending"
    customer: ChannelCustomer = field(default_factory=ChannelCustomer)
    billing_address: ChannelAddress | None = None
    shipping_address: ChannelAddress | None = None
    lines: list[ChannelOrderLine] = field(default_factory=list)
    shipping_lines: list[ChannelShippingLine] = field(default_factory=list)
    discounts: list[ChannelDiscount] = field(default_factory=list)
    payments: list[ChannelPayment] = field(default_factory=list)
    fees: list[ChannelFee] = field(default_factory=list)
    note: str = ""
    test: bool = False
    # Tax the channel collected from the buyer and pays to the tax authority
    # itself (marketplace facilitator and deemed supplier rules): part of
    # ``total``, on no line, and never the retailer's to declare.
    facilitator_tax: Decimal = ZERO
    # The channel ships the order from its own stock (Amazon FBA): it leaves
    # the backend's channel warehouse, delivered at import, reported to nobody.
    fulfilled_by_channel: bool = False
    # Why the channel cancelled the order, for its chatter, when it says.
    cancel_reason: str = ""
    # The total after the channel's order edits, refunds not taken off;
    # None: ``total``.
    current_total: Decimal | None = None
    # Whether an order edit deletes the lines it removes (WooCommerce)
    # rather than keeping them at zero units (Shopify): then ``lines`` is
    # every line the order holds, and a line Odoo imported that it lacks
    # was removed on the channel.
    drops_removed_lines: bool = False

    @property
    def is_paid(self):
        return self.payment_state in ("paid", "partially_refunded", "refunded")


@dataclass
class ChannelRefundLine:
    external_line_id: str
    quantity: Decimal
    # What the channel refunds for these units (``ChannelRefund.tax_included``
    # says whether it includes tax) and the tax on it; None when the channel
    # does not say: the order line's price, or Odoo's tax, then applies.
    subtotal: Decimal | None = None
    tax: Decimal | None = None
    restock: bool = False
    # The refunded item's SKU, naming its order line when the channel gives
    # no line id (Amazon's OrderItemId is optional in its refund events).
    sku: str = ""


@dataclass
class ChannelRefund:
    """A refund of order lines, shipping, or an amount only (goodwill).

    Line subtotals and the shipping amount include tax when ``tax_included``
    is True, exclude it when False, and are on the basis of the order's
    prices when None (Shopify states refunds as the order is priced)."""

    external_id: str
    order_external_id: str
    currency: str
    # Money returned to the customer, tax included: what the channel's
    # successful refund transactions paid back.
    amount: Decimal
    created_at: datetime | None = None
    reason: str = ""
    lines: list[ChannelRefundLine] = field(default_factory=list)
    # Shipping refunded and its tax (None: Odoo's tax on it).
    shipping_amount: Decimal = ZERO
    shipping_tax: Decimal | None = None
    tax_included: bool | None = None
    # The difference the channel itself records between the money refunded
    # and the lines and shipping, tax included (positive: more money back).
    discrepancy: Decimal = ZERO
    # success: the money went back; pending: its transaction is still under
    # way, so nothing is booked yet; failed: no money went back, ever.
    status: str = "success"
    # The payment method (key of the payment method mapping) the money went
    # back through; empty when the channel does not say.
    gateway: str = ""


@dataclass
class StockItem:
    """One quantity to publish. ``stock_ref`` is what the platform's stock
    API addresses (Shopify inventory item id, WooCommerce product id, SKU)."""

    stock_ref: str
    sku: str
    quantity: int


@dataclass
class Shipment:
    """Outbound fulfilment of (part of) an order."""

    order_external_id: str
    # (external_line_id, quantity shipped)
    lines: list[tuple[str, int]]
    carrier: str = ""
    # The channel's code of the carrier (the backend's carrier mapping).
    carrier_code: str = ""
    tracking_numbers: list[str] = field(default_factory=list)
    tracking_url: str = ""
    notify_customer: bool = True
    shipped_at: datetime | None = None
    # The delivery's own number, unique within the order.
    package_ref: str = ""


@dataclass
class ProductData:
    """What Odoo publishes about a product; fields Odoo does not own are None
    and must not be sent."""

    sku: str
    title: str | None = None
    description: str | None = None
    barcode: str | None = None
    # The regular price; during a promotion, ``sale_price`` is what the
    # product sells at, from ``sale_from`` to ``sale_to`` (UTC, None: open).
    price: Decimal | None = None
    sale_price: Decimal | None = None
    sale_from: datetime | None = None
    sale_to: datetime | None = None


@dataclass
class PriceItem:
    """A listing's prices for ``push_prices``: the regular ``price`` and,
    during a promotion, the ``sale_price`` and its window (UTC; None: open
    on that side). ``sale_price`` None ends any promotion on the channel."""

    external_id: str
    parent_ref: str | None
    sku: str
    price: Decimal
    sale_price: Decimal | None = None
    sale_from: datetime | None = None
    sale_to: datetime | None = None


@dataclass
class ListingVariant:
    """One variant of a ``ProductListing``: what Odoo publishes of it
    (``data``), its value of each of the listing's options (in their order),
    its weight in ``weight_unit`` (``kg`` or ``lb``; None when Odoo does not
    own products), the https address of its own image (None: none, or Odoo
    does not own products), and the ids the channel gave it (None before it
    is listed)."""

    data: ProductData
    option_values: list[str] = field(default_factory=list)
    weight: Decimal | None = None
    weight_unit: str = "kg"
    image_url: str | None = None
    external_id: str | None = None
    stock_ref: str | None = None


@dataclass
class ProductListing:
    """A product as a channel that lists variants under one product shows it
    (Shopify): what Odoo publishes of the product (when Odoo does not own
    products, ``title``, ``description`` and ``status``, ``active`` or
    ``archived``, are None), the names of the options that tell its variants
    apart (none for a product without variants), and the variants. ``name``
    names the product in messages; ``parent_ref`` is the channel's product
    id, None before it is listed."""

    name: str
    parent_ref: str | None = None
    title: str | None = None
    description: str | None = None
    status: str | None = None
    image_urls: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    variants: list[ListingVariant] = field(default_factory=list)


@dataclass
class ChannelLocation:
    """A place the channel keeps stock, for a backend to publish to."""

    ref: str
    name: str
    address: str = ""


@dataclass
class CancelRequest:
    """An order cancelled in Odoo, for the channel to cancel: whether to
    give the money back (``refund``) and put the items back on sale
    (``restock``), the staff note the channel keeps, and whether the channel
    tells the customer."""

    order_external_id: str
    note: str = ""
    refund: bool = True
    restock: bool = True
    notify_customer: bool = True


@dataclass
class RefundRequest:
    """A credit note posted in Odoo, for the channel to refund: the units of
    its lines (``ChannelRefundLine`` with the credit note line's untaxed
    subtotal and its tax), the shipping refunded (untaxed, and its tax),
    whether the order's prices include tax, and the money to give back, tax
    included. ``key`` is the idempotency key: the same key sent twice
    refunds once, and the channel's refund carries it in its note
    (``channel_note``) so that its own message about it is recognised."""

    order_external_id: str
    currency: str
    amount: Decimal
    key: str
    note: str = ""
    lines: list[ChannelRefundLine] = field(default_factory=list)
    shipping_subtotal: Decimal = ZERO
    shipping_tax: Decimal = ZERO
    tax_included: bool = False
    notify_customer: bool = True

    @property
    def channel_note(self):
        return f"{self.note} [{self.key}]".strip()


@dataclass
class ReturnLine:
    """Units of an order line the customer sent back."""

    external_line_id: str
    quantity: Decimal


@dataclass
class ReturnRequest:
    """A return received in Odoo, for the channel to record: the units
    returned, why in the channel's code (``reason_code``, None when no
    mapping names one: the adapter then uses the platform's "other" and
    the reason's words, ``reason_note``), Odoo's reference of the return,
    and ``key``, which the channel's return carries (``channel_note``) so
    that a retried request finds it instead of returning twice."""

    order_external_id: str
    key: str
    reference: str = ""
    reason_code: str | None = None
    reason_note: str = ""
    lines: list[ReturnLine] = field(default_factory=list)

    @property
    def channel_note(self):
        return " ".join(
            part for part in (self.reason_note, self.reference, f"[{self.key}]") if part
        )
