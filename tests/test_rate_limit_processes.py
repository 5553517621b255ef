# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The outbound rate limit is one budget for all Odoo processes, and so is
Shopify's GraphQL query cost bucket."""

import subprocess
import sys

from simulator import Simulator

import odoo

from odoo.addons.retail_connector_base.tests.scripted_server import ScriptedServer

CALLER = """
import sys
import odoo
from odoo.modules.registry import Registry

config_file, db_name, backend_id, calls = sys.argv[1:]
odoo.tools.config.parse_config(["-c", config_file, "-d", db_name])
with Registry(db_name).cursor() as cr:
    backend = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})["retail.backend"]
    for _call in range(int(calls)):
        backend.browse(int(backend_id))._request("GET", "api/v1/ping")
"""

RATE, BURST, CALLS_PER_PROCESS = 5.0, 2, 10


def test_two_processes_share_one_rate_limit(committed_env):
    """Test that two Odoo processes calling one backend together stay within
    its rate: N calls take at least (N - burst) / rate seconds overall, and no
    one-second window holds more than rate + burst calls."""
    with ScriptedServer() as server, committed_env() as env:
        backend = env["retail.backend"].create(
            {
                "name": "Rate limited",
                "kind": "marketplace",
                "api_url": server.url,
                "rate_limit": RATE,
                "rate_burst": BURST,
            }
        )
        env.cr.commit()
        arguments = [
            odoo.tools.config.rcfile,
            odoo.tools.config["db_name"],
            str(backend.id),
            str(CALLS_PER_PROCESS),
        ]
        callers = [
            subprocess.Popen([sys.executable, "-c", CALLER, *arguments])
            for _process in range(2)
        ]
        for caller in callers:
            assert caller.wait(timeout=120) == 0
        stamps = sorted(request["received_at"] for request in server.received)

    total = 2 * CALLS_PER_PROCESS
    assert len(stamps) == total
    assert stamps[-1] - stamps[0] >= (total - BURST) / RATE - 0.2
    busiest = max(
        sum(1 for other in stamps if stamp <= other < stamp + 1) for stamp in stamps
    )
    assert busiest <= RATE + BURST
    print(
        f"\n{total} calls from 2 processes in {stamps[-1] - stamps[0]:.2f}s; "
        f"busiest second: {busiest} (limit {RATE}/s, burst {BURST})"
    )


POLLER = """
import sys
import odoo
from odoo.modules.registry import Registry

config_file, db_name, backend_id, polls = sys.argv[1:]
odoo.tools.config.parse_config(["-c", config_file, "-d", db_name])
with Registry(db_name).cursor() as cr:
    backend = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})["retail.backend"]
    adapter = backend.browse(int(backend_id))._adapter("marketplace")
    for _poll in range(int(polls)):
        orders, _checkpoint = adapter.poll_orders(None, 3)
        assert len(orders) == 3, orders
"""
# A small bucket, so that the two pollers wait for it: a page of three
# orders asks for 137 points and costs 35 (Shopify refunds the difference).
POINTS_MAX, POINTS_RESTORE, POLLS_PER_PROCESS = 300.0, 60.0, 8
TOKEN = "shpat_two_workers"


def test_two_processes_share_one_shopify_cost_bucket(committed_env):
    """Test that two Odoo processes polling one Shopify shop through GraphQL
    share its query cost bucket: the simulator, which keeps the shop's
    leaky bucket, never answers THROTTLED, every poll succeeds, no query is
    let in without the points it asks for, and the points spent over the
    run never exceed the bucket plus what it restored meanwhile."""
    with (
        Simulator(
            platform="shopify",
            api_token=TOKEN,
            rate_limit_enabled=False,
            points_max=POINTS_MAX,
            points_restore=POINTS_RESTORE,
        ) as sim,
        committed_env() as env,
    ):
        for _order in range(3):
            sim.create_order()
        backend = env["retail.backend"].create(
            {
                "name": "Shopify, two workers",
                "kind": "marketplace",
                "platform": "shopify",
                "api_url": sim.url,
                "access_token": TOKEN,
                # The request limit out of the way: the cost bucket is the
                # limit under test.
                "rate_limit": 1000,
                "rate_burst": 1000,
            }
        )
        env.cr.commit()
        arguments = [
            odoo.tools.config.rcfile,
            odoo.tools.config["db_name"],
            str(backend.id),
            str(POLLS_PER_PROCESS),
        ]
        pollers = [
            subprocess.Popen([sys.executable, "-c", POLLER, *arguments])
            for _process in range(2)
        ]
        for poller in pollers:
            assert poller.wait(timeout=180) == 0
        with sim.lock:
            calls = list(sim.platform.graphql_calls)
            throttled = sim.platform.graphql_throttled
        # Archived, so that no later server's scheduled poll reaches for the
        # stopped simulator.
        backend.active = False
        env.cr.commit()

    assert throttled == 0
    assert len(calls) == 2 * POLLS_PER_PROCESS
    assert {call["requested"] for call in calls} == {137}
    assert {call["actual"] for call in calls} == {35}
    spent = sum(call["actual"] for call in calls)
    elapsed = calls[-1]["at"] - calls[0]["at"]
    # Each query is let in only with the 137 points it asks for: the last
    # one finds them in what the bucket held, less what the others spent,
    # plus what it restored meanwhile.
    spent_before_last = spent - calls[-1]["actual"]
    assert spent_before_last + 137 <= POINTS_MAX + POINTS_RESTORE * elapsed + 1
    # And the bucket was the limit: together the two pollers could not have
    # gone faster without being refused.
    assert elapsed >= (spent_before_last + 137 - POINTS_MAX) / POINTS_RESTORE - 0.5
    print(
        f"\n{len(calls)} queries from 2 processes in {elapsed:.2f}s, "
        f"{spent} points spent, none throttled "
        f"(bucket {POINTS_MAX:.0f}, restoring {POINTS_RESTORE:.0f}/s)"
    )
