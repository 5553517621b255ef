# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The benchmarks: each case and its baseline run in a process of their own,
in one database, on this machine, one after the other. Whatever an in-process
case writes is rolled back; a case that needs a server runs it on a copy of
the database. Prints a table of rates and ratios per benchmark.

    python tests/bench/run.py --config var/odoo-bench.conf --db retail_bench
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
# name: (module:function, whether it runs in a rolled-back environment)
CASES = {
    "settlement": ("settlement:run_suite", True),
    "settlement_amazon": ("settlement:run_amazon", True),
    "settlement_stripe": ("settlement:run_stripe", True),
    "settlement_baseline": ("settlement:run_baseline", True),
    "webhooks": ("webhooks:run", False),
    "orders": ("orders:run", False),
    "orders_orm": ("orders:run_orm", True),
    "stock": ("stock:run", False),
    "reconcile": ("reconcile:run", False),
    "peak": ("peak:run", False),
    "pos": ("pos:run_suite", False),
    "pos_baseline": ("pos:run_baseline", False),
}


def _run_case(args):
    """In the child: run one case, print its figures as JSON."""
    sys.path[:0] = [str(HERE), str(HERE.parent)]
    import odoo
    from odoo import SUPERUSER_ID, api

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.db])
    module_name, function_name = CASES[args.case][0].split(":")
    function = getattr(__import__(module_name), function_name)
    if not CASES[args.case][1]:
        print(json.dumps(function(args.config, args.db, args.count)))
        return
    registry = odoo.modules.registry.Registry(args.db)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        result = function(env, args.count)
        cr.rollback()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["rss_before_mb"] = rss_before / 1024
    print(json.dumps(result))


def _figures(args, case, count):
    command = [
        sys.executable,
        __file__,
        f"--config={args.config}",
        f"--db={args.db}",
        f"--count={count}",
        f"--case={case}",
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=False)
    if output.returncode:
        sys.exit(f"benchmark case {case} failed:\n{output.stderr[-4000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def _table(title, rows):
    print(f"\n{title}")
    print(f"| {'figure':46} | {'value':>12} |")
    print(f"|{'-' * 48}|{'-' * 14}|")
    for label, value, spec in rows:
        print(f"| {label:46} | {value:{spec}} |")


SETTLEMENT_FORMATS = {
    "amazon": ("settlement_amazon", "Amazon settlement report (TSV)"),
    "stripe": ("settlement_stripe", "Stripe payout document (JSON)"),
    "csv": ("settlement", "generic CSV"),
}


def _settlement(args):
    baseline = _figures(args, "settlement_baseline", args.lines)
    floor = baseline["lines"] / baseline["import_s"]
    for name in args.settlement_format or SETTLEMENT_FORMATS:
        case, label = SETTLEMENT_FORMATS[name]
        suite = _figures(args, case, args.lines)
        lines = suite["lines"]
        total = suite["import_s"] + suite["match_s"]
        _table(
            f"Settlement file of {lines:,} lines ({label}, 10 lines per order)",
            [
                ("lines imported/s", lines / suite["import_s"], "12,.0f"),
                ("  of which parsing alone: seconds", suite["parse_s"], "12,.1f"),
                ("lines matched/s", lines / suite["match_s"], "12,.0f"),
                ("lines imported and matched/s", lines / total, "12,.0f"),
                ("baseline: bare ORM line creates/s", floor, "12,.0f"),
                (
                    "ratio imported and matched / baseline",
                    lines / total / floor,
                    "12.2f",
                ),
                ("posting: seconds (entry, reconciliation)", suite["post_s"], "12,.1f"),
                (
                    "posting: journal items / invoices paid",
                    f"{suite['entry_lines']} / {suite['invoices_paid']}",
                    ">12",
                ),
                (
                    "RSS MB before the import (Odoo, orders set up)",
                    suite["rss_start_mb"],
                    "12,.0f",
                ),
                (
                    "peak RSS MB during import, match and post",
                    suite["rss_peak_mb"],
                    "12,.0f",
                ),
                (
                    "  increase over the start",
                    suite["rss_peak_mb"] - suite["rss_start_mb"],
                    "12,.0f",
                ),
            ],
        )
    print(
        f"(baseline process peak RSS: {baseline['peak_rss_mb']:,.0f} MB; "
        f"{baseline['lines']:,} lines in {baseline['import_s']:.1f} s)"
    )


def _webhooks(args):
    figures = _figures(args, "webhooks", args.deliveries)
    rows = []
    for load in ("steady", "burst"):
        hook, health = figures[f"webhook_{load}"], figures[f"health_{load}"]
        rows += [
            (f"{load}: webhooks acknowledged/s", hook["rate"], "12,.0f"),
            (f"{load}: baseline /web/health answers/s", health["rate"], "12,.0f"),
            (
                f"{load}: ratio webhooks / baseline",
                hook["rate"] / health["rate"],
                "12.2f",
            ),
            (
                f"{load}: webhook ack p50 / p99 ms",
                f"{hook['p50_ms']:.0f} / {hook['p99_ms']:.0f}",
                ">12",
            ),
            (
                f"{load}: baseline p50 / p99 ms",
                f"{health['p50_ms']:.0f} / {health['p99_ms']:.0f}",
                ">12",
            ),
        ]
    ok = figures["webhook_steady"]["ok"] + figures["webhook_burst"]["ok"]
    rows += [
        ("webhooks sent / acknowledged", f"{figures['sent']} / {ok}", ">12"),
        ("webhooks stored (zero loss: >= acknowledged)", figures["stored"], "12,"),
    ]
    _table(
        f"Webhook intake, {args.deliveries:,} deliveries per load; steady: 4 "
        "senders, burst: 40 (2 prefork workers)",
        rows,
    )


def _pos(args):
    suite = _figures(args, "pos", args.transactions)
    baseline = _figures(args, "pos_baseline", args.transactions)
    booked = suite["transactions"] / suite["seconds"]
    sample = suite["sample"] / suite["sample_seconds"]
    floor = baseline["transactions"] / baseline["seconds"]
    _table(
        f"POS: {args.transactions:,} offline transactions in batches of 50, "
        "one store, one day",
        [
            ("transactions booked/s through the suite, all", booked, "12,.1f"),
            (
                f"  the same, first {suite['sample']:,}",
                sample,
                "12,.1f",
            ),
            (
                f"baseline: pos.order._process_order/s, {baseline['transactions']:,}",
                floor,
                "12,.1f",
            ),
            ("ratio suite (all) / baseline", booked / floor, "12.2f"),
            ("ratio suite (same count) / baseline", sample / floor, "12.2f"),
            ("peak RSS MB, suite", suite["peak_rss_mb"], "12,.0f"),
        ],
    )


def _orders(args):
    suite = _figures(args, "orders", args.orders)
    orm = _figures(args, "orders_orm", args.orders)
    orders = suite["orders"]
    webhook = orders / suite["webhook_s"]
    xmlrpc = orders / suite["xmlrpc_s"]
    in_process = orm["orders"] / orm["seconds"]
    _table(
        f"Order import: {orders:,} orders, webhook to confirmed sale order "
        "(2 prefork workers, job runner)",
        [
            ("orders confirmed/s through webhooks and inbox", webhook, "12,.1f"),
            ("orders per import job", orders / max(1, suite["import_jobs"]), "12,.1f"),
            ("baseline: XML-RPC integration orders/s", xmlrpc, "12,.1f"),
            ("ratio suite / XML-RPC", webhook / xmlrpc, "12.2f"),
            ("baseline: in-process ORM create+confirm/s", in_process, "12,.1f"),
            ("ratio suite / in-process ORM", webhook / in_process, "12.2f"),
        ],
    )


def _stock(args):
    figures = _figures(args, "stock", args.skus)
    suite, full, reading = figures["suite"], figures["full"], figures["reading"]
    _table(
        f"Stock publishing: {figures['skus']:,} bound SKUs, "
        f"{figures['changed']:,} changed; channel limit 10 requests/s, "
        "backend limiter 9/s",
        [
            ("SKUs sent, suite (changed only)", suite["skus_sent"], "12,"),
            ("SKUs sent, baseline full sync", full["skus_sent"], "12,"),
            ("requests, suite", suite["requests"], "12,"),
            ("requests, baseline full sync", full["requests"], "12,"),
            (
                "ratio of requests suite / full sync",
                suite["requests"] / full["requests"],
                "12.3f",
            ),
            ("seconds, suite", suite["seconds"], "12,.1f"),
            ("seconds, baseline full sync", full["seconds"], "12,.1f"),
            (
                "ratio of seconds suite / full sync",
                suite["seconds"] / full["seconds"],
                "12.3f",
            ),
            (
                "requests throttled (429), suite / full sync",
                f"{suite['throttled']} / {full['throttled']}",
                ">12",
            ),
            ("listings read, suite (changed since)", reading["changed"]["read"], "12,"),
            ("listings read, full read", reading["full"]["read"], "12,"),
            ("seconds reading, suite", reading["changed"]["seconds"], "12,.2f"),
            ("seconds reading, full read", reading["full"]["seconds"], "12,.2f"),
            (
                "ratio of reading suite / full read",
                reading["changed"]["seconds"] / reading["full"]["seconds"],
                "12.3f",
            ),
        ],
    )


def _reconcile(args):
    figures = _figures(args, "reconcile", args.skus)
    bulk, paged = figures["bulk"], figures["paged"]

    def calls(run):
        return f"{run['graphql_calls']} + {run['downloads']}"

    _table(
        f"Stock reconciliation with Shopify: {figures['skus']:,} SKUs at "
        f"{figures['locations']} locations ({figures['levels']:,} levels), "
        f"{figures['drifted']:,} drifted; Shopify Plus cost bucket",
        [
            ("seconds, bulk operation", bulk["seconds"], "12,.1f"),
            ("seconds, baseline paging the API", paged["seconds"], "12,.1f"),
            (
                "ratio of seconds bulk / paging",
                bulk["seconds"] / paged["seconds"],
                "12.3f",
            ),
            ("  of which reading the channel, bulk", bulk["read_seconds"], "12,.1f"),
            ("  of which reading the channel, paging", paged["read_seconds"], "12,.1f"),
            (
                "ratio of reading seconds bulk / paging",
                bulk["read_seconds"] / paged["read_seconds"],
                "12.3f",
            ),
            ("calls (GraphQL + file), bulk", calls(bulk), ">12"),
            ("calls (GraphQL + file), paging", calls(paged), ">12"),
            ("cost points (actual), bulk", bulk["cost_actual"], "12,"),
            ("cost points (actual), paging", paged["cost_actual"], "12,"),
            (
                "ratio of cost points bulk / paging",
                bulk["cost_actual"] / paged["cost_actual"],
                "12.4f",
            ),
        ],
    )


def _peak(args):
    figures = _figures(args, "peak", args.skus)
    alone, loaded = figures["alone"], figures["loaded"]
    _table(
        f"Orders first under load: a burst of {alone['orders']} orders from 40 "
        f"senders, alone then during a {figures['skus']:,}-SKU catalog export "
        "(4 prefork workers, odoo.conf.example's lanes)",
        [
            ("orders confirmed/s, burst alone (baseline)", alone["rate"], "12,.1f"),
            ("orders confirmed/s, burst during the export", loaded["rate"], "12,.1f"),
            (
                "ratio during the export / alone",
                loaded["rate"] / alone["rate"],
                "12.2f",
            ),
            (
                "order lag p50 / p99 s, alone",
                f"{alone['lag_p50_s']:.1f} / {alone['lag_p99_s']:.1f}",
                ">12",
            ),
            (
                "order lag p50 / p99 s, during the export",
                f"{loaded['lag_p50_s']:.1f} / {loaded['lag_p99_s']:.1f}",
                ">12",
            ),
            ("SKUs exported during the burst", figures["exported_during_burst"], "12,"),
            ("export job state after the burst", figures["export_state_after"], ">12"),
            (
                "export / intake job priority",
                f"{figures['export_priority']} / {figures['intake_priority']}",
                ">12",
            ),
            ("webhooks acknowledged/s (4 senders)", figures["webhook_rate"], "12,.0f"),
            ("baseline /web/health answers/s", figures["health_rate"], "12,.0f"),
            (
                "ratio webhooks / /web/health",
                figures["webhook_rate"] / figures["health_rate"],
                "12.2f",
            ),
        ],
    )


BENCHMARKS = {
    "webhooks": _webhooks,
    "orders": _orders,
    "stock": _stock,
    "reconcile": _reconcile,
    "pos": _pos,
    "settlement": _settlement,
    "peak": _peak,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--lines", type=int, default=100_000, help="settlement")
    parser.add_argument(
        "--deliveries",
        type=int,
        default=8_000,
        help="webhooks per load, and as many /web/health calls",
    )
    parser.add_argument("--transactions", type=int, default=20_000, help="pos")
    parser.add_argument("--orders", type=int, default=2_000, help="orders")
    parser.add_argument(
        "--skus", type=int, default=50_000, help="stock, reconcile, peak"
    )
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append")
    parser.add_argument(
        "--settlement-format", choices=sorted(SETTLEMENT_FORMATS), action="append"
    )
    parser.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        _run_case(args)
        return
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {platform.platform()}"
    )
    for name in args.only or BENCHMARKS:
        BENCHMARKS[name](args)


if __name__ == "__main__":
    main()
