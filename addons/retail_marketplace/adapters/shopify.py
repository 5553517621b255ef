# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shopify webhooks, receiving side.

https://shopify.dev/docs/apps/build/webhooks/verify and
https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates: the body is
signed with ``base64(HMAC-SHA256(app client secret, raw body))`` in
``X-Shopify-Hmac-Sha256``, with no timestamp in the MAC. Deliveries are
at-least-once and retried with the original payload; the duplicate detector is
``X-Shopify-Event-Id``, and ``X-Shopify-Webhook-Id`` is kept beside it.
"""

import base64
import hashlib
import hmac

from odoo.addons.retail_connector_base.adapters.common import (
    check_signature,
    load_json_object,
    parse_datetime,
    required_header,
)

SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"
TOPIC_HEADER = "X-Shopify-Topic"
SHOP_HEADER = "X-Shopify-Shop-Domain"
EVENT_ID_HEADER = "X-Shopify-Event-Id"
WEBHOOK_ID_HEADER = "X-Shopify-Webhook-Id"


def sign(secret, body):
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_signature(secrets, headers, body):
    """None when ``body`` is signed by one of ``secrets``, else the reason."""
    return check_signature(
        secrets, headers.get(SIGNATURE_HEADER), lambda secret: sign(secret, body)
    )


def parse_event(headers, body):
    """Inbox values of a verified delivery; ValueError when it is malformed."""
    topic = required_header(headers, TOPIC_HEADER)
    payload = load_json_object(body)
    webhook_id = headers.get(WEBHOOK_ID_HEADER)
    event_id = headers.get(EVENT_ID_HEADER) or required_header(
        headers, WEBHOOK_ID_HEADER
    )
    return {
        "topic": topic,
        "dedupe_key": f"{headers.get(SHOP_HEADER, '')}:{topic}:{event_id}",
        "delivery_id": webhook_id,
        "subject_key": str(payload["id"]) if payload.get("id") else None,
        "payload": payload,
        "external_updated_at": parse_datetime(payload.get("updated_at")),
    }
