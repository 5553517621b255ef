# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields

from ..models.retail_exception_activity import ACTIVITY_TYPE
from ..models.retail_metrics import ALERT_CIRCUIT, ALERT_FAILED, ALERT_LAG
from .common import RetailCommon


class TestAlerts(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend.write(
            {
                "alert_lag_minutes": 30,
                "alert_failed_events": 2,
                "alert_circuit_minutes": 15,
            }
        )

    def _alerts(self, kind):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "retail.backend"),
                ("res_id", "=", self.backend.id),
                ("activity_type_id", "=", self.env.ref(ACTIVITY_TYPE).id),
                ("retail_failure_kind", "=", kind),
            ]
        )

    def _check(self):
        self.env.flush_all()
        self.env["retail.metrics"]._cron_check_alerts()

    def test_lag_over_the_threshold_raises_one_activity_until_caught_up(self):
        """Test that an inbox lagging past its threshold gives one activity
        for the responsible person, kept (not duplicated) while it lags, and
        marked done once the event is processed."""
        event = self._receive_event(key="slow")
        self._set_received_at(event, fields.Datetime.now() - timedelta(minutes=20))
        self._check()
        self.assertFalse(self._alerts(ALERT_LAG), "20 minutes is under 30")

        self._set_received_at(event, fields.Datetime.now() - timedelta(minutes=45))
        self._check()
        self._check()
        alert = self._alerts(ALERT_LAG)
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.user_id, self.retail_manager)
        self.assertIn("45 minutes", alert.summary)

        event._write_outcome({"state": "done"})
        self._check()
        self.assertFalse(self._alerts(ALERT_LAG))
        self.assertIn(
            "Back under the threshold",
            "\n".join(self.backend.message_ids.mapped("body")),
        )

    def test_failed_events_over_the_threshold_raise_an_activity(self):
        """Test that failed events reaching the threshold raise an activity,
        closed once fewer remain failed; other alerts stay quiet."""
        first = self._receive_event(key="f1")
        first._write_outcome({"state": "failed"})
        self._check()
        self.assertFalse(self._alerts(ALERT_FAILED))
        self._receive_event(key="f2")._write_outcome({"state": "failed"})
        self._check()
        self.assertEqual(len(self._alerts(ALERT_FAILED)), 1)
        self.assertFalse(self._alerts(ALERT_LAG) | self._alerts(ALERT_CIRCUIT))
        first._write_outcome({"state": "cancelled"})
        self._check()
        self.assertFalse(self._alerts(ALERT_FAILED))

    def test_a_threshold_at_zero_is_off(self):
        """Test that a threshold of 0 never raises its activity."""
        self.backend.alert_failed_events = 0
        self._receive_event(key="f1")._write_outcome({"state": "failed"})
        self._check()
        self.assertFalse(self._alerts(ALERT_FAILED))

    def _log_call(self, status, minutes_ago):
        log = self.env["retail.request.log"].create(
            {
                "backend_id": self.backend.id,
                "method": "GET",
                "url": "https://example.com/orders",
                "status": status,
            }
        )
        log.flush_recordset()
        self.env.cr.execute(
            "UPDATE retail_request_log SET create_date = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(minutes=minutes_ago), log.id),
        )

    def test_calls_failing_longer_than_the_threshold_raise_an_activity(self):
        """Test that a circuit breaker open for longer than the threshold,
        counted from the last call that worked (each trial moves the
        breaker's own date), raises an activity closed once calls work."""
        self._log_call(200, minutes_ago=25)
        self._log_call(503, minutes_ago=24)
        throttle = self.env["retail.backend.throttle"].create(
            {
                "backend_id": self.backend.id,
                "failures": self.backend.breaker_threshold,
                # A trial a moment ago: the breaker's own date is recent.
                "opened_at": fields.Datetime.now() - timedelta(seconds=5),
            }
        )
        self._check()
        alert = self._alerts(ALERT_CIRCUIT)
        self.assertEqual(len(alert), 1)
        self.assertIn("25 minutes", alert.summary)

        throttle.write({"failures": 0, "opened_at": False})
        self._check()
        self.assertFalse(self._alerts(ALERT_CIRCUIT))

    def test_a_short_pause_raises_nothing(self):
        """Test that calls failing for less than the threshold raise no
        activity."""
        self._log_call(200, minutes_ago=5)
        self.env["retail.backend.throttle"].create(
            {
                "backend_id": self.backend.id,
                "failures": self.backend.breaker_threshold,
                "opened_at": fields.Datetime.now(),
            }
        )
        self._check()
        self.assertFalse(self._alerts(ALERT_CIRCUIT))
