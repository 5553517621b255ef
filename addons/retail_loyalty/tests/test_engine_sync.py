# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo import fields

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.exceptions import RetailTransientError

from .common import ENGINE_SEND, LoyaltyCommon

TOPIC = "loyalty/adjustment"


class TestPush(LoyaltyCommon):
    def test_push_sends_each_entry_once_with_its_idempotency_key(self):
        """Test that waiting entries reach the engine, each keyed by its
        transaction id, and that sending them again counts nothing twice."""
        self._post(30, "t-1")
        self._post(-10, "t-2", kind="redemption")
        with self._engine() as engine:
            self.loyalty_backend._loyalty_push()
            self._entries().engine_state = "pending"
            self.loyalty_backend._loyalty_push()
        self.assertEqual(engine.balances, {"M-ANN": 20})
        keys = [call[3]["Idempotency-Key"] for call in engine.calls]
        self.assertEqual(keys, ["t-1", "t-2", "t-1", "t-2"])
        self.assertEqual(set(self._entries().mapped("engine_state")), {"sent"})

    def test_customer_without_member_id_gets_odoo_id(self):
        """Test that a customer unknown to the engine is bound by Odoo's id."""
        bob = self.env["res.partner"].create({"name": "Bob"})
        self._post(5, "t-1", partner=bob)
        with self._engine() as engine:
            self.loyalty_backend._loyalty_push()
        self.assertEqual(engine.balances, {str(bob.id): 5})

    def test_refused_entry_is_kept_failed_with_an_activity(self):
        """Test that an entry the engine refuses is failed with its reason."""
        self._post(30, "t-1")
        with self._engine() as engine:
            engine.refuse = "insufficient_points"
            self.loyalty_backend._loyalty_push()
        entry = self._entries()
        self.assertEqual(entry.engine_state, "failed")
        self.assertIn("insufficient_points", entry.engine_error)
        self.assertTrue(self.loyalty_backend.activity_ids)

    def _failure_activities(self):
        return self.env["retail.exception.activity"]._open(
            self.loyalty_backend, "loyalty_push"
        )

    def test_refusals_of_one_cause_give_one_activity_until_sent(self):
        """Test that two refused pushes keep one activity in sight, its note
        naming both entries, and that it is done once they are sent."""
        with self._engine() as engine:
            engine.refuse = "member is blocked"
            self._post(30, "t-1")
            self.loyalty_backend._loyalty_push()
            self._post(10, "t-2")
            self.loyalty_backend._loyalty_push()
            activity = self._failure_activities()
            self.assertEqual(len(activity), 1)
            self.assertIn("t-1", activity.note)
            self.assertIn("t-2", activity.note)
            engine.refuse = None
            self.loyalty_backend.action_loyalty_resend_failed()
            self.loyalty_backend._loyalty_push()
        self.assertEqual(set(self._entries().mapped("engine_state")), {"sent"})
        self.assertFalse(self._failure_activities())
        self.assertFalse(self.loyalty_backend.activity_ids)

    def test_unavailable_engine_reschedules_the_push(self):
        """Test that an engine that does not answer leaves entries waiting
        and the backend's one push job due again, later at each attempt and
        never before the engine's Retry-After."""
        backend = self.loyalty_backend
        backend.write({"retry_delay": 60, "max_attempts": 5})
        self._post(30, "t-1")
        self._post(5, "t-2")
        error = RetailTransientError("503", retry_after=40)
        etas = []
        with patch(ENGINE_SEND, side_effect=error):
            for _attempt in range(3):
                with trap_jobs() as trap:
                    backend._loyalty_push()
                    trap.assert_jobs_count(1, only=backend._loyalty_push)
                    trap.assert_enqueued_job(
                        backend._loyalty_push,
                        properties={
                            "identity_key": f"retail_loyalty_push_{backend.id}"
                        },
                    )
                    etas.append(trap.enqueued_jobs[0].eta)
        now = fields.Datetime.now()
        waits = [(eta - now).total_seconds() for eta in etas]
        self.assertGreaterEqual(waits[0], 40)
        self.assertLess(waits[0], 60 * 1.2 + 5)
        self.assertGreater(waits[2], waits[0])
        first, second = self._entries().sorted("id")
        self.assertEqual((first.engine_state, first.engine_attempts), ("pending", 3))
        self.assertEqual(second.engine_attempts, 0, "not tried behind the first")
        self.assertFalse(self._failure_activities())

    def test_exhausted_attempts_keep_the_entry_failed_with_one_activity(self):
        """Test that an entry whose attempts are used up is kept as failed,
        the entries behind it go on, and one activity tells."""
        self.loyalty_backend.max_attempts = 2
        self._post(30, "t-1")
        self._post(5, "t-2")
        first, second = self._entries().sorted("id")
        first.engine_attempts = 1
        error = RetailTransientError("503")
        with patch(ENGINE_SEND, side_effect=error), trap_jobs():
            self.loyalty_backend._loyalty_push()
        self.assertEqual((first.engine_state, first.engine_attempts), ("failed", 2))
        self.assertIn("2 attempts", first.engine_error)
        self.assertEqual((second.engine_state, second.engine_attempts), ("pending", 1))
        self.assertEqual(len(self._failure_activities()), 1)

    def test_new_points_during_an_outage_add_no_job(self):
        """Test that points earned while the push waits for the engine join
        the backend's waiting job instead of enqueuing one each."""
        error = RetailTransientError("503")
        with patch(ENGINE_SEND, side_effect=error), trap_jobs() as trap:
            self._post(30, "t-1")
            self.loyalty_backend._loyalty_push()
            self._post(5, "t-2")
            self._post(7, "t-3")
            self.loyalty_backend._loyalty_push()
            trap.assert_jobs_count(1, only=self.loyalty_backend._loyalty_push)
        self.assertEqual(self._entries().mapped("engine_attempts"), [0, 0, 2])


class TestEngineChanges(LoyaltyCommon):
    def _adjust(self, key="LT-9", points="15", member="M-ANN", **extra):
        payload = {"id": key, "member_id": member, "points": points, **extra}
        return self._receive(self.loyalty_backend, TOPIC, payload, key)

    def test_engine_adjustment_lands_on_the_card_once(self):
        """Test that a balance change made in the engine is recorded once,
        not sent back, whatever the deliveries."""
        self._post(30, "t-1")
        self._adjust()
        self._receive(
            self.loyalty_backend,
            TOPIC,
            {"id": "LT-9", "member_id": "M-ANN", "points": "15"},
            "another-delivery",
        )
        self._adjust("LT-10", "-5", kind="expiry")
        self.assertEqual(self._card().points, 40)
        engine_rows = self._entries([("origin", "=", "engine")])
        self.assertEqual(engine_rows.mapped("kind"), ["expiry", "adjustment"])
        self.assertEqual(set(engine_rows.mapped("engine_state")), {"none"})
        self.assertLedgerMatchesCards()

    def test_echo_of_our_push_changes_nothing(self):
        """Test that the engine reporting a change we sent is recognized."""
        self._post(30, "t-1")
        self._adjust("LT-11", "30", idempotency_key="t-1")
        self.assertEqual(self._card().points, 30)

    def test_unknown_member_fails_with_activity(self):
        """Test that a change for a member bound to nobody fails."""
        event = self._adjust(member="M-NOBODY")
        self.assertEqual(event.failure_code, "unknown_customer")
        self.assertTrue(event.activity_ids)

    def test_malformed_change_fails(self):
        """Test that a change without points fails with its reason."""
        event = self._receive(self.loyalty_backend, TOPIC, {"id": "x"}, "bad")
        self.assertEqual(event.failure_code, "invalid_engine_event")

    def test_non_finite_points_fail_as_malformed(self):
        """Test that NaN and infinite points or balances (JSON parsers read
        them) fail the change at once and leave the card as it was."""
        self._post(30, "t-1")
        wrong = [
            {"points": "NaN"},
            {"points": float("inf")},
            {"balance_after": float("nan")},
        ]
        for number, values in enumerate(wrong):
            with self.subTest(**values):
                event = self._adjust(f"LT-bad-{number}", **{"points": "5", **values})
                self.assertEqual(event.state, "failed")
                self.assertEqual(event.failure_code, "invalid_engine_event")
                self.assertFalse(event.next_attempt_at, "no retry is planned")
        self.assertEqual(self._card().points, 30)
        self.assertLedgerMatchesCards()
