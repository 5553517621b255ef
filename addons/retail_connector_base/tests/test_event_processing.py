# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

import psycopg2.errors
from psycopg2.extensions import (
    ISOLATION_LEVEL_REPEATABLE_READ,
    TRANSACTION_STATUS_IDLE,
)

from odoo import fields, sql_db

from odoo.addons.queue_job.tests.common import trap_jobs

from .. import jobs, retry
from ..exceptions import RetailBusinessError, RetailTransientError
from ..models import retail_backend, retail_event
from .common import RetailCommon


class TestEventProcessing(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.activity_type = cls.env.ref(
            "retail_connector_base.mail_activity_type_sync_exception"
        )

    def _with_handler(self, handler):
        """Make every event of the test use ``handler``."""
        return patch.object(
            type(self.env["retail.event"]),
            "_get_event_handler",
            lambda event: handler,
        )

    def _make_due(self, event):
        event._write_outcome(
            {"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)}
        )

    def _open_activities(self, events):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "retail.event"),
                ("res_id", "in", events.ids),
                ("activity_type_id", "=", self.activity_type.id),
            ]
        )

    def test_success_links_the_record(self):
        """Test that a handled event is done and linked to what it produced."""
        partner = self.env["res.partner"].create({"name": "Handled"})
        event = self._receive_event()
        with self._with_handler(lambda event: partner):
            self.backend._process_events()
        self.assertEqual(event.state, "done")
        self.assertEqual((event.res_model, event.res_id), ("res.partner", partner.id))
        self.assertEqual(event.attempts, 1)

    def test_transient_errors_retry_with_growing_delays_then_succeed(self):
        """Test that transient failures back off exponentially, then succeed."""
        event = self._receive_event()
        delays = []
        with self._with_handler(self._raise(RetailTransientError("HTTP 503"))):
            for _attempt in range(2):
                before = fields.Datetime.now()
                self.backend._process_events()
                self.assertEqual(event.state, "pending")
                delays.append((event.next_attempt_at - before).total_seconds())
                self._make_due(event)
        self.assertEqual(event.attempts, 2)
        # 30 s then 60 s, each with +-20 % jitter.
        self.assertTrue(23 <= delays[0] <= 37, delays)
        self.assertTrue(47 <= delays[1] <= 73, delays)
        with self._with_handler(lambda event: None):
            self.backend._process_events()
        self.assertEqual(event.state, "done")
        self.assertFalse(self._open_activities(event))

    def test_retry_after_from_the_platform_is_honoured(self):
        """Test that a platform's Retry-After longer than the backoff wins."""
        event = self._receive_event()
        error = RetailTransientError("HTTP 429", retry_after=600)
        with self._with_handler(self._raise(error)):
            self.backend._process_events()
        wait = (event.next_attempt_at - fields.Datetime.now()).total_seconds()
        self.assertGreater(wait, 590)

    def test_retries_follow_the_suite_retry_policy(self):
        """Test that an event's retry waits what the suite's retry policy
        says: never longer than its longest delay, even when the platform
        asks for more."""
        event = self._receive_event()
        error = RetailTransientError("HTTP 429", retry_after=7 * 3600)
        with self._with_handler(self._raise(error)):
            self.backend._process_events()
        wait = (event.next_attempt_at - retail_event.inbox_now()).total_seconds()
        self.assertTrue(retry.MAX_DELAY - 10 < wait <= retry.MAX_DELAY, wait)

    def test_transient_errors_end_failed_with_an_activity(self):
        """Test that the last failed attempt leaves it failed, with an activity."""
        event = self._receive_event()
        with self._with_handler(self._raise(RetailTransientError("timeout"))):
            for _attempt in range(self.backend.max_attempts):
                self.backend._process_events()
                self._make_due(event)
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.failure_kind, "transient")
        self.assertIn("Gave up after 3 attempts", event.last_error)
        activity = self._open_activities(event)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.retail_manager)

    def test_a_lost_race_is_retried_soon_without_spending_an_attempt(self):
        """Test that a serialization failure leaves the event pending for a
        fresh transaction within seconds, attempts untouched, and that the job
        stops there and hands the events after it to a fresh job."""
        first = self._receive_event(key="evt-1")
        second = self._receive_event(key="evt-2")
        conflict = psycopg2.errors.SerializationFailure(
            "could not serialize access due to concurrent update"
        )
        with self._with_handler(self._raise(conflict)), trap_jobs() as trap:
            self.backend._process_events()
            trap.assert_jobs_count(2, only=self.backend._process_events)
        self.assertEqual(
            (first.state, first.attempts, first.conflicts), ("pending", 0, 1)
        )
        wait = (first.next_attempt_at - fields.Datetime.now()).total_seconds()
        self.assertLessEqual(wait, 2)
        self.assertEqual((second.state, second.attempts), ("pending", 0))
        self.assertFalse(second.next_attempt_at)
        with self._with_handler(lambda event: None):
            self.backend._process_events()
        self.assertEqual(second.state, "done")

    def test_a_job_past_its_time_budget_hands_the_rest_over(self):
        """Test that a job stops handling events once its time budget is
        spent, leaving the others pending for a fresh job."""
        first = self._receive_event(key="evt-1")
        second = self._receive_event(key="evt-2")
        with (
            self._with_handler(lambda event: None),
            patch.object(retail_event, "EVENTS_JOB_BUDGET", 0),
            trap_jobs() as trap,
        ):
            self.backend._process_events()
            trap.assert_jobs_count(1, only=self.backend._process_events)
        self.assertEqual(first.state, "done")
        self.assertEqual((second.state, second.attempts), ("pending", 0))

    def test_business_error_fails_at_once_with_one_activity(self):
        """Test that a business failure stops at once, and that a second event
        failing the same way on the same object shares the activity."""
        error = RetailBusinessError("Unknown SKU ABC-1", code="unknown_sku")
        first = self._receive_event(key="evt-1", subject="order-7")
        with self._with_handler(self._raise(error)):
            self.backend._process_events()
        self.assertEqual(first.state, "failed")
        self.assertEqual(first.attempts, 1)
        self.assertEqual(first.failure_code, "unknown_sku")
        second = self._receive_event(key="evt-2", subject="order-7")
        with self._with_handler(self._raise(error)):
            self.backend._process_events()
        self.assertEqual(second.state, "failed")
        activities = self._open_activities(first | second)
        self.assertEqual(len(activities), 1)
        self.assertIn("Unknown SKU ABC-1", str(activities.note))

    def test_handler_writes_are_undone_when_it_fails(self):
        """Test that a failing handler leaves nothing half-done behind."""

        def half_done(event):
            self.env["res.partner"].create({"name": "Half done"})
            raise RetailBusinessError("Totals differ")

        self._receive_event()
        with self._with_handler(half_done):
            self.backend._process_events()
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Half done")]))

    def test_unhandled_topic_is_a_business_failure(self):
        """Test that a topic no module handles fails with a clear reason."""
        event = self._receive_event(topic="unknown/topic")
        self.backend._process_events()
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.failure_code, "no_handler")
        self.assertIn("unknown/topic", event.last_error)

    def test_retry_after_fix_succeeds_and_closes_the_activity(self):
        """Test that Retry reprocesses, shows in chatter, and closes the activity."""
        event = self._receive_event(subject="order-9")
        with self._with_handler(self._raise(RetailBusinessError("No tax mapping"))):
            self.backend._process_events()
        self.assertTrue(self._open_activities(event))
        event.with_user(self.retail_user).action_retry()
        self.assertEqual(event.state, "pending")
        self.assertIn(self.retail_user.name, event.message_ids[0].body)
        with self._with_handler(lambda event: None):
            self.backend._process_events()
        self.assertEqual(event.state, "done")
        self.assertFalse(self._open_activities(event))

    def test_retry_after_adding_the_missing_mapping(self):
        """Test the whole exception loop on a real cause: an unmapped unit fails
        the event with an activity; once the mapping exists, Retry succeeds and
        the activity closes by itself."""
        event = self._receive_event(subject="order-11")
        unit = self.env.ref("uom.product_uom_unit")

        def handler(event):
            event.backend_id._map("uom", "EA")
            return unit

        with self._with_handler(handler):
            self.backend._process_events()
            self.assertEqual(event.failure_code, "unmapped_uom")
            self.assertTrue(self._open_activities(event))
            self.env["retail.mapping"].create(
                {
                    "backend_id": self.backend.id,
                    "mapping_type": "uom",
                    "external_code": "EA",
                    "odoo_ref": f"uom.uom,{unit.id}",
                }
            )
            event.action_retry()
            self.backend._process_events()
        self.assertEqual(event.state, "done")
        self.assertEqual((event.res_model, event.res_id), ("uom.uom", unit.id))
        self.assertFalse(self._open_activities(event))

    def test_events_wait_until_due(self):
        """Test that an event scheduled for later is left alone until then."""
        event = self._receive_event()
        event._write_outcome(
            {"next_attempt_at": fields.Datetime.now() + timedelta(hours=1)}
        )
        with self._with_handler(lambda event: None):
            self.backend._process_events()
        self.assertEqual(event.state, "pending")

    def test_event_due_a_moment_ago_is_processed(self):
        """Test that the job scheduled for an event's retry finds it due, even
        within the same second (retry times carry microseconds)."""
        event = self._receive_event()
        event._write_outcome(
            {
                "next_attempt_at": datetime.now(timezone.utc).replace(tzinfo=None)
                - timedelta(milliseconds=1)
            }
        )
        with self._with_handler(lambda event: None):
            self.backend._process_events()
        self.assertEqual(event.state, "done")

    @staticmethod
    def _raise(error):
        def handler(event):
            raise error

        return handler


class TestDashboard(RetailCommon):
    def test_dashboard_counts_waiting_and_failed_events(self):
        """Test that the dashboard shows waiting, failed, lag and blocked work."""
        self._receive_event(key="a")
        failed = self._receive_event(key="b")
        failed._write_outcome({"state": "failed", "failure_code": "unknown_sku"})
        self._set_received_at(
            self.env["retail.event"].search([("dedupe_key", "=", "a")]),
            fields.Datetime.now() - timedelta(minutes=42),
        )
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.event_pending_count, 1)
        self.assertEqual(self.backend.event_failed_count, 1)
        self.assertGreaterEqual(self.backend.oldest_pending_minutes, 42)
        self.assertIn("1 messages", self.backend.blocked_summary)
        action = self.backend.with_context(event_state="failed").action_open_events()
        self.assertEqual(self.env["retail.event"].search(action["domain"]), failed)


class TestDryRun(RetailCommon):
    def _dry_run(self, event, handler):
        with patch.object(
            type(self.env["retail.event"]), "_get_event_handler", lambda e: handler
        ):
            action = event.action_dry_run()
        return self.env[action["res_model"]].browse(action["res_id"])

    def test_dry_run_shows_changes_and_keeps_nothing(self):
        """Test that a dry run lists what would be created and changed, and
        leaves the database and the event as they were."""
        customer = self.env["res.partner"].create({"name": "Existing customer"})
        event = self._receive_event()
        event._write_outcome({"state": "failed", "failure_code": "unknown_sku"})

        def handler(event):
            partner = event.env["res.partner"].create({"name": "Dry Run Buyer"})
            event.env["res.partner"].browse(customer.id).write({"comment": "vip"})
            return partner

        result = self._dry_run(event, handler)
        self.assertTrue(result.would_succeed)
        self.assertIn("create Contact: Dry Run Buyer", result.changes)
        self.assertIn("change Contact Existing customer: comment", result.changes)
        self.assertFalse(
            self.env["res.partner"].search([("name", "=", "Dry Run Buyer")])
        )
        self.assertFalse(customer.comment)
        self.assertEqual(event.state, "failed")

    def test_dry_run_reports_a_failure_still_there(self):
        """Test that a dry run says why processing would still fail."""
        event = self._receive_event()
        event._write_outcome({"state": "failed"})

        def handler(event):
            raise RetailBusinessError("Unknown SKU ABC-1", code="unknown_sku")

        result = self._dry_run(event, handler)
        self.assertFalse(result.would_succeed)
        self.assertIn("Unknown SKU ABC-1", result.error)


class TestInboxWakeUp(RetailCommon):
    """The inbox's one wake-up (readme/DESCRIPTION.md): every stored event
    has a job that will see it, the job hands over what it leaves, and the
    scheduled action is only a safety net. The enqueue made again after the
    commit is tested in test_webhook_controller, the whole of it against a
    real server in tests/test_inbox_wakeup.py."""

    def _inbox_jobs(self):
        return self.env["queue.job"].search(
            [("identity_key", "=", f"retail_process_events_{self.backend.id}")]
        )

    def _set_job_state(self, job, state):
        """What the runner does, in another transaction."""
        self.env.cr.execute(
            "UPDATE queue_job SET state = %s WHERE id = %s", (state, job.id)
        )
        job.invalidate_recordset(["state"])

    def test_a_burst_shares_the_waiting_job(self):
        """Test that deliveries stored while the inbox job waits share it,
        and that one stored once it has started gets a job of its own."""
        self._receive_event(key="first")
        waiting = self._inbox_jobs()
        self.assertEqual(len(waiting), 1)
        self._receive_event(key="second")
        self.assertEqual(self._inbox_jobs(), waiting)
        self._set_job_state(waiting, "started")
        self._receive_event(key="third")
        successor = self._inbox_jobs() - waiting
        self.assertEqual(len(successor), 1)
        self.assertEqual(successor.state, "pending")

    def test_a_job_hands_over_only_what_it_leaves(self):
        """Test that a job whose batch is full enqueues its successor, and
        that a job that drained the inbox enqueues none."""
        for key in ("a", "b", "c"):
            self._receive_event(key=key)
        with (
            patch.object(retail_backend, "EVENTS_PER_JOB", 2),
            patch.object(
                type(self.env["retail.event"]),
                "_get_event_handler",
                lambda event: lambda event: None,
            ),
            trap_jobs() as trap,
        ):
            self.backend._process_events()
            trap.assert_jobs_count(1, only=self.backend._process_events)
            self.backend._process_events()
            trap.assert_jobs_count(1, only=self.backend._process_events)
        events = self.env["retail.event"].search([("backend_id", "=", self.backend.id)])
        self.assertEqual(set(events.mapped("state")), {"done"})

    def test_due_events_is_the_one_query(self):
        """Test that the due-events query takes pending events that are due,
        oldest first, of the backends asked, within its limit, and only those
        received before a time when asked."""
        Event = self.env["retail.event"]
        other = self._prepare_backend(name="Other backend")
        old = self._receive_event(key="old")
        self._set_received_at(old, fields.Datetime.now() - timedelta(minutes=5))
        fresh = self._receive_event(key="fresh")
        later = self._receive_event(key="later")
        later._write_outcome(
            {"next_attempt_at": retail_event.inbox_now() + timedelta(minutes=1)}
        )
        done = self._receive_event(key="done")
        done._write_outcome({"state": "done"})
        elsewhere = self._receive_event(backend=other, key="elsewhere")
        self.assertEqual(list(Event._due_events(self.backend)), [old, fresh])
        self.assertEqual(Event._due_events(self.backend, limit=1), old)
        self.assertEqual(
            Event._due_events(
                self.backend,
                received_before=fields.Datetime.now() - timedelta(minutes=1),
            ),
            old,
        )
        self.assertEqual(
            Event._due_events(self.backend | other, lock=True),
            old | fresh | elsewhere,
        )

    def test_safety_net_enqueues_for_events_left_waiting(self):
        """Test that the scheduled safety net enqueues the inbox job of a
        backend whose due events have waited over a minute, and only then."""
        event = self._receive_event(key="waiting")
        with trap_jobs() as trap:
            self.env["retail.backend"]._cron_process_waiting_events()
            trap.assert_jobs_count(0)
            self._set_received_at(event, fields.Datetime.now() - timedelta(minutes=2))
            self.env["retail.backend"]._cron_process_waiting_events()
            trap.assert_jobs_count(1, only=self.backend._process_events)

    def test_the_check_after_commit_leaves_the_connection_as_odoo_expects(self):
        """Test that the waiting-job check made after a delivery's commit,
        outside any transaction on the request's own connection, answers
        and hands the connection back in transaction mode, with Odoo's
        isolation level and no transaction left open."""
        with sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
            key = f"retail_process_events_{self.backend.id}"
            self.assertFalse(jobs._job_waits_after_commit(cr, key))
            connection = cr._cnx
            self.assertFalse(connection.autocommit)
            self.assertEqual(
                connection.isolation_level, ISOLATION_LEVEL_REPEATABLE_READ
            )
            self.assertEqual(
                connection.info.transaction_status, TRANSACTION_STATUS_IDLE
            )
            cr.execute("SHOW transaction_isolation")
            self.assertEqual(cr.fetchone()[0], "repeatable read")
