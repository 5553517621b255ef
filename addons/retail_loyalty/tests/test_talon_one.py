# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import time
from pathlib import Path
from unittest.mock import patch

from odoo.addons.retail_connector_base.adapters import simulator as generic

from ..adapters import talon_one
from ..adapters.common import PointsPush
from .common import ENGINE_SEND, LoyaltyCommon

FIXTURES = Path(__file__).parent / "fixtures"


class TestTalonOne(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.talon = cls._prepare_backend(
            kind="loyalty",
            platform="talon_one",
            api_url="https://sim.talon.one",
            api_key="integration-key",
            access_token="management-key",
            webhook_secret="relay-secret",
            loyalty_engine_program="7",
            loyalty_program_id=cls.env["loyalty.program"]
            .create({"name": "Talon points", "program_type": "loyalty"})
            .id,
        )
        cls.notification = json.loads(
            (FIXTURES / "talon_one_added_deducted_points.json").read_text()
        )

    def _calls(self, answers):
        calls = []

        def send(method, path, json_body=None, params=None, headers=None):
            calls.append((method, path, json_body, params, headers))
            return answers.pop(0) if answers else None

        return calls, send

    def test_points_go_through_the_management_api(self):
        """Test that an accrual is an add_points and a redemption a
        deduct_points, with the management key and the idempotency key."""
        calls, send = self._calls([])
        with patch(ENGINE_SEND, side_effect=send):
            self.talon._adapter("loyalty").push(
                PointsPush("pos.order:u1:earn", "42", "accrual", 12.5)
            )
            self.talon._adapter("loyalty").push(
                PointsPush("redeem:3:R1", "42", "redemption", -5)
            )
        (m1, p1, b1, _q1, h1), (m2, p2, b2, _q2, h2) = calls
        self.assertEqual(
            (m1, p1), ("PUT", "v1/loyalty_programs/7/profile/42/add_points")
        )
        self.assertEqual(
            b1,
            {
                "points": 12.5,
                "name": "pos.order:u1:earn",
                "validityDuration": "unlimited",
            },
        )
        self.assertEqual(h1["Authorization"], "ManagementKey-v1 management-key")
        self.assertEqual(h1["Idempotency-Key"], "pos.order:u1:earn")
        self.assertEqual(p2, "v1/loyalty_programs/7/profile/42/deduct_points")
        self.assertEqual(b2, {"points": 5, "name": "redeem:3:R1"})

    def test_retried_push_found_in_transactions_is_not_sent_again(self):
        """Test that a push retried after a failure is looked up first."""
        calls, send = self._calls(
            [
                {
                    "hasMore": False,
                    "data": [{"name": "pos.order:u1:earn", "amount": 12.5}],
                }
            ]
        )
        with patch(ENGINE_SEND, side_effect=send):
            self.talon._adapter("loyalty").push(
                PointsPush("pos.order:u1:earn", "42", "accrual", 12.5), retrying=True
            )
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0][1], "v1/loyalty_programs/7/profile/42/transactions")
        self.assertEqual(calls[0][4]["Authorization"], "ApiKey-v1 integration-key")

    def test_balance_is_the_active_points(self):
        """Test that the engine's balance read is the profile's active points."""
        _calls, send = self._calls(
            [{"balance": {"activePoints": 80.5, "pendingPoints": 10, "spentPoints": 3}}]
        )
        with patch(ENGINE_SEND, side_effect=send):
            self.assertEqual(
                self.talon._adapter("loyalty").balances(["42"]), {"42": 80.5}
            )

    def test_notification_is_parsed(self):
        """Test that an Added/deducted points notification gives its changes;
        changes made through the Management API are our own echoes."""
        changes = talon_one.parse_changes(self.notification, "7", "n-1")
        self.assertEqual([c.points for c in changes], [25.0, -10.0])
        self.assertEqual(changes[0].member_id, "M-ANN")
        self.assertEqual(changes[1].idempotency_key, "redeem:3:R1")
        self.assertFalse(talon_one.parse_changes(self.notification, "8", "n-1"))

    def _signed(self, body, secret="relay-secret", timestamp=None, uuid="n-1"):
        stamp = int(time.time()) if timestamp is None else timestamp
        return generic.signed_headers(secret, stamp, "loyalty/adjustment", uuid, body)

    def test_notification_signature(self):
        """Test the relay's signature: valid, missing, wrong and outdated."""
        body = json.dumps(self.notification).encode()
        self.assertIsNone(self.talon._webhook_verify(self._signed(body), body))
        self.assertTrue(self.talon._webhook_verify({}, body))
        self.assertTrue(self.talon._webhook_verify(self._signed(body, "nope"), body))
        outdated = self._signed(body, timestamp=int(time.time()) - 3600)
        self.assertTrue(self.talon._webhook_verify(outdated, body))

    def test_notification_replayed_under_a_fresh_uuid_credits_once(self):
        """Test that a relayed notification replayed within the tolerance
        with a fresh x-uuid (unsigned) is a duplicate, and one under a fresh
        event id no longer verifies: the points are credited once."""
        self.env["retail.partner.binding"].create(
            {
                "backend_id": self.talon.id,
                "odoo_id": self.ann.id,
                "external_id": "M-ANN",
            }
        )
        body = json.dumps(self.notification).encode()
        signed = self._signed(body)
        self.assertIsNone(self.talon._webhook_verify(signed, body))
        first = self.talon._webhook_receive(dict(signed, **{"x-uuid": "n-1"}), body)
        replay = self.talon._webhook_receive(dict(signed, **{"x-uuid": "n-2"}), body)
        self.assertEqual(
            (first, replay), ({"status": "accepted"}, {"status": "duplicate"})
        )
        fresh_id = dict(signed, **{generic.EVENT_ID_HEADER: "n-2"})
        self.assertTrue(self.talon._webhook_verify(fresh_id, body))
        self.talon._process_events()
        card = self.env["loyalty.card"]._retail_card_for(
            self.talon.loyalty_program_id, self.ann
        )
        self.assertEqual(card.points, 15)

    def test_notification_through_the_inbox(self):
        """Test that a notification's engine-side change lands on the card."""
        self.env["retail.partner.binding"].create(
            {
                "backend_id": self.talon.id,
                "odoo_id": self.ann.id,
                "external_id": "M-ANN",
            }
        )
        body = json.dumps(self.notification).encode()
        self.talon._webhook_receive(self._signed(body), body)
        self.talon._process_events()
        card = self.env["loyalty.card"]._retail_card_for(
            self.talon.loyalty_program_id, self.ann
        )
        # The deduction names no entry of ours: it is a change made at
        # Talon.One through its API by someone else, and counts.
        self.assertEqual(card.points, 15)
