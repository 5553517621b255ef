# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Order import, end to end: channel orders delivered as signed webhooks to a
real server (prefork workers and the queue_job runner) until each is a
confirmed sale order, against the same orders written by a direct XML-RPC
integration on the same server (find or create the customer, create the
order with its lines, confirm it), and by in-process ORM create + confirm.

Every path books the same orders: the same customers, SKUs, quantities,
prices and shipping line, on products with stock, without invoicing (the
baselines would have to do that too). The suite also checks each order's
total against the channel's and binds it, which is part of its work."""

import random
import tempfile
import threading
import time
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import odoo_process
from database_copy import database_copy
from store import compact, signed_headers
from webhooks import _load

import odoo
from odoo import Command
from odoo.modules.registry import Registry

SECRET = "bench-orders-secret"
SKUS = [f"BENCH-ORD-{index:02d}" for index in range(20)]
CUSTOMERS = 100
SENDERS = 4  # webhook senders, and XML-RPC clients
WARM_UP = 10
POLL_SECONDS = 0.2
# odoo.conf.example's channels: one intake job at a time. With two, two
# inbox jobs of one backend book orders of the same products and customers
# side by side and keep losing to each other's updates (measured: about one
# order per job, 3.1 orders/s against 7.7).
CHANNELS = "root:2,root.retail:2,root.retail.intake:1"


def _order_payloads(count, currency, first_id):
    """Channel orders in the generic protocol, the same for every run."""
    rng = random.Random(count)
    payloads = []
    for number in range(first_id, first_id + count):
        lines = [
            {
                "id": f"L{index}",
                "sku": sku,
                "quantity": rng.randint(1, 3),
                "unit_price": f"{rng.randint(2, 40)}.{rng.choice(['00', '50', '99'])}",
            }
            for index, sku in enumerate(rng.sample(SKUS, rng.randint(1, 3)))
        ]
        shipping = rng.choice(["0.00", "4.90"])
        total = sum(
            Decimal(line["unit_price"]) * line["quantity"] for line in lines
        ) + Decimal(shipping)
        customer = rng.randrange(CUSTOMERS)
        stamp = f"2026-11-02T10:{number % 60:02d}:00Z"
        payloads.append(
            {
                "id": str(number),
                "number": f"#B{number}",
                "created_at": stamp,
                "updated_at": stamp,
                "currency": currency,
                "status": "paid",
                "customer": {
                    "id": f"bench-c{customer}",
                    "email": f"bench.customer{customer}@example.com",
                    "name": f"Bench Customer {customer}",
                },
                "lines": lines,
                "shipping": shipping,
                "total": f"{total:.2f}",
            }
        )
    return payloads


def _catalog(env):
    """The SKUs as storable products with stock, and a shipping product:
    ``(product ids by SKU, shipping product id)``."""
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", env.company.id)], limit=1
    )
    Product = env["product.product"]
    products = Product.create(
        [
            {
                "name": f"Bench order item {sku}",
                "default_code": sku,
                "is_storable": True,
                "invoice_policy": "order",
                "taxes_id": False,
            }
            for sku in SKUS
        ]
    )
    for product in products:
        env["stock.quant"]._update_available_quantity(
            product, warehouse.lot_stock_id, 10**6
        )
    shipping = Product.create(
        {"name": "Bench shipping", "type": "service", "taxes_id": False}
    )
    return {p.default_code: p.id for p in products}, shipping.id


def _prepare_server_database(db_name):
    with Registry(db_name).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        products, shipping_id = _catalog(env)
        backend = env["retail.backend"].create(
            {
                "name": "Bench orders",
                "kind": "marketplace",
                "platform": "simulator",
                "webhook_secret": SECRET,
                "warehouse_id": env["stock.warehouse"]
                .search([("company_id", "=", env.company.id)], limit=1)
                .id,
                "shipping_product_id": shipping_id,
                "auto_invoice": False,
                "auto_payment": False,
            }
        )
        return {
            "backend_id": backend.id,
            "token": backend.webhook_token,
            "currency": env.company.currency_id.name,
            "products": products,
            "shipping_id": shipping_id,
        }


def _confirmed(db_name, where, params):
    with Registry(db_name).cursor() as cr:
        cr.execute(
            f"SELECT count(*) FROM sale_order WHERE state = 'sale' AND {where}",
            params,
        )
        return cr.fetchone()[0]


def _wait_confirmed(db_name, where, params, expected, timeout):
    deadline = time.monotonic() + timeout
    while _confirmed(db_name, where, params) < expected:
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{expected} sale orders not confirmed within {timeout} s"
            )
        time.sleep(POLL_SECONDS)


def _through_webhooks(db_name, base_url, setup, payloads):
    """Seconds from the first delivery to the last order confirmed, and the
    import jobs it took."""
    url = f"{base_url}/retail/webhook/{setup['token']}"
    where, params = "retail_backend_id = %s", (setup["backend_id"],)
    already = _confirmed(db_name, where, params)

    def deliver(session, index):
        body = compact(payloads[index])
        headers = signed_headers(body, f"bench-{payloads[index]['id']}", secret=SECRET)
        return session.post(url, data=body, headers=headers, timeout=60).status_code

    started = time.perf_counter()
    statuses, _latencies, _elapsed = _load(deliver, len(payloads), SENDERS)
    if any(status != 200 for status in statuses):
        raise RuntimeError(f"deliveries not acknowledged: {set(statuses)}")
    _wait_confirmed(db_name, where, params, already + len(payloads), 3600)
    return time.perf_counter() - started


def _import_jobs(db_name, backend_id):
    with Registry(db_name).cursor() as cr:
        cr.execute(
            "SELECT count(*) FROM queue_job WHERE channel LIKE %s "
            "AND method_name = '_process_events' AND state = 'done'",
            (f"root.retail.%.marketplace.backend_{backend_id}",),
        )
        return cr.fetchone()[0]


def _sale_lines(payload, products, shipping_id):
    """The channel order's lines, and its shipping, as sale order lines."""
    # Plain (CREATE, 0, values) triplets: XML-RPC cannot carry Command members.
    create = Command.CREATE.value
    lines = [
        (
            create,
            0,
            {
                "product_id": products[line["sku"]],
                "product_uom_qty": line["quantity"],
                "price_unit": float(line["unit_price"]),
            },
        )
        for line in payload["lines"]
    ]
    if Decimal(payload["shipping"]):
        lines.append(
            (
                create,
                0,
                {"product_id": shipping_id, "price_unit": float(payload["shipping"])},
            )
        )
    return lines


class _XmlRpcIntegration:
    """What a direct integration does per order over Odoo's external API."""

    def __init__(self, base_url, db_name, setup):
        self.url = f"{base_url}/xmlrpc/2/object"
        self.db = db_name
        self.uid = xmlrpc.client.ServerProxy(f"{base_url}/xmlrpc/2/common").login(
            db_name, "admin", "admin"
        )
        self.setup = setup
        self.local = threading.local()

    def _call(self, model, method, *args, **kwargs):
        if not hasattr(self.local, "proxy"):
            self.local.proxy = xmlrpc.client.ServerProxy(self.url, allow_none=True)
        return self.local.proxy.execute_kw(
            self.db, self.uid, "admin", model, method, list(args), kwargs
        )

    def book(self, payload):
        customer = payload["customer"]
        partner_ids = self._call(
            "res.partner", "search", [("email", "=", customer["email"])], limit=1
        )
        if partner_ids:
            partner_id = partner_ids[0]
        else:
            partner_id = self._call(
                "res.partner",
                "create",
                {"name": customer["name"], "email": customer["email"]},
            )
        lines = _sale_lines(payload, self.setup["products"], self.setup["shipping_id"])
        order_id = self._call(
            "sale.order",
            "create",
            {
                "partner_id": partner_id,
                "client_order_ref": f"xmlrpc {payload['number']}",
                "order_line": lines,
            },
        )
        self._call("sale.order", "action_confirm", [order_id])


def _through_xmlrpc(db_name, base_url, setup, payloads):
    integration = _XmlRpcIntegration(base_url, db_name, setup)
    where, params = "client_order_ref LIKE %s", ("xmlrpc %",)
    already = _confirmed(db_name, where, params)
    started = time.perf_counter()
    with ThreadPoolExecutor(SENDERS) as pool:
        list(pool.map(integration.book, payloads))
    elapsed = time.perf_counter() - started
    booked = _confirmed(db_name, where, params) - already
    if booked != len(payloads):
        raise RuntimeError(f"XML-RPC booked {booked} of {len(payloads)} orders")
    return elapsed


def run(config_path, db_name, count):
    with database_copy(db_name, "orders") as copy:
        setup = _prepare_server_database(copy)
        log = Path(tempfile.mkdtemp()) / "odoo.log"
        process, base_url = odoo_process.start(config_path, copy, log, CHANNELS)
        try:
            warm_up = _order_payloads(WARM_UP, setup["currency"], 1)
            payloads = _order_payloads(count, setup["currency"], 1 + WARM_UP)
            # Warm-up: every worker loads its registry, the first customers exist.
            _through_webhooks(copy, base_url, setup, warm_up)
            _through_xmlrpc(copy, base_url, setup, warm_up)
            jobs_before = _import_jobs(copy, setup["backend_id"])
            webhook_s = _through_webhooks(copy, base_url, setup, payloads)
            jobs = _import_jobs(copy, setup["backend_id"]) - jobs_before
            xmlrpc_s = _through_xmlrpc(copy, base_url, setup, payloads)
        finally:
            odoo_process.stop(process)
    return {
        "orders": count,
        "webhook_s": webhook_s,
        "import_jobs": jobs,
        "xmlrpc_s": xmlrpc_s,
    }


def run_orm(env, count):
    """In-process create + confirm of the same orders, in one transaction."""
    products, shipping_id = _catalog(env)
    payloads = _order_payloads(count, env.company.currency_id.name, 1 + WARM_UP)
    Partner, Sale = env["res.partner"], env["sale.order"]
    started = time.perf_counter()
    for payload in payloads:
        customer = payload["customer"]
        partner = Partner.search([("email", "=", customer["email"])], limit=1)
        if not partner:
            partner = Partner.create(
                {"name": customer["name"], "email": customer["email"]}
            )
        Sale.create(
            {
                "partner_id": partner.id,
                "order_line": _sale_lines(payload, products, shipping_id),
            }
        ).action_confirm()
    env.flush_all()
    return {"orders": count, "seconds": time.perf_counter() - started}
