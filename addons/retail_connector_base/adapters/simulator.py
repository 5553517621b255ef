# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The simulator's generic protocol (tests/simulator/README.md), receiving side.

Webhooks carry ``X-Retail-Topic``, ``X-Retail-Event-Id``, ``X-Retail-Timestamp``
(unix seconds) and ``X-Retail-Signature: v1=<hex>``, the hex HMAC-SHA256 of
``<timestamp>.<raw body>`` keyed with the webhook secret, in the way Stripe
signs its webhooks.
"""

import hashlib
import hmac
import json
import time
from datetime import datetime, timezone

SIGNATURE_HEADER = "X-Retail-Signature"
TIMESTAMP_HEADER = "X-Retail-Timestamp"
TOPIC_HEADER = "X-Retail-Topic"
EVENT_ID_HEADER = "X-Retail-Event-Id"
SIGNATURE_SCHEME = "v1="


def sign(secret, timestamp, body):
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(secrets, headers, body, tolerance, now=None):
    """Return None when ``body`` is signed by one of ``secrets`` within
    ``tolerance`` seconds of ``now``, else the reason in a few words."""
    if not secrets:
        return "no webhook secret is configured on the backend"
    received = headers.get(SIGNATURE_HEADER) or ""
    timestamp = headers.get(TIMESTAMP_HEADER) or ""
    if not received.startswith(SIGNATURE_SCHEME) or not timestamp.isdigit():
        return "signature or timestamp header missing"
    received = received[len(SIGNATURE_SCHEME) :]
    if not any(
        hmac.compare_digest(received, sign(secret, timestamp, body))
        for secret in secrets
    ):
        return "signature does not match"
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > tolerance:
        return "timestamp outside the tolerance window (replay refused)"
    return None


def _parse_datetime(value):
    """Naive UTC datetime, as Odoo stores them, from an ISO 8601 string."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def parse_event(headers, body):
    """Inbox values of a verified delivery; ValueError when it is malformed."""
    topic = headers.get(TOPIC_HEADER)
    if not topic:
        raise ValueError(f"the {TOPIC_HEADER} header is missing")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"the body is not valid JSON: {error}") from error
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object")
    updated_at = payload.get("updated_at")
    try:
        external_updated_at = _parse_datetime(updated_at) if updated_at else None
    except (TypeError, ValueError) as error:
        raise ValueError(f"updated_at is not an ISO 8601 date: {updated_at}") from error
    return {
        "topic": topic,
        "dedupe_key": headers.get(EVENT_ID_HEADER) or hashlib.sha256(body).hexdigest(),
        "subject_key": str(payload["id"]) if payload.get("id") else None,
        "payload": payload,
        "external_updated_at": external_updated_at,
    }


def order_to_event(order):
    """Inbox values of an order pulled from the API. Its dedupe key is the
    order's version, so a poll and a webhook about the same change meet."""
    return {
        "topic": "orders/updated",
        "dedupe_key": f"order-{order['id']}-{order['updated_at']}",
        "subject_key": str(order["id"]),
        "external_updated_at": _parse_datetime(order["updated_at"]),
    }
