# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The loyalty engine adapters' neutral shapes (one loyalty event, whatever the
engine, cut to what the suite uses): what Odoo sends, and what an engine tells."""

import math
from dataclasses import dataclass


@dataclass
class PointsPush:
    """A ledger entry as the engine receives it. ``idempotency_key`` is the
    ledger's transaction id: an engine that sees it twice counts it once."""

    idempotency_key: str
    member_id: str
    kind: str
    points: float  # signed: positive adds, negative deducts
    reason: str = ""


@dataclass
class EngineChange:
    """A balance change made in the engine (a bonus, a correction, an
    expiry). ``idempotency_key`` is set when the change is the echo of a
    push of ours, which the ledger already holds."""

    external_id: str
    member_id: str
    points: float  # signed
    kind: str = "adjustment"  # or "expiry"
    reason: str = ""
    idempotency_key: str = ""
    balance_after: float | None = None


def number(value, what):
    """A float from a JSON number or decimal string; ValueError naming it,
    also for NaN and infinities, which ``float`` and JSON parsers accept."""
    try:
        result = float(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what} '{value}' is not a number") from error
    if not math.isfinite(result):
        raise ValueError(f"{what} '{value}' is not a finite number")
    return result
