# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Settlement import, matching and posting of a large payout file in three
formats (an Amazon settlement report, a Stripe payout document, a generic
CSV), against the floor of the same rows created as settlement lines by bare
ORM calls (no parsing, no checks, no matching)."""

import ctypes
import ctypes.util
import gc
import json
import threading
import time
from contextlib import contextmanager

from odoo import Command, fields

from odoo.addons.retail_settlement.parsers.generic_csv import EXAMPLE_OPTIONS

LINES_PER_ORDER = 10  # a sale and nine fees per order, like an Amazon report
CHUNK = 2000
# glibc's allocator keeps what a process freed unless asked to give it back.
_LIBC = ctypes.util.find_library("c")
MALLOC_TRIM = getattr(ctypes.CDLL(_LIBC), "malloc_trim", None) if _LIBC else None


def _backend(env):
    Account = env["account.account"]

    def account(code, name, account_type):
        return Account.create(
            {"code": code, "name": name, "account_type": account_type}
        )

    clearing = account("580900", "Bench clearing", "asset_cash")
    fees = account("627900", "Bench fees", "expense")
    journal = env["account.journal"].create(
        {
            "name": "Bench payouts",
            "code": "BNCH",
            "type": "bank",
            "default_account_id": clearing.id,
        }
    )
    return env["retail.backend"].create(
        {
            "name": "Bench provider",
            "kind": "payment",
            "platform": "simulator",
            "settlement_journal_id": journal.id,
            "settlement_fee_account_id": fees.id,
            "settlement_writeoff_account_id": fees.id,
            "settlement_csv_mapping": json.dumps(EXAMPLE_OPTIONS),
        }
    )


def _orders(env, backend, count):
    """Posted invoices bound as the channel's orders, created in batches."""
    partner = env["res.partner"].create({"name": "Bench customer"})
    product = env["product.product"].create(
        {"name": "Bench product", "taxes_id": [Command.clear()]}
    )
    refs = []
    for start in range(0, count, 500):
        batch = range(start, min(start + 500, count))
        invoices = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": fields.Date.today(),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "quantity": 1,
                                "price_unit": 100.0 + index % 50,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
                for index in batch
            ]
        )
        invoices.action_post()
        env["retail.order.binding"].create(
            [
                {
                    "backend_id": backend.id,
                    "external_id": f"BENCH-{index}",
                    "res_model": "account.move",
                    "res_id": invoice.id,
                }
                for index, invoice in zip(batch, invoices, strict=True)
            ]
        )
        refs.extend(f"BENCH-{index}" for index in batch)
        env.invalidate_all()
    return refs


def _amounts(count):
    """Per order: its invoiced amount in cents, and the fees of its nine
    other lines."""
    for index in range(count // LINES_PER_ORDER):
        yield (
            index,
            10000 + (index % 50) * 100,
            [-(10 + fee) for fee in range(LINES_PER_ORDER - 1)],
        )


def _amazon(count, currency):
    """An Amazon V2 report: each order of ten items, a line per item (its
    price and commission rows pivoted into one)."""
    columns = (
        "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\t"
        "total-amount\tcurrency\ttransaction-type\torder-id\tamount-type\t"
        "amount-description\tamount\tposted-date\torder-item-code\tsku\t"
        "quantity-purchased"
    )
    rows, total = [], 0
    for index, gross, _fees in _amounts(count):
        for item in range(LINES_PER_ORDER):
            code = f"{index:08d}{item:02d}"
            price = gross // LINES_PER_ORDER
            common = f"BENCH-AMZ\t\t\t\t\t\tOrder\tBENCH-{index}\t"
            tail = f"\t2026-11-18\t{code}\tSKU-{item}\t1"
            rows.append(f"{common}ItemPrice\tPrincipal\t{price / 100:.2f}{tail}")
            rows.append(f"{common}ItemFees\tCommission\t-0.30{tail}")
            total += price - 30
    summary = (
        f"BENCH-AMZ\t2026-11-01T00:00:00+00:00\t2026-11-15T00:00:00+00:00\t"
        f"2026-11-20T00:00:00+00:00\t{total / 100:.2f}\t{currency}"
    )
    return ("\n".join([columns, summary, *rows]) + "\n").encode()


def _stripe(count, currency):
    """A Stripe payout document: per order its charge (fees in detail) and
    nine fee transactions."""
    transactions, total = [], 0
    for index, gross, fees in _amounts(count):
        transactions.append(
            {
                "id": f"txn_c{index}",
                "object": "balance_transaction",
                "amount": gross,
                "fee": 300,
                "fee_details": [{"amount": 300, "type": "stripe_fee"}],
                "net": gross - 300,
                "currency": currency.lower(),
                "created": 1795000000,
                "reporting_category": "charge",
                "type": "charge",
                "source": {
                    "id": f"ch_{index}",
                    "object": "charge",
                    "metadata": {"order_id": f"BENCH-{index}"},
                },
            }
        )
        for number, fee in enumerate(fees):
            transactions.append(
                {
                    "id": f"txn_f{index}_{number}",
                    "object": "balance_transaction",
                    "amount": fee,
                    "fee": 0,
                    "net": fee,
                    "currency": currency.lower(),
                    "created": 1795000000,
                    "reporting_category": "fee",
                    "type": "stripe_fee",
                    "source": None,
                }
            )
        total += gross - 300 + sum(fees)
    payout = {
        "id": "po_bench",
        "object": "payout",
        "amount": total,
        "arrival_date": 1795100000,
        "created": 1795100000,
        "currency": currency.lower(),
        "status": "paid",
    }
    return json.dumps(
        {"payout": payout, "balance_transactions": transactions}, indent=1
    ).encode()


def _rows(count, currency):
    orders = count // LINES_PER_ORDER
    total = 0
    rows = []
    for index in range(orders):
        gross = 10000 + (index % 50) * 100  # cents
        rows.append(("Sale", f"BENCH-{index}", gross, -300))
        total += gross - 300
        for fee in range(LINES_PER_ORDER - 1):
            rows.append(("Fee", f"BENCH-{index}", 0, -(10 + fee)))
            total -= 10 + fee
    rows.append(("Payout", "", -total, 0))
    lines = ["Payout,Date,Type,Order,Transaction,Gross,Fee,Net,Currency,Description"]
    for number, (kind, order, gross, fee) in enumerate(rows, 1):
        lines.append(
            f"PO-BENCH,2026-11-20,{kind},{order},T-{number},{gross / 100:.2f},"
            f"{fee / 100:.2f},{(gross + fee) / 100:.2f},{currency},{kind} {number}"
        )
    return ("\n".join(lines) + "\n").encode(), rows


def _rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def _rss_sampled(figures):
    """The process's resident memory when the block starts and its highest
    value while it runs (sampled every 0.1 s): what the block itself needs,
    apart from what the set-up before it took."""
    figures["rss_start_mb"] = peak = _rss_mb()
    running = True

    def sample():
        nonlocal peak
        while running:
            peak = max(peak, _rss_mb())
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield
    finally:
        running = False
        sampler.join()
        figures["rss_peak_mb"] = max(peak, _rss_mb())


def _committed(env):
    """End the set-up as a commit would: its pending computations, writes
    and precommit work (the tracking of the set-up's invoices) are done
    now, not charged to the first savepoint of the measured import. What
    the set-up freed (the file built in memory, its invoices' records) is
    given back to the system, as a set-up in a process of its own would:
    the resident memory at start is then what the import starts from."""
    env.cr.flush()
    env.invalidate_all()
    gc.collect()
    if MALLOC_TRIM is not None:
        MALLOC_TRIM(0)


def _parse_alone(settlement):
    """Seconds the format's parser alone takes over the file: what of the
    import is reading it."""
    parser = settlement._open_file()
    started = time.perf_counter()
    for _line in parser.lines():
        pass
    return time.perf_counter() - started


def prepare(env, lines, with_orders=True):
    backend = _backend(env)
    if with_orders:
        _orders(env, backend, lines // LINES_PER_ORDER)
    content, rows = _rows(lines, env.company.currency_id.name)
    return backend, content, rows


def _suite(env, lines, source):
    """Upload, import, match and post as a finance user's upload would."""
    backend, csv_content, _rows = prepare(env, lines)
    currency = env.company.currency_id.name
    if source == "amazon_v2":
        content, name, options = _amazon(lines, currency), "bench.tsv", None
    elif source == "stripe":
        content, name, options = _stripe(lines, currency), "bench.json", None
    else:
        content, name, options = csv_content, "bench.csv", EXAMPLE_OPTIONS
    del csv_content
    settlement = env["retail.settlement"]._create_with_file(
        backend, source, content, name, options
    )
    _committed(env)
    del content
    figures = {}
    with _rss_sampled(figures):
        started = time.perf_counter()
        assert settlement._import_file(), settlement.import_error
        env.flush_all()
        imported = time.perf_counter()
        settlement.action_match()
        env.flush_all()
        matched = time.perf_counter()
        assert settlement.matched_count == settlement.line_count, (
            settlement.matched_count,
            settlement.discrepancy_count,
            settlement.unmatched_count,
            settlement.discrepancy_line_ids[:3].mapped("reason"),
        )
        settlement.action_post()
        env.flush_all()
        posted = time.perf_counter()
    move = settlement.move_id
    parse_s = _parse_alone(settlement)
    paid = env["account.move"].search_count(
        [
            ("payment_state", "in", ("paid", "in_payment")),
            ("move_type", "=", "out_invoice"),
        ]
    )
    return {
        **figures,
        "lines": settlement.line_count,
        "import_s": imported - started,
        "match_s": matched - imported,
        "post_s": posted - matched,
        "parse_s": parse_s,
        "entry_lines": len(move.line_ids),
        "invoices_paid": paid,
    }


def run_suite(env, lines):
    return _suite(env, lines, "generic_csv")


def run_amazon(env, lines):
    return _suite(env, lines, "amazon_v2")


def run_stripe(env, lines):
    return _suite(env, lines, "stripe")


def run_baseline(env, lines):
    """The same rows as settlement lines, created by bare ORM calls."""
    backend, _content, rows = prepare(env, lines, with_orders=False)
    settlement = env["retail.settlement"].create(
        {"backend_id": backend.id, "source": "generic_csv", "state": "imported"}
    )
    _committed(env)
    started = time.perf_counter()
    Line = env["retail.settlement.line"]
    for start in range(0, len(rows), CHUNK):
        Line.create(
            [
                {
                    "settlement_id": settlement.id,
                    "sequence": start + offset,
                    "line_key": f"T-{start + offset}",
                    "line_type": "payout"
                    if kind == "Payout"
                    else kind.lower().replace("sale", "order"),
                    "order_ref": order or False,
                    "amount_gross": gross / 100,
                    "amount_fee": fee / 100,
                    "amount_net": (gross + fee) / 100,
                }
                for offset, (kind, order, gross, fee) in enumerate(
                    rows[start : start + CHUNK]
                )
            ]
        )
        env.flush_all()
        env.invalidate_all()
    return {"lines": len(rows), "import_s": time.perf_counter() - started}
