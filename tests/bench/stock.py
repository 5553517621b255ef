# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stock publishing: a catalog of bound SKUs whose stock was published, then
a change to 1 % of them; the suite publishes what changed in the platform's
bulk calls, against a full sync sending every SKU's quantity through the same
adapter and HTTP client. Both go to the simulator (generic protocol, 250 SKUs
a call, 10 requests/s); the backend's own limiter is set a tenth under that,
as a backend should be (requests reach the channel with jitter, so a client at
exactly the limit gets the odd 429), so the elapsed time is what the limit
allows and no call should be throttled.

Runs on a copy of the bench database: the HTTP client records its rate
limit, circuit and request log in transactions of its own, which need the
backend committed."""

import random
import time

from database_copy import database_copy
from simulator import Simulator

import odoo
from odoo import fields
from odoo.modules.registry import Registry

from odoo.addons.retail_marketplace.adapters.channel_model import StockItem

RATE = 10  # requests per second, the simulator's default
BURST = 20
CLIENT_SHARE = 0.9  # of the channel's limit, for the backend's limiter
CHUNK = 1000
CHANGED_SHARE = 0.01
TOKEN = "bench-stock-token"
STOCK_CALL = "POST /api/v1/stock/batch"


def _catalog(registry, count, api_url):
    """``count`` storable products bound to a backend on the simulator, their
    zero stock published: the backend's id."""
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", env.company.id)], limit=1
        )
        backend = env["retail.backend"].create(
            {
                "name": "Bench stock",
                "kind": "marketplace",
                "platform": "simulator",
                "api_url": api_url,
                "access_token": TOKEN,
                "webhook_secret": "bench",
                "rate_limit": RATE * CLIENT_SHARE,
                "rate_burst": int(BURST * CLIENT_SHARE),
                "warehouse_id": warehouse.id,
            }
        )
        backend_id = backend.id
        cr.commit()
    now = fields.Datetime.now()
    for start in range(0, count, CHUNK):
        with registry.cursor() as cr:
            env = odoo.api.Environment(
                cr, odoo.SUPERUSER_ID, {"tracking_disable": True}
            )
            skus = [
                f"BENCH-STK-{n:06d}" for n in range(start, min(count, start + CHUNK))
            ]
            products = env["product.product"].create(
                [
                    {"name": sku, "default_code": sku, "is_storable": True}
                    for sku in skus
                ]
            )
            env["retail.product.binding"].create(
                [
                    {
                        "backend_id": backend_id,
                        "odoo_id": product.id,
                        "external_id": product.default_code,
                        "stock_ref": product.default_code,
                        "published_qty": 0,
                        "published_at": now,
                    }
                    for product in products
                ]
            )
    return backend_id


def _change_stock(registry, backend_id, count):
    """Receive stock for 1 % of the SKUs: what the channel must now show."""
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        backend = env["retail.backend"].browse(backend_id)
        bindings = env["retail.product.binding"].search(
            [("backend_id", "=", backend_id)]
        )
        rng = random.Random(count)
        expected = {}
        for binding in rng.sample(list(bindings), int(count * CHANGED_SHARE)):
            quantity = rng.randint(1, 50)
            env["stock.quant"]._update_available_quantity(
                binding.odoo_id, backend.warehouse_id.lot_stock_id, quantity
            )
            expected[binding.stock_ref] = quantity
        return expected


def _first_publication(registry, backend_id):
    """The publication before the change: every listing read (the backend
    never published), nothing sent (all were published at zero)."""
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["retail.product.binding"]._publish_stock(
            env["retail.backend"].browse(backend_id)
        )


def _reading(registry, backend_id):
    """Seconds reading the channel quantities, as the suite reads them (the
    products marked as changed since the last publication) and as a full
    read (every listing), in one rolled-back transaction each; the number of
    listings each read."""
    figures = {}
    for name in ("changed", "full"):
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            Binding = env["retail.product.binding"].with_context(
                retail_waiting_cache={}
            )
            backend = env["retail.backend"].browse(backend_id)
            (target,) = backend._retail_stock_targets()
            started = time.perf_counter()
            if name == "changed":
                bindings, _cursor = Binding._stock_candidates(backend)
            else:
                bindings = Binding.search([("backend_id", "=", backend_id)])
            Binding._availability(backend, target, bindings)
            figures[name] = {
                "seconds": time.perf_counter() - started,
                "read": len(bindings),
            }
            cr.rollback()
    return figures


def _publish(registry, backend_id, sim, publish):
    """Seconds and stock calls ``publish(env, backend)`` takes."""
    sim.reset()
    started = time.perf_counter()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        sent = publish(env, env["retail.backend"].browse(backend_id))
    elapsed = time.perf_counter() - started
    requests = sim.stats()["requests"]
    return {
        "seconds": elapsed,
        "skus_sent": sent,
        "requests": requests.get(STOCK_CALL, 0),
        "throttled": requests.get("rate limited", 0),
    }


def _changed_only(env, backend):
    return env["retail.product.binding"]._publish_stock(backend)


def _full_sync(env, backend):
    bindings = env["retail.product.binding"].search([("backend_id", "=", backend.id)])
    quantities = env["retail.product.binding"]._channel_quantities(backend, bindings)
    items = [
        StockItem(stock_ref=binding.stock_ref, sku=binding.stock_ref, quantity=quantity)
        for binding, quantity in quantities.items()
    ]
    backend._adapter("marketplace").push_stock(items, backend.location_ref)
    return len(items)


def run(config_path, db_name, count):
    with database_copy(db_name, "stock") as copy:
        registry = Registry(copy)
        with Simulator(api_token=TOKEN, rate_per_second=RATE, burst=BURST) as sim:
            backend_id = _catalog(registry, count, sim.url)
            _first_publication(registry, backend_id)
            expected = _change_stock(registry, backend_id, count)
            reading = _reading(registry, backend_id)
            suite = _publish(registry, backend_id, sim, _changed_only)
            published = dict(sim.stock)
            if published != expected:
                raise RuntimeError("the channel does not show the changed stock")
            full = _publish(registry, backend_id, sim, _full_sync)
    return {
        "skus": count,
        "changed": len(expected),
        "suite": suite,
        "full": full,
        "reading": reading,
    }
