# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The benchmarks: each case and its baseline run in a process of their own,
in one database, on this machine, one after the other; whatever a case
writes is rolled back. Prints a table of rates and ratios.

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

CASES = {
    # name: (module:function, description)
    "settlement": ("settlement:run_suite", "settlement file imported and matched"),
    "settlement_baseline": (
        "settlement:run_baseline",
        "the same rows created by bare ORM calls",
    ),
}


def _run_case(args):
    """In the child: run one case, print its figures as JSON."""
    sys.path.insert(0, str(Path(__file__).parent))
    import odoo
    from odoo import SUPERUSER_ID, api

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.db])
    registry = odoo.modules.registry.Registry(args.db)
    module_name, function_name = CASES[args.case][0].split(":")
    function = getattr(__import__(module_name), function_name)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        result = function(env, args.lines)
        cr.rollback()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["rss_before_mb"] = rss_before / 1024
    print(json.dumps(result))


def _figures(args, case):
    command = [
        sys.executable,
        __file__,
        "--config",
        args.config,
        "--db",
        args.db,
        "--lines",
        str(args.lines),
        "--case",
        case,
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def _settlement_table(args):
    suite = _figures(args, "settlement")
    baseline = _figures(args, "settlement_baseline")
    lines = suite["lines"]
    total = suite["import_s"] + suite["match_s"]
    rows = [
        ("settlement: lines imported/s", lines / suite["import_s"]),
        ("settlement: lines matched/s", lines / suite["match_s"]),
        ("settlement: lines imported+matched/s", lines / total),
        ("baseline: bare ORM line creates/s", baseline["lines"] / baseline["import_s"]),
    ]
    print(
        f"\nSettlement, {lines} lines ({platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()})"
    )
    print(f"| {'figure':40} | {'value':>12} |")
    print(f"|{'-' * 42}|{'-' * 14}|")
    for label, value in rows:
        print(f"| {label:40} | {value:12,.0f} |")
    ratio = (lines / total) / (baseline["lines"] / baseline["import_s"])
    print(f"| {'ratio import+match / baseline':40} | {ratio:12.2f} |")
    print(f"| {'peak RSS MB (suite)':40} | {suite['peak_rss_mb']:12,.0f} |")
    print(f"| {'peak RSS MB (baseline)':40} | {baseline['peak_rss_mb']:12,.0f} |")
    print(f"| {'RSS MB after Odoo loaded':40} | {suite['rss_before_mb']:12,.0f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--case", choices=sorted(CASES))
    args = parser.parse_args()
    if args.case:
        _run_case(args)
        return
    _settlement_table(args)


if __name__ == "__main__":
    main()
