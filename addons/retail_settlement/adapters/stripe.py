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

Webhooks (https://docs.stripe.com/webhooks#verify-manually): the body is an
Event (https://docs.stripe.com/api/events/object) signed in the
``Stripe-Signature`` header, ``t=<Unix seconds>,v1=<hex>[,v1=...]``, the
HMAC-SHA256 of ``<t>.<raw body>`` keyed with the endpoint's signing secret
(the backend's *Webhook secret*); a timestamp further than the backend's
tolerance from now is refused as a replay. The event id is in the signed
body, so it is the dedupe key: Stripe retries a delivery with the same
event. Only dispute events are stored (``StripeDisputes.topics``); any
other type the endpoint is subscribed to is answered 200 and dropped.

Disputes (https://docs.stripe.com/api/disputes/object): the event's
``data.object``; amounts in minor units, ``charge`` the disputed payment.
A dispute names no order: the charge's ``metadata`` does (``order_id``, as
the payout parser reads it), asked with ``GET /v1/charges/{id}``
(https://docs.stripe.com/api/charges/retrieve) when no settled charge line
says it already.
"""

import hashlib
import hmac
import re
import time

from odoo.addons.retail_connector_base.adapters.common import (
    ConnectionAdapter,
    WebhookAdapter,
    equal_signatures,
    load_json_object,
)
from odoo.addons.retail_connector_base.registry import register

from ..parsers import stripe as parser
from ..parsers.common import from_timestamp, minor_units
from .disputes import MALFORMED, ChannelDispute, DisputesAdapter
from .payouts import PayoutsAdapter

DEFAULT_URL = "https://api.stripe.com"
DEFAULT_VERSION = "2025-01-27.acacia"
SIGNATURE_HEADER = "Stripe-Signature"
# The charge metadata key naming the order, as the payout parser reads it.
ORDER_REF_FIELD = "order_id"
CHARGE_ID = re.compile(r"[A-Za-z0-9_]+")


def sign(secret, timestamp, body):
    """The ``v1`` signature of ``body`` sent at ``timestamp``."""
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify_signature(secrets, header, body, tolerance, now=None):
    """None when the ``Stripe-Signature`` ``header`` signs ``body`` with one
    of ``secrets`` within ``tolerance`` seconds of ``now``, else the reason."""
    if not secrets:
        return "no webhook secret is configured on the backend"
    if not header:
        return "signature header missing"
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            signatures.append(value)
    if not (timestamp and timestamp.isascii() and timestamp.isdigit()):
        return "timestamp missing from the signature header"
    if not signatures:
        return "no v1 signature in the signature header"
    if not any(
        equal_signatures(received, sign(secret, timestamp, body))
        for secret in secrets
        for received in signatures
    ):
        return "signature does not match"
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > tolerance:
        return "timestamp outside the tolerance window (replay refused)"
    return None


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


@register("stripe", "webhook")
class StripeWebhook(WebhookAdapter):
    def verify(self, headers, body):
        return verify_signature(
            self.backend._get_webhook_secrets(),
            headers.get(SIGNATURE_HEADER),
            body,
            self.backend.webhook_tolerance,
        )

    def parse(self, headers, body):
        payload = load_json_object(body)
        topic, event_id = payload.get("type"), payload.get("id")
        if not (isinstance(topic, str) and isinstance(event_id, str)):
            raise ValueError("not a Stripe event: it has no id or type")
        if topic not in StripeDisputes.topics:
            return {"ignored": f"Stripe events of type {topic} are not read"}
        subject = (payload.get("data") or {}).get("object") or {}
        return {
            "topic": topic,
            "dedupe_key": event_id,
            "subject_key": subject.get("id") if isinstance(subject, dict) else None,
            "payload": payload,
            "external_updated_at": from_timestamp(
                payload.get("created"), None, "event created"
            ),
        }


@register("stripe", "disputes")
class StripeDisputes(DisputesAdapter):
    topics = (
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
    )
    # An inquiry closed without a chargeback, or one prevented, leaves the
    # money with the merchant: won as far as the books go.
    won_statuses = ("won", "warning_closed", "prevented")
    lost_statuses = ("lost", "charge_refunded")

    def parse(self, payload):
        try:
            dispute = payload["data"]["object"]
            if dispute.get("object") != "dispute":
                raise ValueError("the event's object is not a dispute")
            currency = str(dispute["currency"]).upper()
            charge = dispute.get("charge")
            if isinstance(charge, dict):
                charge = charge.get("id")
            status = str(dispute["status"])
            state = self.state_of(status)
            evidence = dispute.get("evidence_details") or {}
            return ChannelDispute(
                external_id=str(dispute["id"]),
                status=status,
                state=state,
                amount=minor_units(dispute["amount"], currency, None, "amount"),
                currency=currency,
                reason=dispute.get("reason") or "",
                order_ref=str(
                    (dispute.get("metadata") or {}).get(ORDER_REF_FIELD) or ""
                ),
                transaction_ref=str(charge or ""),
                opened_at=from_timestamp(dispute.get("created"), None, "created"),
                evidence_due_by=from_timestamp(
                    evidence.get("due_by"), None, "evidence due by"
                ),
                closed_at=from_timestamp(payload.get("created"), None, "event created")
                if state != "opened"
                else None,
            )
        except MALFORMED as error:
            raise ValueError(f"malformed Stripe dispute event: {error!r}") from error

    def fetch_order_ref(self, dispute):
        # Signed by Stripe, yet a path segment: only an id is sent as one.
        if not CHARGE_ID.fullmatch(dispute.transaction_ref):
            return ""
        charge = self.request("GET", f"v1/charges/{dispute.transaction_ref}") or {}
        return str((charge.get("metadata") or {}).get(ORDER_REF_FIELD) or "")
