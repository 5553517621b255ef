# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Webhook intake against a real server: prefork workers, real transactions."""

import json
import threading
import time

import requests

from odoo.addons.retail_connector_base.adapters import simulator

SECRET = "whsec_e2e_intake"


def _signed(body, event_id):
    return {
        "Content-Type": "application/json",
        **simulator.signed_headers(
            SECRET, int(time.time()), "orders/create", event_id, body
        ),
    }


def test_concurrent_duplicate_storm_stores_one_event(odoo_server, committed_env):
    """Test that one delivery posted 20 times at once, spread over the server's
    worker processes, is stored once, queued once and acknowledged every time."""
    with committed_env() as env:
        backend = env["retail.backend"].create(
            {"name": "Storm", "kind": "marketplace", "webhook_secret": SECRET}
        )
        url = f"{odoo_server}/retail/webhook/{backend.webhook_token}"
        backend_id = backend.id
    body = json.dumps({"id": "5001", "total": "10.00"}).encode()
    headers = _signed(body, "storm-1")
    start = threading.Barrier(20)
    answers = []

    def post():
        start.wait()
        response = requests.post(url, data=body, headers=headers, timeout=30)
        answers.append((response.status_code, response.json()["status"]))

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [(200, "accepted")] + [(200, "duplicate")] * 19
    with committed_env() as env:
        events = env["retail.event"].search([("backend_id", "=", backend_id)])
        jobs = env["queue.job"].search(
            [("identity_key", "=", f"retail_process_events_{backend_id}")]
        )
        assert len(events) == 1
        assert len(jobs) == 1
