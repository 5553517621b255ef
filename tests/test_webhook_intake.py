# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Webhook intake against a real server: prefork workers, real transactions."""

import json
import os
import threading
import time

import requests

from odoo.addons.retail_connector_base.adapters import simulator
from odoo.addons.retail_connector_base.intake import REGISTRY_CHECK_INTERVAL

SECRET = "whsec_e2e_intake"


def _signed(body, event_id, secret=SECRET):
    return {
        "Content-Type": "application/json",
        **simulator.signed_headers(
            secret, int(time.time()), "orders/create", event_id, body
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


def test_a_secret_rotated_by_another_process_is_in_force_at_once(
    odoo_server, committed_env
):
    """Test that the workers, which remember each backend they served, take a
    webhook secret changed by another process (one that signals nothing to
    them, as a script or this test) at the next delivery: the old secret is
    refused, the new one accepted, by every worker."""
    with committed_env() as env:
        backend = env["retail.backend"].create(
            {"name": "Rotation", "kind": "marketplace", "webhook_secret": SECRET}
        )
        url = f"{odoo_server}/retail/webhook/{backend.webhook_token}"
        backend_id = backend.id

    def deliver(event_id, secret):
        body = json.dumps({"id": event_id, "total": "10.00"}).encode()
        headers = _signed(body, event_id, secret)
        return requests.post(url, data=body, headers=headers, timeout=30)

    # Enough deliveries for each worker to have served (and remembered) it.
    for number in range(8):
        assert deliver(f"before-{number}", SECRET).json()["status"] == "accepted"
    with committed_env() as env:
        env["retail.backend"].browse(backend_id).webhook_secret = "whsec_rotated"
    old = [deliver(f"old-{number}", SECRET).status_code for number in range(8)]
    new = [deliver(f"new-{number}", "whsec_rotated") for number in range(8)]

    assert old == [401] * 8
    assert [answer.json()["status"] for answer in new] == ["accepted"] * 8
    with committed_env() as env:
        stored = env["retail.event"].search([("backend_id", "=", backend_id)])
        assert not stored.filtered(lambda event: event.dedupe_key.startswith("old-"))
        assert len(stored) == 16


def test_deliveries_go_on_when_the_database_ends_the_workers_connections(
    odoo_server, committed_env
):
    """Test that a worker whose kept connection the database ended (a
    restart, an administrator) stores the next delivery on a fresh one and
    acknowledges it, whether it meets the loss checking the registry or
    storing: a 200 and one event each, not a 500 for the platform to send
    again."""
    with committed_env() as env:
        backend = env["retail.backend"].create(
            {"name": "Lost connection", "kind": "marketplace", "webhook_secret": SECRET}
        )
        url = f"{odoo_server}/retail/webhook/{backend.webhook_token}"
        backend_id = backend.id

    def deliver(event_id):
        body = json.dumps({"id": event_id, "total": "10.00"}).encode()
        return requests.post(
            url, data=body, headers=_signed(body, event_id), timeout=30
        )

    def end_the_servers_idle_connections():
        with committed_env() as env:
            env.cr.execute(
                """
                SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                 WHERE datname = current_database() AND state = 'idle'
                   AND application_name LIKE 'odoo-%%'
                   AND application_name != %s
                """,
                [f"odoo-{os.getpid()}"],
            )
            return env.cr.fetchone()[0]

    answers = []
    for round_ in range(2):
        for number in range(8):
            answers.append(deliver(f"before-{round_}-{number}").status_code)
        # At once: the workers meet the loss storing (their registry was
        # checked less than a second ago); after a pause, checking it.
        if round_:
            time.sleep(REGISTRY_CHECK_INTERVAL + 0.5)
        assert end_the_servers_idle_connections()
        for number in range(8):
            answers.append(deliver(f"after-{round_}-{number}").status_code)

    assert answers == [200] * 32
    with committed_env() as env:
        assert env["retail.event"].search_count([("backend_id", "=", backend_id)]) == 32
