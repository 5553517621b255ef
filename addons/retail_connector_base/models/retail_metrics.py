# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a monitoring stack scrapes from ``/retail/metrics``, and what the
alert thresholds of each backend are checked against: a few grouped SQL
statements per scrape, never a table loaded into memory."""

from datetime import timedelta

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from odoo import api, models

from .retail_event import inbox_now

# Calls counted by status over this window: the request log is pruned after
# each backend's retention, so a count over the whole log would fall back.
CALLS_WINDOW_MINUTES = 60
# The exception activities' failure kinds of the alert thresholds.
ALERT_LAG = "alert_lag"
ALERT_FAILED = "alert_failed"
ALERT_CIRCUIT = "alert_circuit"


class RetailMetrics(models.AbstractModel):
    _name = "retail.metrics"
    _description = "Retail Metrics"

    @api.model
    def _backend_health(self):
        """Per active backend id: name, kind, waiting, failed and processed
        events, the oldest waiting event's age, and the circuit breaker's
        state with how long calls have been failing once it tripped."""
        cr, now = self.env.cr, inbox_now()
        cr.execute(
            """
            SELECT id, name, kind, breaker_threshold, breaker_cooldown
              FROM retail_backend WHERE active
            """
        )
        health = {
            backend_id: {
                "name": name,
                "kind": kind,
                "threshold": threshold,
                "cooldown": cooldown,
                "waiting": 0,
                "failed": 0,
                "processed": 0,
                "oldest_waiting_seconds": 0.0,
                "circuit": "closed",
                "circuit_open_seconds": 0.0,
            }
            for backend_id, name, kind, threshold, cooldown in cr.fetchall()
        }
        if not health:
            return health
        ids = tuple(health)
        cr.execute(
            """
            SELECT backend_id, state, count(*),
                   EXTRACT(EPOCH FROM %(now)s - min(received_at))
              FROM retail_event
             WHERE backend_id IN %(ids)s AND state IN ('pending', 'failed', 'done')
             GROUP BY backend_id, state
            """,
            {"now": now, "ids": ids},
        )
        names = {"pending": "waiting", "failed": "failed", "done": "processed"}
        for backend_id, state, count, oldest in cr.fetchall():
            health[backend_id][names[state]] = count
            if state == "pending":
                health[backend_id]["oldest_waiting_seconds"] = max(
                    float(oldest or 0), 0.0
                )
        cr.execute(
            """
            SELECT backend_id, failures, EXTRACT(EPOCH FROM %(now)s - opened_at)
              FROM retail_backend_throttle WHERE backend_id IN %(ids)s
            """,
            {"now": now, "ids": ids},
        )
        for backend_id, failures, open_for in cr.fetchall():
            values = health[backend_id]
            if failures < values["threshold"] or open_for is None:
                continue
            # opened_at moves with every failed trial: how long the platform
            # has been failing is measured from the last call that worked.
            values["circuit"] = (
                "open" if float(open_for) < values["cooldown"] else "half_open"
            )
            cr.execute(
                """
                SELECT EXTRACT(EPOCH FROM %(now)s - COALESCE(
                    (SELECT max(create_date) FROM retail_request_log
                      WHERE backend_id = %(id)s AND status BETWEEN 200 AND 399),
                    (SELECT min(create_date) FROM retail_request_log
                      WHERE backend_id = %(id)s),
                    %(opened)s))
                """,
                {
                    "now": now,
                    "id": backend_id,
                    "opened": now - timedelta(seconds=float(open_for)),
                },
            )
            values["circuit_open_seconds"] = max(float(cr.fetchone()[0]), 0.0)
        return health

    @api.model
    def _cron_check_alerts(self):
        """Scheduled action: for each active backend, one activity per
        threshold passed (lag, failed events, calls paused), for its
        responsible person; marked done once the figure is back under it."""
        health = self._backend_health()
        backends = self.env["retail.backend"].browse(list(health)).exists()
        activities = self.env["retail.exception.activity"]
        for backend in backends:
            values = health[backend.id]
            checks = {
                ALERT_LAG: (
                    backend.alert_lag_minutes,
                    values["oldest_waiting_seconds"] / 60,
                    self.env._(
                        "Inbox of %(name)s lagging %(minutes)s minutes",
                        name=backend.name,
                        minutes=int(values["oldest_waiting_seconds"] // 60),
                    ),
                ),
                ALERT_FAILED: (
                    backend.alert_failed_events,
                    values["failed"],
                    self.env._(
                        "%(count)s failed events on %(name)s",
                        count=values["failed"],
                        name=backend.name,
                    ),
                ),
                ALERT_CIRCUIT: (
                    backend.alert_circuit_minutes,
                    values["circuit_open_seconds"] / 60,
                    self.env._(
                        "Calls to %(name)s paused for %(minutes)s minutes",
                        name=backend.name,
                        minutes=int(values["circuit_open_seconds"] // 60),
                    ),
                ),
            }
            for kind, (threshold, figure, summary) in checks.items():
                if threshold and figure >= threshold:
                    note = self.env._(
                        "%(summary)s (alert threshold: %(threshold)s). The "
                        "backend's Processing tab sets the thresholds.",
                        summary=summary,
                        threshold=threshold,
                    )
                    activities._raise(backend, backend, kind, summary, note)
                else:
                    activities._resolve(
                        backend, kind, feedback=self.env._("Back under the threshold.")
                    )

    @api.model
    def _outbound_calls(self):
        """Calls to the platforms over the last ``CALLS_WINDOW_MINUTES``, per
        backend and HTTP status (0: no answer)."""
        self.env.cr.execute(
            """
            SELECT backend_id, status, count(*) FROM retail_request_log
             WHERE create_date >= %s
             GROUP BY backend_id, status
            """,
            (inbox_now() - timedelta(minutes=CALLS_WINDOW_MINUTES),),
        )
        return self.env.cr.fetchall()

    @api.model
    def _job_depth(self):
        """The suite's jobs not finished yet, per channel and state."""
        self.env.cr.execute(
            """
            SELECT channel, state, count(*) FROM queue_job
             WHERE state IN ('wait_dependencies', 'pending', 'enqueued',
                             'started', 'failed')
               AND channel LIKE 'root.retail%%'
             GROUP BY channel, state
            """
        )
        return self.env.cr.fetchall()

    @api.model
    def _registry(self):
        """A Prometheus registry holding this scrape's figures."""
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Collector(self))
        return registry


class _Collector:
    def __init__(self, metrics):
        self.metrics = metrics

    def collect(self):
        labels = ["backend", "backend_id", "kind"]
        health = self.metrics._backend_health()
        families = {
            "waiting": GaugeMetricFamily(
                "retail_events_waiting", "Inbox events waiting.", labels=labels
            ),
            "failed": GaugeMetricFamily(
                "retail_events_failed", "Inbox events kept as failed.", labels=labels
            ),
            "processed": CounterMetricFamily(
                "retail_events_processed", "Inbox events processed.", labels=labels
            ),
            "oldest_waiting_seconds": GaugeMetricFamily(
                "retail_events_oldest_waiting_seconds",
                "Age of the oldest waiting event: the backend's lag.",
                labels=labels,
            ),
            "circuit_open_seconds": GaugeMetricFamily(
                "retail_circuit_open_seconds",
                "How long calls have been failing once the breaker tripped "
                "(0 while closed).",
                labels=labels,
            ),
        }
        circuit = GaugeMetricFamily(
            "retail_circuit_state",
            "Circuit breaker state of the backend's calls (1 for the current one).",
            labels=[*labels, "state"],
        )
        for backend_id, values in sorted(health.items()):
            names = [values["name"], str(backend_id), values["kind"]]
            for key, family in families.items():
                family.add_metric(names, values[key])
            for state in ("closed", "open", "half_open"):
                circuit.add_metric([*names, state], int(values["circuit"] == state))
        yield from families.values()
        yield circuit

        calls = GaugeMetricFamily(
            "retail_outbound_calls",
            f"Calls to the platform over the last {CALLS_WINDOW_MINUTES} minutes, "
            "by HTTP status (0: no answer; 429: rate limited).",
            labels=["backend", "backend_id", "status"],
        )
        for backend_id, status, count in self.metrics._outbound_calls():
            if backend_id in health:
                name = health[backend_id]["name"]
                calls.add_metric([name, str(backend_id), str(status or 0)], count)
        yield calls

        depth = GaugeMetricFamily(
            "retail_jobs",
            "The suite's jobs not finished yet, per channel and state.",
            labels=["channel", "state"],
        )
        for channel, state, count in self.metrics._job_depth():
            depth.add_metric([channel, state], count)
        yield depth
