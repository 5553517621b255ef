# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The fault suite: what a real server (prefork workers, queue_job runner)
does when deliveries storm in, a worker dies mid-import, or the channel goes
down for a while. Outcome assertions only: nothing lost, nothing booked twice.

The PostgreSQL restart scenario is in test_faults_postgres.py."""

import os
import random
import signal
import threading
import time

import psutil
import pytest
import requests
from simulator import Simulator
from store import (
    ACCESS_TOKEN,
    bookings,
    compact,
    create_store,
    inbox_settled,
    jobs_idle,
    order_spec,
    signed_headers,
)
from waiting import inbox_state, wait_for


@pytest.fixture
def store(committed_env):
    """The simulator (generic protocol) and a committed backend on it:
    ``(sim, backend_id, skus, currency)``."""
    with committed_env() as env:
        currency = env.company.currency_id.name
    with Simulator(webhook_retry_delay=0.05, api_token=ACCESS_TOKEN) as sim:
        with committed_env() as env:
            backend, skus = create_store(env, sim)
            backend_id = backend.id
        yield sim, backend_id, skus, currency


def _settled(committed_env, backend_id):
    with committed_env() as env:
        return inbox_settled(env, backend_id) and jobs_idle(env, backend_id)


def _assert_booked_once(committed_env, backend_id, orders):
    """Exactly one confirmed, invoiced and paid sale order per channel order,
    with one stock move per product line and one payment entry per invoice."""
    with committed_env() as env:
        booked = bookings(env, backend_id)
        failed = env["retail.event"].search(
            [("backend_id", "=", backend_id), ("state", "=", "failed")]
        )
        assert not failed, failed.mapped("last_error")
        per_order = booked["per_order"]
        assert sorted(per_order) == sorted(str(order["id"]) for order in orders)
        assert {len(sales) for sales in per_order.values()} == {1}
        for order in orders:
            (sale,) = per_order[str(order["id"])]
            assert sale.state == "sale"
            assert f"{sale.amount_total:.2f}" == order["total"]
            (invoice,) = sale.invoice_ids
            assert invoice.state == "posted"
            assert invoice.payment_state in ("paid", "in_payment")
            payment_entries = invoice.line_ids.matched_credit_ids.credit_move_id.move_id
            assert len(payment_entries) == 1
            moves = booked["stock_moves"].filtered(
                lambda m, s=sale: m.sale_line_id.order_id == s
            )
            assert sorted(moves.mapped("product_id.default_code")) == sorted(
                line["sku"] for line in order["lines"]
            )
        assert len(booked["invoices"]) == len(orders)
        assert len(booked["entries"]) == 2 * len(orders)


# --- Duplicate storm --------------------------------------------------------


def test_duplicate_storm_books_one_sale_order(odoo_server, store, committed_env):
    """Test that one order webhook posted 20 times at once, over 20
    connections spread on the server's workers, gives one event and one
    confirmed, invoiced sale order, and that every copy got a 200."""
    sim, backend_id, skus, currency = store
    order = sim.create_order(**order_spec(random.Random(1), skus, currency))
    with committed_env() as env:
        token = env["retail.backend"].browse(backend_id).webhook_token
    url = f"{odoo_server}/retail/webhook/{token}"
    body = compact(order)
    headers = signed_headers(body, f"storm-{order['id']}")
    start = threading.Barrier(20)
    answers = []

    def post():
        with requests.Session() as session:  # a connection of its own
            start.wait()
            response = session.post(url, data=body, headers=headers, timeout=60)
            answers.append((response.status_code, response.json().get("status")))

    threads = [threading.Thread(target=post) for _copy in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [(200, "accepted")] + [(200, "duplicate")] * 19
    wait_for(
        lambda: _settled(committed_env, backend_id),
        120,
        "the import",
        explain=lambda: inbox_state(committed_env, [backend_id]),
    )
    with committed_env() as env:
        events = env["retail.event"].search([("backend_id", "=", backend_id)])
        assert len(events) == 1
        assert events.state == "done"
    _assert_booked_once(committed_env, backend_id, [order])


# --- A worker killed mid-import ---------------------------------------------

KILLED_ORDERS = 30  # under EVENTS_PER_JOB: one job imports them all


def _server_workers(odoo_server):
    """The server's prefork worker processes (children of the Odoo master
    started by conftest for ``odoo_server``)."""
    port = odoo_server.rsplit(":", 1)[1]
    for process in psutil.process_iter(["cmdline"]):
        if f"--http-port={port}" in (process.info["cmdline"] or []):
            if process.parent() and f"--http-port={port}" in (
                process.parent().cmdline() or []
            ):
                continue  # a worker: its parent is the master
            return {child.pid for child in process.children()}
    raise AssertionError(f"no Odoo master process serving {odoo_server}")


def _started_import_job(committed_env, backend_id):
    with committed_env() as env:
        job = env["queue.job"].search(
            [
                ("channel", "=like", f"root.retail.%.marketplace.backend_{backend_id}"),
                ("method_name", "=", "_process_events"),
                ("state", "=", "started"),
            ],
            limit=1,
        )
        return job and (job.uuid, job.worker_pid, job.date_started)


def _probe_job(committed_env):
    """Enqueue a trivial job: its notification wakes the job runner, whose
    next loop requeues jobs whose worker died (instead of within a minute)."""
    with committed_env() as env:
        partner = env["res.partner"].create({"name": "Runner wake-up probe"})
        partner.with_delay(channel="root.retail").write({"comment": "awake"})


def test_worker_killed_mid_import_is_requeued_and_books_once(
    odoo_server, store, committed_env
):
    """Test that SIGKILL on the worker running an import job, in the middle of
    30 orders, loses its transaction only: queue_job requeues the job, it is
    run again to completion, and every order has exactly one sale order,
    invoice, payment entry and set of stock moves."""
    sim, backend_id, skus, currency = store
    rng = random.Random(11)
    orders = [
        sim.create_order(**order_spec(rng, skus, currency))
        for _index in range(KILLED_ORDERS)
    ]
    # The poll stores all the orders in one transaction: one job for them all.
    with committed_env() as env:
        flow = env["retail.backend.flow"].search(
            [("backend_id", "=", backend_id), ("flow", "=", "orders_in")]
        )
        flow._run()
    job_uuid, worker_pid, _started = wait_for(
        lambda: _started_import_job(committed_env, backend_id), 60, "the import job"
    )
    workers = _server_workers(odoo_server)
    assert worker_pid in workers, (worker_pid, workers)
    time.sleep(3)  # well into the job: part of the orders booked, uncommitted
    with committed_env() as env:
        assert env["queue.job"].search([("uuid", "=", job_uuid)]).state == "started"
        pending = env["retail.event"].search_count(
            [("backend_id", "=", backend_id), ("state", "=", "pending")]
        )
    assert pending == KILLED_ORDERS, "the job finished before the kill"
    os.kill(worker_pid, signal.SIGKILL)
    wait_for(lambda: not psutil.pid_exists(worker_pid), 10, "the worker's death")
    killed_at = time.monotonic()

    # The runner requeues a started job whose lock is gone, once it has been
    # enqueued for 10 seconds; a job notification makes it look at once.
    time.sleep(11)
    _probe_job(committed_env)

    def requeued_job_done():
        with committed_env() as env:
            job = env["queue.job"].search([("uuid", "=", job_uuid)])
            assert job.state not in ("failed", "cancelled"), job.exc_info
            return job.state == "done" and job

    wait_for(requeued_job_done, 240, "the requeued job")
    print(f"\nkilled job requeued and done in {time.monotonic() - killed_at:.1f}s")
    wait_for(
        lambda: _settled(committed_env, backend_id),
        120,
        "the imports",
        explain=lambda: inbox_state(committed_env, [backend_id]),
    )
    with committed_env() as env:
        job = env["queue.job"].search([("uuid", "=", job_uuid)])
        assert job.retry >= 1  # counted as a retry by the dead-job requeue
        assert worker_pid not in _server_workers(odoo_server)  # replaced
    _assert_booked_once(committed_env, backend_id, orders)


# --- Channel outage ---------------------------------------------------------

OUTAGE_SECONDS = 30
SHIPMENTS = 6


def _circuit_state(committed_env, backend_id):
    with committed_env() as env:
        return env["retail.backend"].browse(backend_id).circuit_state


def _api_calls(sim):
    return sum(
        count
        for key, count in sim.stats()["requests"].items()
        if key.split(" ", 1)[-1].startswith("/api/")
    )


def test_channel_outage_opens_circuit_and_exports_catch_up(
    odoo_server, store, committed_env
):
    """Test that while the channel answers 500s and timeouts, the circuit
    opens and shipment exports wait in one job (none fails, the channel is
    not hammered); and that after recovery every shipment reaches the
    channel exactly once without the channel ever throttling us."""
    sim, backend_id, skus, currency = store
    rate = 5
    sim.configure(rate_per_second=rate, burst=rate)
    sim.reset()
    with committed_env() as env:
        # Under the channel's own limit, as the README advises: requests
        # reach the channel with jitter, and at exactly its limit one in a
        # few hundred arrives early enough to be refused.
        env["retail.backend"].browse(backend_id).write(
            {
                "rate_limit": rate * 0.9,
                "rate_burst": rate - 1,
                "breaker_threshold": 3,
                "breaker_cooldown": 4,
                "request_timeout": 2,
                # Retries 1, 2, 4... s apart: ten attempts outlast the outage.
                "max_attempts": 10,
                "flow_ids": [(0, 0, {"flow": "stock_out", "mode": "realtime"})],
            }
        )
        # The products are listed on the channel as fast movers: every stock
        # change is published within seconds, by a job.
        for sku in skus:
            product = env["product.product"].search([("default_code", "=", sku)])
            product.retail_fast_mover = True
            env["retail.product.binding"].create(
                {"backend_id": backend_id, "odoo_id": product.id, "external_id": sku}
            )
    rng = random.Random(5)
    orders = [
        sim.create_order(**order_spec(rng, skus, currency))
        for _index in range(SHIPMENTS)
    ]
    with committed_env() as env:
        env["retail.backend.flow"].search(
            [("backend_id", "=", backend_id), ("flow", "=", "orders_in")]
        )._run()
    wait_for(
        lambda: _settled(committed_env, backend_id),
        180,
        "the imports",
        explain=lambda: inbox_state(committed_env, [backend_id]),
    )
    _assert_booked_once(committed_env, backend_id, orders)

    # The channel goes down: timeouts first, then 500s.
    sim.set_faults(timeout_next=2, timeout_seconds=3, fail_next=10**6, fail_status=500)
    with committed_env() as env:
        sales = env["sale.order"].search([("retail_backend_id", "=", backend_id)])
        for picking in sales.picking_ids:
            picking.carrier_tracking_ref = f"TRACK-{picking.sale_id.retail_external_id}"
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty
            picking.button_validate()
    outage_started = time.monotonic()
    wait_for(
        lambda: _circuit_state(committed_env, backend_id) == "open",
        60,
        "the circuit to open",
    )
    calls_when_open = _api_calls(sim)
    time.sleep(max(0, OUTAGE_SECONDS - (time.monotonic() - outage_started)))
    calls_during_outage = _api_calls(sim) - calls_when_open
    with committed_env() as env:
        jobs = env["queue.job"].search(
            [
                ("channel", "=like", f"root.retail.%.marketplace.backend_{backend_id}"),
                ("method_name", "=", "_retail_export_shipments"),
            ]
        )
        assert not jobs.filtered(lambda job: job.state == "failed"), [
            job.exc_info and job.exc_info[-300:] for job in jobs
        ]
        # One job waits for the channel with every delivery, not one each.
        waiting = jobs.filtered(lambda job: job.state not in ("done", "cancelled"))
        assert len(waiting) == 1, [(job.state, job.result) for job in jobs]
        pickings = (
            env["sale.order"]
            .search([("retail_backend_id", "=", backend_id)])
            .picking_ids
        )
        assert len(pickings.filtered("retail_report_backend_id")) == SHIPMENTS
        assert not env["retail.exception.activity"]._open(
            env["retail.backend"].browse(backend_id), "shipment_export"
        ), "the retries are not spent yet"
    assert sim.stats()["fulfillments"] == []
    # Open: only a trial call per pause gets through, not one per job.
    assert calls_during_outage <= OUTAGE_SECONDS / 4 * 3 + 3, calls_during_outage

    sim.clear_faults()
    recovered_at = time.monotonic()

    def all_reported():
        with committed_env() as env:
            pickings = (
                env["sale.order"]
                .search([("retail_backend_id", "=", backend_id)])
                .picking_ids
            )
            return all(pickings.mapped("retail_fulfilment_ref")) and jobs_idle(
                env, backend_id
            )

    wait_for(all_reported, 240, "the shipments after recovery")
    print(f"\nexports caught up {time.monotonic() - recovered_at:.1f}s after recovery")
    fulfillments = sim.stats()["fulfillments"]
    assert sorted(f["order_id"] for f in fulfillments) == sorted(
        str(order["id"]) for order in orders
    )
    for fulfillment in fulfillments:
        assert fulfillment["tracking_numbers"] == [f"TRACK-{fulfillment['order_id']}"]
    assert _circuit_state(committed_env, backend_id) == "closed"
    # The stock after the shipments reached the channel too.
    last_sent = {
        update["sku"]: update["quantity"] for update in sim.stats()["stock_updates"]
    }
    with committed_env() as env:
        backend = env["retail.backend"].browse(backend_id)
        Binding = env["retail.product.binding"]
        bindings = Binding.search([("backend_id", "=", backend_id)])
        expected = {
            binding.external_id: quantity
            for binding, quantity in Binding._channel_quantities(
                backend, bindings
            ).items()
        }
    assert last_sent == expected
    assert sim.stats()["requests"].get("rate limited", 0) == 0
