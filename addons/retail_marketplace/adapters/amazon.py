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
- Prices: the regular price and promotion of each listing in the same
  kind of feed, a PATCH message per SKU merging ``purchasable_offer``
  (``our_price``; ``discounted_price`` with its ``start_at``/``end_at``
  schedule, null once the promotion ended), as
  https://developer-docs.amazon.com/sp-api/docs/manage-purchasable-offer
  and https://developer-docs.amazon.com/sp-api/docs/merge-a-listing
  describe the offer's selectors and a merge's null deleting a
  sub-attribute. Listings themselves are made in Seller Central: no
  catalog is exported (``exports_catalog``).
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
import logging
import re
import threading
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import quote, urlsplit

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    # Only backends reading notifications from SQS need it: they say so.
    boto3 = Config = None
    BotoCoreError = ClientError = ()

from odoo.addons.retail_connector_base.adapters.common import (
    ConnectionAdapter,
    parse_datetime,
)
from odoo.addons.retail_connector_base.exceptions import (
    RetailBusinessError,
    RetailTransientError,
)
from odoo.addons.retail_connector_base.http_client import (
    OperationLimit,
    download_lines,
    is_allowed_url,
    mask_url,
)
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
CREATE_RESTRICTED_DATA_TOKEN = _plan("createRestrictedDataToken", 1, 10)
GET_LISTINGS_ITEM = _plan("getListingsItem", 5, 10)
CREATE_REPORT = _plan("createReport", 0.0167, 15)
GET_REPORT = _plan("getReport", 2, 15)
GET_REPORT_DOCUMENT = _plan("getReportDocument", 0.0167, 15)
LISTINGS_ITEMS = "listings/2021-08-01/items"
REPORTS = "reports/2021-06-30"
MERCHANT_LISTINGS = "GET_MERCHANT_LISTINGS_ALL_DATA"
RESTRICTED_DATA_TOKEN = "tokens/2021-03-01/restrictedDataToken"
# The restricted operations the connector calls for the buyer's personal
# data (getOrders and getOrder: name, email, address, company and VAT
# number; getOrderItems: the gift message), one Restricted Data Token for
# all of them, a generic ``{orderId}`` standing for every order.
RESTRICTED_RESOURCES = [
    {
        "method": "GET",
        "path": "/orders/v0/orders",
        "dataElements": ["buyerInfo", "shippingAddress", "buyerTaxInformation"],
    },
    {
        "method": "GET",
        "path": "/orders/v0/orders/{orderId}",
        "dataElements": ["buyerInfo", "shippingAddress", "buyerTaxInformation"],
    },
    {
        "method": "GET",
        "path": "/orders/v0/orders/{orderId}/orderItems",
        "dataElements": ["buyerInfo"],
    },
]
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
# ORDER_CHANGE: a notification read from the seller's SQS queue, naming an
# order whose details the import reads (getOrder, getOrderItems).
NOTIFICATION_TOPIC = "ORDER_CHANGE"
ORDER_TOPICS = ("orders/updated", NOTIFICATION_TOPIC)
# Messages one receive of SQS returns at most, and seconds it waits for one
# (a short wait: the job reads what is there and ends).
SQS_BATCH = 10
SQS_WAIT = 1
REFUND_TOPICS = ("refunds/created",)

_logger = logging.getLogger(__name__)
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
                    external_line_id=str(adjustment.get("OrderItemId") or ""),
                    sku=adjustment.get("SellerSKU") or "",
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


def _notification(message, seller):
    """The inbox values of one SQS message (see ``receive_notifications``),
    None for one left on the queue (another seller's)."""
    try:
        body = json.loads(message["Body"])
        change = body["Payload"]["OrderChangeNotification"]
        key = body["NotificationMetadata"]["NotificationId"]
    except (ValueError, KeyError, TypeError) as error:
        # No notification of Amazon's: deleted unread, polling remains.
        _logger.warning("SQS message %s dropped: %r", message.get("MessageId"), error)
        return {"key": "", "topic": "", "payload": None, "subject": None}
    if seller and change.get("SellerId") and change["SellerId"] != seller:
        return None
    status = (change.get("Summary") or {}).get("OrderStatus")
    wanted = body.get("NotificationType") == NOTIFICATION_TOPIC and (
        status in IMPORTED_STATUSES
    )
    return {
        "key": key,
        "topic": NOTIFICATION_TOPIC,
        "payload": body if wanted else None,
        "subject": change.get("AmazonOrderId"),
    }


def _sqs_client(backend):
    """A boto3 SQS client for the backend's queue URL: its region read from
    the host (sqs.<region>.amazonaws.com), the AWS credentials those of the
    server (its IAM role, environment or shared credentials file, the
    backend's AWS profile if named): no AWS secret is kept in Odoo."""
    url = backend.notification_queue_url
    if not is_allowed_url(url):
        raise RetailBusinessError(
            backend.env._(
                "The notification queue URL %(url)s cannot be used: only "
                "https://, or plain http:// to this machine for tests.",
                url=mask_url(url),
            ),
            code="unsafe_url",
        )
    if boto3 is None:
        raise RetailBusinessError(
            backend.env._(
                "Reading Amazon's notifications needs the boto3 library "
                "(requirements.txt): install it, or clear the notification "
                "queue URL of %(backend)s to rely on polling alone.",
                backend=backend.name,
            ),
            code="amazon_boto3",
        )
    parts = urlsplit(url)
    region = re.match(r"sqs\.([a-z0-9-]+)\.", parts.hostname or "")
    session = boto3.session.Session(profile_name=backend.amazon_aws_profile or None)
    return session.client(
        "sqs",
        region_name=region.group(1) if region else "us-east-1",
        endpoint_url=f"{parts.scheme}://{parts.netloc}",
        config=Config(
            connect_timeout=backend.request_timeout,
            read_timeout=backend.request_timeout + SQS_WAIT,
            retries={"max_attempts": 1},
        ),
    )


def _sqs_call(method, **params):
    """One SQS call; its failures as the connector's errors: transient for
    the network and SQS's throttling and 5xx, business for the rest
    (credentials, a queue that does not exist)."""
    try:
        return method(**params)
    except ClientError as error:
        answer = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        code = error.response.get("Error", {}).get("Code", "")
        if answer >= 500 or "Throttl" in code or answer == 429:
            raise RetailTransientError(f"SQS answered {answer} {code}") from error
        raise RetailBusinessError(
            f"SQS refused {method.__name__}: {code} "
            f"{error.response.get('Error', {}).get('Message', '')}",
            code="amazon_sqs",
        ) from error
    except BotoCoreError as error:
        if "credential" in type(error).__name__.lower():
            raise RetailBusinessError(
                f"No AWS credentials to read the notification queue: {error}",
                code="amazon_sqs_credentials",
            ) from error
        raise RetailTransientError(f"SQS {method.__name__} failed: {error}") from error


def _listing_quantities(lines, wanted):
    """``{sku: quantity}`` of the ``wanted`` SKUs the seller ships itself,
    from the lines (bytes) of a merchant listings report: a header row of
    tab-separated column names, then a row a listing. Amazon writes its
    flat files in UTF-8 or, on older marketplaces, Windows-1252."""
    columns = None
    quantities = {}
    for raw in lines:
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            line = raw.decode("cp1252", "replace")
        values = line.rstrip("\r\n").split("\t")
        if columns is None:
            columns = {name.strip().lower(): index for index, name in enumerate(values)}
            if not {"seller-sku", "quantity"} <= set(columns):
                raise RetailBusinessError(
                    "Amazon's listings report has no seller-sku and quantity "
                    "columns: nothing was reconciled.",
                    code="amazon_report_malformed",
                )
            continue
        row = {
            name: values[index]
            for name, index in columns.items()
            if index < len(values)
        }
        sku, count = row.get("seller-sku", ""), row.get("quantity", "").strip()
        if sku in wanted and count:
            quantities[sku] = int(count)
    return quantities


def _when(moment):
    """A naive UTC datetime as the ISO 8601 date-time with offset that
    purchasable_offer schedules take."""
    return moment.replace(tzinfo=timezone.utc).isoformat()


def _offer_message(message_id, item, marketplaces, currency, now):
    """One listing's prices as a PATCH message of a listings feed, merging
    its ``purchasable_offer`` in each of ``marketplaces`` in ``currency`` for
    every buyer (``marketplace_id``, ``currency`` and ``audience`` ALL are
    an offer's selectors): the regular price as ``our_price``, and the
    promotion as ``discounted_price`` with its window, which Amazon
    switches itself. A promotion open at its start begins ``now``; one open
    at its end is sent without ``end_at``. Without a promotion
    ``discounted_price`` is null, which a merge takes as deleting the
    discount shown."""
    discount = None
    if item.sale_price is not None:
        window = {
            "value_with_tax": float(item.sale_price),
            "start_at": _when(item.sale_from or now),
        }
        if item.sale_to:
            window["end_at"] = _when(item.sale_to)
        discount = [{"schedule": [window]}]
    offers = [
        {
            "marketplace_id": marketplace,
            "currency": currency,
            "audience": "ALL",
            "our_price": [{"schedule": [{"value_with_tax": float(item.price)}]}],
            "discounted_price": discount,
        }
        for marketplace in marketplaces
    ]
    return {
        "messageId": message_id,
        "sku": item.external_id,
        "operationType": "PATCH",
        "productType": "PRODUCT",
        "patches": [
            {"op": "merge", "path": "/attributes/purchasable_offer", "value": offers}
        ],
    }


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
    publishes_promotions = True
    # Listings are created in Seller Central; Odoo sends their prices only.
    exports_catalog = False
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

    def _call(self, method, path, limit, restricted=False, **options):
        """A call within ``limit``; a refused access token (403) is replaced
        and the call made once more. A ``restricted`` call (one returning
        the buyer's personal data) carries the Restricted Data Token in
        place of the access token."""
        connection = self.backend._adapter("connection")
        for attempt in range(2):
            try:
                if restricted:
                    options.update(
                        headers={"x-amz-access-token": connection.restricted_token()},
                        authenticate=False,
                    )
                return self.request(method, path, limit=limit, **options)
            except RetailBusinessError as error:
                if error.code != "http_403" or attempt:
                    raise
            connection.forget_token()

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
                page = self._call(
                    "GET", ORDERS, GET_ORDERS, restricted=True, params=params
                )["payload"]
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
        """The order with its items (getOrderItems, every page); for an
        ORDER_CHANGE notification, which names the order only, the order as
        getOrder has it now, with its items."""
        if payload.get("NotificationType") == NOTIFICATION_TOPIC:
            order_id = payload["Payload"]["OrderChangeNotification"]["AmazonOrderId"]
            payload = self._call(
                "GET", f"{ORDERS}/{order_id}", GET_ORDER, restricted=True
            )["payload"]
        if "OrderItems" in payload:
            return payload
        path = f"{ORDERS}/{payload['AmazonOrderId']}/orderItems"
        items, params = [], None
        while True:
            page = self._call(
                "GET", path, GET_ORDER_ITEMS, restricted=True, params=params
            )["payload"]
            items += page.get("OrderItems") or []
            if not page.get("NextToken"):
                return dict(payload, OrderItems=items)
            params = {"NextToken": page["NextToken"]}

    @property
    def reads_notifications(self):
        return bool(self.backend.notification_queue_url)

    def receive_notifications(self, limit):
        """``(notifications, acknowledge)``: the ORDER_CHANGE messages
        waiting on the backend's SQS queue (at most ``limit``), each a dict
        of ``key`` (the NotificationId), ``topic``, ``payload`` and
        ``subject``, None as payload for a message that books nothing (a
        Pending order: the change to Unshipped follows; another kind of
        notification); and the function deleting them from the queue, to
        call once they are stored. A message naming another seller is left
        on the queue for that seller's backend."""
        queue = self.backend.notification_queue_url
        client = _sqs_client(self.backend)
        seller = self.backend.amazon_seller_id
        notifications, receipts = [], []
        while len(notifications) < limit:
            batch = _sqs_call(
                client.receive_message,
                QueueUrl=queue,
                MaxNumberOfMessages=min(SQS_BATCH, limit - len(notifications)),
                WaitTimeSeconds=SQS_WAIT,
            ).get("Messages", [])
            if not batch:
                break
            for message in batch:
                notification = _notification(message, seller)
                if notification is None:
                    continue
                notifications.append(notification)
                receipts.append(message["ReceiptHandle"])

        def acknowledge():
            for start in range(0, len(receipts), SQS_BATCH):
                _sqs_call(
                    client.delete_message_batch,
                    QueueUrl=queue,
                    Entries=[
                        {"Id": str(number), "ReceiptHandle": receipt}
                        for number, receipt in enumerate(
                            receipts[start : start + SQS_BATCH]
                        )
                    ],
                )

        return notifications, acknowledge

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
        seller = self._seller_id()
        if not items:
            return {}
        return self._send_listings(
            seller,
            [item.stock_ref for item in items],
            [
                _availability_message(message_id, item)
                for message_id, item in enumerate(items, start=1)
            ],
        )

    def push_prices(self, items):
        """The regular prices and promotions as one JSON_LISTINGS_FEED of
        ``purchasable_offer`` merges (``_offer_message``) on the backend's
        marketplaces in its pricelist's currency, followed to its end like
        stock; the SKUs the processing report refuses are returned with the
        SKU and Amazon's message."""
        seller = self._seller_id()
        if not items:
            return {}
        marketplaces = marketplace_ids(self.backend).split(",")
        currency = (
            self.backend.pricelist_id.currency_id or self.backend.company_id.currency_id
        ).name
        now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
        refused = self._send_listings(
            seller,
            [item.external_id for item in items],
            [
                _offer_message(message_id, item, marketplaces, currency, now)
                for message_id, item in enumerate(items, start=1)
            ],
        )
        return {sku: f"SKU {sku}: {reason}" for sku, reason in refused.items()}

    def _send_listings(self, seller, refs, messages):
        """``messages`` (one a ref of ``refs``, numbered from 1) as one
        listings feed; ``{ref: Amazon's reason}`` of those its processing
        report refuses."""
        by_message = dict(enumerate(refs, start=1))
        feed = {
            "header": {"sellerId": seller, "version": "2.0", "issueLocale": "en_US"},
            "messages": messages,
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
        feed = self._wait_for(f"{FEEDS}/feeds/{feed_id}", GET_FEED)
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

    def fetch_stock(self, items, location_ref):
        """``{sku: quantity}`` of the seller's own stock (channel
        ``DEFAULT``) of each listing, one getListingsItem a SKU with
        ``includedData=fulfillmentAvailability``; a SKU Amazon does not list
        (404) is left out, as the reconciliation expects of a channel
        without it."""
        seller = self._seller_id()
        quantities = {}
        for item in items:
            try:
                listing = self._call(
                    "GET",
                    f"{LISTINGS_ITEMS}/{quote(seller, safe='')}/"
                    f"{quote(item.stock_ref, safe='')}",
                    GET_LISTINGS_ITEM,
                    params={
                        "marketplaceIds": marketplace_ids(self.backend),
                        "includedData": "fulfillmentAvailability",
                    },
                )
            except RetailBusinessError as error:
                if error.code == "http_404":
                    continue
                raise
            for availability in listing.get("fulfillmentAvailability") or []:
                if availability.get("fulfillmentChannelCode") == "DEFAULT":
                    quantities[item.stock_ref] = int(availability.get("quantity") or 0)
        return quantities

    def fetch_all_stock(self, items, location_ref):
        """The same from one GET_MERCHANT_LISTINGS_ALL_DATA report (Reports
        API 2021-06-30), every listing of the seller in a tab-separated
        file read line by line: what is kept is the quantity of each SKU
        asked for that the seller ships itself (an AFN listing's quantity
        is empty, Amazon's to count)."""
        report_id = self._call(
            "POST",
            f"{REPORTS}/reports",
            CREATE_REPORT,
            json_body={
                "reportType": MERCHANT_LISTINGS,
                "marketplaceIds": marketplace_ids(self.backend).split(","),
            },
        )["reportId"]
        report = self._wait_for(f"{REPORTS}/reports/{report_id}", GET_REPORT)
        if not report.get("reportDocumentId"):
            raise RetailBusinessError(
                self.env._(
                    "Amazon ended listings report %(report)s as %(status)s: "
                    "nothing was reconciled.",
                    report=report_id,
                    status=report["processingStatus"],
                ),
                code="amazon_report_" + report["processingStatus"].lower(),
            )
        document = self._call(
            "GET",
            f"{REPORTS}/documents/{report['reportDocumentId']}",
            GET_REPORT_DOCUMENT,
        )
        if document.get("compressionAlgorithm"):
            raise RetailBusinessError(
                self.env._(
                    "Amazon compressed listings report %(report)s "
                    "(%(algorithm)s), which is not read: nothing was reconciled.",
                    report=report_id,
                    algorithm=document["compressionAlgorithm"],
                ),
                code="amazon_report_compressed",
            )
        wanted = {item.stock_ref for item in items}
        return _listing_quantities(
            download_lines(self.backend, document["url"]), wanted
        )

    def _seller_id(self):
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
        return seller

    def _wait_for(self, path, limit):
        """What ``path`` (a feed or a report) says once Amazon has processed
        it (``FEED_OVER``), read every ``FEED_POLL_INTERVAL`` seconds;
        a transient error after ``FEED_WAIT`` seconds."""
        deadline = time.monotonic() + FEED_WAIT
        while True:
            answer = self._call("GET", path, limit)
            if answer["processingStatus"] in FEED_OVER:
                return answer
            if time.monotonic() > deadline:
                raise RetailTransientError(
                    f"Amazon is still processing {path} after {FEED_WAIT} s",
                    retry_after=FEED_WAIT,
                )
            time.sleep(FEED_POLL_INTERVAL)

    def _not_yet(self, *args):
        raise RetailBusinessError(
            self.env._(
                "Publishing products to Amazon is not available yet: switch "
                "the catalog flow of %(backend)s off (the prices flow "
                "publishes prices and promotions).",
                backend=self.backend.name,
            ),
            code="amazon_not_supported",
        )

    push_product = _not_yet


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

    def _key(self, kind="access"):
        return (self.env.cr.dbname, self.backend.id, kind)

    def _fingerprint(self, credentials):
        url = self.backend.amazon_token_url or TOKEN_URL
        return hashlib.sha256(
            "\0".join([url, self.backend.api_url or "", *credentials.values()]).encode()
        ).hexdigest()

    def _known(self, kind, fingerprint):
        """The token of ``kind`` in memory for these credentials while it has
        more than ``REFRESH_MARGIN`` seconds to live, else None."""
        with _tokens_lock:
            known = _tokens.get(self._key(kind))
        if (
            known
            and known[0] == fingerprint
            and known[2] - time.monotonic() > REFRESH_MARGIN
        ):
            return known[1]
        return None

    def _keep(self, kind, fingerprint, token, lifetime):
        with _tokens_lock:
            _tokens[self._key(kind)] = (
                fingerprint,
                token,
                time.monotonic() + int(lifetime or 3600),
            )

    def access_token(self):
        """The access token for the backend's credentials: the one in memory
        while it has more than ``REFRESH_MARGIN`` seconds to live, else a
        new one from Login with Amazon."""
        credentials = self._credentials()
        url = self.backend.amazon_token_url or TOKEN_URL
        fingerprint = self._fingerprint(credentials)
        known = self._known("access", fingerprint)
        if known:
            return known
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
        self._keep("access", fingerprint, token, answer.get("expires_in"))
        return token

    def restricted_token(self):
        """The Restricted Data Token of ``RESTRICTED_RESOURCES``
        (createRestrictedDataToken, with the access token), kept in memory
        like the access token and replaced on the same terms."""
        fingerprint = self._fingerprint(self._credentials())
        known = self._known("restricted", fingerprint)
        if known:
            return known
        answer = self.request(
            "POST",
            RESTRICTED_DATA_TOKEN,
            json_body={"restrictedResources": RESTRICTED_RESOURCES},
            limit=CREATE_RESTRICTED_DATA_TOKEN,
        )
        token = answer["restrictedDataToken"]
        self._keep("restricted", fingerprint, token, answer.get("expiresIn"))
        return token

    def forget_token(self):
        """Drop the tokens in memory (Amazon refused one)."""
        with _tokens_lock:
            _tokens.pop(self._key("access"), None)
            _tokens.pop(self._key("restricted"), None)
