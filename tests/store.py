# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A committed marketplace backend on the simulator's generic protocol, with
stocked products, automatic invoicing and payment, for the fault and security
tests; and what the end-to-end tests count in the database."""

import json
import time
import uuid
from decimal import Decimal

from odoo.addons.retail_connector_base.adapters import simulator as protocol

SECRET = "whsec_fault_suite_7f3a9c"  # a value the dump and log checks look for
ACCESS_TOKEN = "simtok_fault_suite_51c2e8"


def create_store(env, sim, **backend_values):
    """Products, journals and a backend pointed at ``sim``; returns
    ``(backend, skus)``. Nothing is committed here."""
    tag = uuid.uuid4().hex[:6].upper()
    skus = [f"FLT-{tag}-{index}" for index in range(1, 4)]
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", env.company.id)], limit=1
    )
    Product = env["product.product"]
    for index, sku in enumerate(skus, start=1):
        product = Product.create(
            {
                "name": f"Fault suite item {tag} {index}",
                "default_code": sku,
                "is_storable": True,
                "invoice_policy": "order",
                "taxes_id": False,
            }
        )
        env["stock.quant"]._update_available_quantity(
            product, warehouse.lot_stock_id, 1000
        )
    service = {"type": "service", "invoice_policy": "order", "taxes_id": False}
    values = {
        "name": f"Fault suite store {tag}",
        "kind": "marketplace",
        "platform": "simulator",
        "api_url": sim.url,
        "access_token": ACCESS_TOKEN,
        "webhook_secret": SECRET,
        "rate_limit": 50,
        "rate_burst": 50,
        "retry_delay": 1,
        "warehouse_id": warehouse.id,
        "shipping_product_id": Product.create(dict(service, name=f"Shipping {tag}")).id,
        "payment_journal_id": env["account.journal"]
        .create({"name": f"Payouts {tag}", "type": "bank", "code": f"P{tag[:4]}"})
        .id,
        "auto_invoice": True,
        "auto_payment": True,
        "flow_ids": [
            (0, 0, {"flow": "orders_in", "mode": "batch", "batch_size": 250}),
            (0, 0, {"flow": "fulfilment_out", "mode": "realtime"}),
        ],
    }
    values.update(backend_values)
    return env["retail.backend"].create(values), skus


def order_spec(rng, skus, currency, **fields):
    """A paid generic-protocol order on ``skus``, its total consistent."""
    lines = [
        {
            "id": f"L{index}",
            "sku": sku,
            "quantity": rng.randint(1, 3),
            "unit_price": f"{rng.randint(2, 40)}.{rng.choice(['00', '50', '99'])}",
        }
        for index, sku in enumerate(rng.sample(skus, rng.randint(1, len(skus))))
    ]
    shipping = rng.choice(["0", "4.90"])
    total = sum(
        Decimal(line["unit_price"]) * line["quantity"] for line in lines
    ) + Decimal(shipping)
    spec = {
        "currency": currency,
        "status": "paid",
        "lines": lines,
        "shipping": shipping,
        "total": f"{total:.2f}",
    }
    spec.update(fields)
    return spec


def signed_headers(body, event_id, topic="orders/create", secret=SECRET, stamp=None):
    timestamp = int(time.time()) if stamp is None else stamp
    return {
        "Content-Type": "application/json",
        **protocol.signed_headers(secret, timestamp, topic, event_id, body),
    }


def compact(payload):
    return json.dumps(payload, separators=(",", ":")).encode()


def bookings(env, backend_id):
    """What the backend's orders booked: sale orders per channel id, and the
    invoices, payments, stock moves and journal entries behind them."""
    sales = env["sale.order"].search([("retail_backend_id", "=", backend_id)])
    invoices = sales.invoice_ids
    # The payments' journal entries, by what they are reconciled with.
    payment_entries = invoices.line_ids.matched_credit_ids.credit_move_id.move_id
    moves = env["stock.move"].search([("sale_line_id", "in", sales.order_line.ids)])
    entries = invoices | payment_entries
    per_order = {}
    for sale in sales:
        per_order.setdefault(sale.retail_external_id, []).append(sale)
    return {
        "sales": sales,
        "per_order": per_order,
        "invoices": invoices,
        "payment_entries": payment_entries,
        "stock_moves": moves,
        "entries": entries,
    }


def jobs_idle(env, backend_id):
    return not env["queue.job"].search_count(
        [
            ("channel", "=like", f"root.retail.%.marketplace.backend_{backend_id}"),
            ("state", "in", ("wait_dependencies", "pending", "enqueued", "started")),
        ]
    )


def inbox_settled(env, backend_id):
    return not env["retail.event"].search_count(
        [("backend_id", "=", backend_id), ("state", "=", "pending")]
    )


def idle(committed_env, backend_id, inbox=True, jobs=True):
    """Whether the backend's inbox (no pending event) and its job channels
    (no job waiting or running) are idle, as far as asked, seen from a
    cursor of its own."""
    with committed_env() as env:
        return (not inbox or inbox_settled(env, backend_id)) and (
            not jobs or jobs_idle(env, backend_id)
        )


def sales_states(committed_env, backend_id):
    """``{channel order id: (state, total)}`` of the backend's sale orders."""
    with committed_env() as env:
        sales = env["sale.order"].search([("retail_backend_id", "=", backend_id)])
        return {
            sale.retail_external_id: (sale.state, sale.amount_total) for sale in sales
        }
