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
from urllib.parse import parse_qs

from odoo.addons.retail_connector_base.adapters.common import (
    check_signature,
    load_json_object,
    parse_datetime,
    required_header,
)

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
    return check_signature(
        secrets, headers.get(SIGNATURE_HEADER), lambda secret: sign(secret, body)
    )


def parse_event(headers, body):
    """Inbox values of a verified delivery; ValueError when it is malformed."""
    topic = required_header(headers, TOPIC_HEADER)
    payload = load_json_object(body)
    if "id" not in payload:
        raise ValueError("the body has no resource id")
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
        "external_updated_at": parse_datetime(modified),
    }
