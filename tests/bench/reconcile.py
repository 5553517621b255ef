# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stock reconciliation with Shopify: a catalog of SKUs bound to a Shopify
backend, each stocked at the shop's three locations, 1 % of them drifted at
the backend's location. The suite reconciles through one bulk operation
over the shop's inventory levels (its JSONL result streamed); the baseline
is the same reconciliation reading the backend's location page by page
through the API (inventory items by id, 250 a query, within the query-cost
bucket). Both correct the same drift the same way.

The simulated shop is on Shopify Plus (1,000 cost points a second, a bucket
of 10,000): on the standard plan (100 a second) the paging takes ten times
as long, the bulk operation no longer. The simulator completes a bulk
operation as soon as it is polled, where Shopify takes its own time over
it: the suite's figure leaves that time out.

Runs on a copy of the bench database: the HTTP client records its limits
and request log in transactions of its own, which need the backend
committed."""

import random
import time
from unittest.mock import patch

from database_copy import database_copy
from simulator import Simulator

import odoo
from odoo import fields
from odoo.modules.registry import Registry

from odoo.addons.retail_marketplace.adapters.shopify import ShopifyMarketplace

TOKEN = "bench-reconcile-token"
CHUNK = 1000
DRIFT_SHARE = 0.01
PLUS = {"points_max": 10_000, "points_restore": 1_000}
LOCATIONS = 3


def _catalog(registry, sim, count):
    """``count`` SKUs on the shop, stocked at every location, bound to a
    backend publishing to the first: the backend's id."""
    items = [sim.add_product(f"BENCH-REC-{n:06d}")["variants"][0] for n in range(count)]
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", env.company.id)], limit=1
        )
        backend = env["retail.backend"].create(
            {
                "name": "Bench reconciliation",
                "kind": "marketplace",
                "platform": "shopify",
                "api_url": sim.url,
                "api_version": "2025-10",
                "access_token": TOKEN,
                "webhook_secret": "bench",
                "rate_limit": 100,
                "rate_burst": 100,
                "request_timeout": 120,
                "warehouse_id": warehouse.id,
                "location_ref": str(sim.config["location_id"]),
            }
        )
        backend_id = backend.id
    now = fields.Datetime.now()
    for start in range(0, count, CHUNK):
        with registry.cursor() as cr:
            env = odoo.api.Environment(
                cr, odoo.SUPERUSER_ID, {"tracking_disable": True}
            )
            chunk = items[start : start + CHUNK]
            products = env["product.product"].create(
                [
                    {
                        "name": item["sku"],
                        "default_code": item["sku"],
                        "is_storable": True,
                    }
                    for item in chunk
                ]
            )
            env["retail.product.binding"].create(
                [
                    {
                        "backend_id": backend_id,
                        "odoo_id": product.id,
                        "external_id": str(item["id"]),
                        "parent_ref": str(item["product_id"]),
                        "stock_ref": str(item["inventory_item_id"]),
                        "published_qty": 0,
                        "published_at": now,
                    }
                    for product, item in zip(products, chunk, strict=True)
                ]
            )
    return backend_id, [item["inventory_item_id"] for item in items]


def _drift(sim, items, seed):
    """The shop shows 1 % of the SKUs at the backend's location with stock
    Odoo does not have, and stock everywhere at the other locations."""
    rng = random.Random(seed)
    primary = sim.config["location_id"]
    for location in sim.platform.locations:
        if location != primary:
            for item in items:
                sim.platform.set_available(item, rng.randint(0, 20), location)
    drifted = rng.sample(items, int(len(items) * DRIFT_SHARE))
    for item in drifted:
        sim.platform.set_available(item, rng.randint(1, 20), primary)
    return len(drifted)


def _paged(adapter, items, location_refs):
    """The baseline read: the API paged 250 items a query, per location."""
    return {ref: adapter.fetch_stock(items, ref) for ref in location_refs}


def _reconcile(registry, backend_id, sim, read):
    """Seconds, channel-read seconds, calls and cost points of one
    reconciliation whose channel read is ``read`` (as the adapter's
    ``fetch_all_stock_at``)."""
    calls_before = len(sim.platform.graphql_calls)
    files_before = sim.stats()["requests"].get("GET /_files/<name>", 0)
    read_seconds = []

    def timed(adapter, items, location_refs):
        started = time.perf_counter()
        result = read(adapter, items, location_refs)
        read_seconds.append(time.perf_counter() - started)
        return result

    started = time.perf_counter()
    with (
        registry.cursor() as cr,
        patch.object(ShopifyMarketplace, "fetch_all_stock_at", timed),
    ):
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        drift, bound = env["retail.backend"].browse(backend_id)._reconcile_stock()
    elapsed = time.perf_counter() - started
    calls = sim.platform.graphql_calls[calls_before:]
    return {
        "seconds": elapsed,
        "read_seconds": read_seconds[0],
        "drift": drift,
        "bound": bound,
        "graphql_calls": len(calls),
        "downloads": sim.stats()["requests"].get("GET /_files/<name>", 0)
        - files_before,
        "cost_actual": sum(call["actual"] for call in calls),
        "cost_requested": sum(call["requested"] for call in calls),
    }


def run(config_path, db_name, count):
    with database_copy(db_name, "reconcile") as copy:
        registry = Registry(copy)
        with Simulator(
            platform="shopify", api_token=TOKEN, rate_limit_enabled=False, **PLUS
        ) as sim:
            for number in range(2, LOCATIONS + 1):
                sim.platform.add_location(f"Store {number}")
            backend_id, items = _catalog(registry, sim, count)
            drifted = _drift(sim, items, seed=count)
            suite = _reconcile(
                registry, backend_id, sim, ShopifyMarketplace.fetch_all_stock_at
            )
            if suite["drift"] != drifted:
                raise RuntimeError("the bulk reconciliation missed drift")
            _drift(sim, items, seed=count)
            paged = _reconcile(registry, backend_id, sim, _paged)
            if paged["drift"] != drifted:
                raise RuntimeError("the paged reconciliation missed drift")
    return {
        "skus": count,
        "locations": LOCATIONS,
        "levels": count * LOCATIONS,
        "drifted": drifted,
        "bulk": suite,
        "paged": paged,
    }
