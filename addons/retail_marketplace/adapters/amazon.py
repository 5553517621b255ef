# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Amazon through the Selling Partner API: the marketplace contract of
``adapters/__init__`` for orders and shipments, and Login with Amazon for
the access token.

References: the Orders API v0 model (operations, Order, OrderItem, Money,
ConfirmShipmentRequest, each operation's usage plan) in
https://github.com/amzn/selling-partner-api-models
(models/orders-api-model/ordersV0.json),
https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api
(the token request) and
https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits
(a token bucket per operation, ``x-amzn-RateLimit-Limit``, 429
QuotaExceeded). AWS Signature Version 4 is no longer required since
2023-10-02 and is not sent. Stock goes in listings feeds: the Feeds API
2021-06-30 model (models/feeds-api-model/feeds_2021-06-30.json) and
https://developer-docs.amazon.com/sp-api/docs/building-json-listings-feeds
(the JSON_LISTINGS_FEED messages and their processing report). Refunds
are the RefundEventList of the Finances API v0
(models/finances-api-model/financesV0.json: ShipmentEvent, ShipmentItem,
ChargeComponent).

Choices:

- Calls go through the suite's client (``http_client``), not the
  ``python-amazon-sp-api`` library: README.md, "Amazon", says why. Each
  operation is limited by its own bucket (``OperationLimit``), which follows
  the rate Amazon states in ``x-amzn-RateLimit-Limit``.
- The access token lives in this process's memory only, keyed by the
  credentials it was made from; it is fetched again ``REFRESH_MARGIN``
  seconds before it expires, and at once when Amazon refuses it (403).
- The poll reads getOrders by ``LastUpdatedAfter`` for the statuses from
  Unshipped on (a Pending order may lack its prices), every page to the end;
  a poll throttled half-way keeps what it read and resumes from the page's
  ``NextToken`` next time. Order items are read at import
  (``complete_order``), so a throttled getOrderItems is waited out by the
  inbox's retry policy, one order at a time.
- Amounts: ``ItemPrice`` is the line's price for all its units, and like
  every amount of the order it includes VAT or GST except on the US and
  Canadian marketplaces, whose buyers see prices before sales tax
  (``tax_included``). Promotions and shipping discounts stay on their item's
  line and shipping line. Tax Amazon collects itself
  (``TaxCollection.Model`` ``MarketplaceFacilitator``) is on no line: it is
  the order's ``facilitator_tax``, its items' prices booked without it. Tax
  the seller collects is the Odoo tax the backend maps the marketplace id
  to, checked against Amazon's total.
- Stock: the changed quantities in one JSON_LISTINGS_FEED, a PATCH message
  per SKU merging ``fulfillment_availability`` (channel ``DEFAULT``, the
  seller's own stock). Amazon takes a feed whole and processes it later, so
  the publication waits for it (getFeed, ``FEED_WAIT`` at most) and reads
  its processing report: a SKU the report refuses stays unpublished and is
  returned with Amazon's message. A feed still processing after
  ``FEED_WAIT`` is a transient error: the quantities stay unpublished and
  the next publication sends them again; being absolute, a quantity sent
  twice does no harm.
- Refunds: the *Orders in* poll also reads listFinancialEvents by
  ``PostedAfter``, every page, and stores each RefundEvent in the inbox as
  a refund. A refund's identity is its order, posting date and adjustment
  item ids (Amazon gives a RefundEvent no id of its own). Each item's
  Principal, Tax, ShippingCharge and ShippingTax adjustments are its
  line's and the shipping's amounts, promotions taken off; the fees Amazon
  gives back (its commission) are the settlement's, not the buyer's.
"""

import hashlib
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from odoo.addons.retail_connector_base.adapters.common import (
    ConnectionAdapter,
    parse_datetime,
)
from odoo.addons.retail_connector_base.exceptions import (
    RetailBusinessError,
    RetailTransientError,
)
from odoo.addons.retail_connector_base.http_client import OperationLimit
from odoo.addons.retail_connector_base.registry import register

from .channel_model import (
    ZERO,
    ChannelAddress,
    ChannelCustomer,
    ChannelOrder,
    ChannelOrderLine,
    ChannelRefund,
    ChannelRefundLine,
    ChannelShippingLine,
)
from .common import MALFORMED, MarketplaceAdapter, money, quantity, unit_price

ENDPOINTS = {
    "na": "https://sellingpartnerapi-na.amazon.com",
    "eu": "https://sellingpartnerapi-eu.amazon.com",
    "fe": "https://sellingpartnerapi-fe.amazon.com",
}
DEFAULT_REGION = "eu"
TOKEN_URL = "https://api.amazon.com/auth/o2/token"
RATE_HEADER = "x-amzn-RateLimit-Limit"
# Seconds before its expiry that an access token is replaced.
REFRESH_MARGIN = 300
ORDERS = "orders/v0/orders"


def _plan(name, rate, burst):
    return OperationLimit(name, rate, burst, RATE_HEADER)


# The usage plans the models document for each operation.
GET_ORDERS = _plan("getOrders", 0.0167, 20)
GET_ORDER = _plan("getOrder", 0.5, 30)
GET_ORDER_ITEMS = _plan("getOrderItems", 0.5, 30)
CONFIRM_SHIPMENT = _plan("confirmShipment", 2, 10)
GET_PARTICIPATIONS = _plan("getMarketplaceParticipations", 0.016, 15)
CREATE_FEED_DOCUMENT = _plan("createFeedDocument", 0.5, 15)
CREATE_FEED = _plan("createFeed", 0.0083, 15)
GET_FEED = _plan("getFeed", 2, 15)
GET_FEED_DOCUMENT = _plan("getFeedDocument", 0.0222, 10)
LIST_FINANCIAL_EVENTS = _plan("listFinancialEvents", 0.5, 30)
FINANCIAL_EVENTS = "finances/v0/financialEvents"
FEEDS = "feeds/2021-06-30"
FEED_CONTENT_TYPE = "application/json; charset=UTF-8"
# Seconds a publication waits for Amazon to process its feed, and between
# two getFeed.
FEED_WAIT = 120
FEED_POLL_INTERVAL = 2
FEED_OVER = ("DONE", "CANCELLED", "FATAL")
MAX_RESULTS = 100
# Imported from Unshipped on: a Pending order may lack its prices.
IMPORTED_STATUSES = (
    "Unshipped",
    "PartiallyShipped",
    "Shipped",
    "Canceled",
    "Unfulfillable",
    "InvoiceUnconfirmed",
)
# Marketplaces whose prices exclude tax (Amazon.com, Amazon.ca); the others
# show the buyer prices with their VAT or GST.
TAX_EXCLUSIVE_MARKETPLACES = ("ATVPDKIKX0DER", "A2EUQ1WTGCTBG2")
# The same, by the names financial events give marketplaces.
TAX_EXCLUSIVE_NAMES = ("Amazon.com", "Amazon.ca")
FACILITATOR = "MarketplaceFacilitator"
# Where the first poll starts, before the backend was created.
FIRST_POLL_LOOKBACK = timedelta(days=1)
ORDER_TOPICS = ("orders/updated",)
REFUND_TOPICS = ("refunds/created",)

_tokens = {}
_tokens_lock = threading.Lock()


def event_kind(topic):
    if topic in ORDER_TOPICS:
        return "order"
    return "refund" if topic in REFUND_TOPICS else None


def order_version(payload):
    return payload["LastUpdateDate"]


def marketplace_ids(backend):
    ids = (backend.amazon_marketplace_ids or "").replace(",", " ").split()
    if not ids:
        raise RetailBusinessError(
            backend.env._(
                "Set the marketplace ids of %(backend)s (Amazon.fr is "
                "A13V1IB3VIYZZH): orders are read for them.",
                backend=backend.name,
            ),
            code="amazon_marketplace_ids",
        )
    return ",".join(ids)


def _money(values, key):
    return money((values.get(key) or {}).get("Amount"))


def _address(values, email):
    if not values:
        return None
    return ChannelAddress(
        name=values.get("Name") or "",
        company=values.get("CompanyName") or "",
        street=values.get("AddressLine1") or "",
        street2=" ".join(
            filter(None, [values.get("AddressLine2"), values.get("AddressLine3")])
        ),
        city=values.get("City") or "",
        state_code=values.get("StateOrRegion") or "",
        zip=values.get("PostalCode") or "",
        country_code=values.get("CountryCode") or "",
        phone=values.get("Phone") or "",
        email=email,
    )


def _vat(tax_info):
    """Amazon names no VAT classification in its model: any whose name
    speaks of VAT (``VATNumber``) holds it."""
    for classification in tax_info.get("TaxClassifications") or []:
        if "VAT" in (classification.get("Name") or "").upper():
            return classification.get("Value") or ""
    return ""


def _customer(payload, address):
    buyer = payload.get("BuyerInfo") or {}
    tax_info = buyer.get("BuyerTaxInfo") or {}
    business = bool(payload.get("IsBusinessOrder"))
    company = tax_info.get("CompanyLegalName") or (address.company if address else "")
    # Amazon names no buyer: its anonymized, stable email identifies one.
    return ChannelCustomer(
        email=buyer.get("BuyerEmail") or "",
        name=buyer.get("BuyerName") or (address.name if address else ""),
        company=company if business else "",
        vat=_vat(tax_info) if business else "",
    )


def _currency(payload, items):
    amounts = [payload.get("OrderTotal")] + [item.get("ItemPrice") for item in items]
    for amount in amounts:
        if amount and amount.get("CurrencyCode"):
            return amount["CurrencyCode"]
    raise KeyError("CurrencyCode")


# Each amount of an item: the tax on it and its sign in the order's total.
AMOUNTS = {
    "ItemPrice": ("ItemTax", 1),
    "PromotionDiscount": ("PromotionDiscountTax", -1),
    "ShippingPrice": ("ShippingTax", 1),
    "ShippingDiscount": ("ShippingDiscountTax", -1),
}


def _amounts(item, included):
    """``(amounts, collected, gross)`` of one item: its amounts on the
    order's tax basis, without the tax Amazon collects itself, which is
    ``collected``; and what the item adds to the order's total."""
    amounts = {name: _money(item, name) for name in AMOUNTS}
    taxes = {name: _money(item, tax) for name, (tax, _sign) in AMOUNTS.items()}
    tax = sum(taxes[name] * sign for name, (_tax, sign) in AMOUNTS.items())
    gross = sum(amounts[name] * sign for name, (_tax, sign) in AMOUNTS.items())
    gross += ZERO if included else tax
    if (item.get("TaxCollection") or {}).get("Model") != FACILITATOR:
        return amounts, None, gross
    if included:
        amounts = {name: amounts[name] - taxes[name] for name in AMOUNTS}
    return amounts, tax, gross


def _quantum(item):
    """The smallest unit of the line's price as Amazon writes it: a unit
    price keeps the line's decimals, and no more."""
    written = (item.get("ItemPrice") or {}).get("Amount") or "0.00"
    return Decimal(1).scaleb(Decimal(str(written)).as_tuple().exponent)


def _lines(payload, items, included):
    """``(lines, shipping lines, tax Amazon collected, gross total)``."""
    marketplace = payload.get("MarketplaceId") or ""
    lines, shipping_lines = [], []
    collected = gross = ZERO
    for item in items:
        qty = quantity(item["QuantityOrdered"])
        amounts, item_collected, item_gross = _amounts(item, included)
        gross += item_gross
        collected += item_collected or ZERO
        if not qty:
            # An item cancelled before it was priced: nothing sold.
            continue
        # Tax Amazon collects is no tax of the seller's: no Odoo tax.
        codes = [] if item_collected is not None else [marketplace]
        price, excess = unit_price(amounts["ItemPrice"], qty, _quantum(item))
        # No listing is bound from the line: Amazon addresses listings by
        # SKU, which the product's internal reference already matches.
        lines.append(
            ChannelOrderLine(
                external_line_id=str(item["OrderItemId"]),
                sku=item.get("SellerSKU") or "",
                quantity=qty,
                unit_price=price,
                title=item.get("Title") or "",
                discount_amount=amounts["PromotionDiscount"] + excess,
                tax_codes=codes,
            )
        )
        if amounts["ShippingPrice"] or amounts["ShippingDiscount"]:
            shipping_lines.append(
                ChannelShippingLine(
                    title=f"{payload.get('ShipServiceLevel') or 'Shipping'}: "
                    f"{item.get('SellerSKU') or item['OrderItemId']}",
                    amount=amounts["ShippingPrice"],
                    code=payload.get("ShipServiceLevel") or "",
                    discount_amount=amounts["ShippingDiscount"],
                    tax_codes=codes,
                )
            )
    return lines, shipping_lines, collected, gross


def _cancellation(payload, items):
    """``(cancelled, reason)``: Amazon cancelled the order, or its buyer
    asked to before anything shipped from the seller's stock."""
    status = payload["OrderStatus"]
    if status == "Canceled":
        return True, ""
    asked = [
        item["BuyerRequestedCancel"]
        for item in items
        if str(
            (item.get("BuyerRequestedCancel") or {}).get("IsBuyerRequestedCancel")
        ).lower()
        == "true"
    ]
    # Amazon cancels its own (AFN) orders; a partly shipped one is the
    # seller's to settle with the buyer.
    if asked and status == "Unshipped" and payload["FulfillmentChannel"] == "MFN":
        reasons = ", ".join(
            sorted({request.get("BuyerCancelReason") or "" for request in asked})
        )
        return True, (
            f"The buyer asked Amazon to cancel it ({reasons or 'no reason given'}): "
            "cancel it in Seller Central as well, where it waits to ship."
        )
    return False, ""


def parse_order(payload):
    """A ``ChannelOrder`` from an Order of getOrders with its items in
    ``OrderItems`` (``complete_order`` adds them; an order read without
    them has no lines). The total is ``OrderTotal``, or what the items add
    up to where Amazon gives none (a cancelled order)."""
    try:
        items = payload.get("OrderItems") or []
        included = payload.get("MarketplaceId") not in TAX_EXCLUSIVE_MARKETPLACES
        currency = _currency(payload, items)
        lines, shipping_lines, collected, gross = _lines(payload, items, included)
        address = _address(
            payload.get("ShippingAddress"),
            (payload.get("BuyerInfo") or {}).get("BuyerEmail") or "",
        )
        cancelled, reason = _cancellation(payload, items)
        total = payload.get("OrderTotal")
        return ChannelOrder(
            external_id=payload["AmazonOrderId"],
            number=payload["AmazonOrderId"],
            currency=currency,
            tax_included=included,
            total=money(total["Amount"]) if total else gross,
            updated_at=parse_datetime(payload["LastUpdateDate"]),
            ordered_at=parse_datetime(payload.get("PurchaseDate")),
            state="cancelled" if cancelled else "open",
            cancel_reason=reason,
            # Amazon collects the money, except cash on delivery.
            payment_state="pending"
            if payload.get("PaymentMethod") == "COD"
            else "paid",
            customer=_customer(payload, address),
            shipping_address=address,
            lines=lines,
            shipping_lines=shipping_lines,
            facilitator_tax=collected,
            fulfilled_by_channel=payload["FulfillmentChannel"] == "AFN",
        )
    except MALFORMED as error:
        raise ValueError(f"malformed Amazon order: {error!r}") from error


def _charges(components, key):
    """``{type: amount}`` of a list of ChargeComponent (``key``
    ``ChargeType``) or FeeComponent, as Amazon signs them."""
    totals = {}
    for component in components or []:
        amount = component.get("ChargeAmount") or component.get("FeeAmount") or {}
        totals[component[key]] = totals.get(component[key], ZERO) + money(
            amount.get("CurrencyAmount")
        )
    return totals


def parse_refund(payload):
    """A ``ChannelRefund`` from a RefundEvent (a ShipmentEvent of
    RefundEventList). Amazon signs what goes back to the buyer negative.

    Tax Amazon withheld as marketplace facilitator is refused: the order
    booked it on the facilitator account, and a credit note of this path
    would not give it back there."""
    try:
        adjustments = payload["ShipmentItemAdjustmentList"]
        currency = ""
        lines, shipping, shipping_tax = [], ZERO, ZERO
        for adjustment in adjustments:
            if adjustment.get("ItemTaxWithheldList"):
                raise ValueError(
                    f"Amazon refund of order {payload['AmazonOrderId']} gives back "
                    "tax Amazon collected as marketplace facilitator: book it by "
                    "hand (a credit note and the facilitator account)."
                )
            charges = _charges(adjustment.get("ItemChargeAdjustmentList"), "ChargeType")
            promotions = _charges(
                adjustment.get("PromotionAdjustmentList"), "PromotionType"
            )
            for component in adjustment.get("ItemChargeAdjustmentList") or []:
                currency = component["ChargeAmount"]["CurrencyCode"]
            lines.append(
                ChannelRefundLine(
                    external_line_id=str(adjustment["OrderItemId"]),
                    quantity=quantity(adjustment["QuantityShipped"]),
                    subtotal=-charges.get("Principal", ZERO)
                    - sum(promotions.values(), ZERO),
                    tax=-charges.get("Tax", ZERO),
                )
            )
            shipping -= charges.get("ShippingCharge", ZERO)
            shipping_tax -= charges.get("ShippingTax", ZERO)
        included = payload.get("MarketplaceName") not in TAX_EXCLUSIVE_NAMES
        amount = sum((line.subtotal for line in lines), shipping)
        if not included:
            amount += sum((line.tax for line in lines), shipping_tax)
        ids = sorted(str(a.get("OrderAdjustmentItemId") or "") for a in adjustments)
        return ChannelRefund(
            external_id="/".join(
                [payload["AmazonOrderId"], payload["PostedDate"], "+".join(ids)]
            ),
            order_external_id=payload["AmazonOrderId"],
            currency=currency,
            amount=amount,
            created_at=parse_datetime(payload["PostedDate"]),
            lines=lines,
            shipping_amount=shipping,
            shipping_tax=shipping_tax,
            tax_included=included,
        )
    except MALFORMED as error:
        raise ValueError(f"malformed Amazon refund: {error!r}") from error


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _availability_message(message_id, item):
    """One listing's quantity as a PATCH message of a listings feed.
    ``productType`` is required of every message; for a PATCH of an
    existing listing Amazon ignores its value, and ``PRODUCT`` is the
    generic type its examples send."""
    return {
        "messageId": message_id,
        "sku": item.stock_ref,
        "operationType": "PATCH",
        "productType": "PRODUCT",
        "patches": [
            {
                "op": "merge",
                "path": "/attributes/fulfillment_availability",
                "value": [
                    {
                        "fulfillment_channel_code": "DEFAULT",
                        "quantity": int(item.quantity),
                    }
                ],
            }
        ],
    }


@register("amazon", "marketplace")
class AmazonMarketplace(MarketplaceAdapter):
    channel_fulfilment = "FBA"
    # Cancellations and refunds are not sent: Seller Central's are read
    # back (the orders poll, the financial events).
    changes_unsupported = (
        "This connector sends no cancellation or refund to Amazon: cancel "
        "or refund the order in Seller Central (Orders, Manage orders); the "
        "orders poll then brings the cancellation, and the financial events "
        "the refund, to Odoo."
    )

    # Pure payload reading: module functions, which the tests call too.
    event_kind = staticmethod(event_kind)
    parse_order = staticmethod(parse_order)
    parse_refund = staticmethod(parse_refund)
    order_version = staticmethod(order_version)

    def _call(self, method, path, limit, **options):
        """A call within ``limit``; a refused access token (403) is replaced
        and the call made once more."""
        try:
            return self.request(method, path, limit=limit, **options)
        except RetailBusinessError as error:
            if error.code != "http_403":
                raise
        self.backend._adapter("connection").forget_token()
        return self.request(method, path, limit=limit, **options)

    def fetch_refunds(self, payload):
        """Amazon's refunds are in its financial events, not in the order:
        ``poll_refunds`` reads them."""
        return []

    def poll_refunds(self, since, limit):
        """The RefundEvents posted at or after ``since``, every page of
        listFinancialEvents; the checkpoint is the latest posting read (a
        refund read twice is booked once)."""
        after = since or _iso(self.backend.create_date - FIRST_POLL_LOOKBACK)
        latest = parse_datetime(after)
        params = {"PostedAfter": after, "MaxResultsPerPage": min(limit, MAX_RESULTS)}
        events = []
        while True:
            page = self._call(
                "GET", FINANCIAL_EVENTS, LIST_FINANCIAL_EVENTS, params=params
            )["payload"]
            refunds = (page.get("FinancialEvents") or {}).get("RefundEventList") or []
            events += refunds
            latest = max(
                [latest] + [parse_datetime(event["PostedDate"]) for event in refunds]
            )
            if not page.get("NextToken"):
                return events, _iso(latest)
            params = {"NextToken": page["NextToken"]}

    def poll_orders(self, since, limit):
        """The orders changed at or after ``since`` (an ISO date) with a
        status from Unshipped on, every page of getOrders, in Amazon's order
        (which is not by change date): the checkpoint is the latest change
        read. Throttled half-way, the pages read are kept and the
        checkpoint (JSON) resumes from the next page's ``NextToken``; a
        token Amazon no longer takes starts the same window again."""
        state = (
            json.loads(since) if since and since.startswith("{") else {"after": since}
        )
        after = state["after"] or _iso(self.backend.create_date - FIRST_POLL_LOOKBACK)
        latest = parse_datetime(state.get("latest") or after)
        window = {
            "MarketplaceIds": marketplace_ids(self.backend),
            "LastUpdatedAfter": after,
            "OrderStatuses": ",".join(IMPORTED_STATUSES),
            "MaxResultsPerPage": min(limit, MAX_RESULTS),
        }
        params = (
            {"MarketplaceIds": window["MarketplaceIds"], "NextToken": state["next"]}
            if state.get("next")
            else window
        )
        orders = []
        while True:
            try:
                page = self._call("GET", ORDERS, GET_ORDERS, params=params)["payload"]
            except RetailTransientError:
                if not orders:
                    raise
                resume = {
                    "after": after,
                    "latest": _iso(latest),
                    "next": params["NextToken"],
                }
                return orders, json.dumps(resume)
            except RetailBusinessError as error:
                # Only the token a throttled poll kept may have expired since.
                if params is window or orders or error.code != "http_400":
                    raise
                params = window
                continue
            orders += page.get("Orders") or []
            latest = max(
                [latest]
                + [
                    parse_datetime(o["LastUpdateDate"])
                    for o in page.get("Orders") or []
                ]
            )
            if not page.get("NextToken"):
                return orders, latest.isoformat() + "Z"
            params = {
                "MarketplaceIds": window["MarketplaceIds"],
                "NextToken": page["NextToken"],
            }

    def complete_order(self, payload):
        """The order with its items (getOrderItems, every page)."""
        if "OrderItems" in payload:
            return payload
        path = f"{ORDERS}/{payload['AmazonOrderId']}/orderItems"
        items, params = [], None
        while True:
            page = self._call("GET", path, GET_ORDER_ITEMS, params=params)["payload"]
            items += page.get("OrderItems") or []
            if not page.get("NextToken"):
                return dict(payload, OrderItems=items)
            params = {"NextToken": page["NextToken"]}

    def push_shipment(self, shipment):
        """confirmShipment of one package: the delivery's items and
        quantities (a part of the order ships as a package of its own), its
        carrier as Amazon's carrier code (the backend's carrier mapping) or,
        unmapped, as ``Other`` with the carrier's name, its first tracking
        number (Amazon takes one a package) and its ship date."""
        order_id = shipment.order_external_id
        if not shipment.tracking_numbers:
            raise RetailBusinessError(
                self.env._(
                    "Amazon confirms a shipment of order %(order)s only with a "
                    "tracking number: set it on the delivery.",
                    order=order_id,
                ),
                code="amazon_tracking_number",
            )
        if not (shipment.carrier_code or shipment.carrier):
            raise RetailBusinessError(
                self.env._(
                    "Amazon confirms a shipment of order %(order)s only with its "
                    "carrier: set the delivery's carrier.",
                    order=order_id,
                ),
                code="amazon_carrier",
            )
        order = self._call("GET", f"{ORDERS}/{order_id}", GET_ORDER)["payload"]
        package = {
            "packageReferenceId": shipment.package_ref,
            "carrierCode": shipment.carrier_code or "Other",
            "trackingNumber": shipment.tracking_numbers[0],
            "shipDate": _iso(shipment.shipped_at or datetime.now(timezone.utc)),
            "orderItems": [
                {"orderItemId": line_id, "quantity": qty}
                for line_id, qty in shipment.lines
            ],
        }
        if not shipment.carrier_code:
            package["carrierName"] = shipment.carrier
        self._call(
            "POST",
            f"{ORDERS}/{order_id}/shipmentConfirmation",
            CONFIRM_SHIPMENT,
            json_body={
                "marketplaceId": order["MarketplaceId"],
                "packageDetail": package,
            },
        )
        return f"{order_id}/{shipment.package_ref}"

    def stock_ref_for(self, external_id):
        """Listings feeds address a listing by its SKU, which order lines
        name it by."""
        return external_id

    def push_stock(self, items, location_ref):
        """The quantities as one JSON_LISTINGS_FEED: its document uploaded
        (without the access token: the URL is pre-signed), the feed created
        and followed to its end, and the SKUs its processing report refuses
        returned with Amazon's message. ``location_ref`` is not used: the
        DEFAULT channel is the seller's own stock."""
        seller = self.backend.amazon_seller_id
        if not seller:
            raise RetailBusinessError(
                self.env._(
                    "Set the seller id of %(backend)s (Seller Central, Settings, "
                    "Account info, Merchant token): listings feeds name it.",
                    backend=self.backend.name,
                ),
                code="amazon_seller_id",
            )
        if not items:
            return {}
        by_message = dict(enumerate((item.stock_ref for item in items), start=1))
        feed = {
            "header": {"sellerId": seller, "version": "2.0", "issueLocale": "en_US"},
            "messages": [
                _availability_message(message_id, item)
                for message_id, item in enumerate(items, start=1)
            ],
        }
        report = self._run_feed(feed)
        refused = {}
        for issue in report.get("issues") or []:
            if issue.get("severity") != "ERROR":
                continue
            ref = by_message.get(issue.get("messageId"))
            if ref is None:
                # An issue of the feed as a whole refuses every message.
                refused.update(dict.fromkeys(by_message.values(), issue["message"]))
            else:
                refused[ref] = f"{issue.get('code', '')}: {issue.get('message', '')}"
        return refused

    def _run_feed(self, content):
        """Upload ``content``, create its feed, wait for its end and return
        its processing report."""
        document = self._call(
            "POST",
            f"{FEEDS}/documents",
            CREATE_FEED_DOCUMENT,
            json_body={"contentType": FEED_CONTENT_TYPE},
        )
        self.backend._request(
            "PUT",
            "",
            url=document["url"],
            json_body=content,
            headers={"Content-Type": FEED_CONTENT_TYPE},
            authenticate=False,
        )
        feed_id = self._call(
            "POST",
            f"{FEEDS}/feeds",
            CREATE_FEED,
            json_body={
                "feedType": "JSON_LISTINGS_FEED",
                "marketplaceIds": marketplace_ids(self.backend).split(","),
                "inputFeedDocumentId": document["feedDocumentId"],
            },
        )["feedId"]
        deadline = time.monotonic() + FEED_WAIT
        while True:
            feed = self._call("GET", f"{FEEDS}/feeds/{feed_id}", GET_FEED)
            if feed["processingStatus"] in FEED_OVER:
                break
            if time.monotonic() > deadline:
                raise RetailTransientError(
                    f"Amazon is still processing listings feed {feed_id} after "
                    f"{FEED_WAIT} s",
                    retry_after=FEED_WAIT,
                )
            time.sleep(FEED_POLL_INTERVAL)
        if not feed.get("resultFeedDocumentId"):
            # A feed cancelled before processing has no report.
            raise RetailBusinessError(
                self.env._(
                    "Amazon ended listings feed %(feed)s as %(status)s without a "
                    "processing report.",
                    feed=feed_id,
                    status=feed["processingStatus"],
                ),
                code="amazon_feed_" + feed["processingStatus"].lower(),
            )
        report = self._call(
            "GET",
            f"{FEEDS}/documents/{feed['resultFeedDocumentId']}",
            GET_FEED_DOCUMENT,
        )
        return self.backend._request("GET", "", url=report["url"], authenticate=False)

    def _not_yet(self, *args):
        raise RetailBusinessError(
            self.env._(
                "Publishing products and prices to Amazon is not available "
                "yet: switch the prices and catalog flows of %(backend)s off.",
                backend=self.backend.name,
            ),
            code="amazon_not_supported",
        )

    fetch_stock = push_product = _not_yet


@register("amazon", "connection")
class AmazonConnection(ConnectionAdapter):
    @classmethod
    def backend_defaults(cls, vals):
        region = vals.get("amazon_region") or DEFAULT_REGION
        return {
            "amazon_region": region,
            "api_url": ENDPOINTS[region],
            "amazon_token_url": TOKEN_URL,
        }

    def request_headers(self):
        return {"x-amz-access-token": self.access_token()}

    def test(self):
        return self.request(
            "GET", "sellers/v1/marketplaceParticipations", limit=GET_PARTICIPATIONS
        )

    def _credentials(self):
        backend = self.backend
        credentials = {
            "client_id": backend._get_secret("api_key"),
            "client_secret": backend._get_secret("api_secret"),
            "refresh_token": backend._get_secret("refresh_token"),
        }
        if not all(credentials.values()):
            raise RetailBusinessError(
                self.env._(
                    "Set the Login with Amazon credentials of %(backend)s: client "
                    "identifier (API key), client secret (API secret) and the "
                    "seller's refresh token.",
                    backend=backend.name,
                ),
                code="amazon_credentials",
            )
        return credentials

    def _key(self):
        return (self.env.cr.dbname, self.backend.id)

    def access_token(self):
        """The access token for the backend's credentials: the one in memory
        while it has more than ``REFRESH_MARGIN`` seconds to live, else a
        new one from Login with Amazon."""
        credentials = self._credentials()
        url = self.backend.amazon_token_url or TOKEN_URL
        fingerprint = hashlib.sha256(
            "\0".join([url, *credentials.values()]).encode()
        ).hexdigest()
        with _tokens_lock:
            known = _tokens.get(self._key())
        if (
            known
            and known[0] == fingerprint
            and known[2] - time.monotonic() > REFRESH_MARGIN
        ):
            return known[1]
        try:
            answer = self.backend._request(
                "POST",
                "",
                url=url,
                form=dict(credentials, grant_type="refresh_token"),
                authenticate=False,
            )
        except RetailBusinessError as error:
            raise RetailBusinessError(
                self.env._(
                    "Login with Amazon refused the credentials of %(backend)s "
                    "(client identifier, client secret, refresh token): %(error)s",
                    backend=self.backend.name,
                    error=error,
                ),
                code="amazon_login",
            ) from error
        token = answer["access_token"]
        expires = time.monotonic() + int(answer.get("expires_in") or 3600)
        with _tokens_lock:
            _tokens[self._key()] = (fingerprint, token, expires)
        return token

    def forget_token(self):
        """Drop the access token in memory (Amazon refused it)."""
        with _tokens_lock:
            _tokens.pop(self._key(), None)
