# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What every platform adapter does the same way; the platform files keep
only what differs (headers, what is signed, how, and the dedupe key)."""

import hashlib
import hmac
import json
from datetime import datetime, timezone
from urllib.parse import urlsplit

from ..registry import Adapter

# No platform nests its payloads a tenth as deep; deeper ones are refused
# before anything (parsing, storing, processing) recurses through them.
MAX_JSON_DEPTH = 64
# Where this connector receives webhooks (controllers/main.py), whatever the
# host and the backend's token.
WEBHOOK_PATH = "/retail/webhook/"


def equal_signatures(received, expected):
    """Whether two signature strings are equal, in constant time. Headers
    may hold any character (a caller's choice), which ``compare_digest``
    refuses on ``str``: both sides are compared as UTF-8 bytes."""
    return hmac.compare_digest(received.encode(), expected.encode())


def check_signature(secrets, received, expected_for):
    """None when ``received`` matches ``expected_for(secret)`` for one of the
    backend's ``secrets`` (compared in constant time), else the reason."""
    if not secrets:
        return "no webhook secret is configured on the backend"
    if not received:
        return "signature header missing"
    if not any(equal_signatures(received, expected_for(secret)) for secret in secrets):
        return "signature does not match"
    return None


def body_digest(body):
    """Hex SHA-256 of a raw body: the part of a dedupe key that a replay under
    other (unsigned) headers cannot change."""
    return hashlib.sha256(body).hexdigest()


def load_json_object(body):
    """The body as a dict; ValueError, for a 400, when it is not one."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"the body is not valid JSON: {error}") from error
    except RecursionError as error:
        raise ValueError("the body's JSON is nested too deeply") from error
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object")
    if _depth_exceeds(payload, MAX_JSON_DEPTH):
        raise ValueError(
            f"the body's JSON is nested deeper than {MAX_JSON_DEPTH} levels"
        )
    return payload


def _depth_exceeds(value, limit):
    # Iterative, so that measuring the depth cannot itself recurse too deep.
    stack = [(value, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            if depth > limit:
                return True
            stack.extend((item, depth + 1) for item in value)
    return False


def required_header(headers, name):
    value = headers.get(name)
    if not value:
        raise ValueError(f"the {name} header is missing")
    return value


def parse_datetime(value):
    """Naive UTC datetime, as Odoo stores them, from an ISO 8601 string (a
    value without zone designator is taken as UTC)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError) as error:
        raise ValueError(f"not an ISO 8601 date: {value}") from error
    if parsed.tzinfo:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


class ConnectionAdapter(Adapter):
    """How calls to a platform authenticate and how a manager's *Test
    connection* reaches it. Platforms override what differs."""

    def request_headers(self):
        """Headers every call carries (authentication)."""
        token = self.backend._get_secret("access_token")
        return {"Authorization": f"Bearer {token}"} if token else {}

    def test(self):
        """One harmless call; raises when the platform does not answer."""
        raise NotImplementedError

    def test_warnings(self):
        """What *Test connection* should tell the manager although the
        platform answered (sentences); none by default."""
        return []


def subscription_changes(existing, topics, url):
    """``(topics to create, subscriptions to delete)`` that make the
    platform's ``existing`` subscriptions (each ``{"id", "topic", "url",
    "active"}``) the connector's subscriptions of ``topics`` at ``url``.
    The connector's own are those of this server (the scheme and host of
    ``url``) under its webhook path: one at another URL there (the
    backend's URL before it changed), of a topic no longer needed, inactive,
    or repeating one already kept goes. Any other is left alone: another
    system's, or another copy of this database's (a test server sharing the
    app), which must not lose its webhooks."""
    server = urlsplit(url)[:2]
    kept, stale = set(), []
    for subscription in existing:
        address = urlsplit(subscription["url"] or "")
        if address[:2] != server or not address.path.startswith(WEBHOOK_PATH):
            continue
        topic = subscription["topic"]
        if (
            subscription["url"] == url
            and topic in topics
            and subscription.get("active", True)
            and topic not in kept
        ):
            kept.add(topic)
        else:
            stale.append(subscription)
    return [topic for topic in topics if topic not in kept], stale


class WebhookAdapter(Adapter):
    """How a platform's webhook deliveries are checked and read."""

    # Whether the connector keeps the platform's webhook subscriptions in
    # step with the backend itself (``sync_subscriptions``); otherwise the
    # manager sets them up on the platform.
    registers_subscriptions = False

    def sync_subscriptions(self):
        """Make the platform's subscriptions of the backend those its
        enabled flows need, at its webhook URL, and return ``{"created":
        [topics], "deleted": [topics]}``."""
        raise NotImplementedError

    def is_ping(self, headers, body):
        """Whether the delivery is the platform's check that the URL answers
        (unsigned, not an event): it gets a 200 and is not stored."""
        return False

    def verify(self, headers, body):
        """None when the delivery is signed by one of the backend's secrets,
        else a short reason (no secret in it)."""
        raise NotImplementedError

    def parse(self, headers, body):
        """The inbox values of a verified delivery: ``topic``,
        ``dedupe_key``, ``payload`` (parsed JSON), optionally
        ``subject_key``, ``external_updated_at`` and ``delivery_id``; or
        ``ignored`` with the reason for a delivery that books nothing.

        :raise ValueError: when the body is not valid for its topic
        """
        raise NotImplementedError

    def receive(self, headers, body):
        """Store a verified delivery and say what became of it, for the
        answer's body. A platform whose deliveries carry several messages
        overrides it to store each.

        :raise ValueError: when the body is not valid for its topic
        """
        values = self.parse(headers, body)
        if values.get("ignored"):
            # Answered 200 so that the platform does not send it again.
            return {"status": "ignored", "reason": values["ignored"]}
        event = self.backend._webhook_store(values, alone=True)
        return {"status": "accepted" if event else "duplicate"}
