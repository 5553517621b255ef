# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Offline POS traffic booked through the suite (signed batches stored in the
inbox, then each transaction validated and booked as a paid POS order in its
store's session for its day), against the same orders booked by Odoo's own
``pos.order._process_order``, the path of Odoo's POS front end. Each runs on
a copy of the bench database and commits every batch, as jobs do: booked in
one rolled-back transaction, 20,000 orders slowed down as they went (still
not done after an hour, where a few thousand took minutes)."""

import json
import resource
import time

from database_copy import database_copy

from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry

from odoo.addons.retail_pos_sync.adapters.pos_batch import parse_transaction

BATCH = 50
SAMPLE = 2_000
DAY = "2026-11-02"
TERMINALS = ("T1", "T2", "T3", "T4")


def _store(env):
    """A store booked by its own point of sale, a 20 % tax included in
    prices, cash and card, two products with stock."""
    tax = env["account.tax"].create(
        {
            "name": "Bench VAT 20%",
            "amount": 20,
            "type_tax_use": "sale",
            "price_include_override": "tax_included",
        }
    )
    Journal = env["account.journal"]
    cash = Journal.create({"name": "Bench cash", "type": "cash", "code": "BCSH"})
    card = Journal.create({"name": "Bench card", "type": "bank", "code": "BCRD"})
    Method = env["pos.payment.method"]
    methods = Method.create(
        {"name": "Cash", "journal_id": cash.id, "is_cash_count": True}
    ) | Method.create({"name": "Card", "journal_id": card.id})
    config = env["pos.config"].create(
        {"name": "Bench store", "payment_method_ids": [Command.set(methods.ids)]}
    )
    backend = env["retail.backend"].create(
        {
            "name": "Bench stores",
            "kind": "pos",
            "platform": "simulator",
            "webhook_secret": "bench",
            "mapping_ids": [
                Command.create(
                    {
                        "mapping_type": mapping_type,
                        "external_code": code,
                        "odoo_ref": f"{record._name},{record.id}",
                    }
                )
                for mapping_type, code, record in (
                    ("tax", "VAT20", tax),
                    ("payment_method", "cash", cash),
                    ("payment_method", "card", card),
                )
            ],
        }
    )
    env["retail.pos.store"].create(
        {
            "backend_id": backend.id,
            "code": "BENCH",
            "name": "Bench store",
            "pos_config_id": config.id,
        }
    )
    for sku in ("BPOS-1", "BPOS-2"):
        env["product.product"].create(
            {
                "name": sku,
                "default_code": sku,
                "is_storable": True,
                "available_in_pos": True,
                "taxes_id": [Command.set(tax.ids)],
            }
        )
    return backend


def _transactions(count):
    """Sales of 2 x 24.00 and 1 x 12.00, paid 40.00 by card and 20.00 cash,
    spread over the terminals with their own sequences."""
    return [
        {
            "uuid": f"bench-{number}",
            "store": "BENCH",
            "terminal": TERMINALS[number % len(TERMINALS)],
            "sequence": number // len(TERMINALS) + 1,
            "business_day": DAY,
            "local_time": f"{DAY}T10:00:00Z",
            "type": "sale",
            "lines": [
                {
                    "sku": "BPOS-1",
                    "quantity": 2,
                    "unit_price": "24.00",
                    "tax_code": "VAT20",
                },
                {
                    "sku": "BPOS-2",
                    "quantity": 1,
                    "unit_price": "12.00",
                    "tax_code": "VAT20",
                },
            ],
            "payments": [
                {"method": "card", "amount": "40.00", "reference": f"auth-{number}"},
                {"method": "cash", "amount": "20.00"},
            ],
        }
        for number in range(count)
    ]


def _booked(env, backend_id):
    return env["retail.pos.transaction"].search_count([("backend_id", "=", backend_id)])


def run_suite(config_path, db_name, count):
    """The suite books ``count`` transactions, committing each inbox job's
    batch as its job would: seconds for all, and for the first ``SAMPLE``."""
    with database_copy(db_name, "pos") as copy, Registry(copy).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        backend = _store(env)
        transactions = _transactions(count)
        cr.commit()
        started = time.perf_counter()
        for start in range(0, count, BATCH):
            body = {
                "batch_id": f"b{start}",
                "transactions": transactions[start : start + BATCH],
            }
            backend._webhook_receive({}, json.dumps(body).encode())
        cr.commit()
        Event = env["retail.event"]
        pending = [("backend_id", "=", backend.id), ("state", "=", "pending")]
        sample_seconds = None
        while Event.search_count(pending):
            backend._process_events()
            cr.commit()
            if sample_seconds is None and _booked(env, backend.id) >= SAMPLE:
                sample_seconds = time.perf_counter() - started
        elapsed = time.perf_counter() - started
        booked = _booked(env, backend.id)
    assert booked == count, booked
    return {
        "transactions": count,
        "seconds": elapsed,
        "sample": min(count, SAMPLE),
        "sample_seconds": sample_seconds or elapsed,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_baseline(config_path, db_name, count):
    """Odoo's own ``_process_order`` books the first ``SAMPLE`` of the same
    transactions, committing every batch: its rate does not depend on how
    many follow, and booking 20,000 twice would double the run."""
    count = min(count, SAMPLE)
    with database_copy(db_name, "pos") as copy, Registry(copy).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        backend = _store(env)
        Order = env["pos.order"]
        store = env["retail.pos.store"].search([("backend_id", "=", backend.id)])
        session = env["pos.session"]._retail_session_for(
            store, parse_transaction(_transactions(1)[0]).business_day
        )
        orders = [
            Order._retail_order_values(backend, session, parse_transaction(transaction))
            for transaction in _transactions(count)
        ]
        cr.commit()
        started = time.perf_counter()
        for start in range(0, count, BATCH):
            for values in orders[start : start + BATCH]:
                Order._process_order(values, False)
            cr.commit()
        elapsed = time.perf_counter() - started
    return {"transactions": count, "seconds": elapsed}
