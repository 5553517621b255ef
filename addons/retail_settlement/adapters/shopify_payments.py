# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shopify Payments (the payouts of platform ``shopify``): paid payouts and
the balance transactions each pays out, read with the GraphQL Admin API and
imported as the Shopify Payments parser's JSON document
(``parsers.shopify_payments.document``).

A Shopify shop is one backend: the payouts are read on the connection its
orders, stock and catalog use (``retail_connector_base``'s ``shopify``:
the shop's ``https://<shop>.myshopify.com`` as API base URL, the custom
app's Admin API access token, the backend's API version, the query cost
bucket), with the ``read_shopify_payments_payouts`` access scope.

Built from the GraphQL reference, ``shopifyPaymentsAccount``
(https://shopify.dev/docs/api/admin-graphql/2025-10/queries/shopifyPaymentsAccount):

- ``payouts(first, after, query: "status:paid issued_at:>=<date>",
  sortKey: ISSUED_AT)``, each with its ``summary`` per category;
- ``balanceTransactions(first, after, query: "payments_transfer_id:<payout
  id>")``, the transactions a payout pays out (the REST ``payout_id``
  filter's GraphQL name);

each connection read page after page to the end by its cursor. The nodes
are written back in the REST resources' shapes (``payout_record``,
``transaction_record``), which the parser and uploaded files share.

Disputes come by the shop's webhooks, topics ``disputes/create`` and
``disputes/update`` (https://shopify.dev/changelog/new-webhook-topic-disputes),
whose body is the REST *Dispute* resource
(https://shopify.dev/docs/api/admin-rest/2025-01/resources/dispute):
``id``, ``order_id``, ``type`` (``inquiry`` or ``chargeback``), ``amount``
(a decimal string) and ``currency``, ``reason``, ``status``
(``needs_response``, ``under_review``, ``accepted``, ``won``, ``lost``;
``charge_refunded`` in older shops), ``evidence_due_by``, ``finalized_on``
and ``initiated_at``. The marketplace module's Shopify webhook adapter
checks and stores them, and subscribes to them for a backend whose
payouts are followed (``webhook_topics``: this module names its topics,
without depending on the marketplace module); they need the
``read_shopify_payments_disputes`` access scope. A dispute's withdrawal
and reversal in a payout carry its id as their ``source_id``.
"""

from datetime import date, datetime, time, timezone

from odoo.addons.retail_connector_base.adapters.shopify import (
    ShopifyAdapter,
    flow_scopes,
)
from odoo.addons.retail_connector_base.adapters.shopify_graphql import legacy_id
from odoo.addons.retail_connector_base.registry import register

from ..parsers import shopify_payments as parser
from .disputes import DisputesAdapter
from .payouts import PayoutsAdapter

# The summary's categories: (GraphQL gross, GraphQL fee, REST category).
SUMMARY = (
    ("adjustmentsGross", "adjustmentsFee", "adjustments"),
    ("advanceGross", "advanceFees", "advance"),
    ("chargesGross", "chargesFee", "charges"),
    ("refundsFeeGross", "refundsFee", "refunds"),
    ("reservedFundsGross", "reservedFundsFee", "reserved_funds"),
    ("retriedPayoutsGross", "retriedPayoutsFee", "retried_payouts"),
)
SUMMARY_FIELDS = " ".join(
    f"{name} {{ amount }}" for gross, fee, _key in SUMMARY for name in (gross, fee)
)
PAYOUTS = f"""
query ShopifyPaymentsPayouts($first: Int!, $after: String, $query: String) {{
  shopifyPaymentsAccount {{
    payouts(first: $first, after: $after, query: $query, sortKey: ISSUED_AT) {{
      nodes {{
        id legacyResourceId status issuedAt
        net {{ amount currencyCode }}
        summary {{ {SUMMARY_FIELDS} }}
      }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}
"""
BALANCE_TRANSACTIONS = """
query ShopifyPaymentsBalanceTransactions($first: Int!, $after: String, $query: String) {
  shopifyPaymentsAccount {
    balanceTransactions(first: $first, after: $after, query: $query) {
      nodes {
        id type test transactionDate adjustmentReason
        sourceId sourceType sourceOrderTransactionId
        amount { amount currencyCode } fee { amount } net { amount }
        associatedOrder { id }
        associatedPayout { id status }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
ACCOUNT = ("shopifyPaymentsAccount",)


def _lower(value):
    return value.lower() if value else value


def payout_record(node):
    """The REST Payout of a ``ShopifyPaymentsPayout`` node."""
    summary = node.get("summary") or {}
    record = {
        "id": int(node["legacyResourceId"]),
        "status": _lower(node["status"]),
        "date": (node.get("issuedAt") or "")[:10],
        "currency": node["net"]["currencyCode"],
        "amount": node["net"]["amount"],
        "summary": {},
    }
    for gross, fee, key in SUMMARY:
        if gross in summary:
            record["summary"][f"{key}_gross_amount"] = summary[gross]["amount"]
            record["summary"][f"{key}_fee_amount"] = summary[fee]["amount"]
    return record


def transaction_record(node):
    """The REST balance Transaction of a ``ShopifyPaymentsBalanceTransaction``
    node."""
    payout = node.get("associatedPayout") or {}
    return {
        "id": legacy_id(node["id"]),
        "type": _lower(node["type"]),
        "test": node.get("test", False),
        "payout_id": legacy_id(payout.get("id")),
        "payout_status": _lower(payout.get("status")),
        "currency": node["amount"]["currencyCode"],
        "amount": node["amount"]["amount"],
        "fee": node["fee"]["amount"],
        "net": node["net"]["amount"],
        "source_id": node.get("sourceId"),
        "source_type": _lower(node.get("sourceType")),
        "source_order_id": legacy_id((node.get("associatedOrder") or {}).get("id")),
        "source_order_transaction_id": node.get("sourceOrderTransactionId"),
        "adjustment_reason": node.get("adjustmentReason"),
        "processed_at": node["transactionDate"],
    }


@register("shopify", "payouts")
class ShopifyPayouts(ShopifyAdapter, PayoutsAdapter):
    parser = parser
    label = "Shopify Payments"
    credential = "access_token"
    # Pages stay under the 1,000 points a query may request: a payout counts
    # 15 objects (its amount, summary and twelve amounts), a transaction 6.
    max_limit = 50

    def access_scopes(self):
        return flow_scopes(
            self.backend, {"settlements_in": ("read_shopify_payments_payouts",)}
        )

    def read_payouts(self, since, limit):
        filters = ["status:paid"]
        if since is not None:
            day = datetime.fromtimestamp(since, timezone.utc).date()
            filters.append(f"issued_at:>={day.isoformat()}")
        first = self.limit(limit)
        nodes = self.graphql().pages(
            PAYOUTS,
            {"first": first, "query": " ".join(filters)},
            ACCOUNT + ("payouts",),
            cost=3 + first * 15,
        )
        return [payout_record(node) for node in nodes]

    def balance_transactions(self, payout_id, limit=None):
        first = self.limit(limit)
        nodes = self.graphql().pages(
            BALANCE_TRANSACTIONS,
            {"first": first, "query": f"payments_transfer_id:{payout_id}"},
            ACCOUNT + ("balanceTransactions",),
            cost=3 + first * 6,
        )
        return [transaction_record(node) for node in nodes]

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

    def access_scopes(self):
        return flow_scopes(
            self.backend, {"settlements_in": ("read_shopify_payments_disputes",)}
        )

    def webhook_topics(self):
        """The dispute topics, for a shop whose Shopify Payments payouts are
        followed: the shop's webhook registration (the marketplace module's)
        subscribes to them."""
        if self.backend._get_flow_mode("settlements_in") == "off":
            return []
        return list(self.topics)

    def parse(self, payload):
        return self.read_order_dispute(payload, "initiated_at", "finalized_on")
