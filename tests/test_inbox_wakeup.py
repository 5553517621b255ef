# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The inbox's one wake-up mechanism against a real server: every event a
burst of webhooks stores is processed by the jobs its own deliveries
enqueued, none left for the safety net (addons/retail_connector_base/
readme/DESCRIPTION.md, "How an event gets processed")."""

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from waiting import inbox_state, wait_for

from odoo.addons.retail_connector_base.adapters import simulator

SECRET = "whsec_e2e_wakeup"
BACKENDS = 2
# Waves of concurrent deliveries: only the last deliveries of a burst can be
# left without a job (a later one would wake a job that sees them too), so
# each wave is waited for before the next is sent, each a trial of its own.
WAVES = 8
DELIVERIES_PER_WAVE = 10
# Deliveries of a wave are spread over this many seconds, so that some are
# committed while the job the first ones enqueued is starting.
SPREAD = 0.4
# The safety net runs every 5 minutes; every wave must be through in a
# fraction of that, so that no event can have waited for it.
PROCESSED_WITHIN = 30
# A topic no module handles: processing an event is then one cheap step that
# ends at once (failed, "no_handler"), and what is measured is whether a job
# reached every event, not how fast orders import.
TOPIC = "e2e/wake-up"
SAFETY_NET = "retail_connector_base.ir_cron_retail_process_waiting_events"


def _post(url, index):
    body = json.dumps({"id": f"wake-{index}"}).encode()
    headers = {
        "Content-Type": "application/json",
        **simulator.signed_headers(
            SECRET, int(time.time()), TOPIC, f"wake-up-{index}", body
        ),
    }
    return requests.post(url, data=body, headers=headers, timeout=60).status_code


def test_bursts_of_webhooks_are_processed_without_the_safety_net(
    odoo_server, committed_env
):
    """Test that waves of deliveries to two backends, posted by many senders
    at once while the server's two job-running workers (job channel capacity
    2) process what came before, have every event processed exactly once,
    each wave well before the safety net could have run (it is switched off
    here, and the server runs no scheduled actions anyway)."""
    with committed_env() as env:
        safety_net = env.ref(SAFETY_NET)
        was_active = safety_net.active
        safety_net.active = False
        backends = env["retail.backend"].create(
            [
                {
                    "name": f"Wake-up {number}",
                    "kind": "marketplace",
                    "webhook_secret": SECRET,
                }
                for number in range(BACKENDS)
            ]
        )
        urls = [f"{odoo_server}/retail/webhook/{b.webhook_token}" for b in backends]
        backend_ids = backends.ids

    def pending():
        with committed_env() as env:
            return env["retail.event"].search_count(
                [("backend_id", "in", backend_ids), ("state", "=", "pending")]
            )

    try:
        slowest = 0.0
        with ThreadPoolExecutor(DELIVERIES_PER_WAVE) as senders:
            for wave in range(WAVES):
                start = threading.Barrier(DELIVERIES_PER_WAVE)

                def send(index, start=start):
                    start.wait()
                    time.sleep(random.uniform(0, SPREAD))
                    return _post(urls[index % BACKENDS], index)

                began = time.monotonic()
                first = wave * DELIVERIES_PER_WAVE
                statuses = list(
                    senders.map(send, range(first, first + DELIVERIES_PER_WAVE))
                )
                assert statuses == [200] * DELIVERIES_PER_WAVE
                wait_for(
                    lambda: not pending(),
                    PROCESSED_WITHIN,
                    f"every event of wave {wave + 1} to be processed",
                    explain=lambda: inbox_state(committed_env, backend_ids),
                )
                slowest = max(slowest, time.monotonic() - began)

        def inbox_jobs_finished():
            with committed_env() as env:
                return not env["queue.job"].search_count(
                    [
                        ("identity_key", "in", _keys(backend_ids)),
                        ("state", "not in", ["done", "failed", "cancelled"]),
                    ]
                )

        wait_for(inbox_jobs_finished, 30, "the inbox jobs left to end")
        with committed_env() as env:
            events = env["retail.event"].search([("backend_id", "in", backend_ids)])
            # No event failed transiently: every job of the inbox is one a
            # delivery (or a job handing over) enqueued under the key.
            jobs = env["queue.job"].search([("identity_key", "in", _keys(backend_ids))])
            assert len(events) == WAVES * DELIVERIES_PER_WAVE
            # Each event taken by a job exactly once, and none waiting.
            assert {
                (event.state, event.failure_code, event.attempts) for event in events
            } == {("failed", "no_handler", 1)}
            assert set(jobs.mapped("state")) == {"done"}, jobs.mapped("exc_info")
            print(  # noqa: T201 - shown with -s: how the work was shared
                f"{len(events)} events, {len(jobs)} jobs, workers "
                f"{sorted(set(jobs.mapped('worker_pid')))}, slowest wave "
                f"{slowest:.1f} s"
            )
    finally:
        with committed_env() as env:
            env.ref(SAFETY_NET).active = was_active


def _keys(backend_ids):
    return [f"retail_process_events_{backend_id}" for backend_id in backend_ids]
