# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import os
from datetime import timedelta
from unittest.mock import patch

from prometheus_client.parser import text_string_to_metric_families

from odoo import fields
from odoo.tests import tagged
from odoo.tools import config

from ..controllers.metrics import TOKEN_ENVIRONMENT, TOKEN_OPTION
from .http_common import RetailHttpCommon

TOKEN = "scrape-token-0123456789abcdef"


@tagged("post_install", "-at_install")
class TestMetrics(RetailHttpCommon):
    def setUp(self):
        super().setUp()
        environ = {k: v for k, v in os.environ.items() if k != TOKEN_ENVIRONMENT}
        self.startPatcher(patch.dict(os.environ, environ, clear=True))
        self.startPatcher(patch.dict(config.options, {TOKEN_OPTION: TOKEN}))

    def _scrape(self, token=TOKEN, scheme="Bearer"):
        headers = {"Authorization": f"{scheme} {token}"} if token else {}
        return self.url_open("/retail/metrics", headers=headers, timeout=20)

    def _samples(self, response):
        samples = {}
        for family in text_string_to_metric_families(response.text):
            for sample in family.samples:
                samples.setdefault(sample.name, []).append(
                    (sample.labels, sample.value)
                )
        return samples

    def _value(self, samples, name, **labels):
        values = [
            value
            for found, value in samples.get(name, [])
            if all(found.get(key) == str(want) for key, want in labels.items())
        ]
        self.assertEqual(len(values), 1, f"{name} {labels}: {values}")
        return values[0]

    def test_a_scrape_without_a_token_is_refused(self):
        """Test that the endpoint asks for a bearer token (401) and says
        nothing without one, nor with another scheme."""
        for response in (self._scrape(token=None), self._scrape(scheme="Basic")):
            self.assertEqual(response.status_code, 401)
            self.assertEqual(response.headers["WWW-Authenticate"].split()[0], "Bearer")
            self.assertNotIn("retail_", response.text)

    def test_a_wrong_token_is_forbidden(self):
        """Test that a wrong token, or any token while none is configured,
        gets a 403 without figures."""
        response = self._scrape(token=TOKEN[:-1] + "x")
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("retail_", response.text)
        with patch.dict(config.options, {TOKEN_OPTION: False}):
            response = self._scrape()
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("retail_", response.text)

    def test_the_environment_token_wins_over_the_file(self):
        """Test that RETAIL_METRICS_TOKEN replaces the configuration's token."""
        with patch.dict(os.environ, {TOKEN_ENVIRONMENT: "from-the-environment"}):
            self.assertEqual(self._scrape().status_code, 403)
            response = self._scrape(token="from-the-environment")
        self.assertEqual(response.status_code, 200)

    def test_a_scrape_gives_the_backends_figures(self):
        """Test that a scrape gives in Prometheus text format each backend's
        waiting, failed and processed events, its lag, its calls by status
        (429s included), its circuit breaker and the suite's job queue."""
        self._receive_event(key="wait-1")
        old = self._receive_event(key="wait-2")
        self._set_received_at(old, fields.Datetime.now() - timedelta(minutes=10))
        self._receive_event(key="fail-1")._write_outcome({"state": "failed"})
        for key in ("done-1", "done-2", "done-3"):
            self._receive_event(key=key)._write_outcome({"state": "done"})
        logs = self.env["retail.request.log"]
        for status in (200, 200, 429, 0):
            logs.create(
                {
                    "backend_id": self.backend.id,
                    "method": "GET",
                    "url": "https://example.com/orders",
                    "status": status,
                }
            )
        self.env["retail.backend.throttle"].create(
            {
                "backend_id": self.backend.id,
                "failures": self.backend.breaker_threshold,
                "opened_at": fields.Datetime.now(),
            }
        )

        response = self._scrape()

        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("text/plain"))
        samples = self._samples(response)
        backend = {"backend_id": self.backend.id, "backend": self.backend.name}
        self.assertEqual(self._value(samples, "retail_events_waiting", **backend), 2)
        self.assertEqual(self._value(samples, "retail_events_failed", **backend), 1)
        self.assertEqual(
            self._value(samples, "retail_events_processed_total", **backend), 3
        )
        lag = self._value(samples, "retail_events_oldest_waiting_seconds", **backend)
        self.assertGreaterEqual(lag, 600)
        self.assertLess(lag, 3600)
        for status, count in (("200", 2), ("429", 1), ("0", 1)):
            self.assertEqual(
                self._value(samples, "retail_outbound_calls", status=status, **backend),
                count,
            )
        self.assertEqual(
            self._value(samples, "retail_circuit_state", state="open", **backend), 1
        )
        self.assertEqual(
            self._value(samples, "retail_circuit_state", state="closed", **backend), 0
        )
        self.assertGreaterEqual(
            self._value(samples, "retail_circuit_open_seconds", **backend), 0
        )
        channel = self.backend._get_queue_channel("_process_events")
        self.assertEqual(
            self._value(samples, "retail_jobs", channel=channel, state="pending"), 1
        )

    def test_figures_come_from_grouped_queries(self):
        """Test that a scrape reads figures with a fixed number of grouped
        statements, however many events, calls and jobs there are."""
        metrics = self.env["retail.metrics"]
        self._receive_event(key="first")
        with self.assertQueryCount(5):
            metrics._backend_health()
            metrics._outbound_calls()
            metrics._job_depth()
        for number in range(30):
            self._receive_event(key=f"more-{number}")
        with self.assertQueryCount(5):
            metrics._backend_health()
            metrics._outbound_calls()
            metrics._job_depth()
