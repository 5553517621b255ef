# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shopify Payments (pull): paid payouts and the balance transactions each
pays out, read with the REST Admin API and imported as the Shopify Payments
parser's JSON document (``parsers.shopify_payments.document``).

Built from Shopify's REST reference, resources *Payouts* and *Transactions*
(https://shopify.dev/docs/api/admin-rest/2025-01/resources/payouts and
.../transactions; settlements.md section 2):

- ``GET admin/api/<version>/shopify_payments/payouts.json`` with
  ``status=paid``, ``date_min`` (the payout date, inclusive) and ``limit``
  (at most 250).
- ``GET admin/api/<version>/shopify_payments/balance/transactions.json``
  with ``payout_id`` and ``limit``.
- ``X-Shopify-Access-Token: <Admin API access token>``; the API version is in
  the path, pinned so that a new version never changes the objects under the
  parser. The shop's own address (``https://<shop>.myshopify.com``) is the
  base URL: there is no common one.

Paging is Shopify's cursor paging: the answer's ``Link`` header names the
next page (``rel="next"``) by a ``page_info`` parameter, which is sent with
``limit`` alone, the filters staying in the cursor, until an answer has no
next page (https://shopify.dev/docs/api/usage/pagination-rest). The lists
come most recent first; payouts are sorted here once all are read.

``request(path, params, links=False)`` is the caller's: it returns the
decoded JSON (with ``links``: and the parsed ``Link`` header) and raises the
connector's transient or business errors.
"""

from datetime import date, datetime, time, timezone
from urllib.parse import parse_qs, urlsplit

from ..parsers import shopify_payments as parser

SOURCE = parser.SOURCE
LABEL = "Shopify Payments"
API_URL = ""  # https://<shop>.myshopify.com, entered per backend
API_VERSION = "2025-01"
API_PATH = "admin/api/{version}/"
MAX_LIMIT = 250
MAX_PAGES = 1000  # a list that never ends is the provider's bug, not ours


def headers(secret, version=None):
    return {"X-Shopify-Access-Token": secret}


def _limit(limit):
    return max(1, min(int(limit or MAX_LIMIT), MAX_LIMIT))


def _all_pages(request, path, key, params):
    """Every object of a list endpoint, following its ``Link`` header."""
    objects = []
    for _page in range(MAX_PAGES):
        body, links = request(path, params, links=True)
        objects += (body or {}).get(key) or []
        next_url = (links.get("next") or {}).get("url")
        if not next_url:
            return objects
        cursor = parse_qs(urlsplit(next_url).query).get("page_info")
        if not cursor:
            raise ValueError(f"{path} named a next page without page_info: {next_url}")
        params = {"limit": params["limit"], "page_info": cursor[0]}
    raise ValueError(f"{path} still has more after {MAX_PAGES} pages")


def list_payouts(request, since, limit=MAX_LIMIT):
    """Paid payouts dated on or after the UTC day of ``since`` (Unix
    seconds; None: all), oldest first."""
    params = {"status": "paid", "limit": _limit(limit)}
    if since is not None:
        day = datetime.fromtimestamp(since, timezone.utc).date()
        params["date_min"] = day.isoformat()
    payouts = _all_pages(request, "shopify_payments/payouts.json", "payouts", params)
    return sorted(payouts, key=lambda payout: (payout_created(payout), payout["id"]))


def payout_created(payout):
    """Where the checkpoint moves to once ``payout`` is handled: the start of
    its date in Unix seconds (a payout carries a date, no time)."""
    day = date.fromisoformat(str(payout.get("date") or "1970-01-01")[:10])
    return int(datetime.combine(day, time.min, timezone.utc).timestamp())


def fetchable(payout):
    """Whether the payout is final: only a paid payout is, a scheduled or
    in-transit one may still fail or be cancelled."""
    return payout.get("status") == "paid"


def balance_transactions(request, payout_id, limit=MAX_LIMIT):
    """Every balance transaction ``payout_id`` pays out."""
    return _all_pages(
        request,
        "shopify_payments/balance/transactions.json",
        "transactions",
        {"payout_id": payout_id, "limit": _limit(limit)},
    )


def payout_document(request, payout, limit=MAX_LIMIT):
    """The file the Shopify Payments parser reads, for ``payout``."""
    return parser.document(payout, balance_transactions(request, payout["id"], limit))
