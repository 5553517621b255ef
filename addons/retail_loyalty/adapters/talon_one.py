# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Talon.One, a loyalty engine, for a profile-based loyalty program
(https://docs.talon.one/management-api and
https://docs.talon.one/integration-api).

Calls, each ``send(method, path, json_body=None, params=None, headers=None)``
through the backend's rate-limited client:

- Points in and out, Management API (``Authorization: ManagementKey-v1
  <key>``): ``PUT /v1/loyalty_programs/{id}/profile/{integrationId}/add_points``
  with ``AddLoyaltyPoints`` and ``.../deduct_points`` with
  ``DeductLoyaltyPoints``; both answer 204.
  https://docs.talon.one/management-api#tag/Loyalty
- Balances and transactions, Integration API (``Authorization: ApiKey-v1
  <key>``): ``GET /v1/loyalty_programs/{id}/profile/{integrationId}/balances``
  and ``.../transactions``.
  https://docs.talon.one/integration-api#tag/Loyalty

Every write carries an ``Idempotency-Key`` header (documented for the
Integration API only by a third-party summary of Talon.One's OpenAPI), and
the key is also the transaction's ``name``: ``add_points`` and
``deduct_points`` have no documented idempotency, so a push that may have
reached Talon.One before failing is first looked up in the profile's
transactions by that name instead of being sent again.

Talon.One does not sign its notifications. Its "Added/deducted points"
loyalty notification (``AddedDeductedPointsNotification``:
``profileIntegrationID``, ``loyaltyProgramID``, ``amount``, ``operation``,
``typeOfChange``, ``reason``, ...) is posted to the backend's webhook URL
through a relay that signs it with the backend's webhook secret in the
suite's generic scheme (``X-Retail-Signature``, see
``retail_connector_base/adapters/simulator.py``), so that nobody who learns
the URL can change a balance. The relay sends the notification's ``x-uuid``
as the generic event id, which the scheme signs: that id, never the
unsigned ``x-uuid`` header, deduplicates notifications, so a captured
notification replayed under a fresh ``x-uuid`` credits nothing twice.
"""

from urllib.parse import quote

from odoo.addons.retail_connector_base.adapters import simulator as generic
from odoo.addons.retail_connector_base.adapters.common import (
    ConnectionAdapter,
    WebhookAdapter,
    body_digest,
    load_json_object,
)
from odoo.addons.retail_connector_base.registry import register

from .. import const
from .common import EngineChange, LoyaltyAdapter, number

# Talon.One's points never expire unless the program says so; the suite
# mirrors Odoo's cards, which have no expiry per transaction.
VALIDITY = "unlimited"
TRANSACTIONS_PAGE = 50
# Notifications of changes made through the Management API are the echoes of
# our own pushes; the ledger already holds them.
OWN_CHANGE_SOURCES = ("managementapi", "management api")


def _profile_path(program_id, member_id):
    return (
        f"v1/loyalty_programs/{quote(str(program_id), safe='')}"
        f"/profile/{quote(member_id, safe='')}"
    )


def management_headers(key):
    return {"Authorization": f"ManagementKey-v1 {key}"}


def integration_headers(key):
    return {"Authorization": f"ApiKey-v1 {key}"}


def push(send, program_id, push, management_key):
    """Add or deduct the points of one ledger entry; the key it is known by
    at Talon.One (the transaction's name: the answer has no body)."""
    operation = "add_points" if push.points > 0 else "deduct_points"
    body = {"points": abs(push.points), "name": push.idempotency_key}
    if operation == "add_points":
        body["validityDuration"] = VALIDITY
    send(
        "PUT",
        f"{_profile_path(program_id, push.member_id)}/{operation}",
        json_body=body,
        headers=dict(
            management_headers(management_key),
            **{"Idempotency-Key": push.idempotency_key},
        ),
    )
    return push.idempotency_key


def find_transaction(send, program_id, member_id, name, integration_key):
    """Whether the profile's transactions hold one named ``name``: then a
    push that failed half-way did reach Talon.One."""
    skip = 0
    while True:
        answer = send(
            "GET",
            f"{_profile_path(program_id, member_id)}/transactions",
            params={"pageSize": TRANSACTIONS_PAGE, "skip": skip},
            headers=integration_headers(integration_key),
        )
        data = (answer or {}).get("data") or []
        if any(transaction.get("name") == name for transaction in data):
            return True
        if not answer.get("hasMore") or not data:
            return False
        skip += len(data)


def balance(send, program_id, member_id, integration_key):
    """The profile's active points."""
    answer = send(
        "GET",
        f"{_profile_path(program_id, member_id)}/balances",
        headers=integration_headers(integration_key),
    )
    return number(
        ((answer or {}).get("balance") or {}).get("activePoints", 0), "activePoints"
    )


def _get(values, name):
    """A notification key in the SDK's camelCase or the PascalCase of
    Talon.One's notification examples."""
    lowered = {key.lower(): value for key, value in values.items()}
    return lowered.get(name.lower())


def parse_changes(payload, program_id, dedupe_key):
    """The engine changes of an "Added/deducted points" notification: one
    object, or a page of them under ``Data``. Changes of another program
    are left out."""
    items = _get(payload, "data") if _get(payload, "data") is not None else [payload]
    if not isinstance(items, list):
        raise ValueError("'Data' must be a list")
    changes = []
    for position, item in enumerate(items):
        if str(_get(item, "loyaltyProgramID")) != str(program_id):
            continue
        member_id = _get(item, "profileIntegrationID")
        if not member_id:
            raise ValueError("'profileIntegrationID' is missing")
        amount = abs(number(_get(item, "amount"), "amount"))
        operation = (_get(item, "operation") or "").lower()
        if operation not in ("addition", "deduction", "subtraction"):
            raise ValueError(f"operation '{operation}' is not addition or deduction")
        source = (_get(item, "typeOfChange") or "").lower()
        reason = _get(item, "reason") or ""
        changes.append(
            EngineChange(
                external_id=f"{dedupe_key}:{position}",
                member_id=str(member_id),
                points=amount if operation == "addition" else -amount,
                kind="expiry" if "expir" in source else "adjustment",
                reason=reason,
                idempotency_key=reason if source in OWN_CHANGE_SOURCES else "",
            )
        )
    return changes


@register("talon_one", "loyalty")
class TalonOneLoyalty(LoyaltyAdapter):
    """Points through the Management API, balances and transactions through
    the Integration API, each with its own key."""

    def push(self, entry, retrying=False):
        program = self.backend.loyalty_engine_program
        # add_points and deduct_points have no documented idempotency: a push
        # that may have arrived is looked up before being sent again.
        if retrying and find_transaction(
            self.send,
            program,
            entry.member_id,
            entry.idempotency_key,
            self.backend._get_secret("api_key"),
        ):
            return entry.idempotency_key
        return push(self.send, program, entry, self.backend._get_secret("access_token"))

    def balances(self, member_ids):
        # Talon.One has no listing of balances: one call per member.
        key = self.backend._get_secret("api_key")
        program = self.backend.loyalty_engine_program
        return {
            member: balance(self.send, program, member, key) for member in member_ids
        }

    def parse_changes(self, payload, dedupe_key):
        return parse_changes(payload, self.backend.loyalty_engine_program, dedupe_key)


@register("talon_one", "connection")
class TalonOneConnection(ConnectionAdapter):
    def request_headers(self):
        # Talon.One's two APIs take two keys, given per call.
        return {}

    def test(self):
        return TalonOneLoyalty(self.backend).balances(["odoo-connection-test"])


@register("talon_one", "webhook")
class TalonOneWebhook(WebhookAdapter):
    """Talon.One's notifications arrive signed in the generic scheme by the
    relay (see the module docstring)."""

    def verify(self, headers, body):
        return generic.verify_signature(
            self.backend._get_webhook_secrets(),
            headers,
            body,
            self.backend.webhook_tolerance,
        )

    def parse(self, headers, body):
        # The relay passes Talon.One's x-uuid on as the event id, which it
        # signs; x-uuid itself is not signed, so a replay could change it.
        return {
            "topic": const.ADJUSTMENT_TOPIC,
            "dedupe_key": headers.get(generic.EVENT_ID_HEADER) or body_digest(body),
            "payload": load_json_object(body),
        }
