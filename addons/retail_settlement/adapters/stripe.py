# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stripe (pull): paid automatic payouts and the balance transactions each
pays out, read with the REST API and imported as the Stripe parser's JSON
document (``parsers.stripe.document``).

Built from Stripe's API reference as summarised in the suite's research notes
(settlements.md section 3, platform-specs.md section 3):

- ``GET /v1/payouts`` with ``status=paid``, ``created[gte]`` (Unix seconds),
  ``limit`` (1 to 100) and ``starting_after`` (the last id of the previous
  page) while the list object says ``has_more``; newest first.
- ``GET /v1/balance_transactions?payout=po_...`` (automatic payouts only),
  ``expand[]=data.source`` so that a charge's ``metadata`` (the order
  reference) comes with it, paginated the same way.
- ``Authorization: Bearer <secret key>``; ``Stripe-Version`` pinned, so that
  a new account default never changes the objects under the parser.

``request(path, params)`` is the caller's: it returns the decoded JSON and
raises the connector's transient or business errors.
"""

from ..parsers import stripe as parser

SOURCE = parser.SOURCE
LABEL = "Stripe"
API_URL = "https://api.stripe.com"
API_VERSION = "2025-01-27.acacia"
API_PATH = ""  # the version goes in a header
MAX_LIMIT = 100
MAX_PAGES = 1000  # a list that never ends is the provider's bug, not ours


def headers(secret, version=None):
    return {
        "Authorization": f"Bearer {secret}",
        "Stripe-Version": version or API_VERSION,
    }


def _limit(limit):
    return max(1, min(int(limit or MAX_LIMIT), MAX_LIMIT))


def _all_pages(request, path, params):
    """Every object of a list endpoint, following ``starting_after``."""
    objects, params = [], dict(params)
    for _page in range(MAX_PAGES):
        answer = request(path, params) or {}
        data = answer.get("data") or []
        objects += data
        if not answer.get("has_more") or not data:
            return objects
        params["starting_after"] = data[-1]["id"]
    raise ValueError(f"{path} still has more after {MAX_PAGES} pages")


def list_payouts(request, since, limit=MAX_LIMIT):
    """Paid payouts created at or after ``since`` (Unix seconds; None: all),
    oldest first."""
    params = {"status": "paid", "limit": _limit(limit)}
    if since is not None:
        params["created[gte]"] = int(since)
    payouts = _all_pages(request, "v1/payouts", params)
    return sorted(payouts, key=_created_order)


def _created_order(payout):
    return payout.get("created") or 0, payout["id"]


def payout_created(payout):
    """Where the checkpoint moves to once ``payout`` is handled."""
    return int(payout.get("created") or 0)


def fetchable(payout):
    """Whether the payout can be itemised: Stripe lists the transactions of
    automatic payouts only (a manual payout is a lump sum the provider cannot
    split)."""
    return payout.get("automatic", True) is not False


def balance_transactions(request, payout_id, limit=MAX_LIMIT):
    """Every balance transaction ``payout_id`` pays out, sources expanded."""
    return _all_pages(
        request,
        "v1/balance_transactions",
        {"payout": payout_id, "limit": _limit(limit), "expand[]": "data.source"},
    )


def payout_document(request, payout, limit=MAX_LIMIT):
    """The file the Stripe parser reads, for ``payout``."""
    return parser.document(payout, balance_transactions(request, payout["id"], limit))
