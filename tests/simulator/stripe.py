# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stripe mode: what a settlement fetch reads of Stripe, the payouts list and
the balance transactions of an automatic payout, and the disputes Stripe
reports by webhook. Shapes follow Stripe's API reference (Payout, Balance
Transaction, Charge, Dispute, Event, list objects and their cursor
pagination, https://docs.stripe.com/api/payouts,
https://docs.stripe.com/api/balance_transactions,
https://docs.stripe.com/api/disputes/object, https://docs.stripe.com/api/events)
and webhooks are signed as https://docs.stripe.com/webhooks#verify-manually
says: amounts are integers in minor units, currencies lower case, times Unix
seconds. Payouts are built from a compact spec (README.md)."""

import hashlib
import hmac
import itertools
import json
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


def sign(secret, timestamp, body):
    """``v1`` of ``Stripe-Signature``: hex HMAC-SHA256 of ``<t>.<body>``."""
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


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
        ("GET", "/v1/charges/<key>", "_charge_object"),
    )

    def reset(self):
        self.payouts = {}  # id: Payout
        self.transactions = {}  # payout id: [BalanceTransaction]
        self.charges = {}  # id: Charge
        self.disputes = {}  # id: Dispute
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
        disputes=(),
    ):
        """A payout and its balance transactions, from a compact spec:

        - ``charges``: ``[{"order", "amount", "fee", "fee_tax"}]`` (decimal
          strings in major units; the charge's ``metadata`` names the order;
          a ``"charge"`` of ``create_charge`` pays that one out instead);
        - ``refunds``: ``[{"order", "amount"}]`` (a positive amount refunded);
        - ``fees``: ``[{"amount", "description"}]`` (account fees, positive);
        - ``disputes``: ``[{"dispute", "fee", "reversal"}]``: the funds a
          dispute of ``create_dispute`` withdrew (with Stripe's dispute fee,
          default 15.00), or with ``"reversal": true`` reinstated.

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
            for dispute in disputes:
                transactions.append(self._dispute_funds(dispute, currency, created))
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

    def create_charge(self, order, amount, currency=None):
        """A charge paying ``order``, not paid out yet: what a dispute is
        about, and what ``GET /v1/charges/<id>`` answers."""
        with self.sim.lock:
            charge = self._new_charge(
                order, _cents(amount), (currency or self.config["currency"]).lower()
            )
            return dict(charge)

    def _new_charge(self, order, amount, currency):
        charge = {
            "id": self._id("ch_"),
            "object": "charge",
            "amount": amount,
            "currency": currency,
            "metadata": {self.config["order_ref_field"]: order} if order else {},
            "payment_intent": self._id("pi_"),
            "disputed": False,
        }
        self.charges[charge["id"]] = charge
        return charge

    def create_dispute(self, charge_id, reason="fraudulent", amount=None):
        """A dispute of a charge of ``create_charge``, needing a response;
        sends ``charge.dispute.created`` when the simulator has a target."""
        with self.sim.lock:
            charge = self.charges[charge_id]
            charge["disputed"] = True
            created = int(time.time())
            dispute = {
                "id": self._id("du_"),
                "object": "dispute",
                "amount": _cents(amount) if amount else charge["amount"],
                "balance_transactions": [],
                "charge": charge_id,
                "created": created,
                "currency": charge["currency"],
                "evidence_details": {
                    "due_by": created + 21 * 86400,
                    "has_evidence": False,
                    "past_due": False,
                    "submission_count": 0,
                },
                "is_charge_refundable": False,
                "livemode": False,
                "metadata": {},
                "payment_intent": charge["payment_intent"],
                "reason": reason,
                "status": "needs_response",
            }
            self.disputes[dispute["id"]] = dispute
        self._announce("charge.dispute.created", dispute)
        return dict(dispute)

    def close_dispute(self, dispute_id, status):
        """The issuer's decision (``won`` or ``lost``): sends
        ``charge.dispute.closed``."""
        if status not in ("won", "lost"):
            raise ValueError(f"a dispute closes won or lost, not {status}")
        with self.sim.lock:
            dispute = self.disputes[dispute_id]
            dispute["status"] = status
        self._announce("charge.dispute.closed", dispute)
        return dict(dispute)

    def event(self, topic, data_object, event_id=None, created=None):
        """The Event Stripe sends for ``topic`` about ``data_object``."""
        return {
            "id": event_id or self._id("evt_"),
            "object": "event",
            "api_version": self.config["api_version"],
            "created": int(time.time() if created is None else created),
            "data": {"object": data_object},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": topic,
        }

    def send(self, topic, payload, event_id, duplicates, timestamp, secret):
        """Deliver the Event about ``payload`` (its id ``event_id``, the same
        for every copy), signed per attempt with a fresh timestamp."""
        body = json.dumps(
            self.event(topic, payload, event_id, timestamp), separators=(",", ":")
        ).encode()

        def signed_headers():
            stamp = str(int(time.time() if timestamp is None else timestamp))
            return {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                "Stripe-Signature": f"t={stamp},v1="
                + sign(secret or self.config["webhook_secret"], stamp, body),
            }

        return [
            self.sim._post_with_retries(topic, event_id, body, signed_headers)
            for _copy in range(duplicates)
        ]

    def _announce(self, topic, data_object):
        if self.config["target_url"]:
            self.sim.send_webhook(topic, dict(data_object), event_id=self._id("evt_"))

    def _dispute_funds(self, spec, currency, created):
        dispute = self.disputes[spec["dispute"]]
        reversal = bool(spec.get("reversal"))
        fee = 0 if reversal else _cents(spec.get("fee", "15.00"))
        details = [self._fee_detail(fee, "stripe_fee", currency)] if fee else []
        amount = dispute["amount"] if reversal else -dispute["amount"]
        txn_id = self._id("txn_")
        dispute["balance_transactions"].append(txn_id)
        source = {
            key: dispute[key]
            for key in ("id", "object", "amount", "currency", "charge", "metadata")
        }
        return self._transaction(
            txn_id,
            amount,
            fee,
            details,
            currency,
            created,
            "adjustment",
            "dispute_reversal" if reversal else "dispute",
            source,
            ("Chargeback reversal for " if reversal else "Chargeback withdrawal for ")
            + dispute["charge"],
        )

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
        charge = (
            self.charges[spec["charge"]]
            if spec.get("charge")
            else self._new_charge(spec.get("order"), amount, currency)
        )
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

    def _charge_object(self, query, body, charge_id):
        charge = self.charges.get(charge_id)
        if charge is None:
            return 404, _error(
                "invalid_request_error",
                f"No such charge: '{charge_id}'",
                "resource_missing",
                "id",
            )
        return 200, charge

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
