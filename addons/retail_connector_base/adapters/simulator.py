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
import time

from .common import check_signature, load_json_object, parse_datetime, required_header

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
    received = headers.get(SIGNATURE_HEADER) or ""
    timestamp = headers.get(TIMESTAMP_HEADER) or ""
    if not timestamp.isdigit():
        return "timestamp header missing"
    reason = check_signature(
        secrets,
        received.removeprefix(SIGNATURE_SCHEME)
        if received.startswith(SIGNATURE_SCHEME)
        else "",
        lambda secret: sign(secret, timestamp, body),
    )
    if reason:
        return reason
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > tolerance:
        return "timestamp outside the tolerance window (replay refused)"
    return None


def parse_event(headers, body):
    """Inbox values of a verified delivery; ValueError when it is malformed."""
    topic = required_header(headers, TOPIC_HEADER)
    payload = load_json_object(body)
    return {
        "topic": topic,
        "dedupe_key": headers.get(EVENT_ID_HEADER) or hashlib.sha256(body).hexdigest(),
        "subject_key": str(payload["id"]) if payload.get("id") else None,
        "payload": payload,
        "external_updated_at": parse_datetime(payload.get("updated_at")),
    }


def order_to_event(order):
    """Inbox values of an order pulled from the API. Its dedupe key is the
    order's version, so pulling the same version twice stores it once."""
    return {
        "topic": "orders/updated",
        "dedupe_key": f"order-{order['id']}-{order['updated_at']}",
        "subject_key": str(order["id"]),
        "external_updated_at": parse_datetime(order["updated_at"]),
    }
