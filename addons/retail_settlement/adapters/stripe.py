# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stripe (platform ``stripe``, a payment provider): its connection, and its
paid automatic payouts with the balance transactions each pays out, read
with the REST API and imported as the Stripe parser's JSON document
(``parsers.stripe.document``).

Built from Stripe's API reference (https://docs.stripe.com/api/payouts/list,
https://docs.stripe.com/api/balance_transactions/list,
https://docs.stripe.com/api/pagination, https://docs.stripe.com/api/versioning):

- ``GET /v1/payouts`` with ``status=paid``, ``created[gte]`` (Unix seconds),
  ``limit`` (1 to 100) and ``starting_after`` (the last id of the previous
  page) while the list object says ``has_more``; newest first.
- ``GET /v1/balance_transactions?payout=po_...`` (automatic payouts only),
  ``expand[]=data.source`` so that a charge's ``metadata`` (the order
  reference) comes with it, paginated the same way.
- ``Authorization: Bearer <secret key>``; ``Stripe-Version`` pinned, so that
  a new account default never changes the objects under the parser.

The secret (or restricted) key stays in the backend's *API secret*: it is
what Stripe calls it, and it is the only credential a Stripe backend has.
"""

from odoo.addons.retail_connector_base.adapters.common import ConnectionAdapter
from odoo.addons.retail_connector_base.registry import register

from ..parsers import stripe as parser
from .payouts import PayoutsAdapter

DEFAULT_URL = "https://api.stripe.com"
DEFAULT_VERSION = "2025-01-27.acacia"


@register("stripe", "connection")
class StripeConnection(ConnectionAdapter):
    @staticmethod
    def headers(secret, version):
        return {"Authorization": f"Bearer {secret}", "Stripe-Version": version}

    def request_headers(self):
        secret = self.backend._get_secret("api_secret")
        if not secret:
            return {}
        return self.headers(secret, self.backend.api_version or DEFAULT_VERSION)

    def test(self):
        return self.request("GET", "v1/balance")


@register("stripe", "payouts")
class StripePayouts(PayoutsAdapter):
    parser = parser
    label = "Stripe"
    credential = "api_secret"
    default_url = DEFAULT_URL
    default_version = DEFAULT_VERSION
    payouts_path = "v1/payouts"
    transactions_path = "v1/balance_transactions"
    max_limit = 100

    def page(self, path, params):
        answer = self.get(path, params) or {}
        data = answer.get("data") or []
        if not answer.get("has_more") or not data:
            return data, None
        return data, dict(params, starting_after=data[-1]["id"])

    def payouts_params(self, since, limit):
        params = {"status": "paid", "limit": self.limit(limit)}
        if since is not None:
            params["created[gte]"] = int(since)
        return params

    def transactions_params(self, payout_id, limit):
        return {
            "payout": payout_id,
            "limit": self.limit(limit),
            "expand[]": "data.source",
        }

    def payout_created(self, payout):
        return int(payout.get("created") or 0)

    def fetchable(self, payout):
        """Stripe lists the transactions of automatic payouts only (a manual
        payout is a lump sum the provider cannot split)."""
        return payout.get("automatic", True) is not False
