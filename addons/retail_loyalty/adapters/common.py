# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The loyalty engine adapters' neutral shapes (one loyalty event, whatever the
engine, cut to what the suite uses): what Odoo sends, and what an engine
tells; and the ``loyalty`` capability every engine implements."""

import math
from dataclasses import dataclass

from odoo.addons.retail_connector_base.registry import Adapter


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


class LoyaltyAdapter(Adapter):
    """The ``loyalty`` capability of a platform: what the ledger's push, the
    engine's notifications and the reconciliation ask of an engine. A
    platform registers its subclass with
    ``@registry.register("<platform>", "loyalty")``."""

    def send(self, method, path, json_body=None, params=None, headers=None):
        """One call to the engine through the backend's client (rate limit,
        circuit breaker, request log): the ``send`` the protocol functions
        of each adapter file take."""
        return self.request(method, path, json_body, params, headers=headers)

    def push(self, entry, retrying=False):
        """Send one ``PointsPush``; the engine's reference for it.
        ``retrying`` says that an earlier attempt may have reached it."""
        raise NotImplementedError

    def balances(self, member_ids):
        """The engine's balance of each member of ``member_ids`` it knows."""
        raise NotImplementedError

    def parse_changes(self, payload, dedupe_key):
        """The ``EngineChange`` list an ``loyalty/adjustment`` inbox event
        tells; ValueError when the payload is not what the engine sends."""
        raise NotImplementedError
