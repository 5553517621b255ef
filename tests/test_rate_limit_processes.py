# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The outbound rate limit is one budget for all Odoo processes."""

import subprocess
import sys

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
