# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Amazon mode: a seller on the Selling Partner API, as the connector reads
it. Login with Amazon hands out access tokens for the seller's refresh token;
the Orders API v0 lists orders (getOrders), reads one (getOrder) and its
items (getOrderItems) and confirms shipments (confirmShipment); the Sellers
API lists the marketplaces (getMarketplaceParticipations); the Feeds API
2021-06-30 takes JSON_LISTINGS_FEED documents (createFeedDocument, an upload
to the document's pre-signed URL, createFeed, getFeed, getFeedDocument and
the processing report's download), applying their quantities and
purchasable offers (regular and discounted prices with their schedule) to
the seller's listings. Each operation
has a token bucket of its own and answers 429 QuotaExceeded when it is
empty. Shapes follow Amazon's published models
(https://github.com/amzn/selling-partner-api-models, models/orders-api-model/
ordersV0.json: Order, OrderItem, Money, ConfirmShipmentRequest, ErrorList)
models/feeds-api-model/feeds_2021-06-30.json (CreateFeedDocumentResponse,
Feed, FeedDocument), the listings feed schema and processing report
(https://developer-docs.amazon.com/sp-api/docs/building-json-listings-feeds)
models/finances-api-model/financesV0.json (ShipmentEvent in RefundEventList,
ShipmentItem, ChargeComponent, FinancialEvents) and the Login with Amazon
token endpoint
(https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api).
"""

import copy
import itertools
import operator
import re
import secrets
import threading
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from urllib.parse import unquote

from .common import Platform, money, parse_time, tax_on

TOKEN_PATH = "/auth/o2/token"
ORDERS = "/orders/v0/orders"
PARTICIPATIONS = "/sellers/v1/marketplaceParticipations"
FEEDS = "/feeds/2021-06-30"
FINANCES = "/finances/v0"
TOKENS = "/tokens/2021-03-01"
LISTINGS = "/listings/2021-08-01/items"
REPORTS = "/reports/2021-06-30"
MERCHANT_LISTINGS = "GET_MERCHANT_LISTINGS_ALL_DATA"
# The merchant listings report's columns, tab-separated, in Amazon's order.
LISTINGS_COLUMNS = (
    "item-name",
    "item-description",
    "listing-id",
    "seller-sku",
    "price",
    "quantity",
    "open-date",
    "image-url",
    "item-is-marketplace",
    "product-id-type",
    "zshop-shipping-fee",
    "item-note",
    "item-condition",
    "zshop-category1",
    "zshop-browse-path",
    "zshop-storefront-feature",
    "asin1",
    "asin2",
    "asin3",
    "will-ship-internationally",
    "expedited-shipping",
    "zshop-boldface",
    "product-id",
    "bid-for-featured-placement",
    "add-delete",
    "pending-quantity",
    "fulfillment-channel",
    "merchant-shipping-group",
    "status",
)
# Where documents are uploaded and downloaded: Amazon's are pre-signed S3
# URLs, which take no access token.
DOCUMENT_STORE = "/feed-documents/"
ORDER_ID = r"[0-9A-Za-z-]+"
FEED_ID = r"[0-9A-Za-z.-]+"
ROUTES = (
    ("GET", ORDERS, re.compile(re.escape(ORDERS) + "$"), "getOrders"),
    (
        "GET",
        f"{ORDERS}/<orderId>",
        re.compile(re.escape(ORDERS) + f"/({ORDER_ID})$"),
        "getOrder",
    ),
    (
        "GET",
        f"{ORDERS}/<orderId>/orderItems",
        re.compile(re.escape(ORDERS) + f"/({ORDER_ID})/orderItems$"),
        "getOrderItems",
    ),
    (
        "POST",
        f"{ORDERS}/<orderId>/shipmentConfirmation",
        re.compile(re.escape(ORDERS) + f"/({ORDER_ID})/shipmentConfirmation$"),
        "confirmShipment",
    ),
    (
        "GET",
        PARTICIPATIONS,
        re.compile(re.escape(PARTICIPATIONS) + "$"),
        "getMarketplaceParticipations",
    ),
    (
        "POST",
        f"{FEEDS}/documents",
        re.compile(re.escape(FEEDS) + "/documents$"),
        "createFeedDocument",
    ),
    (
        "GET",
        f"{FEEDS}/documents/<feedDocumentId>",
        re.compile(re.escape(FEEDS) + f"/documents/({FEED_ID})$"),
        "getFeedDocument",
    ),
    (
        "GET",
        f"{FINANCES}/financialEvents",
        re.compile(re.escape(FINANCES) + "/financialEvents$"),
        "listFinancialEvents",
    ),
    (
        "GET",
        f"{FINANCES}/orders/<orderId>/financialEvents",
        re.compile(re.escape(FINANCES) + f"/orders/({ORDER_ID})/financialEvents$"),
        "listFinancialEventsByOrderId",
    ),
    ("POST", f"{FEEDS}/feeds", re.compile(re.escape(FEEDS) + "/feeds$"), "createFeed"),
    (
        "GET",
        f"{LISTINGS}/<sellerId>/<sku>",
        re.compile(re.escape(LISTINGS) + "/([^/]+)/([^/]+)$"),
        "getListingsItem",
    ),
    (
        "POST",
        f"{REPORTS}/reports",
        re.compile(re.escape(REPORTS) + "/reports$"),
        "createReport",
    ),
    (
        "GET",
        f"{REPORTS}/reports/<reportId>",
        re.compile(re.escape(REPORTS) + f"/reports/({FEED_ID})$"),
        "getReport",
    ),
    (
        "GET",
        f"{REPORTS}/documents/<reportDocumentId>",
        re.compile(re.escape(REPORTS) + f"/documents/({FEED_ID})$"),
        "getReportDocument",
    ),
    (
        "POST",
        f"{TOKENS}/restrictedDataToken",
        re.compile(re.escape(TOKENS) + "/restrictedDataToken$"),
        "createRestrictedDataToken",
    ),
    (
        "GET",
        f"{FEEDS}/feeds/<feedId>",
        re.compile(re.escape(FEEDS) + f"/feeds/({FEED_ID})$"),
        "getFeed",
    ),
)
# The usage plans of the Orders API v0 and the Sellers API: requests a second
# and burst (the "Usage Plan" table of each operation in the models).
OPERATION_LIMITS = {
    "getOrders": (0.0167, 20),
    "getOrder": (0.5, 30),
    "getOrderItems": (0.5, 30),
    "confirmShipment": (2, 10),
    "getMarketplaceParticipations": (0.016, 15),
    "createFeedDocument": (0.5, 15),
    "getFeedDocument": (0.0222, 10),
    "createFeed": (0.0083, 15),
    "getFeed": (2, 15),
    "listFinancialEvents": (0.5, 30),
    "listFinancialEventsByOrderId": (0.5, 30),
    "createRestrictedDataToken": (1, 10),
    "getListingsItem": (5, 10),
    "createReport": (0.0167, 15),
    "getReport": (2, 15),
    "getReportDocument": (0.0167, 15),
}
# The restricted operations' paths (a generic ``{orderId}`` stands for any
# order) and the personal data each may return with a Restricted Data Token
# (the Tokens API use case guide's table of restricted operations).
RESTRICTED = {
    ORDERS: {"buyerInfo", "shippingAddress", "buyerTaxInformation"},
    ORDERS + "/{orderId}": {"buyerInfo", "shippingAddress", "buyerTaxInformation"},
    ORDERS + "/{orderId}/orderItems": {"buyerInfo"},
}
EVERYTHING = frozenset().union(*RESTRICTED.values())
# What an order's ShippingAddress shows without the shippingAddress element.
UNRESTRICTED_ADDRESS = ("City", "StateOrRegion", "PostalCode", "CountryCode")
LISTINGS_FEED = "JSON_LISTINGS_FEED"
AVAILABILITY = "/attributes/fulfillment_availability"
OFFER = "/attributes/purchasable_offer"
# What tells a listing's purchasable offers apart.
OFFER_SELECTORS = ("marketplace_id", "currency", "audience")
OFFER_PRICES = ("our_price", "discounted_price")
# Amazon shows buyers of the US and Canadian marketplaces prices before sales
# tax; every other marketplace prices with its VAT or GST included, and
# ItemPrice is the price the buyer saw.
TAX_EXCLUSIVE_MARKETPLACES = {"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"}
MARKETPLACES = {
    "A13V1IB3VIYZZH": ("FR", "Amazon.fr", "EUR", "fr_FR", "www.amazon.fr"),
    "A1PA6795UKMFR9": ("DE", "Amazon.de", "EUR", "de_DE", "www.amazon.de"),
    "ATVPDKIKX0DER": ("US", "Amazon.com", "USD", "en_US", "www.amazon.com"),
}
# Statuses whose orders carry no address, buyer or total yet.
NOT_YET_PRICED = {"Pending", "PendingAvailability"}
SHIPPABLE = {"Unshipped", "PartiallyShipped"}
MAX_RESULTS = 100
FACILITATOR = {
    "Model": "MarketplaceFacilitator",
    "ResponsibleParty": "Amazon Services, Inc.",
}
# The buyer's address by the marketplace's country.
ADDRESSES = {
    "FR": {"AddressLine1": "12 Rue de la Paix", "City": "Paris", "PostalCode": "75002"},
    "DE": {
        "AddressLine1": "Unter den Linden 1",
        "City": "Berlin",
        "PostalCode": "10117",
    },
    "US": {
        "AddressLine1": "2201 Westlake Ave",
        "City": "Seattle",
        "StateOrRegion": "WA",
        "PostalCode": "98121",
    },
}


def _error(code, message, details=""):
    return {"errors": [{"code": code, "message": message, "details": details}]}


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _matches(pattern, path):
    """Whether a restricted resource's path (``{orderId}`` standing for any
    order) names the called ``path``."""
    regex = re.escape(pattern).replace(re.escape("{orderId}"), ORDER_ID)
    return re.fullmatch(regex, path) is not None


def _csv(query, name):
    """A list parameter: comma-separated (the models' collectionFormat csv),
    repeated keys accepted too."""
    return [item for value in query.get(name, []) for item in value.split(",") if item]


class Amazon(Platform):
    DEFAULTS = {
        "client_id": "amzn1.application-oa2-client.simulator",
        "client_secret": "amzn1.oa2-cs.v1.simulator-secret",
        "refresh_token": "Atzr|simulator-refresh-token",
        # Seconds an access token lives (Login with Amazon: an hour).
        "token_lifetime": 3600,
        "marketplace_id": "A13V1IB3VIYZZH",
        "tax_rate": "0.20",
        "items_page_size": MAX_RESULTS,
        # {operation: [rate, burst]}: overrides of OPERATION_LIMITS.
        "operation_limits": {},
        "operation_limits_enabled": True,
        # The generic bucket of the other modes: Amazon limits per operation.
        "rate_limit_enabled": False,
        "seller_id": "A2SIMULATORSELLER",
        # getFeed answers IN_QUEUE, then IN_PROGRESS, this many times before
        # the feed is processed.
        "feed_polls_before_done": 2,
        # How listings reports end: DONE, or FATAL or CANCELLED (no document).
        "report_outcome": "DONE",
    }

    def __init__(self, sim):
        super().__init__(sim)
        # The request's headers, from authorized() to handle(), per thread.
        self.local = threading.local()

    def reset(self):
        self.orders = {}  # AmazonOrderId: Order with "_items"
        self.ids = itertools.count(1)
        self.tokens = {}  # access token: expiry (monotonic)
        self.tokens_issued = 0
        # Restricted Data Token: (expiry, {path pattern: data elements}).
        self.restricted_tokens = {}
        self.restricted_tokens_issued = 0
        self.buckets = {}  # operation: [tokens, refilled]
        self.next_tokens = {}  # NextToken: (operation, ids, offset, size)
        self.confirmations = []
        self.order_queries = []
        self.throttled_operations = []
        # SellerSKU: {"quantity", "price", "title", "fulfillment", "offers":
        # [purchasable_offer, ...]}
        self.listings = {}
        self.documents = {}  # feedDocumentId: {"content_type", "content"}
        self.feeds = {}  # feedId: Feed with "_polls"
        self.document_uploads = []  # headers each upload came with
        self.refund_events = []  # RefundEventList items, as posted
        self.reports = {}  # reportId: Report with "_polls"
        # Where ORDER_CHANGE notifications go (a function taking the
        # message body, e.g. an SQS queue's send), None: nowhere.
        self.notifier = None
        self.notifications = []
        self.files = {}  # a report document's URL token: its bytes

    def stats(self):
        return {
            "shipment_confirmations": copy.deepcopy(self.confirmations),
            "tokens_issued": self.tokens_issued,
            "restricted_tokens_issued": self.restricted_tokens_issued,
            "order_queries": copy.deepcopy(self.order_queries),
            "throttled_operations": list(self.throttled_operations),
            "listings": {
                sku: {"quantity": listing["quantity"]}
                for sku, listing in self.listings.items()
            },
            "feeds": [
                {key: copy.deepcopy(v) for key, v in feed.items() if key[0] != "_"}
                for feed in self.feeds.values()
            ],
            "feed_contents": [
                copy.deepcopy(self.documents[feed["inputFeedDocumentId"]]["content"])
                for feed in self.feeds.values()
            ],
            "document_uploads": copy.deepcopy(self.document_uploads),
            "offers": {
                sku: copy.deepcopy(listing["offers"])
                for sku, listing in self.listings.items()
                if listing["offers"]
            },
        }

    def add_product(
        self, sku, price="12.50", quantity=0, title=None, barcode="", fulfillment="MFN"
    ):
        """A listing of the seller's, which listings feeds may then change;
        an AFN one's quantity is Amazon's to count."""
        with self.sim.lock:
            self.listings[sku] = {
                "quantity": int(quantity),
                "price": str(price),
                "title": title or sku,
                "fulfillment": fulfillment,
                "offers": [],
            }
            return dict(self.listings[sku], sku=sku)

    def file(self, token):
        """A report document's bytes at its pre-signed URL, None once
        unknown."""
        with self.sim.lock:
            return self.files.get(token)

    # --- building orders ---
    def create_order(self, **spec):
        """An order from a compact spec (README.md): ``lines`` (``sku``,
        ``quantity``, ``price`` per unit, ``promotion`` and ``shipping``
        and ``shipping_discount`` per line, ``title``, ``asin``),
        ``status`` (``Unshipped``), ``fulfillment`` (``MFN`` or ``AFN``),
        ``facilitator`` (Amazon collects the tax), ``tax_rate``,
        ``marketplace_id``, ``business`` (``{"company", "vat"}``), ``buyer``
        (``{"email", "name"}``), ``address`` (ShippingAddress keys),
        ``payment_method``, ``order_id``."""
        with self.sim.lock:
            number = next(self.ids)
            order_id = (
                spec.get("order_id") or f"402-{1000000 + number:07d}-{number:07d}"
            )
            marketplace = spec.get("marketplace_id") or self.config["marketplace_id"]
            country, _name, currency = MARKETPLACES.get(marketplace, ("FR", "", "EUR"))[
                :3
            ]
            rate = Decimal(str(spec.get("tax_rate", self.config["tax_rate"])))
            included = marketplace not in TAX_EXCLUSIVE_MARKETPLACES
            items = [
                self._item(order_id, index, line, currency, rate, included, spec)
                for index, line in enumerate(
                    spec.get("lines") or [{"sku": "SKU-1"}], start=1
                )
            ]
            now = self.moment()
            buyer = spec.get("buyer") or {}
            business = spec.get("business")
            order = {
                "AmazonOrderId": order_id,
                "PurchaseDate": _iso(now),
                "LastUpdateDate": _iso(now),
                "OrderStatus": spec.get("status", "Unshipped"),
                "FulfillmentChannel": spec.get("fulfillment", "MFN"),
                "SalesChannel": MARKETPLACES.get(marketplace, ("", "Amazon"))[1],
                "ShipServiceLevel": "Std FR Dom",
                "OrderTotal": {
                    "CurrencyCode": currency,
                    "Amount": money(sum(item["_total"] for item in items)),
                },
                "NumberOfItemsShipped": 0,
                "NumberOfItemsUnshipped": sum(i["QuantityOrdered"] for i in items),
                "PaymentMethod": spec.get("payment_method", "Other"),
                "PaymentMethodDetails": ["Standard"],
                "MarketplaceId": marketplace,
                "ShipmentServiceLevelCategory": "Standard",
                "OrderType": "StandardOrder",
                "EarliestShipDate": _iso(now + timedelta(days=1)),
                "LatestShipDate": _iso(now + timedelta(days=2)),
                "IsBusinessOrder": bool(business),
                "IsPrime": False,
                "IsPremiumOrder": False,
                "IsGlobalExpressEnabled": False,
                "IsReplacementOrder": False,
                "IsSoldByAB": False,
                "IsISPU": False,
                "IsAccessPointOrder": False,
                "ShippingAddress": {
                    **ADDRESSES.get(country, ADDRESSES["FR"]),
                    "Name": "Ann Martin",
                    "CountryCode": country,
                    **(spec.get("address") or {}),
                },
                "BuyerInfo": {
                    "BuyerEmail": buyer.get("email")
                    or f"{secrets.token_hex(8)}@marketplace.amazon.fr",
                    "BuyerName": buyer.get("name", "Ann Martin"),
                },
                "_items": items,
            }
            if business:
                order["ShippingAddress"]["CompanyName"] = business["company"]
                order["BuyerInfo"]["BuyerTaxInfo"] = {
                    "CompanyLegalName": business["company"],
                    "TaxingRegion": order["ShippingAddress"]["CountryCode"],
                    "TaxClassifications": [
                        {"Name": "VATNumber", "Value": business["vat"]}
                    ]
                    if business.get("vat")
                    else [],
                }
            self.orders[order_id] = order
            self._notify(order, "OrderStatusChange")
            return self._public(order)

    def _item(self, order_id, index, line, currency, rate, included, spec):
        quantity = int(line.get("quantity", 1))
        price = Decimal(str(line.get("price", "12.50"))) * quantity
        promotion = Decimal(str(line.get("promotion", "0")))
        shipping = line.get("shipping")
        shipping = None if shipping is None else Decimal(str(shipping))
        shipping_discount = Decimal(str(line.get("shipping_discount", "0")))

        def amount(value):
            return {"CurrencyCode": currency, "Amount": money(value)}

        def tax(value):
            return tax_on(value, rate, included)

        item = {
            "ASIN": line.get("asin") or f"B0SIM{index:05d}",
            "OrderItemId": f"{order_id.replace('-', '')[-10:]}{index:04d}",
            "SellerSKU": line["sku"],
            "Title": line.get("title") or line["sku"],
            "QuantityOrdered": quantity,
            "QuantityShipped": 0,
            "ProductInfo": {"NumberOfItems": "1"},
            "ItemPrice": amount(price),
            "ItemTax": amount(tax(price)),
            "PromotionDiscount": amount(promotion),
            "PromotionDiscountTax": amount(tax(promotion)),
            "IsGift": "false",
            "ConditionId": "New",
            "ConditionSubtypeId": "New",
            "IsTransparency": False,
            "SerialNumberRequired": False,
        }
        if promotion:
            item["PromotionIds"] = [f"SIM-PROMO-{index}"]
        total = price - promotion
        taxes = tax(price) - tax(promotion)
        if shipping is not None:
            item.update(
                ShippingPrice=amount(shipping),
                ShippingTax=amount(tax(shipping)),
                ShippingDiscount=amount(shipping_discount),
                ShippingDiscountTax=amount(tax(shipping_discount)),
            )
            total += shipping - shipping_discount
            taxes += tax(shipping) - tax(shipping_discount)
        if spec.get("facilitator"):
            item["TaxCollection"] = dict(FACILITATOR)
        if line.get("gift_message"):
            item["IsGift"] = "true"
            item["BuyerInfo"] = {"GiftMessageText": line["gift_message"]}
        item["_total"] = total if included else total + taxes
        return item

    def update_order(self, order_id, status=None, buyer_cancel=None, **changes):
        """Change an order: its ``status``, a buyer's cancellation request
        (``buyer_cancel``: the reason) on every item, or any Order field;
        ``LastUpdateDate`` moves at least a second on."""
        with self.sim.lock:
            order = self.orders[order_id]
            if status:
                order["OrderStatus"] = status
            if buyer_cancel:
                for item in order["_items"]:
                    item["BuyerRequestedCancel"] = {
                        "IsBuyerRequestedCancel": "true",
                        "BuyerCancelReason": buyer_cancel,
                    }
            order.update(changes)
            order["LastUpdateDate"] = _iso(self.moment(order["LastUpdateDate"]))
            self._notify(
                order, "BuyerRequestedChange" if buyer_cancel else "OrderStatusChange"
            )
            return self._public(order)

    def _notify(self, order, change_type):
        """An ORDER_CHANGE notification of the order as it is now, in the
        shape of Amazon's OrderChangeNotification schema (no prices, no
        address), handed to ``notifier``."""
        items = order["_items"]
        reason = (
            "Buyer Requested Cancel" if change_type == "BuyerRequestedChange" else ""
        )
        body = {
            "NotificationVersion": "1.0",
            "NotificationType": "ORDER_CHANGE",
            "PayloadVersion": "1.0",
            "EventTime": _iso(self.moment()),
            "Payload": {
                "OrderChangeNotification": {
                    "NotificationLevel": "OrderLevel",
                    "SellerId": self.config["seller_id"],
                    "AmazonOrderId": order["AmazonOrderId"],
                    "OrderChangeType": change_type,
                    "OrderChangeTrigger": {
                        "TimeOfOrderChange": order["LastUpdateDate"],
                        "ChangeReason": reason or "Order status changed",
                    },
                    "Summary": {
                        "MarketplaceId": order["MarketplaceId"],
                        "OrderStatus": order["OrderStatus"],
                        "PurchaseDate": order["PurchaseDate"],
                        "FulfillmentType": order["FulfillmentChannel"],
                        "OrderType": order["OrderType"],
                        "NumberOfItemsShipped": order["NumberOfItemsShipped"],
                        "NumberOfItemsUnshipped": order["NumberOfItemsUnshipped"],
                        "OrderItems": [
                            {
                                "OrderItemId": item["OrderItemId"],
                                "SellerSKU": item["SellerSKU"],
                                "Quantity": item["QuantityOrdered"],
                                "QuantityShipped": item["QuantityShipped"],
                                "IsBuyerRequestedCancel": bool(
                                    item.get("BuyerRequestedCancel")
                                ),
                            }
                            for item in items
                        ],
                    },
                }
            },
            "NotificationMetadata": {
                "ApplicationId": "amzn1.sellerapps.app.simulator",
                "SubscriptionId": "subscription-simulator",
                "PublishTime": _iso(self.moment()),
                "NotificationId": str(uuid.uuid4()),
            },
        }
        self.notifications.append(body)
        if self.notifier is not None:
            self.notifier(copy.deepcopy(body))

    def revoke_tokens(self):
        """Make every access token and Restricted Data Token handed out so
        far invalid."""
        with self.sim.lock:
            self.tokens.clear()
            self.restricted_tokens.clear()

    def _public(self, order, grants=EVERYTHING):
        """The Order as the API shows it: no address, buyer or total before
        it is priced (Unshipped on), and of the buyer's personal data only
        what the call's Restricted Data Token grants (``grants``; the
        helpers that build orders show it all): without ``shippingAddress``
        the address's city, region, postal code and country, without
        ``buyerInfo`` no BuyerInfo, without ``buyerTaxInformation`` no
        BuyerTaxInfo."""
        shown = {key: copy.deepcopy(v) for key, v in order.items() if key[0] != "_"}
        if order["OrderStatus"] in NOT_YET_PRICED:
            for key in ("OrderTotal", "ShippingAddress", "BuyerInfo"):
                shown.pop(key, None)
        if "shippingAddress" not in grants and "ShippingAddress" in shown:
            shown["ShippingAddress"] = {
                key: value
                for key, value in shown["ShippingAddress"].items()
                if key in UNRESTRICTED_ADDRESS
            }
        if "buyerTaxInformation" not in grants:
            shown.get("BuyerInfo", {}).pop("BuyerTaxInfo", None)
        if "buyerInfo" not in grants:
            tax_info = shown.pop("BuyerInfo", {}).get("BuyerTaxInfo")
            if tax_info:
                shown["BuyerInfo"] = {"BuyerTaxInfo": tax_info}
        return shown

    def _public_items(self, order, grants=EVERYTHING):
        items = [
            {key: copy.deepcopy(v) for key, v in item.items() if key[0] != "_"}
            for item in order["_items"]
        ]
        if "buyerInfo" not in grants:
            for item in items:
                item.pop("BuyerInfo", None)
        return items

    # --- answers in Amazon's shapes ---
    def authorized(self, headers, query):
        # The token endpoint takes no access token: each route checks its own.
        self.local.headers = headers
        return True

    def throttled(self, wait):
        return 429, _error("QuotaExceeded", "You exceeded your quota.")

    def failed(self, status, retry_after):
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return (
            status,
            _error("InternalFailure", "We encountered an internal error."),
            headers,
        )

    def not_found(self):
        return 404, _error("NotFound", "The resource was not found.")

    def bad_request(self, message):
        return 400, _error("InvalidInput", message)

    def template(self, path):
        if path.startswith(DOCUMENT_STORE):
            return f"{DOCUMENT_STORE}<feedDocumentId>"
        for _method, template, pattern, _operation in ROUTES:
            if pattern.match(path):
                return template
        return path

    def handle(self, method, path, query, body):
        if path == TOKEN_PATH and method == "POST":
            with self.sim.lock:
                return self._token(body)
        if path.startswith(DOCUMENT_STORE):
            with self.sim.lock:
                return self._document(method, path[len(DOCUMENT_STORE) :], body)
        for route_method, _template, pattern, operation in ROUTES:
            match = pattern.match(path)
            if match and route_method == method:
                with self.sim.lock:
                    refused = self._check_access(method, path, operation) or (
                        self._take(operation)
                    )
                    if refused:
                        return refused
                    try:
                        status, reply = getattr(self, f"_{operation}")(
                            query, body, *match.groups()
                        )
                    except (KeyError, TypeError, ValueError) as error:
                        status, reply = self.bad_request(f"Invalid input: {error}")
                    return status, reply, self._headers(operation)
        return (*self.not_found(), {})

    def _token(self, form):
        """Login with Amazon: a refresh token and the application's client
        credentials for an access token."""
        if form.get("grant_type") != "refresh_token":
            return (
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "The authorization grant type is not "
                    "supported",
                },
                {},
            )
        if (form.get("client_id"), form.get("client_secret")) != (
            self.config["client_id"],
            self.config["client_secret"],
        ):
            return (
                401,
                {
                    "error": "invalid_client",
                    "error_description": "Client authentication failed",
                },
                {},
            )
        if form.get("refresh_token") != self.config["refresh_token"]:
            return (
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "The request has an invalid grant parameter "
                    ": refresh_token",
                },
                {},
            )
        token = "Atza|" + secrets.token_urlsafe(32)
        lifetime = int(self.config["token_lifetime"])
        self.tokens[token] = time.monotonic() + lifetime
        self.tokens_issued += 1
        return (
            200,
            {
                "access_token": token,
                "refresh_token": self.config["refresh_token"],
                "token_type": "bearer",
                "expires_in": lifetime,
            },
            {},
        )

    def _check_access(self, method, path, operation):
        """None when the call's token lets it through, with the personal
        data it grants in ``self.local.grants``; else the 403. A Restricted
        Data Token stands in for the access token on the restricted
        operations it names only, and cannot ask for another."""
        token = self.local.headers.get("x-amz-access-token") or ""
        self.local.grants = frozenset()
        expiry = self.tokens.get(token)
        restricted = self.restricted_tokens.get(token)
        if restricted and operation != "createRestrictedDataToken":
            expiry, resources = restricted
            self.local.grants = next(
                (
                    frozenset(elements)
                    for (allowed, pattern), elements in resources.items()
                    if allowed == method and _matches(pattern, path)
                ),
                None,
            )
            if self.local.grants is None:
                return (
                    403,
                    _error(
                        "Unauthorized",
                        "Access to requested resource is denied.",
                        f"The Restricted Data Token does not cover {method} {path}.",
                    ),
                    {},
                )
        if expiry is None:
            return (
                403,
                _error(
                    "Unauthorized",
                    "Access to requested resource is denied.",
                    "The access token you provided is revoked, malformed or invalid.",
                ),
                {},
            )
        if expiry <= time.monotonic():
            return (
                403,
                _error(
                    "Unauthorized",
                    "Access to requested resource is denied.",
                    "The access token you provided has expired.",
                ),
                {},
            )
        return None

    def _limit(self, operation):
        return (
            self.config["operation_limits"].get(operation)
            or OPERATION_LIMITS[operation]
        )

    def _take(self, operation):
        """The operation's token bucket: None when a token is there, else
        429 QuotaExceeded (Amazon sends no Retry-After)."""
        if not self.config["operation_limits_enabled"]:
            return None
        rate, burst = self._limit(operation)
        now = time.monotonic()
        tokens, refilled = self.buckets.get(operation, (float(burst), now))
        tokens = min(float(burst), tokens + (now - refilled) * rate)
        if tokens >= 1:
            self.buckets[operation] = (tokens - 1, now)
            return None
        self.buckets[operation] = (tokens, now)
        self.throttled_operations.append(operation)
        return (
            429,
            _error(
                "QuotaExceeded", "You exceeded your quota for the requested resource."
            ),
            self._headers(operation),
        )

    def _headers(self, operation):
        return {
            "x-amzn-RequestId": str(uuid.uuid4()),
            "x-amzn-RateLimit-Limit": str(self._limit(operation)[0]),
        }

    # --- Listings Items API 2021-08-01 ---
    def _getListingsItem(self, query, body, seller_id, sku):
        """One listing; ``includedData=fulfillmentAvailability`` gives its
        quantity on the seller's own channel (DEFAULT)."""
        if not _csv(query, "marketplaceIds"):
            return self.bad_request("marketplaceIds is required.")
        listing = self.listings.get(unquote(sku))
        if seller_id != self.config["seller_id"] or listing is None:
            return self.not_found()
        included = set(_csv(query, "includedData")) or {"summaries"}
        item = {"sku": unquote(sku)}
        if "summaries" in included:
            item["summaries"] = [
                {
                    "marketplaceId": _csv(query, "marketplaceIds")[0],
                    "asin": "B0SIM00001",
                    "productType": "PRODUCT",
                    "itemName": listing["title"],
                    "status": ["BUYABLE"],
                }
            ]
        if "fulfillmentAvailability" in included:
            item["fulfillmentAvailability"] = (
                [{"fulfillmentChannelCode": "DEFAULT", "quantity": listing["quantity"]}]
                if listing["fulfillment"] == "MFN"
                else [{"fulfillmentChannelCode": "AMAZON_NA"}]
            )
        return 200, item

    # --- Reports API 2021-06-30 ---
    def _createReport(self, query, body):
        if body.get("reportType") != MERCHANT_LISTINGS:
            return self.bad_request(f"Only {MERCHANT_LISTINGS} is simulated.")
        if not body.get("marketplaceIds"):
            return self.bad_request("marketplaceIds is required.")
        report_id = str(60000000000 + len(self.reports) + 1)
        self.reports[report_id] = {
            "reportId": report_id,
            "reportType": MERCHANT_LISTINGS,
            "marketplaceIds": list(body["marketplaceIds"]),
            "createdTime": _iso(self.moment()),
            "processingStatus": "IN_QUEUE",
            "_polls": 0,
        }
        return 202, {"reportId": report_id}

    def _getReport(self, query, body, report_id):
        report = self.reports.get(report_id)
        if report is None:
            return self.not_found()
        report["_polls"] += 1
        if report["processingStatus"] in ("IN_QUEUE", "IN_PROGRESS"):
            if report["_polls"] > int(self.config["feed_polls_before_done"]):
                report["processingStatus"] = self.config["report_outcome"]
                report["processingEndTime"] = _iso(self.moment())
                if report["processingStatus"] == "DONE":
                    document_id = f"amzn1.spdoc.1.4.na.{uuid.uuid4()}"
                    token = document_id.rsplit(".", 1)[-1]
                    self.files[token] = self._listings_report()
                    report["reportDocumentId"] = document_id
            elif report["_polls"] > 1:
                report["processingStatus"] = "IN_PROGRESS"
        return 200, {
            key: copy.deepcopy(v) for key, v in report.items() if key[0] != "_"
        }

    def _listings_report(self):
        """The seller's listings as a tab-separated flat file, a header row
        then one row a listing; an AFN listing's quantity is empty."""
        rows = ["\t".join(LISTINGS_COLUMNS)]
        for number, (sku, listing) in enumerate(sorted(self.listings.items()), 1):
            mfn = listing["fulfillment"] == "MFN"
            values = dict.fromkeys(LISTINGS_COLUMNS, "")
            values.update(
                {
                    "item-name": listing["title"],
                    "listing-id": f"0101SIM{number:05d}",
                    "seller-sku": sku,
                    "price": listing["price"],
                    "quantity": str(listing["quantity"]) if mfn else "",
                    "open-date": "2026-01-05 10:00:00 PST",
                    "item-condition": "11",
                    "fulfillment-channel": "DEFAULT" if mfn else "AMAZON_NA",
                    "status": "Active",
                }
            )
            rows.append("\t".join(values[column] for column in LISTINGS_COLUMNS))
        return ("\r\n".join(rows) + "\r\n").encode("cp1252", "replace")

    def _getReportDocument(self, query, body, document_id):
        token = document_id.rsplit(".", 1)[-1]
        if token not in self.files:
            return self.not_found()
        return 200, {
            "reportDocumentId": document_id,
            "url": f"{self.sim.url}/_files/{token}.txt",
        }

    # --- Tokens API 2021-03-01 ---
    def _createRestrictedDataToken(self, query, body):
        """A Restricted Data Token for the restricted resources asked for
        (at most 50), each a method, a restricted operation's path (a
        generic ``{orderId}`` or a given order) and the personal data it
        may return."""
        resources = body.get("restrictedResources") or []
        if not resources or len(resources) > 50:
            return self.bad_request("restrictedResources takes 1 to 50 resources.")
        granted = {}
        for resource in resources:
            path = resource.get("path") or ""
            generic = re.sub(
                f"^{re.escape(ORDERS)}/{ORDER_ID}", ORDERS + "/{orderId}", path
            )
            allowed = RESTRICTED.get(path) or RESTRICTED.get(generic)
            elements = set(resource.get("dataElements") or [])
            if resource.get("method") != "GET" or allowed is None:
                return self.bad_request(
                    f"{resource.get('method')} {path} is no restricted resource."
                )
            if not elements or not elements <= allowed:
                return self.bad_request(
                    f"dataElements of {path} must be among {sorted(allowed)}."
                )
            granted[("GET", path)] = elements
        token = "Atz.sprdt|" + secrets.token_urlsafe(32)
        lifetime = int(self.config["token_lifetime"])
        self.restricted_tokens[token] = (time.monotonic() + lifetime, granted)
        self.restricted_tokens_issued += 1
        return 200, {"restrictedDataToken": token, "expiresIn": lifetime}

    # --- Orders API v0 ---
    def _page(self, operation, ids, offset, size):
        """The ids of one page, and the NextToken of the following one."""
        following = offset + size
        token = None
        if following < len(ids):
            token = secrets.token_urlsafe(24)
            self.next_tokens[token] = (operation, ids, following, size)
        return ids[offset:following], token

    def _from_token(self, operation, query):
        token = query.get("NextToken", [None])[0]
        if token is None:
            return None
        stored = self.next_tokens.pop(token, None)
        if not stored or stored[0] != operation:
            raise ValueError("Invalid NextToken")
        return stored[1:]

    def _getOrders(self, query, body):
        self.order_queries.append({key: values[0] for key, values in query.items()})
        marketplaces = _csv(query, "MarketplaceIds")
        if not marketplaces:
            return self.bad_request("MarketplaceIds is required.")
        resumed = self._from_token("getOrders", query)
        if resumed:
            ids, offset, size = resumed
        else:
            ids, size = self._select(query, marketplaces), self._page_size(query)
            offset = 0
        page, token = self._page("getOrders", ids, offset, size)
        payload = {
            "Orders": [
                self._public(self.orders[order], self.local.grants) for order in page
            ]
        }
        if token:
            payload["NextToken"] = token
        return 200, {"payload": payload}

    def _select(self, query, marketplaces):
        """The ids of the orders the filters select, in the order they were
        placed: Amazon does not sort by LastUpdateDate."""
        if ("CreatedAfter" in query) == ("LastUpdatedAfter" in query):
            raise ValueError("Exactly one of CreatedAfter and LastUpdatedAfter")
        bounds = [
            (field, compare, parse_time(query[key][0]))
            for key, field, compare in (
                ("CreatedAfter", "PurchaseDate", operator.ge),
                ("LastUpdatedAfter", "LastUpdateDate", operator.ge),
                ("LastUpdatedBefore", "LastUpdateDate", operator.le),
            )
            if key in query
        ]
        statuses = set(_csv(query, "OrderStatuses"))
        channels = set(_csv(query, "FulfillmentChannels"))
        return [
            order_id
            for order_id, order in self.orders.items()
            if order["MarketplaceId"] in marketplaces
            and (not statuses or order["OrderStatus"] in statuses)
            and (not channels or order["FulfillmentChannel"] in channels)
            and all(
                compare(parse_time(order[field]), value)
                for field, compare, value in bounds
            )
        ]

    def _page_size(self, query):
        size = int(query.get("MaxResultsPerPage", [MAX_RESULTS])[0])
        if not 1 <= size <= MAX_RESULTS:
            raise ValueError(f"MaxResultsPerPage must be 1 to {MAX_RESULTS}")
        return size

    def _getOrder(self, query, body, order_id):
        if order_id not in self.orders:
            return self.not_found()
        return 200, {"payload": self._public(self.orders[order_id], self.local.grants)}

    def _getOrderItems(self, query, body, order_id):
        if order_id not in self.orders:
            return self.not_found()
        order = self.orders[order_id]
        resumed = self._from_token("getOrderItems", query)
        ids = [item["OrderItemId"] for item in order["_items"]]
        offset, size = (resumed[1], resumed[2]) if resumed else (0, 0)
        size = size or int(self.config["items_page_size"])
        page, token = self._page("getOrderItems", ids, offset, size)
        items = [
            item
            for item in self._public_items(order, self.local.grants)
            if item["OrderItemId"] in page
        ]
        payload = {"AmazonOrderId": order_id, "OrderItems": items}
        if token:
            payload["NextToken"] = token
        return 200, {"payload": payload}

    def _confirmShipment(self, query, body, order_id):
        if order_id not in self.orders:
            return self.not_found()
        order = self.orders[order_id]
        package = body["packageDetail"]
        for key in ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate"):
            if not package.get(key):
                return self.bad_request(f"packageDetail.{key} is required.")
        if not str(package["packageReferenceId"]).isdigit():
            return self.bad_request("packageReferenceId must be a positive number.")
        if package["carrierCode"] == "Other" and not package.get("carrierName"):
            return self.bad_request(
                "carrierName is required when carrierCode is Other."
            )
        parse_time(package["shipDate"])
        if body.get("marketplaceId") != order["MarketplaceId"]:
            return self.bad_request("marketplaceId does not match the order.")
        if (
            order["FulfillmentChannel"] != "MFN"
            or order["OrderStatus"] not in SHIPPABLE
        ):
            return self.bad_request(
                f"The order is {order['OrderStatus']} ({order['FulfillmentChannel']})."
            )
        items = {item["OrderItemId"]: item for item in order["_items"]}
        shipped = package.get("orderItems") or []
        if not shipped:
            return self.bad_request("packageDetail.orderItems is required.")
        for line in shipped:
            item = items.get(line["orderItemId"])
            if item is None:
                return self.bad_request(f"Unknown orderItemId {line['orderItemId']}.")
            if (
                not 0
                < int(line["quantity"])
                <= item["QuantityOrdered"] - item["QuantityShipped"]
            ):
                return self.bad_request(
                    f"Quantity {line['quantity']} of {line['orderItemId']} is more "
                    "than is left to ship."
                )
        for line in shipped:
            items[line["orderItemId"]]["QuantityShipped"] += int(line["quantity"])
        ordered = sum(item["QuantityOrdered"] for item in order["_items"])
        done = sum(item["QuantityShipped"] for item in order["_items"])
        order["NumberOfItemsShipped"] = done
        order["NumberOfItemsUnshipped"] = ordered - done
        order["OrderStatus"] = "Shipped" if done == ordered else "PartiallyShipped"
        order["LastUpdateDate"] = _iso(self.moment(order["LastUpdateDate"]))
        self._notify(order, "OrderStatusChange")
        self.confirmations.append(dict(copy.deepcopy(body), orderId=order_id))
        return 204, {}

    def _getMarketplaceParticipations(self, query, body):
        participations = []
        for marketplace in {
            order["MarketplaceId"] for order in self.orders.values()
        } | {self.config["marketplace_id"]}:
            country, name, currency, language, domain = MARKETPLACES.get(
                marketplace, ("", marketplace, "", "", "")
            )
            participations.append(
                {
                    "marketplace": {
                        "id": marketplace,
                        "countryCode": country,
                        "name": name,
                        "defaultCurrencyCode": currency,
                        "defaultLanguageCode": language,
                        "domainName": domain,
                    },
                    "participation": {
                        "isParticipating": True,
                        "hasSuspendedListings": False,
                    },
                }
            )
        return 200, {"payload": participations}

    # --- Feeds API 2021-06-30 ---
    def _url(self, document_id):
        return f"{self.sim.url}{DOCUMENT_STORE}{document_id}"

    def _createFeedDocument(self, query, body):
        if not body.get("contentType"):
            return self.bad_request("contentType is required.")
        document_id = f"amzn1.tortuga.4.eu.{uuid.uuid4()}"
        self.documents[document_id] = {
            "content_type": body["contentType"],
            "content": None,
        }
        return 201, {"feedDocumentId": document_id, "url": self._url(document_id)}

    def _getFeedDocument(self, query, body, document_id):
        if document_id not in self.documents:
            return self.not_found()
        return 200, {"feedDocumentId": document_id, "url": self._url(document_id)}

    def _document(self, method, document_id, body):
        """The pre-signed URL: PUT uploads the document (with the content
        type it was created for), GET downloads it."""
        document = self.documents.get(document_id)
        if document is None:
            return 404, {"Code": "NoSuchKey"}, {}
        if method == "GET":
            return 200, document["content"], {}
        if method != "PUT":
            return 405, {"Code": "MethodNotAllowed"}, {}
        headers = self.local.headers
        self.document_uploads.append(
            {
                "content_type": headers.get("Content-Type") or "",
                "access_token": headers.get("x-amz-access-token") or "",
            }
        )
        if headers.get("Content-Type") != document["content_type"]:
            return 403, {"Code": "SignatureDoesNotMatch"}, {}
        document["content"] = body
        return 200, {}, {}

    def _createFeed(self, query, body):
        if body.get("feedType") != LISTINGS_FEED:
            return self.bad_request(f"Only {LISTINGS_FEED} is simulated.")
        if not body.get("marketplaceIds"):
            return self.bad_request("marketplaceIds is required.")
        document = self.documents.get(body.get("inputFeedDocumentId"))
        if document is None or document["content"] is None:
            return self.bad_request("inputFeedDocumentId names no uploaded document.")
        feed_id = str(50000000000 + len(self.feeds) + 1)
        self.feeds[feed_id] = {
            "feedId": feed_id,
            "feedType": LISTINGS_FEED,
            "marketplaceIds": list(body["marketplaceIds"]),
            "createdTime": _iso(self.moment()),
            "processingStatus": "IN_QUEUE",
            "inputFeedDocumentId": body["inputFeedDocumentId"],
            "_polls": 0,
        }
        return 202, {"feedId": feed_id}

    def _getFeed(self, query, body, feed_id):
        feed = self.feeds.get(feed_id)
        if feed is None:
            return self.not_found()
        feed["_polls"] += 1
        if feed["processingStatus"] in ("IN_QUEUE", "IN_PROGRESS"):
            if feed["_polls"] > int(self.config["feed_polls_before_done"]):
                self._process(feed)
            elif feed["_polls"] > 1:
                feed["processingStatus"] = "IN_PROGRESS"
        return 200, {key: copy.deepcopy(v) for key, v in feed.items() if key[0] != "_"}

    def _process(self, feed):
        """Apply the feed's messages; its processing report names each
        refused message by messageId. A document that is no listings feed of
        this seller is FATAL, its report saying why."""
        content = self.documents[feed["inputFeedDocumentId"]]["content"]
        header = content.get("header") if isinstance(content, dict) else None
        issues, accepted = [], 0
        messages = content.get("messages") if header else None
        if (
            not header
            or header.get("sellerId") != self.config["seller_id"]
            or header.get("version") != "2.0"
            or not isinstance(messages, list)
        ):
            feed["processingStatus"] = "FATAL"
            issues.append(
                {
                    "messageId": 0,
                    "code": "100001",
                    "severity": "ERROR",
                    "message": "The feed header is invalid: sellerId must be the "
                    "seller's merchant token and version 2.0.",
                }
            )
            messages = []
        else:
            feed["processingStatus"] = "DONE"
        for message in messages:
            problem = self._apply(message)
            if problem:
                issues.append(
                    {
                        "messageId": message.get("messageId"),
                        "code": problem[0],
                        "severity": "ERROR",
                        "message": problem[1],
                    }
                )
            else:
                accepted += 1
        report_id = f"amzn1.tortuga.4.eu.{uuid.uuid4()}"
        self.documents[report_id] = {
            "content_type": "application/json",
            "content": {
                "header": {
                    "sellerId": self.config["seller_id"],
                    "version": "2.0",
                    "feedId": feed["feedId"],
                },
                "issues": issues,
                "summary": {
                    "errors": len(issues),
                    "warnings": 0,
                    "messagesProcessed": len(messages),
                    "messagesAccepted": accepted,
                    "messagesInvalid": len(messages) - accepted,
                },
            },
        }
        feed["resultFeedDocumentId"] = report_id
        feed["processingEndTime"] = _iso(self.moment())

    def _apply(self, message):
        """``(code, message)`` of a refused message, else None once its
        patches are on the listing: the DEFAULT quantity, or a merge of its
        purchasable offers. A message is applied whole or not at all."""
        sku = message.get("sku")
        if message.get("operationType") != "PATCH" or not message.get("productType"):
            return "4000001", "operationType PATCH and productType are required."
        if sku not in self.listings:
            return "8541", f"The SKU {sku} does not match any listing of the seller."
        listing = copy.deepcopy(self.listings[sku])
        for patch in message.get("patches") or []:
            if patch.get("op") not in ("merge", "replace"):
                return "4000001", f"Unsupported patch {patch!r}."
            if patch.get("path") == AVAILABILITY:
                problem = self._patch_quantity(listing, patch)
            elif patch.get("path") == OFFER:
                problem = self._patch_offers(listing, patch)
            else:
                problem = "4000001", f"Unsupported patch {patch!r}."
            if problem:
                return problem
        self.listings[sku] = listing
        return None

    def _patch_quantity(self, listing, patch):
        values = patch.get("value") or []
        if len(values) != 1 or values[0].get("fulfillment_channel_code") != "DEFAULT":
            return "4000001", f"Unsupported patch {patch!r}."
        quantity = values[0].get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            return "90220", "'quantity' must be a whole number from 0."
        listing["quantity"] = quantity
        return None

    def _patch_offers(self, listing, patch):
        """Each offer of the patch merged into the listing's offer with the
        same selectors (a replace starts from none): a price given replaces
        the one shown, a null one deletes it. Offers are checked against the
        product type's schema: selectors present, each schedule's
        ``value_with_tax`` a number from 0, its dates ISO 8601 and in order."""
        offers = [] if patch["op"] == "replace" else listing["offers"]
        for value in patch.get("value") or []:
            value = dict(value, audience=value.get("audience") or "ALL")
            missing = [key for key in OFFER_SELECTORS if not value.get(key)]
            if missing:
                return "90000900", f"purchasable_offer requires {', '.join(missing)}."
            for name in OFFER_PRICES:
                problem = self._check_price(name, value.get(name))
                if problem:
                    return problem
            key = tuple(value[name] for name in OFFER_SELECTORS)
            current = next(
                (
                    offer
                    for offer in offers
                    if tuple(offer[name] for name in OFFER_SELECTORS) == key
                ),
                None,
            )
            if current is None:
                current = {name: value[name] for name in OFFER_SELECTORS}
                offers.append(current)
            for name, price in value.items():
                if price is None:
                    current.pop(name, None)
                else:
                    current[name] = copy.deepcopy(price)
            our = current.get("our_price")
            if our:
                listing["price"] = str(our[0]["schedule"][0]["value_with_tax"])
        listing["offers"] = offers
        return None

    def _check_price(self, name, price):
        if price is None:
            return None
        try:
            schedule = price[0]["schedule"]
            for window in schedule:
                amount = window["value_with_tax"]
                if isinstance(amount, bool) or not isinstance(amount, int | float):
                    raise TypeError(amount)
                if amount < 0:
                    return "90244", f"'{name}' value_with_tax must be 0 or more."
                start, end = window.get("start_at"), window.get("end_at")
                if start and end and parse_time(end) <= parse_time(start):
                    return "90245", f"'{name}' end_at must be after start_at."
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            return "90000900", f"'{name}' does not match the schema: {price!r}."
        return None

    # --- Finances API v0 ---
    def create_refund(self, order_id, lines=(), shipping=None, **options):
        """A refund Amazon posts as a RefundEvent: ``lines`` (``sku``,
        ``quantity``) refund their units' price and tax, ``shipping`` (an
        amount) the shipping of the first item, with its tax. Options:
        ``tax_rate``, and ``item_ids=False`` for adjustments naming their
        item by SellerSKU only (OrderItemId is optional in the model)."""
        with self.sim.lock:
            order = self.orders[order_id]
            included = order["MarketplaceId"] not in TAX_EXCLUSIVE_MARKETPLACES
            rate = Decimal(str(options.get("tax_rate", self.config["tax_rate"])))
            currency = order["OrderTotal"]["CurrencyCode"]
            by_sku = {item["SellerSKU"]: item for item in order["_items"]}
            facilitator = any("TaxCollection" in item for item in order["_items"])
            adjustments = []
            for index, line in enumerate(lines or [], start=1):
                item = by_sku[line["sku"]]
                units = int(line.get("quantity", 1))
                price = (
                    Decimal(item["ItemPrice"]["Amount"])
                    / item["QuantityOrdered"]
                    * units
                )
                charges = {"Principal": price, "Tax": tax_on(price, rate, included)}
                if index == 1 and shipping is not None:
                    amount = Decimal(str(shipping))
                    charges["ShippingCharge"] = amount
                    charges["ShippingTax"] = tax_on(amount, rate, included)
                adjustment = {
                    "OrderItemId": item["OrderItemId"],
                    "OrderAdjustmentItemId": f"{uuid.uuid4().int % 10**14:014d}",
                    "SellerSKU": item["SellerSKU"],
                    "QuantityShipped": units,
                    "ItemChargeAdjustmentList": [
                        {
                            "ChargeType": charge,
                            "ChargeAmount": {
                                "CurrencyCode": currency,
                                "CurrencyAmount": float(-Decimal(money(amount))),
                            },
                        }
                        for charge, amount in charges.items()
                    ],
                    "ItemFeeAdjustmentList": [
                        {
                            "FeeType": "Commission",
                            "FeeAmount": {
                                "CurrencyCode": currency,
                                "CurrencyAmount": float(money(price * Decimal("0.12"))),
                            },
                        }
                    ],
                }
                if facilitator:
                    adjustment["ItemTaxWithheldList"] = [
                        {
                            "TaxCollectionModel": "MarketplaceFacilitator",
                            "TaxesWithheld": [
                                {
                                    "ChargeType": "MarketplaceFacilitatorTax-Principal",
                                    "ChargeAmount": {
                                        "CurrencyCode": currency,
                                        "CurrencyAmount": float(money(charges["Tax"])),
                                    },
                                }
                            ],
                        }
                    ]
                if options.get("item_ids") is False:
                    del adjustment["OrderItemId"]
                adjustments.append(adjustment)
            event = {
                "AmazonOrderId": order_id,
                "SellerOrderId": order_id,
                "MarketplaceName": MARKETPLACES.get(
                    order["MarketplaceId"], ("", "Amazon")
                )[1],
                "PostedDate": _iso(self.moment()),
                "ShipmentItemAdjustmentList": adjustments,
            }
            self.refund_events.append(event)
            return copy.deepcopy(event)

    def _listFinancialEvents(self, query, body):
        resumed = self._from_token("listFinancialEvents", query)
        if resumed:
            ids, offset, size = resumed
        else:
            after = query.get("PostedAfter", [None])[0]
            if not after:
                return self.bad_request("PostedAfter is required.")
            size = int(query.get("MaxResultsPerPage", [MAX_RESULTS])[0])
            if not 1 <= size <= MAX_RESULTS:
                raise ValueError(f"MaxResultsPerPage must be 1 to {MAX_RESULTS}")
            ids = [
                index
                for index, event in enumerate(self.refund_events)
                if parse_time(event["PostedDate"]) >= parse_time(after)
            ]
            offset = 0
        page, token = self._page("listFinancialEvents", ids, offset, size)
        payload = {
            "FinancialEvents": {
                "RefundEventList": [copy.deepcopy(self.refund_events[i]) for i in page]
            }
        }
        if token:
            payload["NextToken"] = token
        return 200, {"payload": payload}

    def _listFinancialEventsByOrderId(self, query, body, order_id):
        events = [e for e in self.refund_events if e["AmazonOrderId"] == order_id]
        return 200, {
            "payload": {"FinancialEvents": {"RefundEventList": copy.deepcopy(events)}}
        }
