# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from ..adapters.pos_batch import MAX_SEQUENCE
from .common import PosCommon


@tagged("post_install", "-at_install")
class TestPosBooking(PosCommon):
    def test_sale_becomes_a_paid_pos_order_in_its_business_day_session(self):
        answer = self._push([self._transaction(1)])
        self.assertEqual(
            answer,
            {"status": "accepted", "transactions": 1, "new": 1, "duplicates": 0},
        )
        booked = self._booked()
        order = booked.pos_order_id
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.amount_total, 60.0)
        self.assertEqual(order.amount_tax, 10.0)
        self.assertEqual(
            sorted((p.payment_method_id.name, p.amount) for p in order.payment_ids),
            [("Card", 40.0), ("Cash", 20.0)],
        )
        session = order.session_id
        self.assertEqual(session.config_id, self.pos_config)
        self.assertEqual(session.retail_business_day, date(2026, 11, 2))
        self.assertEqual(booked.terminal_id.code, "T1")

    def test_replayed_batch_changes_nothing(self):
        batch = [self._transaction(1), self._transaction(2)]
        self._push(batch)
        answer = self._push(batch, batch_id="b1-again")
        self.assertEqual(answer["status"], "duplicate")
        self.assertEqual(answer["duplicates"], 2)
        self.assertEqual(len(self._booked()), 2)
        self.assertEqual(len(self._booked().pos_order_id), 2)

    def test_one_bad_transaction_keeps_the_others_and_its_reason(self):
        bad = self._transaction(
            2, lines=[{"sku": "NOPE", "quantity": 1, "unit_price": "5"}]
        )
        bad["payments"] = [{"method": "cash", "amount": "5"}]
        unbalanced = self._transaction(3)
        unbalanced["payments"] = [{"method": "cash", "amount": "10.00"}]
        self._push([self._transaction(1), bad, unbalanced, self._transaction(4)])
        self.assertEqual(sorted(self._booked().mapped("sequence")), [1, 4])
        events = self.env["retail.event"].search(
            [("backend_id", "=", self.pos_backend.id), ("state", "=", "failed")]
        )
        self.assertEqual(
            sorted(events.mapped("failure_code")),
            ["unbalanced_transaction", "unknown_sku"],
        )
        self.assertIn("'NOPE'", " ".join(events.mapped("last_error")))
        self.assertTrue(events.activity_ids or self.pos_backend.activity_ids)

    def test_malformed_transaction_is_kept_with_its_reason(self):
        self._push([{"store": "BREST", "sequence": 1}])
        event = self.env["retail.event"].search(
            [("backend_id", "=", self.pos_backend.id)]
        )
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.failure_code, "invalid_transaction")

    def test_sequence_beyond_the_bound_is_refused_as_malformed(self):
        """Test that a till number over MAX_SEQUENCE fails its event at once
        with the reason, books nothing and is not retried."""
        self._push([self._transaction(MAX_SEQUENCE + 1)])
        event = self.env["retail.event"].search(
            [("backend_id", "=", self.pos_backend.id)]
        )
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.failure_code, "invalid_transaction")
        self.assertFalse(event.next_attempt_at, "no retry is planned")
        self.assertIn(str(MAX_SEQUENCE), event.last_error)
        self.assertFalse(self._booked())

    def test_not_a_batch_is_refused(self):
        with self.assertRaises(ValueError):
            self.pos_backend._webhook_receive({}, b'{"transactions": 3}')

    def test_return_restocks_and_pays_back(self):
        self._push([self._transaction(1)])
        refund = self._transaction(
            2,
            type="return",
            original_uuid="T1-2026-11-02-1",
            lines=[
                {
                    "sku": "POS-1",
                    "quantity": 1,
                    "unit_price": "24.00",
                    "tax_code": "VAT20",
                }
            ],
            payments=[{"method": "cash", "amount": "24.00"}],
        )
        self._push([refund])
        order = self._booked().filtered(lambda t: t.type == "return").pos_order_id
        self.assertEqual(order.amount_total, -24.0)
        self.assertEqual(order.lines.qty, -1)
        self.assertEqual(order.payment_ids.amount, -24.0)

    def test_sequence_gap_is_named_and_clears_when_filled(self):
        self._push([self._transaction(1), self._transaction(4), self._transaction(5)])
        terminal = self._booked().terminal_id
        self.assertEqual(terminal.missing_sequences, "2-3")
        self.assertEqual(len(terminal.activity_ids), 1)
        self.assertIn("2-3", terminal.activity_ids.note)
        self.assertEqual(
            terminal.activity_ids.retail_failure_kind, "missing_transactions"
        )
        self._push([self._transaction(3)], batch_id="b2")
        self.assertEqual(terminal.missing_sequences, "2")
        self.assertEqual(len(terminal.activity_ids), 1, "the same activity, updated")
        self.assertNotIn("2-3", terminal.activity_ids.note)
        self._push([self._transaction(2)], batch_id="b3")
        self.assertEqual(terminal.missing_count, 0)
        self.assertFalse(terminal.activity_ids, "the exception closed itself")

    def test_gap_check_does_not_enumerate_up_to_the_largest_number(self):
        """Test that a till number near the bound gives the right gaps on the
        terminal and the store day. Counting them number by number (up to
        two billion rows) would run for hours: the statement timeout turns
        that into a failure instead of a hung run."""
        self.env.cr.execute("SET LOCAL statement_timeout = '60s'")
        huge = 2_000_000_000
        self._push(
            [
                self._transaction(3, terminal="T2"),
                self._transaction(1),
                self._transaction(2),
                self._transaction(5),
                self._transaction(huge, day="2026-11-03"),
            ]
        )
        terminals = self._booked().terminal_id
        self.assertEqual(
            [(t.code, t.missing_sequences, t.missing_count) for t in terminals],
            [("T1", f"3-4, 6-{huge - 1}", huge - 4), ("T2", "1-2", 2)],
        )
        self.env.flush_all()
        days = self.env["retail.pos.store.day"].search(
            [("store_id", "=", self.store.id)], order="business_day"
        )
        self.assertEqual(
            [(d.business_day, d.received_count, d.missing_count) for d in days],
            [(date(2026, 11, 2), 4, huge - 2), (date(2026, 11, 3), 1, 0)],
        )

    def test_days_book_into_their_own_sessions_even_when_interleaved(self):
        self._push(
            [
                self._transaction(1, day="2026-11-02"),
                self._transaction(1, day="2026-11-03", terminal="T2"),
                self._transaction(2, day="2026-11-02"),
            ]
        )
        sessions = self._booked().pos_order_id.session_id
        self.assertEqual(
            sorted(sessions.mapped("retail_business_day")),
            [date(2026, 11, 2), date(2026, 11, 3)],
        )

    def test_late_transaction_for_a_closed_day_is_a_dated_correction(self):
        self._push([self._transaction(1)])
        session = self._booked().pos_order_id.session_id
        session._retail_close()
        self.assertEqual(session.state, "closed")
        self.assertEqual(session.move_id.date, date(2026, 11, 2))
        self._push([self._transaction(2)], batch_id="late")
        late = self._booked().filtered(lambda t: t.sequence == 2)
        self.assertTrue(late.late)
        correction = late.pos_order_id.session_id
        self.assertTrue(correction.retail_correction)
        self.assertEqual(correction.retail_business_day, date(2026, 11, 2))
        correction._retail_close()
        self.assertEqual(correction.move_id.date, date(2026, 11, 2))
        self.assertEqual(correction.state, "closed")

    def test_days_closed_together_book_no_cash_difference(self):
        """Each day's 20.00 in cash reaches the cash journal: closing two
        sessions in one call must not read the second's cash figures as
        computed while the first closed (they would book its cash as a
        loss)."""
        self._push(
            [
                self._transaction(1, day="2026-11-02"),
                self._transaction(2, day="2026-11-03"),
            ]
        )
        sessions = self._booked().pos_order_id.session_id
        self.assertEqual(len(sessions), 2)
        sessions._retail_close()
        self.assertEqual(set(sessions.mapped("state")), {"closed"})
        cash_lines = self.env["account.move.line"].search(
            [
                ("journal_id", "=", self.cash_journal.id),
                ("account_id", "=", self.cash_journal.default_account_id.id),
                ("parent_state", "=", "posted"),
            ]
        )
        self.assertEqual(sum(cash_lines.mapped("balance")), 40.0)

    def test_days_past_their_grace_period_close_in_a_job_each(self):
        self._push([self._transaction(1)])
        session = self._booked().pos_order_id.session_id
        with trap_jobs() as trap:
            self.env["pos.session"]._cron_close_business_days()
            jobs = [job for job in trap.enqueued_jobs if job.recordset == session]
            self.assertEqual(len(jobs), 1)
            self.assertEqual(jobs[0].method_name, "_retail_close")
            self.assertEqual(
                jobs[0].channel, self.pos_backend._get_queue_channel("_retail_close")
            )
            self.assertEqual(session.state, "opened", "the job closes it, not the cron")
            jobs[0].perform()
        self.assertEqual(session.state, "closed")
        config = self.env["queue.job.function"].job_config(
            "<pos.session>._retail_close"
        )
        self.assertEqual(config.related_action_func_name, "related_action_open_record")
        self.assertTrue(config.retry_pattern)
