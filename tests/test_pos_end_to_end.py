# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Three business days of two stores' till traffic, replayed into a real
Odoo server (prefork workers and the queue_job runner) as signed batches
with their manifests: out of order, one batch twice, one batch late for a
day already closed, one batch held back so its till shows a gap until it
arrives, and a day's last batch held back while the till's end-of-day
manifest names it. One store's tills restart their numbering every business
day. Stock per store, and revenue, tax and payments per store and day, must
equal what is computed here from the generated transactions, with nothing
booked twice."""

import random
import time
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from simulator import Simulator
from waiting import inbox_state, wait_for

SECRET = "pos-e2e-secret"
STORES = ("E2E-NORTH", "E2E-SOUTH")
RESTARTING = STORES[1]  # its tills start again at 1 every business day
TILLS = ("T1", "T2")
DAYS = ("2026-11-02", "2026-11-03", "2026-11-04")
PER_TILL_AND_DAY = 180
BATCH = 60
PRODUCTS = {"E2E-POS-1": "4.50", "E2E-POS-2": "12.00", "E2E-POS-3": "29.90"}
STOCK = 5000
CENT = Decimal("0.01")


def _generate(rng):
    """The chain's transactions, till by till, numbered without gaps (from 1
    every day in the store that restarts)."""
    transactions = []
    for store in STORES:
        for till in TILLS:
            sequence = 0
            sold = defaultdict(list)
            for day in DAYS:
                if store == RESTARTING:
                    sequence = 0
                for _index in range(PER_TILL_AND_DAY):
                    sequence += 1
                    sku = rng.choice(list(PRODUCTS))
                    is_return = rng.random() < 0.05
                    quantity = 1 if is_return else rng.randint(1, 4)
                    total = Decimal(PRODUCTS[sku]) * quantity
                    if is_return or total < 10:
                        payments = [{"method": "cash", "amount": str(total)}]
                    else:
                        card = (total / 2).quantize(CENT)
                        payments = [
                            {"method": "card", "amount": str(card)},
                            {"method": "cash", "amount": str(total - card)},
                        ]
                    uuid = f"{store}-{till}-{day}-{sequence}"
                    returned = {}
                    if is_return and sold[sku]:
                        returned["original_uuid"] = rng.choice(sold[sku])
                    if is_return and rng.random() < 0.3:
                        returned["reason"] = "damaged"
                    if not is_return:
                        sold[sku].append(uuid)
                    transactions.append(
                        {
                            "uuid": uuid,
                            "store": store,
                            "terminal": till,
                            "sequence": sequence,
                            "business_day": day,
                            "type": "return" if is_return else "sale",
                            "lines": [
                                {
                                    "sku": sku,
                                    "quantity": quantity,
                                    "unit_price": PRODUCTS[sku],
                                    "tax_code": "VAT20",
                                }
                            ],
                            "payments": payments,
                            **returned,
                        }
                    )
    return transactions


def _expected(transactions):
    """Totals computed from the transactions alone: per (store, day) the
    revenue tax included, the tax (20 % included, rounded per line), and the
    payments per method; per (store, sku) the units that left the shelf
    (damaged returns do not come back to it) and the units scrapped."""
    revenue, tax, payments = Counter(), Counter(), Counter()
    units, scrapped = Counter(), Counter()
    for transaction in transactions:
        sign = -1 if transaction["type"] == "return" else 1
        key = (transaction["store"], transaction["business_day"])
        for line in transaction["lines"]:
            incl = Decimal(line["unit_price"]) * line["quantity"]
            excl = (incl / Decimal("1.2")).quantize(CENT, ROUND_HALF_UP)
            revenue[key] += sign * incl
            tax[key] += sign * (incl - excl)
            shelf = (transaction["store"], line["sku"])
            if transaction.get("reason") == "damaged":
                scrapped[shelf] += line["quantity"]
            else:
                units[shelf] += sign * line["quantity"]
        for payment in transaction["payments"]:
            payments[key + (payment["method"],)] += sign * Decimal(payment["amount"])
    return revenue, tax, payments, units, scrapped


@pytest.fixture
def store_chain(committed_env):
    """A committed POS backend for two stores, each with its own warehouse
    and point of sale, and the simulator to post the tills' batches."""
    with Simulator(webhook_secret=SECRET) as sim, committed_env() as env:
        tax = env["account.tax"].create(
            {
                "name": "E2E store VAT 20%",
                "amount": 20,
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            }
        )
        Journal = env["account.journal"]
        cash_journal = Journal.create(
            {"name": "E2E cash", "type": "cash", "code": "E2C"}
        )
        card_journal = Journal.create(
            {"name": "E2E card", "type": "bank", "code": "E2K"}
        )
        Method = env["pos.payment.method"]
        card = Method.create({"name": "E2E card", "journal_id": card_journal.id})
        products = env["product.product"].create(
            [
                {
                    "name": sku,
                    "default_code": sku,
                    "is_storable": True,
                    "available_in_pos": True,
                    "taxes_id": [(6, 0, tax.ids)],
                }
                for sku in PRODUCTS
            ]
        )
        backend = env["retail.backend"].create(
            {
                "name": "E2E store chain",
                "kind": "pos",
                "webhook_secret": SECRET,
                "retry_delay": 1,
                "mapping_ids": [
                    (
                        0,
                        0,
                        {
                            "mapping_type": "tax",
                            "external_code": "VAT20",
                            "odoo_ref": f"account.tax,{tax.id}",
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "mapping_type": "payment_method",
                            "external_code": "cash",
                            "odoo_ref": f"account.journal,{cash_journal.id}",
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "mapping_type": "payment_method",
                            "external_code": "card",
                            "odoo_ref": f"account.journal,{card_journal.id}",
                        },
                    ),
                ],
            }
        )
        locations = {}
        for index, code in enumerate(STORES, start=1):
            warehouse = env["stock.warehouse"].create(
                {"name": f"Store {code}", "code": f"E2E{index}"}
            )
            locations[code] = warehouse.lot_stock_id.id
            for product in products:
                env["stock.quant"]._update_available_quantity(
                    product, warehouse.lot_stock_id, STOCK
                )
            # Each point of sale keeps its own cash drawer (Odoo's rule).
            drawer = Method.create(
                {
                    "name": f"Cash {code}",
                    "journal_id": Journal.create(
                        {"name": f"Cash {code}", "type": "cash", "code": f"E2C{index}"}
                    ).id,
                    "is_cash_count": True,
                }
            )
            config = env["pos.config"].create(
                {
                    "name": f"POS {code}",
                    "picking_type_id": warehouse.pos_type_id.id,
                    "payment_method_ids": [(6, 0, (card | drawer).ids)],
                }
            )
            env["retail.pos.store"].create(
                {
                    "backend_id": backend.id,
                    "code": code,
                    "name": code,
                    "pos_config_id": config.id,
                    "numbering_reset": "business_day"
                    if code == RESTARTING
                    else "never",
                }
            )
        env.cr.commit()
        yield sim, backend.id, locations


def test_three_days_of_two_stores_offline_traffic(
    odoo_server, store_chain, committed_env
):
    """Test that out-of-order, duplicated, late and gappy batches of three
    days of two stores end with exactly the stock, revenue, tax and payments
    the transactions add up to, each transaction booked once."""
    sim, backend_id, locations = store_chain
    with committed_env() as env:
        token = env["retail.backend"].browse(backend_id).webhook_token
    sim.configure(target_url=f"{odoo_server}/retail/webhook/{token}")
    rng = random.Random(11)
    transactions = _generate(rng)
    batches = defaultdict(list)
    for transaction in transactions:
        key = (
            transaction["store"],
            transaction["terminal"],
            transaction["business_day"],
        )
        batches[key].append(transaction)
    chunks = [
        (f"{'-'.join(key)}-{start}", items[start : start + BATCH])
        for key, items in sorted(batches.items())
        for start in range(0, len(items), BATCH)
    ]
    late = next(c for c in chunks if c[0] == f"{STORES[0]}-T1-{DAYS[0]}-60")
    gap = next(c for c in chunks if c[0] == f"{STORES[1]}-T2-{DAYS[1]}-60")
    tail = next(c for c in chunks if c[0] == f"{STORES[0]}-T2-{DAYS[2]}-120")
    first_wave = [c for c in chunks if c not in (late, gap, tail)]
    rng.shuffle(first_wave)
    started = time.monotonic()

    def manifest(items):
        first, last = items[0], items[-1]
        return [
            {
                "store": first["store"],
                "terminal": first["terminal"],
                "business_day": first["business_day"],
                "count": len(items),
                "first_sequence": first["sequence"],
                "last_sequence": last["sequence"],
            }
        ]

    def post(batch_id, items, summary=None):
        payload = {
            "batch_id": batch_id,
            "transactions": items,
            "manifest": summary or manifest(items),
        }
        assert sim.send_webhook("pos/batch", payload, event_id=batch_id) == [200]

    def settled():
        with committed_env() as env:
            return not env["retail.event"].search_count(
                [("backend_id", "=", backend_id), ("state", "=", "pending")]
            )

    for batch_id, items in first_wave:
        post(batch_id, items)
    post(*first_wave[0])  # the same batch twice
    wait_for(
        settled,
        600,
        "the first wave",
        explain=lambda: inbox_state(committed_env, [backend_id]),
    )

    with committed_env() as env:
        failed = env["retail.event"].search(
            [("backend_id", "=", backend_id), ("state", "=", "failed")]
        )
        assert not failed, failed.mapped("last_error")[:3]
        gap_store, gap_till = gap[1][0]["store"], gap[1][0]["terminal"]
        terminal = env["retail.pos.terminal"].search(
            [("store_id.code", "=", gap_store), ("code", "=", gap_till)]
        )
        numbers = [t["sequence"] for t in gap[1]]
        # The restarting store's day 2 numbers start at 1 again: the gap is
        # named on its day, and day 1's numbers are no false gap.
        assert terminal.missing_sequences == (f"{DAYS[1]}: {numbers[0]}-{numbers[-1]}")
        assert terminal.activity_ids
        assert not env["retail.pos.terminal"].search(
            [
                ("store_id.code", "=", RESTARTING),
                ("code", "!=", gap_till),
                ("missing_count", ">", 0),
            ]
        )
        # The first business day is over: its sessions close (as the hourly
        # scheduled action would), posting its accounting.
        first_day = env["pos.session"].search(
            [
                ("retail_store_id.backend_id", "=", backend_id),
                ("retail_business_day", "=", DAYS[0]),
            ]
        )
        first_day._retail_close()
        assert set(first_day.mapped("state")) == {"closed"}

    # The till's end-of-day manifest names the day's last batch, held back.
    day_end = batches[(STORES[0], "T2", DAYS[2])]
    post(f"{STORES[0]}-T2-{DAYS[2]}-close", [], manifest(day_end))
    with committed_env() as env:
        terminal = env["retail.pos.terminal"].search(
            [("store_id.code", "=", STORES[0]), ("code", "=", "T2")]
        )
        numbers = [t["sequence"] for t in tail[1]]
        assert terminal.missing_sequences == f"{numbers[0]}-{numbers[-1]}"
        assert f"{len(day_end) - len(numbers)} arrived" in terminal.activity_ids.note

    post(*late)
    post(*gap)
    post(*tail)
    wait_for(
        settled,
        300,
        "the late and the held-back batches",
        explain=lambda: inbox_state(committed_env, [backend_id]),
    )
    elapsed = time.monotonic() - started
    print(f"\n{len(transactions)} transactions booked in {elapsed:.1f}s")

    with committed_env() as env:
        failed = env["retail.event"].search(
            [("backend_id", "=", backend_id), ("state", "=", "failed")]
        )
        assert not failed, failed.mapped("last_error")[:3]
        sessions = env["pos.session"].search(
            [("retail_store_id.backend_id", "=", backend_id), ("state", "!=", "closed")]
        )
        sessions._retail_close()
        booked = env["retail.pos.transaction"].search([("backend_id", "=", backend_id)])
        assert len(booked) == len(transactions)
        assert len(booked.pos_order_id) == len(transactions), "nothing booked twice"
        tills = env["retail.pos.terminal"].search([("backend_id", "=", backend_id)])
        assert not tills.filtered("missing_count")
        assert not tills.activity_ids, "the missing-transactions activities closed"
        late_rows = booked.filtered("late")
        assert len(late_rows) == len(late[1])
        assert set(late_rows.session_id.mapped("retail_correction")) == {True}
        assert {str(d) for d in late_rows.session_id.move_id.mapped("date")} == {
            DAYS[0]
        }

        revenue, tax, payments, units, scrapped = _expected(transactions)
        got_revenue, got_tax, got_payments = Counter(), Counter(), Counter()
        for order in booked.pos_order_id:
            key = (
                order.session_id.retail_store_id.code,
                str(order.session_id.retail_business_day),
            )
            got_revenue[key] += Decimal(str(order.amount_total)).quantize(CENT)
            got_tax[key] += Decimal(str(order.amount_tax)).quantize(CENT)
            for payment in order.payment_ids:
                method = "cash" if payment.payment_method_id.is_cash_count else "card"
                got_payments[key + (method,)] += Decimal(str(payment.amount)).quantize(
                    CENT
                )
        assert got_revenue == revenue
        assert got_tax == tax
        assert got_payments == payments
        for (store, sku), sold in units.items():
            product = env["product.product"].search([("default_code", "=", sku)])
            on_hand = product.with_context(location=locations[store]).qty_available
            assert on_hand == STOCK - sold, (store, sku)
        scraps = booked.pos_order_id.retail_scrap_ids
        got_scrapped = Counter()
        for scrap in scraps:
            got_scrapped[
                (
                    scrap.retail_pos_order_id.session_id.retail_store_id.code,
                    scrap.product_id.default_code,
                )
            ] += scrap.scrap_qty
        assert got_scrapped == scrapped
        returns = booked.filtered(lambda t: t.type == "return" and t.original_uuid)
        assert returns, "the generated returns name their sale"
        assert all(
            line.refunded_orderline_id.order_id.retail_transaction_ids.uuid
            == row.original_uuid
            for row in returns
            for line in row.pos_order_id.lines
        )

        days = env["retail.pos.store.day"].search([("backend_id", "=", backend_id)])
        assert {
            (day.store_id.code, str(day.business_day)): (
                day.received_count,
                day.missing_count,
            )
            for day in days
        } == {key: (len(TILLS) * PER_TILL_AND_DAY, 0) for key in revenue}
        by_method = Counter()
        for row in env["retail.pos.day.payment"].search(
            [("backend_id", "=", backend_id)]
        ):
            method = "cash" if row.payment_method_id.is_cash_count else "card"
            key = (row.store_id.code, str(row.business_day), method)
            by_method[key] += Decimal(str(row.amount)).quantize(CENT)
        assert by_method == payments
