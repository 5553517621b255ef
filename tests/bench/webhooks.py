# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Webhook intake: signed deliveries acknowledged per second and their ack
latency, at a steady load and at a 10x burst of concurrent senders, against
Odoo's trivial /web/health route on the same server, the two taking turns.
Every acknowledged delivery must be stored (zero loss); one left unanswered
is counted, as its platform would deliver it again. The server runs on a
copy of the bench database, dropped afterwards; its job runner is off, so
intake is measured alone."""

import json
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import odoo_process
import requests
from database_copy import database_copy

import odoo
from odoo.modules.registry import Registry

from odoo.addons.retail_connector_base.adapters import simulator as protocol

SECRET = "bench-webhook-secret"
STEADY = 4  # concurrent senders
BURST = STEADY * 10
# Webhooks and the baseline take turns in this many rounds per load, so that
# both meet the machine as it is at the time (on a shared machine /web/health
# alone moved from 260 to 530 answers/s within the hour).
ROUNDS = 4


def _backend(db_name):
    with Registry(db_name).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        backend = env["retail.backend"].create(
            {
                "name": "Bench webhooks",
                "kind": "marketplace",
                "platform": "simulator",
                "webhook_secret": SECRET,
            }
        )
        return backend.id, backend.webhook_token


def _signed(body):
    return {
        "Content-Type": "application/json",
        **protocol.signed_headers(
            SECRET, int(time.time()), "orders/create", str(uuid.uuid4()), body
        ),
    }


def _load(send, count, senders):
    """``count`` calls of ``send`` by ``senders`` threads, each on its own
    kept-alive connection: (statuses, latencies in ms, seconds)."""
    local = threading.local()

    def one(number):
        if not hasattr(local, "session"):
            local.session = requests.Session()
        started = time.perf_counter()
        try:
            status = send(local.session, number)
        except requests.ConnectionError:
            # Unanswered, as a platform would see it: it delivers again later.
            status = 0
            local.session = requests.Session()
        return status, (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    with ThreadPoolExecutor(senders) as pool:
        results = list(pool.map(one, range(count)))
    elapsed = time.perf_counter() - started
    return [status for status, _ in results], [ms for _, ms in results], elapsed


def _taking_turns(first, second, count, senders):
    """``_load`` of ``first`` and of ``second``, ``count`` calls each, in
    ROUNDS alternating rounds (first, second, then second, first, ...): the
    sum of each one's results."""
    results = {first: ([], [], 0.0), second: ([], [], 0.0)}
    for number in range(ROUNDS):
        order = (first, second) if number % 2 == 0 else (second, first)
        for send in order:
            statuses, latencies, elapsed = _load(send, count // ROUNDS, senders)
            done = results[send]
            results[send] = (done[0] + statuses, done[1] + latencies, done[2] + elapsed)
    return results[first], results[second]


def _figures(statuses, latencies, elapsed):
    latencies = sorted(latencies)
    return {
        "rate": len(statuses) / elapsed,
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "ok": sum(1 for status in statuses if status == 200),
    }


def run(config_path, db_name, count):
    with database_copy(db_name, "webhooks") as copy:
        return _measure(config_path, copy, count)


def _measure(config_path, copy, count):
    process = None
    try:
        backend_id, token = _backend(copy)
        log = Path(tempfile.mkdtemp()) / "odoo.log"
        process, base_url = odoo_process.start(config_path, copy, log, "root:0")
        hook_url = f"{base_url}/retail/webhook/{token}"
        payload = {"id": 0, "status": "paid", "lines": [{"sku": "B-1", "quantity": 1}]}

        def webhook(session, number):
            body = json.dumps({**payload, "id": number}).encode()
            return session.post(
                hook_url, data=body, headers=_signed(body), timeout=60
            ).status_code

        def health(session, _number):
            return session.get(f"{base_url}/web/health", timeout=60).status_code

        _load(webhook, 20, STEADY)  # warm-up: workers' registries and caches
        _load(health, 20, STEADY)
        figures = {}
        for name, senders in (("steady", STEADY), ("burst", BURST)):
            hooks, baseline = _taking_turns(webhook, health, count, senders)
            figures[f"webhook_{name}"] = _figures(*hooks)
            figures[f"health_{name}"] = _figures(*baseline)
        with Registry(copy).cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM retail_event WHERE backend_id = %s",
                (backend_id,),
            )
            figures["stored"] = cr.fetchone()[0] - 20
        figures["sent"] = 2 * (count // ROUNDS) * ROUNDS
        return figures
    finally:
        if process:
            odoo_process.stop(process)
