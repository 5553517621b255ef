# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The simulator's generic loyalty protocol (tests/simulator/README.md,
"Loyalty engine"), Odoo's side. Webhooks are signed as every generic
delivery is (``retail_connector_base/adapters/simulator.py``).

Calls, each ``send(method, path, json_body=None, params=None, headers=None)``
through the backend's rate-limited client:

- ``POST api/v1/loyalty/members/<member>/transactions`` ``{"points" (signed),
  "kind", "reason"}`` with an ``Idempotency-Key`` header: 201 ``{"id",
  "member_id", "points", "balance"}``; the same key again answers the first
  answer and counts nothing.
- ``GET api/v1/loyalty/members?cursor=&limit=``: ``{"members": [{"member_id",
  "balance"}], "next_cursor"}``.

Webhooks: ``loyalty/adjustment`` ``{"id", "member_id", "points" (signed),
"kind": "adjustment" | "expiry", "reason", "balance_after",
"idempotency_key" (when the change is the echo of one of ours)}``; channels
post ``loyalty/redemption`` ``{"id", "customer_ref", "points", "order_ref",
"reason"}``.
"""

from urllib.parse import quote

from odoo.addons.retail_connector_base.registry import register

from .common import EngineChange, LoyaltyAdapter, number

PAGE_SIZE = 500


def push(send, push):
    """Send one ledger entry; the engine's id of the transaction."""
    answer = send(
        "POST",
        f"api/v1/loyalty/members/{quote(push.member_id, safe='')}/transactions",
        json_body={"points": push.points, "kind": push.kind, "reason": push.reason},
        headers={"Idempotency-Key": push.idempotency_key},
    )
    return str(answer["id"])


def balances(send, member_ids):
    """The engine's balance of each member it knows, among ``member_ids``
    (all when None): one paged listing, not one call per member."""
    found, cursor = {}, None
    while True:
        params = {"limit": PAGE_SIZE}
        if cursor:
            params["cursor"] = cursor
        answer = send("GET", "api/v1/loyalty/members", params=params)
        for member in answer.get("members", []):
            if member_ids is None or member["member_id"] in member_ids:
                found[member["member_id"]] = number(member["balance"], "balance")
        cursor = answer.get("next_cursor")
        if not cursor:
            return found


def parse_changes(payload):
    """The engine changes a ``loyalty/adjustment`` payload tells."""
    kind = payload.get("kind") or "adjustment"
    if kind not in ("adjustment", "expiry"):
        raise ValueError(f"kind '{kind}' is neither 'adjustment' nor 'expiry'")
    for key in ("id", "member_id", "points"):
        if payload.get(key) in (None, ""):
            raise ValueError(f"'{key}' is missing")
    balance = payload.get("balance_after")
    return [
        EngineChange(
            external_id=str(payload["id"]),
            member_id=str(payload["member_id"]),
            points=number(payload["points"], "points"),
            kind=kind,
            reason=payload.get("reason") or "",
            idempotency_key=payload.get("idempotency_key") or "",
            balance_after=None if balance is None else number(balance, "balance"),
        )
    ]


@register("simulator", "loyalty")
class SimulatorLoyalty(LoyaltyAdapter):
    def push(self, entry, retrying=False):
        # Idempotency keys make a retried push harmless: nothing to look up.
        return push(self.send, entry)

    def balances(self, member_ids):
        return balances(self.send, set(member_ids))

    def parse_changes(self, payload, dedupe_key):
        return parse_changes(payload)
