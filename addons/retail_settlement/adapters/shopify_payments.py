# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shopify Payments (the payouts of platform ``shopify``): paid payouts and
the balance transactions each pays out, read with the REST Admin API and
imported as the Shopify Payments parser's JSON document
(``parsers.shopify_payments.document``).

A Shopify shop is one backend: the payouts are read with the token, shop
address and API version its orders, stock and catalog use.

Built from Shopify's REST reference, resources *Payouts* and *Transactions*
(https://shopify.dev/docs/api/admin-rest/2025-01/resources/payouts and
.../transactions):

- ``GET admin/api/<version>/shopify_payments/payouts.json`` with
  ``status=paid``, ``date_min`` (the payout date, inclusive) and ``limit``
  (at most 250).
- ``GET admin/api/<version>/shopify_payments/balance/transactions.json``
  with ``payout_id`` and ``limit``.
- ``X-Shopify-Access-Token: <Admin API access token>`` (the backend's
  *Access token*), sent by the Shopify connection adapter of the marketplace
  module, or by this one where that module is not installed. The API version
  is in the path: the backend's, else ``DEFAULT_VERSION``. The shop's own
  address (``https://<shop>.myshopify.com``) is the base URL: there is no
  common one.

Paging is Shopify's cursor paging: the answer's ``Link`` header names the
next page (``rel="next"``) by a ``page_info`` parameter, which is sent with
``limit`` alone, the filters staying in the cursor, until an answer has no
next page (https://shopify.dev/docs/api/usage/pagination-rest).

Disputes come by the shop's webhooks, topics ``disputes/create`` and
``disputes/update`` (https://shopify.dev/changelog/new-webhook-topic-disputes),
whose body is the REST *Dispute* resource
(https://shopify.dev/docs/api/admin-rest/2025-01/resources/dispute):
``id``, ``order_id``, ``type`` (``inquiry`` or ``chargeback``), ``amount``
(a decimal string) and ``currency``, ``reason``, ``status``
(``needs_response``, ``under_review``, ``accepted``, ``won``, ``lost``;
``charge_refunded`` in older shops), ``evidence_due_by``, ``finalized_on``
and ``initiated_at``. The marketplace module's Shopify webhook adapter
checks and stores them; they need the ``read_shopify_payments_disputes``
access scope. A dispute's withdrawal and reversal in a payout carry its id
as their ``source_id``.
"""

from datetime import date, datetime, time, timezone
from urllib.parse import parse_qs, urlsplit

from odoo.addons.retail_connector_base.registry import register

from ..parsers import shopify_payments as parser
from .disputes import DisputesAdapter
from .payouts import PayoutsAdapter

DEFAULT_VERSION = "2025-01"
TOKEN_HEADER = "X-Shopify-Access-Token"


@register("shopify", "payouts")
class ShopifyPayouts(PayoutsAdapter):
    parser = parser
    label = "Shopify Payments"
    credential = "access_token"
    default_version = DEFAULT_VERSION
    path_prefix = "admin/api/{version}/"
    payouts_path = "shopify_payments/payouts.json"
    transactions_path = "shopify_payments/balance/transactions.json"
    max_limit = 250

    @staticmethod
    def headers(token):
        return {TOKEN_HEADER: token}

    def connection_headers(self):
        token = self.backend._get_secret("access_token")
        return self.headers(token) if token else {}

    def page(self, path, params):
        body, links = self.get(path, params, links=True)
        # Shopify wraps a list in the name of its resource, the last
        # segment of the path.
        key = path.rsplit("/", 1)[-1].removesuffix(".json")
        objects = (body or {}).get(key) or []
        next_url = (links.get("next") or {}).get("url")
        if not next_url:
            return objects, None
        cursor = parse_qs(urlsplit(next_url).query).get("page_info")
        if not cursor:
            raise ValueError(f"{path} named a next page without page_info: {next_url}")
        return objects, {"limit": params["limit"], "page_info": cursor[0]}

    def payouts_params(self, since, limit):
        params = {"status": "paid", "limit": self.limit(limit)}
        if since is not None:
            day = datetime.fromtimestamp(since, timezone.utc).date()
            params["date_min"] = day.isoformat()
        return params

    def transactions_params(self, payout_id, limit):
        return {"payout_id": payout_id, "limit": self.limit(limit)}

    def payout_created(self, payout):
        """The start of the payout's date in Unix seconds (a payout carries
        a date, no time)."""
        day = date.fromisoformat(str(payout.get("date") or "1970-01-01")[:10])
        return int(datetime.combine(day, time.min, timezone.utc).timestamp())

    def fetchable(self, payout):
        """Only a paid payout is final: a scheduled or in-transit one may
        still fail or be cancelled."""
        return payout.get("status") == "paid"


@register("shopify", "disputes")
class ShopifyDisputes(DisputesAdapter):
    topics = ("disputes/create", "disputes/update")
    # The merchant accepting the chargeback, or refunding the charge, gives
    # the money up as surely as losing it.
    lost_statuses = ("lost", "accepted", "charge_refunded")

    def parse(self, payload):
        return self.read_order_dispute(payload, "initiated_at", "finalized_on")
