# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Loyalty engine modes: member balances kept by the engine, points added
and deducted through the API with an ``Idempotency-Key`` honoured (the same
key again answers the first answer and counts nothing), and webhooks for the
changes made on the engine's side (``adjust``). ``loyalty`` speaks the
generic protocol (README.md, "Loyalty engine"); ``talon_one`` is shaped like
Talon.One's Management and Integration APIs
(https://docs.talon.one/management-api, https://docs.talon.one/integration-api)."""

import re
import threading
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from urllib.parse import unquote

from .common import GenericAnswers, Platform

CENT = Decimal("0.01")
PAGE = 500
MAX_IDEMPOTENCY_KEY = 255


def _points(value):
    return Decimal(str(value)).quantize(CENT)


def _now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class LoyaltyEngine(GenericAnswers, Platform):
    """The generic protocol's loyalty engine."""

    DEFAULTS = {"allow_negative": False}
    ROUTES = (
        ("GET", r"/api/v1/ping", "_ping"),
        ("POST", r"/api/v1/loyalty/members/([^/]+)/transactions", "_transact"),
        ("GET", r"/api/v1/loyalty/members/([^/]+)", "_member"),
        ("GET", r"/api/v1/loyalty/members", "_members"),
    )
    TOPIC = "loyalty/adjustment"

    def __init__(self, sim):
        super().__init__(sim)
        # The server gives a mode's handler no headers but hands them to
        # authorized() first, on the request's own thread.
        self.request = threading.local()
        self.routes = [
            (method, re.compile(pattern + "$"), name)
            for method, pattern, name in self.ROUTES
        ]

    def reset(self):
        self.balances = {}  # member id: Decimal
        self.transactions = []  # every change, in order
        self.answers = {}  # idempotency key: (status, body)
        self.replays = 0
        self.ids = iter(range(1, 10**9))

    def stats(self):
        return {
            "loyalty_balances": {
                member: str(points) for member, points in self.balances.items()
            },
            "loyalty_transactions": [dict(t) for t in self.transactions],
            "idempotent_replays": self.replays,
        }

    # --- answers ---
    def authorized(self, headers, query):
        self.request.headers = headers
        return super().authorized(headers, query)

    def not_found(self):
        return 404, {"error": "not_found"}

    def bad_request(self, message):
        return 400, {"error": message}

    def template(self, path):
        return re.sub(r"/members/[^/]+", "/members/<id>", path)

    def handle(self, method, path, query, body):
        for route_method, pattern, name in self.routes:
            match = pattern.match(path)
            if match and route_method == method:
                args = [unquote(value) for value in match.groups()]
                with self.sim.lock:
                    try:
                        status, reply, *headers = getattr(self, name)(
                            query, body, *args
                        )
                    except (KeyError, TypeError, ValueError, ArithmeticError) as error:
                        status, reply, *headers = self.bad_request(
                            f"malformed request: {error}"
                        )
                return status, reply, (headers or [{}])[0]
        return (*self.not_found(), {})

    # --- idempotency ---
    def _idempotent(self, apply):
        """Run ``apply`` once per ``Idempotency-Key``; a replay gets the first
        answer. Calls without a key are refused: a retried call would count
        twice."""
        key = getattr(self.request, "headers", {}).get("Idempotency-Key")
        if not key or len(key) > MAX_IDEMPOTENCY_KEY:
            return self.bad_request(
                "an Idempotency-Key header (1-255 chars) is required"
            )
        if key in self.answers:
            self.replays += 1
            return self.answers[key]
        answer = apply(key)
        if 200 <= answer[0] < 300:
            self.answers[key] = answer
        return answer

    def _change(self, member, points, kind, reason, key=None, source="api"):
        """Move a member's balance; the transaction, or None when it would go
        below zero on a deduction (a reversal may: the points were spent)."""
        balance = self.balances.get(member, Decimal("0")) + points
        if balance < 0 and kind not in ("reverse", "reversal", "adjustment", "expiry"):
            if not self.config["allow_negative"]:
                return None
        self.balances[member] = balance
        transaction = {
            "id": f"LT-{next(self.ids)}",
            "member_id": member,
            "points": str(points),
            "kind": kind,
            "reason": reason,
            "idempotency_key": key,
            "source": source,
            "balance": str(balance),
            "created_at": _now(),
        }
        self.transactions.append(transaction)
        return transaction

    # --- generic routes ---
    def _ping(self, query, body):
        return 200, {"ok": True}

    def _transact(self, query, body, member):
        def apply(key):
            points = _points(body["points"])
            transaction = self._change(
                member,
                points,
                body.get("kind") or "adjustment",
                body.get("reason") or "",
                key,
            )
            if transaction is None:
                return 422, {
                    "error": "insufficient_points",
                    "balance": str(self.balances.get(member, Decimal("0"))),
                }
            return 201, {
                "id": transaction["id"],
                "member_id": member,
                "points": transaction["points"],
                "balance": transaction["balance"],
            }

        return self._idempotent(apply)

    def _member(self, query, body, member):
        balance = self.balances.get(member, Decimal("0"))
        return 200, {"member_id": member, "balance": str(balance)}

    def _members(self, query, body):
        start = int((query.get("cursor") or ["0"])[0] or 0)
        limit = min(int((query.get("limit") or [str(PAGE)])[0]), PAGE)
        members = sorted(self.balances)
        page = members[start : start + limit]
        following = start + limit
        return 200, {
            "members": [
                {"member_id": member, "balance": str(self.balances[member])}
                for member in page
            ],
            "next_cursor": str(following) if following < len(members) else None,
        }

    # --- helpers for tests (also the engine's own back office) ---
    def set_balance(self, member, points):
        """Seed a member's balance without any webhook."""
        with self.sim.lock:
            self.balances[member] = _points(points)

    def balance(self, member):
        with self.sim.lock:
            return self.balances.get(member, Decimal("0"))

    def adjust(self, member, points, reason="", kind="adjustment", duplicates=1):
        """A change made in the engine (a bonus, a correction, an expiry):
        applied, then announced by webhook ``duplicates`` times when a target
        URL is set. Returns the transaction."""
        with self.sim.lock:
            transaction = self._change(
                member, _points(points), kind, reason, source="engine"
            )
        if self.config["target_url"]:
            self.sim.send_webhook(
                self.TOPIC,
                self.notification(transaction),
                event_id=transaction["id"],
                duplicates=duplicates,
            )
        return transaction

    def notification(self, transaction):
        return {
            "id": transaction["id"],
            "member_id": transaction["member_id"],
            "points": transaction["points"],
            "kind": "expiry" if transaction["kind"] == "expiry" else "adjustment",
            "reason": transaction["reason"],
            "balance_after": transaction["balance"],
            "occurred_at": transaction["created_at"],
        }

    def send(self, topic, payload, event_id, duplicates, timestamp, secret):
        return [
            self.sim._deliver(topic, payload, event_id, timestamp, secret)
            for _copy in range(duplicates)
        ]


class TalonOne(LoyaltyEngine):
    """Talon.One's loyalty calls for a profile-based program: points added
    and deducted through the Management API (``ManagementKey-v1``, 204 with
    no body), balances and transactions read through the Integration API
    (``ApiKey-v1``); errors as ``{"message", "errors": [{"title"}]}``. Its
    "Added/deducted points" notifications are signed in the generic scheme
    (Talon.One signs nothing; the suite puts a signing relay in between)."""

    DEFAULTS = {
        "allow_negative": False,
        "program_id": "7",
        "management_key": "sim-management-key",
        "integration_key": "sim-integration-key",
    }
    PROFILE = r"/v1/loyalty_programs/([^/]+)/profile/([^/]+)"
    ROUTES = (
        ("PUT", PROFILE + r"/add_points", "_add_points"),
        ("PUT", PROFILE + r"/deduct_points", "_deduct_points"),
        ("GET", PROFILE + r"/balances", "_balances"),
        ("GET", PROFILE + r"/transactions", "_transactions"),
    )
    TOPIC = "loyalty/adjustment"

    def authorized(self, headers, query):
        self.request.headers = headers
        return headers.get("Authorization") in (
            f"ManagementKey-v1 {self.config['management_key']}",
            f"ApiKey-v1 {self.config['integration_key']}",
        )

    def unauthorized(self):
        return 401, {"message": "Unauthorized", "errors": [{"title": "Unauthorized"}]}

    def not_found(self):
        return 404, {"message": "Not found", "errors": [{"title": "Not found"}]}

    def bad_request(self, message):
        return 400, {"message": message, "errors": [{"title": message}]}

    def template(self, path):
        return re.sub(
            r"/loyalty_programs/[^/]+/profile/[^/]+",
            "/loyalty_programs/<id>/profile/<integrationId>",
            path,
        )

    def _key_of(self, kind):
        expected = self.config[f"{kind}_key"]
        prefix = "ManagementKey-v1" if kind == "management" else "ApiKey-v1"
        return self.request.headers.get("Authorization") == f"{prefix} {expected}"

    def _program(self, program):
        return program == str(self.config["program_id"])

    def _points_call(self, body, program, member, sign):
        if not self._key_of("management"):
            return self.unauthorized()
        if not self._program(program):
            return self.not_found()

        def apply(key):
            points = _points(body["points"])
            if points <= 0:
                return self.bad_request("points must be positive")
            kind = "addition" if sign > 0 else "subtraction"
            transaction = self._change(
                member, sign * points, kind, body.get("name") or "", key
            )
            if transaction is None:
                return self.bad_request("not enough points in the profile's balance")
            return 204, None

        return self._idempotent(apply)

    def _add_points(self, query, body, program, member):
        return self._points_call(body, program, member, 1)

    def _deduct_points(self, query, body, program, member):
        return self._points_call(body, program, member, -1)

    def _balances(self, query, body, program, member):
        if not self._key_of("integration") or not self._program(program):
            return self.unauthorized()
        active = self.balances.get(member, Decimal("0"))
        spent = -sum(
            (
                Decimal(t["points"])
                for t in self.transactions
                if t["member_id"] == member and Decimal(t["points"]) < 0
            ),
            Decimal("0"),
        )
        return 200, {
            "balance": {
                "activePoints": float(active),
                "pendingPoints": 0.0,
                "spentPoints": float(spent),
                "expiredPoints": 0.0,
            },
            "subledgerBalances": {},
        }

    def _transactions(self, query, body, program, member):
        if not self._key_of("integration") or not self._program(program):
            return self.unauthorized()
        skip = int((query.get("skip") or ["0"])[0])
        size = int((query.get("pageSize") or ["50"])[0])
        mine = [t for t in self.transactions if t["member_id"] == member]
        page = mine[skip : skip + size]
        return 200, {
            "hasMore": skip + size < len(mine),
            "data": [
                {
                    "programId": int(self.config["program_id"]),
                    "type": "addition" if Decimal(t["points"]) > 0 else "subtraction",
                    "name": t["reason"],
                    "amount": abs(float(t["points"])),
                    "created": t["created_at"],
                    "subledgerId": "",
                }
                for t in page
            ],
        }

    def notification(self, transaction):
        points = Decimal(transaction["points"])
        return {
            "NotificationType": "LoyaltyAddedDeductedPointsNotification",
            "Data": [
                {
                    "ProfileIntegrationID": transaction["member_id"],
                    "LoyaltyProgramID": int(self.config["program_id"]),
                    "SubledgerID": "",
                    "Amount": abs(float(points)),
                    "Operation": "addition" if points >= 0 else "deduction",
                    "TypeOfChange": "Expiry"
                    if transaction["kind"] == "expiry"
                    else "Campaign Manager",
                    "Reason": transaction["reason"],
                    "EmployeeName": "Simulator",
                    "UserID": 1,
                    "SessionIntegrationID": "",
                }
            ],
        }

    def send(self, topic, payload, event_id, duplicates, timestamp, secret):
        # Talon.One notifications carry their id in the x-uuid header; the
        # relay keeps it as the generic event id.
        return super().send(
            topic, payload, event_id or str(uuid.uuid4()), duplicates, timestamp, secret
        )
