# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from psycopg2.extensions import TRANSACTION_STATUS_IDLE

import odoo
from odoo.tests import TransactionCase, tagged

from ..db import execute_prepared
from ..intake import REGISTRY_CHECK_INTERVAL, _HeldCursor
from ..jobs import WAITING_JOB


@tagged("post_install", "-at_install")
class TestWebhookIntakeCursor(TransactionCase):
    """The cursor a prefork worker keeps between deliveries: the same
    connection each time, nothing of one delivery left for the next, and the
    registry still checked for other processes' changes."""

    def setUp(self):
        super().setUp()
        self.held = _HeldCursor()
        self.addCleanup(self.held.drop)
        prefork = patch.dict(odoo.tools.config.options, {"workers": 2})
        prefork.start()
        self.addCleanup(prefork.stop)

    def _pid(self, cr):
        return cr._cnx.get_backend_pid()

    def test_a_prefork_worker_keeps_one_connection_left_clean(self):
        """Test that a prefork worker's deliveries use one connection, and
        that a delivery that failed half-way leaves no transaction open
        for the next one."""
        cr, kept = self.held.borrow(self.registry)
        pid = self._pid(cr)
        cr.execute("CREATE TEMPORARY TABLE half_done (id int) ON COMMIT DROP")
        self.held.give_back(cr, kept)

        again, kept_again = self.held.borrow(self.registry)
        self.assertTrue(kept and kept_again)
        self.assertEqual(self._pid(again), pid)
        self.assertEqual(again._cnx.info.transaction_status, TRANSACTION_STATUS_IDLE)
        again.execute("SELECT to_regclass('pg_temp.half_done')")
        self.assertIsNone(again.fetchone()[0])

    def _prepared(self, cr):
        cr.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cr.fetchall()}

    def _waiting_job(self, cr, key):
        execute_prepared(
            cr,
            "retail_waiting_job",
            WAITING_JOB,
            {"identity_key": key},
            {"identity_key": "varchar"},
        )
        return cr.fetchall()

    def test_a_kept_connection_prepares_a_statement_once(self):
        """Test that a statement a delivery waits on is prepared once on a
        kept connection, and that a cursor going back to Odoo's pool (reset
        there) prepares nothing. What the prepared statements answer is
        the end-to-end tests' (a prefork server's deliveries run them)."""
        cr, _kept = self.held.borrow(self.registry)
        self.assertEqual(self._waiting_job(cr, "nothing-waits"), [])
        self.assertEqual(self._waiting_job(cr, "nothing-waits-either"), [])
        self.assertEqual(self._prepared(cr), {"retail_waiting_job"})

        with patch.dict(odoo.tools.config.options, {"workers": 0}):
            pooled, kept = self.held.borrow(self.registry)
        self.assertEqual(self._waiting_job(pooled, "nothing-waits"), [])
        self.assertEqual(self._prepared(pooled), set())
        self.held.give_back(pooled, kept)

    def test_a_threaded_server_borrows_a_cursor_per_request(self):
        """Test that a server answering requests at once (threads) shares no
        cursor between them: each is Odoo's own, closed when given back."""
        with patch.dict(odoo.tools.config.options, {"workers": 0}):
            first, kept_first = self.held.borrow(self.registry)
            second, kept_second = self.held.borrow(self.registry)
        self.assertFalse(kept_first or kept_second)
        self.assertIsNot(first, second)
        self.held.give_back(first, kept_first)
        self.held.give_back(second, kept_second)
        self.assertTrue(first.closed and second.closed)

    def test_a_lost_connection_is_not_kept(self):
        """Test that a kept connection the database ended is replaced at the
        next delivery."""
        cr, kept = self.held.borrow(self.registry)
        pid = self._pid(cr)
        self.env.cr.execute("SELECT pg_terminate_backend(%s)", [pid])
        with self.assertRaises(odoo.sql_db.psycopg2.OperationalError):
            cr.execute("SELECT 1")

        fresh, _kept = self.held.borrow(self.registry)
        self.assertNotEqual(self._pid(fresh), pid)
        fresh.execute("SELECT 1")

    def test_other_processes_signals_are_seen_within_the_interval(self):
        """Test that a worker busy with deliveries takes another process's
        cache signal at its next registry check, at most the interval after
        its last one, not at every delivery."""
        cr, kept = self.held.borrow(self.registry)
        self.held.check_registry(self.registry, cr, kept)
        memory = self.env["retail.backend"]._webhook_memory()
        memory["token"] = "remembered"
        # What a process that changed a cached value signals (another
        # connection: sequences are not transactional).
        cr.execute("SELECT nextval('base_cache_signaling_default')")

        self.held.check_registry(self.registry, cr, kept)
        self.assertEqual(memory.get("token"), "remembered")

        self.held.checked_at -= REGISTRY_CHECK_INTERVAL
        self.held.check_registry(self.registry, cr, kept)
        self.assertNotIn(
            "token", self.env["retail.backend"]._webhook_memory(), "signal not seen"
        )
        self.held.give_back(cr, kept)
