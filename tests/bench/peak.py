# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Orders first under load: a 10x burst of channel orders (40 senders at
once) delivered as signed webhooks until each is a confirmed sale order,
alone, then while a catalog export of the SKUs to the simulator runs in the
batch lane, in the same run on the same server (odoo.conf.example's lanes,
4 prefork workers, the job runner). Figures: orders confirmed per second, and
each order's lag (stored to processed) at p50 and p99. Also the webhook
intake rate against /web/health on that server, before the export starts.

Runs on a copy of the bench database."""

import statistics
import tempfile
import time
from pathlib import Path

import odoo_process
from database_copy import database_copy
from orders import _confirmed, _order_payloads, _prepare_server_database
from simulator import Simulator
from stock import TOKEN
from stock import _catalog as _bound_catalog
from store import compact, signed_headers
from webhooks import _figures as _load_figures
from webhooks import _load

import odoo
from odoo.modules.registry import Registry

from odoo.addons.retail_connector_base import jobs

SECRET = "bench-orders-secret"
CHANNELS = (
    "root:4,root.retail:4,root.retail.intake:1,root.retail.realtime:1,"
    "root.retail.batch:1,root.retail.report:1"
)
WORKERS = 4
BURST_SENDERS = 40  # 10x the orders benchmark's 4 senders
BURST_ORDERS = 200
WARM_UP = 10
INTAKE_CALLS = 400
STEADY_SENDERS = 4
POLL_SECONDS = 0.2
# The export is not throttled by the channel: it takes as much of the
# machine as it can, the worst case for the orders beside it.
EXPORT_RATE = 10_000


def _burst(db_name, base_url, setup, payloads):
    """Deliver ``payloads`` with ``BURST_SENDERS`` senders; figures once every
    order is confirmed: seconds, orders/s and the orders' lag p50/p99."""
    url = f"{base_url}/retail/webhook/{setup['token']}"
    where, params = "retail_backend_id = %s", (setup["backend_id"],)
    already = _confirmed(db_name, where, params)
    keys = [f"peak-{payload['id']}" for payload in payloads]

    def deliver(session, index):
        body = compact(payloads[index])
        headers = signed_headers(body, keys[index], secret=SECRET)
        return session.post(url, data=body, headers=headers, timeout=120).status_code

    started = time.perf_counter()
    statuses, _latencies, _elapsed = _load(deliver, len(payloads), BURST_SENDERS)
    if any(status != 200 for status in statuses):
        raise RuntimeError(f"deliveries not acknowledged: {set(statuses)}")
    deadline = time.monotonic() + 3600
    while _confirmed(db_name, where, params) < already + len(payloads):
        if time.monotonic() > deadline:
            raise RuntimeError("the burst's orders were not confirmed within 1 h")
        time.sleep(POLL_SECONDS)
    seconds = time.perf_counter() - started
    with Registry(db_name).cursor() as cr:
        cr.execute(
            "SELECT EXTRACT(EPOCH FROM processed_at - received_at) FROM retail_event "
            "WHERE backend_id = %s AND dedupe_key IN %s AND state = 'done'",
            (setup["backend_id"], tuple(keys)),
        )
        lags = sorted(float(lag) for (lag,) in cr.fetchall())
    return {
        "orders": len(payloads),
        "seconds": seconds,
        "rate": len(payloads) / seconds,
        "lag_p50_s": statistics.median(lags),
        "lag_p99_s": lags[min(len(lags) - 1, int(len(lags) * 0.99))],
    }


def _intake_ratio(db_name, base_url):
    """Webhooks acknowledged per second against /web/health answers, 4
    senders each, on the running server (a topic no module handles, so that
    the jobs the deliveries wake end at once)."""
    with Registry(db_name).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        backend = env["retail.backend"].create(
            {"name": "Bench intake", "kind": "marketplace", "webhook_secret": SECRET}
        )
        url = f"{base_url}/retail/webhook/{backend.webhook_token}"

    def webhook(session, number):
        body = compact({"id": number})
        headers = signed_headers(body, f"intake-{number}", "bench/none", SECRET)
        return session.post(url, data=body, headers=headers, timeout=60).status_code

    def health(session, _number):
        return session.get(f"{base_url}/web/health", timeout=60).status_code

    _load(webhook, 20, STEADY_SENDERS)
    _load(health, 20, STEADY_SENDERS)
    hook = _load_figures(*_load(webhook, INTAKE_CALLS, STEADY_SENDERS))
    base = _load_figures(*_load(health, INTAKE_CALLS, STEADY_SENDERS))
    return {"webhook_rate": hook["rate"], "health_rate": base["rate"]}


def _start_export(db_name, backend_id):
    """Enqueue the catalog export as the batch flow's scheduled action does."""
    with Registry(db_name).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["retail.backend.flow"].create(
            {"backend_id": backend_id, "flow": "catalog_out", "mode": "batch"}
        )
        env["retail.backend.flow"]._cron_run_batch_flows()


def _export_state(db_name, backend_id):
    with Registry(db_name).cursor() as cr:
        cr.execute(
            "SELECT state, channel, priority FROM queue_job "
            "WHERE method_name = '_run' AND channel LIKE %s ORDER BY id DESC LIMIT 1",
            (f"%.backend_{backend_id}",),
        )
        return cr.fetchone()


def run(config_path, db_name, count):
    with database_copy(db_name, "peak") as copy:
        registry = Registry(copy)
        setup = _prepare_server_database(copy)
        with Simulator(
            api_token=TOKEN, rate_per_second=EXPORT_RATE, burst=EXPORT_RATE
        ) as sim:
            catalog_id = _bound_catalog(registry, count, sim.url)
            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                env["retail.backend"].browse(catalog_id).write(
                    {"rate_limit": EXPORT_RATE, "rate_burst": EXPORT_RATE}
                )
            log = Path(tempfile.mkdtemp()) / "odoo.log"
            process, base_url = odoo_process.start(
                config_path, copy, log, CHANNELS, workers=WORKERS
            )
            try:
                currency = setup["currency"]
                first = 1
                _burst(copy, base_url, setup, _order_payloads(WARM_UP, currency, first))
                first += WARM_UP
                payloads = _order_payloads(BURST_ORDERS, currency, first)
                alone = _burst(copy, base_url, setup, payloads)
                first += BURST_ORDERS
                intake = _intake_ratio(copy, base_url)
                _start_export(copy, catalog_id)
                deadline = time.monotonic() + 120
                while (_export_state(copy, catalog_id) or ("",))[0] != "started":
                    if time.monotonic() > deadline:
                        raise RuntimeError("the catalog export did not start")
                    time.sleep(POLL_SECONDS)
                sim.reset()
                loaded = _burst(
                    copy,
                    base_url,
                    setup,
                    _order_payloads(BURST_ORDERS, currency, first + 10**6),
                )
                exported = sum(
                    count
                    for request, count in sim.stats()["requests"].items()
                    if "products" in request
                )
                state, channel, priority = _export_state(copy, catalog_id)
            finally:
                odoo_process.stop(process)
    return {
        "skus": count,
        "alone": alone,
        "loaded": loaded,
        "exported_during_burst": exported,
        "export_state_after": state,
        "export_channel": channel,
        "export_priority": priority,
        "intake_priority": jobs.LANES["intake"],
        **intake,
    }
