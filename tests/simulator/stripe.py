# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stripe mode: what a settlement fetch reads of Stripe, the payouts list and
the balance transactions of an automatic payout. Shapes follow Stripe's API
reference (Payout, Balance Transaction, list objects and their cursor
pagination, https://docs.stripe.com/api/payouts and
https://docs.stripe.com/api/balance_transactions): amounts are integers in minor units,
currencies lower case, times Unix seconds. Payouts are built from a compact
spec (README.md)."""

import itertools
import secrets
import time
from decimal import Decimal

from .common import Platform, param

MAX_LIMIT = 100
DEFAULT_LIMIT = 10
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
RANGE_OPERATORS = ("gt", "gte", "lt", "lte")


def _error(kind, message, code=None, param_name=None):
    error = {"type": kind, "message": message}
    if code:
        error["code"] = code
    if param_name:
        error["param"] = param_name
    return {"error": error}


def _cents(amount):
    return int((Decimal(str(amount)) * 100).to_integral_value())


class Stripe(Platform):
    DEFAULTS = {
        "api_token": "sk_test_simulator",
        "api_version": "2025-01-27.acacia",
        "currency": "eur",
        "order_ref_field": "order_id",
        # {payout id: HTTP status}: listing that payout's balance
        # transactions answers this status (a provider failing half-way).
        "failing_payouts": {},
    }
    ROUTES = (
        ("GET", "/v1/payouts", "_payouts"),
        ("GET", "/v1/balance_transactions", "_balance_transactions"),
    )

    def reset(self):
        self.payouts = {}  # id: Payout
        self.transactions = {}  # payout id: [BalanceTransaction]
        self.clock = itertools.count(int(time.time()) - 30 * 86400, 3600)
        self.versions_seen = []

    def stats(self):
        return {"stripe_versions": list(self.versions_seen)}

    def _id(self, prefix):
        return prefix + "".join(secrets.choice(ALPHABET) for _ in range(24))

    # --- building payouts ---
    def create_payout(
        self,
        charges=(),
        refunds=(),
        fees=(),
        created=None,
        status="paid",
        automatic=True,
        currency=None,
        payout_transaction=True,
    ):
        """A payout and its balance transactions, from a compact spec:

        - ``charges``: ``[{"order", "amount", "fee", "fee_tax"}]`` (decimal
          strings in major units; the charge's ``metadata`` names the order);
        - ``refunds``: ``[{"order", "amount"}]`` (a positive amount refunded);
        - ``fees``: ``[{"amount", "description"}]`` (account fees, positive).

        The payout pays the sum of the nets; its own ``payout`` transaction is
        listed too unless ``payout_transaction`` is false. ``created`` (Unix
        seconds) defaults to an hour after the previous payout's.
        """
        with self.sim.lock:
            currency = (currency or self.config["currency"]).lower()
            created = int(created if created is not None else next(self.clock))
            payout_id = self._id("po_")
            transactions = []
            for charge in charges:
                transactions.append(self._charge(charge, currency, created))
            for refund in refunds:
                transactions.append(self._refund(refund, currency, created))
            for fee in fees:
                transactions.append(self._fee(fee, currency, created))
            amount = sum(transaction["net"] for transaction in transactions)
            payout = {
                "id": payout_id,
                "object": "payout",
                "amount": amount,
                "arrival_date": created + 2 * 86400,
                "automatic": bool(automatic),
                "balance_transaction": self._id("txn_"),
                "created": created,
                "currency": currency,
                "description": "STRIPE PAYOUT",
                "destination": "ba_" + "S" * 24,
                "failure_balance_transaction": None,
                "failure_code": None,
                "failure_message": None,
                "livemode": False,
                "metadata": {},
                "method": "standard",
                "original_payout": None,
                "reconciliation_status": "completed"
                if status == "paid"
                else "in_progress",
                "reversed_by": None,
                "source_type": "card",
                "statement_descriptor": None,
                "status": status,
                "type": "bank_account",
            }
            if payout_transaction:
                transactions.append(
                    self._transaction(
                        payout["balance_transaction"],
                        -amount,
                        0,
                        [],
                        currency,
                        created,
                        "payout",
                        "payout",
                        {key: payout[key] for key in ("id", "object", "amount")},
                        "STRIPE PAYOUT",
                    )
                )
            for transaction in transactions:
                transaction["_payout"] = payout_id
            self.payouts[payout_id] = payout
            self.transactions[payout_id] = transactions
            return dict(payout)

    def _transaction(
        self,
        txn_id,
        amount,
        fee,
        details,
        currency,
        created,
        kind,
        category,
        source,
        text,
    ):
        return {
            "id": txn_id,
            "object": "balance_transaction",
            "amount": amount,
            "available_on": created - 3600,
            "created": created - 2 * 86400,
            "currency": currency,
            "description": text,
            "exchange_rate": None,
            "fee": fee,
            "fee_details": details,
            "net": amount - fee,
            "reporting_category": category,
            "source": source,
            "status": "available",
            "type": kind,
        }

    def _fee_detail(self, amount, kind, currency):
        return {
            "amount": amount,
            "application": None,
            "currency": currency,
            "description": {
                "stripe_fee": "Stripe processing fees",
                "tax": "Stripe fee tax",
                "application_fee": "Application fee",
            }[kind],
            "type": kind,
        }

    def _charge(self, spec, currency, created):
        amount = _cents(spec["amount"])
        details = []
        if spec.get("fee"):
            details.append(
                self._fee_detail(_cents(spec["fee"]), "stripe_fee", currency)
            )
        if spec.get("fee_tax"):
            details.append(self._fee_detail(_cents(spec["fee_tax"]), "tax", currency))
        fee = sum(detail["amount"] for detail in details)
        charge = {
            "id": self._id("ch_"),
            "object": "charge",
            "amount": amount,
            "currency": currency,
            "metadata": {self.config["order_ref_field"]: spec["order"]}
            if spec.get("order")
            else {},
            "payment_intent": self._id("pi_"),
        }
        return self._transaction(
            self._id("txn_"),
            amount,
            fee,
            details,
            currency,
            created,
            "charge",
            "charge",
            charge,
            f"Order {spec.get('order') or ''}".strip(),
        )

    def _refund(self, spec, currency, created):
        amount = _cents(spec["amount"])
        refund = {
            "id": self._id("re_"),
            "object": "refund",
            "amount": amount,
            "charge": spec.get("charge") or self._id("ch_"),
            "currency": currency,
            "metadata": {self.config["order_ref_field"]: spec["order"]}
            if spec.get("order")
            else {},
            "status": "succeeded",
        }
        return self._transaction(
            self._id("txn_"),
            -amount,
            0,
            [],
            currency,
            created,
            "refund",
            "refund",
            refund,
            "REFUND FOR CHARGE",
        )

    def _fee(self, spec, currency, created):
        amount = _cents(spec["amount"])
        return self._transaction(
            self._id("txn_"),
            -amount,
            0,
            [],
            currency,
            created,
            "stripe_fee",
            "fee",
            self._id("fee_"),
            spec.get("description") or "Stripe fee",
        )

    # --- answers in Stripe's shapes ---
    def authorized(self, headers, query):
        with self.sim.lock:
            self.versions_seen.append(headers.get("Stripe-Version"))
        return headers.get("Authorization") == f"Bearer {self.config['api_token']}"

    def unauthorized(self):
        return 401, _error(
            "invalid_request_error",
            "Invalid API Key provided: sk_****",
            "api_key_invalid",
        )

    def throttled(self, wait):
        return (
            429,
            _error(
                "invalid_request_error",
                "Request rate limit exceeded.",
                "rate_limit",
            ),
            {"Retry-After": f"{max(1, round(wait))}", "Stripe-Should-Retry": "true"},
        )

    def failed(self, status, retry_after):
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return status, _error("api_error", "injected"), headers

    def not_found(self):
        return 404, _error("invalid_request_error", "Unrecognized request URL.")

    def bad_request(self, message, field=None):
        return 400, _error("invalid_request_error", message, None, field)

    # --- REST ---
    def _page(self, records, query, url):
        """A list object: ``limit`` (1 to 100, default 10) records after the
        ``starting_after`` id, newest first as Stripe lists them."""
        limit = param(query, "limit", str(DEFAULT_LIMIT))
        if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
            return self.bad_request(
                f"Invalid integer: {limit}; limit must be 1 to {MAX_LIMIT}.", "limit"
            )
        limit = int(limit)
        records = sorted(
            records, key=lambda record: (record["created"], record["id"]), reverse=True
        )
        after = param(query, "starting_after")
        start = 0
        if after:
            ids = [record["id"] for record in records]
            if after not in ids:
                return self.bad_request(f"No such object: '{after}'", "starting_after")
            start = ids.index(after) + 1
        page = records[start : start + limit]
        return 200, {
            "object": "list",
            "data": page,
            "has_more": start + limit < len(records),
            "url": url,
        }

    def _created_filter(self, query):
        """``created[gte]=...`` and the other operators, or ``created=``."""
        bounds = []
        for operator in RANGE_OPERATORS:
            value = param(query, f"created[{operator}]")
            if value is not None:
                if not value.isdigit():
                    raise ValueError(f"created[{operator}] must be Unix seconds")
                bounds.append((operator, int(value)))
        exact = param(query, "created")
        if exact is not None:
            bounds.append(("eq", int(exact)))
        checks = {
            "gt": lambda a, b: a > b,
            "gte": lambda a, b: a >= b,
            "lt": lambda a, b: a < b,
            "lte": lambda a, b: a <= b,
            "eq": lambda a, b: a == b,
        }
        return lambda record: all(
            checks[operator](record["created"], value) for operator, value in bounds
        )

    def _payouts(self, query, body):
        status = param(query, "status")
        if status and status not in ("pending", "paid", "failed", "canceled"):
            return self.bad_request(f"Invalid status: {status}", "status")
        created = self._created_filter(query)
        records = [
            payout
            for payout in self.payouts.values()
            if (not status or payout["status"] == status) and created(payout)
        ]
        return self._page(records, query, "/v1/payouts")

    def _balance_transactions(self, query, body):
        payout_id = param(query, "payout")
        if payout_id is None:
            # Only the per-payout listing is simulated.
            return self.bad_request("Only ?payout= listings are simulated.", "payout")
        payout = self.payouts.get(payout_id)
        if payout is None:
            return self.bad_request(f"No such payout: '{payout_id}'", "payout")
        if not payout["automatic"]:
            return self.bad_request(
                "Balance transaction history can only be filtered on automatic "
                "payouts, not manual payouts.",
                "payout",
            )
        failing = (self.config.get("failing_payouts") or {}).get(payout_id)
        if failing:
            return self.failed(int(failing), None)
        expand = query.get("expand[]", [])
        records = []
        for transaction in self.transactions[payout_id]:
            record = {k: v for k, v in transaction.items() if not k.startswith("_")}
            source = record["source"]
            if isinstance(source, dict) and "data.source" not in expand:
                record["source"] = source["id"]
            records.append(record)
        return self._page(records, query, "/v1/balance_transactions")
