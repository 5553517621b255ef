# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What every platform adapter does the same way; the platform files keep
only what differs (headers, what is signed, how, and the dedupe key)."""

import hmac
import json
from datetime import datetime, timezone


def check_signature(secrets, received, expected_for):
    """None when ``received`` matches ``expected_for(secret)`` for one of the
    backend's ``secrets`` (compared in constant time), else the reason."""
    if not secrets:
        return "no webhook secret is configured on the backend"
    if not received:
        return "signature header missing"
    if not any(
        hmac.compare_digest(received, expected_for(secret)) for secret in secrets
    ):
        return "signature does not match"
    return None


def load_json_object(body):
    """The body as a dict; ValueError, for a 400, when it is not one."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"the body is not valid JSON: {error}") from error
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object")
    return payload


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
