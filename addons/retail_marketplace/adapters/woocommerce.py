# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""WooCommerce webhooks, receiving side (class-wc-webhook.php).

The signature is ``base64(HMAC-SHA256(secret, raw body))`` in
``X-WC-Webhook-Signature``, where WooCommerce first HTML-entity-decodes the
secret (``wp_specialchars_decode``). There is no event id and a failed
delivery is never retried, so the dedupe key is built from the webhook, the
resource and its modification date plus a hash of the body, and WooCommerce
backends also run a reconciliation poll. A new webhook is first pinged with an
unsigned form body ``webhook_id=<id>`` that must get exactly HTTP 200.
"""

import base64
import hashlib
import hmac
import html
import json
from urllib.parse import parse_qs

from odoo.addons.retail_connector_base.adapters.simulator import _parse_datetime

SIGNATURE_HEADER = "X-WC-Webhook-Signature"
TOPIC_HEADER = "X-WC-Webhook-Topic"
WEBHOOK_ID_HEADER = "X-WC-Webhook-ID"
DELIVERY_ID_HEADER = "X-WC-Webhook-Delivery-ID"
RESOURCE_HEADER = "X-WC-Webhook-Resource"


def sign(secret, body):
    key = html.unescape(secret).encode()
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def is_ping(headers, body):
    if headers.get(SIGNATURE_HEADER):
        return False
    try:
        fields = parse_qs(body.decode(), strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return False
    return list(fields) == ["webhook_id"]


def verify_signature(secrets, headers, body):
    """None when ``body`` is signed by one of ``secrets``, else the reason."""
    if not secrets:
        return "no webhook secret is configured on the backend"
    received = headers.get(SIGNATURE_HEADER)
    if not received:
        return "signature header missing"
    if not any(hmac.compare_digest(received, sign(secret, body)) for secret in secrets):
        return "signature does not match"
    return None


def parse_event(headers, body):
    """Inbox values of a verified delivery; ValueError when it is malformed."""
    topic = headers.get(TOPIC_HEADER)
    if not topic:
        raise ValueError(f"the {TOPIC_HEADER} header is missing")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"the body is not valid JSON: {error}") from error
    if not isinstance(payload, dict) or "id" not in payload:
        raise ValueError("the body must be a JSON object with an id")
    modified = payload.get("date_modified_gmt")
    dedupe = ":".join(
        [
            headers.get(WEBHOOK_ID_HEADER, ""),
            str(payload["id"]),
            modified or "",
            hashlib.sha256(body).hexdigest()[:16],
        ]
    )
    return {
        "topic": topic,
        "dedupe_key": dedupe,
        "delivery_id": headers.get(DELIVERY_ID_HEADER),
        "subject_key": str(payload["id"]),
        "payload": payload,
        # date_modified_gmt has no zone designator; it is UTC by definition.
        "external_updated_at": _parse_datetime(modified) if modified else None,
    }
