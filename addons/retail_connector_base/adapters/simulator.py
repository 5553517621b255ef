# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The simulator's generic protocol (tests/simulator/README.md), receiving side.

Webhooks carry ``X-Retail-Topic``, ``X-Retail-Event-Id``, ``X-Retail-Timestamp``
(unix seconds) and ``X-Retail-Signature: v2=<hex>``, the hex HMAC-SHA256 of
the timestamp, the topic, the event id and the raw body joined by line feeds,
keyed with the webhook secret, much as Stripe signs its webhooks. The topic
and the event id are signed because they decide how the delivery is booked
and whether it is a duplicate: a captured delivery replayed under another id
or topic no longer matches its signature. No header value can hold a line
feed, so no character can be moved from one part to the next. (``v1``
signed the timestamp and the body only, and is refused.)
"""

import hashlib
import hmac
import time

from ..registry import register
from .common import (
    ConnectionAdapter,
    WebhookAdapter,
    body_digest,
    check_signature,
    load_json_object,
    parse_datetime,
    required_header,
)

SIGNATURE_HEADER = "X-Retail-Signature"
TIMESTAMP_HEADER = "X-Retail-Timestamp"
TOPIC_HEADER = "X-Retail-Topic"
EVENT_ID_HEADER = "X-Retail-Event-Id"
SIGNATURE_SCHEME = "v2="


def sign(secret, timestamp, topic, event_id, body):
    message = f"{timestamp}\n{topic}\n{event_id}\n".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(secret, timestamp, topic, event_id, body):
    """The headers of a delivery of ``body``, for the senders (the
    simulator, the relays, the tests)."""
    return {
        TOPIC_HEADER: topic,
        EVENT_ID_HEADER: event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: SIGNATURE_SCHEME
        + sign(secret, timestamp, topic, event_id, body),
    }


def verify_signature(secrets, headers, body, tolerance, now=None):
    """Return None when ``body``, its topic and its event id are signed by
    one of ``secrets`` within ``tolerance`` seconds of ``now``, else the
    reason in a few words."""
    received = headers.get(SIGNATURE_HEADER) or ""
    timestamp = headers.get(TIMESTAMP_HEADER) or ""
    # isdigit alone takes "²" and other digits int() refuses.
    if not (timestamp.isascii() and timestamp.isdigit()):
        return "timestamp header missing"
    topic = headers.get(TOPIC_HEADER) or ""
    event_id = headers.get(EVENT_ID_HEADER) or ""
    reason = check_signature(
        secrets,
        received.removeprefix(SIGNATURE_SCHEME)
        if received.startswith(SIGNATURE_SCHEME)
        else "",
        lambda secret: sign(secret, timestamp, topic, event_id, body),
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
        # The event id is signed; without one, the body is the event.
        "dedupe_key": headers.get(EVENT_ID_HEADER) or body_digest(body),
        "subject_key": str(payload["id"]) if payload.get("id") else None,
        "payload": payload,
        "external_updated_at": parse_datetime(payload.get("updated_at")),
    }


@register("simulator", "connection")
class SimulatorConnection(ConnectionAdapter):
    def test(self):
        return self.request("GET", "api/v1/ping")


@register("simulator", "webhook")
class SimulatorWebhook(WebhookAdapter):
    def verify(self, headers, body):
        return verify_signature(
            self.backend._get_webhook_secrets(),
            headers,
            body,
            self.backend.webhook_tolerance,
        )

    def parse(self, headers, body):
        return parse_event(headers, body)
