# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The suite's one retry policy: which errors are worth another try, how
long to wait before it, and when to give up.

Inbox events, outbound pushes, loyalty pushes, shipment reports and payout
fetches all wait ``delay(attempt)`` seconds: the backend's first delay,
doubled at each attempt, spread by ±20 % so that contenders do not come
back together, never sooner than the platform's own ``Retry-After``, and
never longer than ``MAX_DELAY``. After the backend's ``max_attempts`` the
work is kept as failed and the exception-activity service raises one
activity for it.
"""

import math
import random
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import requests

from .exceptions import RetailTransientError

TRANSIENT_ERRORS = (
    RetailTransientError,
    requests.ConnectionError,
    requests.Timeout,
)
# A retry further away than this is no retry but an outage; the work waits
# for the platform at this pace.
MAX_DELAY = 3600
SPREAD = 0.2


def delay(attempt, first_delay, retry_after=None):
    """Seconds to wait before attempt ``attempt + 1`` (``attempt`` counts
    from 1, the attempt that just failed)."""
    base = first_delay * 2 ** max(attempt - 1, 0)
    spread = base * random.uniform(1 - SPREAD, 1 + SPREAD)
    return min(max(spread, retry_after or 0), MAX_DELAY)


def exhausted(attempt, max_attempts):
    """Whether ``attempt`` failed attempts use up the ``max_attempts``."""
    return attempt >= max(max_attempts, 1)


def parse_retry_after(value, now=None):
    """Seconds a ``Retry-After`` header asks to wait, given in seconds or
    as an HTTP date (RFC 9110, section 10.2.3), or None when it says
    neither."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = None
    if seconds is not None:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max((when - now).total_seconds(), 0.0)
