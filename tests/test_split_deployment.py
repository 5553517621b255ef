# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The split deployment of docker/compose.yaml with two real Odoo processes on
one database: a web node (job runner off, channels root:0) taking webhooks,
and a job node (runner on, odoo.conf.example's lanes) running the queue. The
web node keeps acknowledging and storing deliveries while the job node is
stopped; the job node, started again, processes all of them.

The two nodes serve a database of their own, with only the connector base
installed: the session's shared server of the other end-to-end tests
(conftest.py's ``odoo_server``, job runner on) serves the test database and
would run this test's jobs while the job node is stopped."""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import odoo_process
import pytest
import requests
from waiting import inbox_state, wait_for

import odoo
from odoo.modules.registry import Registry

from odoo.addons.retail_connector_base.adapters import simulator

SECRET = "whsec_e2e_split"
METRICS_TOKEN = "split-deployment-scrape-token"
WEB_CHANNELS = "root:0"
JOB_CHANNELS = (
    "root:2,root.retail:2,root.retail.intake:1,root.retail.realtime:1,"
    "root.retail.batch:1,root.retail.report:1"
)
WAVE = 40
SENDERS = 4
CAUGHT_UP_WITHIN = 120
# A topic no module handles: an event's processing is one cheap step ending
# at once (failed, "no_handler"); what is shown is that a job reached it.
TOPIC = "e2e/split"


def _post(url, index):
    body = json.dumps({"id": f"split-{index}"}).encode()
    headers = {
        "Content-Type": "application/json",
        **simulator.signed_headers(
            SECRET, int(time.time()), TOPIC, f"split-{index}", body
        ),
    }
    return requests.post(url, data=body, headers=headers, timeout=60).status_code


def _send(url, first, label):
    """The wave's answers; its acknowledged/s printed for the README (a
    figure, not a target: nothing here depends on speed)."""
    started = time.perf_counter()
    with ThreadPoolExecutor(SENDERS) as senders:
        answers = list(senders.map(lambda i: _post(url, i), range(first, first + WAVE)))
    rate = WAVE / (time.perf_counter() - started)
    print(f"{label}: {rate:.1f} acknowledged/s")  # noqa: T201
    return answers


@pytest.fixture(scope="module")
def split_db():
    """A fresh database with the connector base installed, dropped after."""
    config = odoo.tools.config
    name = f"{config['db_name']}_split"
    odoo_process.create_database(config.rcfile, name, "retail_connector_base")
    try:
        yield name
    finally:
        odoo_process.drop_database(name)


@pytest.fixture
def split_env(split_db, monkeypatch):
    """Environments on the split database whose work is committed on exit."""
    with monkeypatch.context() as patch:
        # pytest-odoo's test mode would run every module's at_install tests
        # while this process loads the other database's registry.
        patch.setitem(odoo.tools.config.options, "test_enable", False)
        registry = Registry(split_db)

    @contextmanager
    def committed():
        with registry.cursor() as cr:
            yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})

    return committed


@pytest.fixture
def nodes(split_db, tmp_path, monkeypatch):
    """Start and stop the two nodes: ``nodes.start("web")``, and so on."""
    monkeypatch.setenv("RETAIL_METRICS_TOKEN", METRICS_TOKEN)
    config = odoo.tools.config
    running = {}

    class Nodes:
        def start(self, role):
            channels = WEB_CHANNELS if role == "web" else JOB_CHANNELS
            process, url = odoo_process.start(
                config.rcfile,
                split_db,
                tmp_path / f"{role}-{len(running)}.log",
                channels=channels,
            )
            running[role] = process
            return url

        def stop(self, role):
            odoo_process.stop(running.pop(role))

    try:
        yield Nodes()
    finally:
        for process in running.values():
            odoo_process.stop(process)


def test_the_web_node_stores_while_the_job_node_is_down(nodes, split_env):
    """Test that with the job node stopped the web node acknowledges and
    stores every delivery, runs none of their jobs and shows the backlog on
    /retail/metrics; that the job node, started again, processes every event
    once; and that nothing is lost or duplicated across the restart."""
    with split_env() as env:
        backend = env["retail.backend"].create(
            {
                "name": "Split deployment",
                "kind": "marketplace",
                "webhook_secret": SECRET,
            }
        )
        backend_id, token = backend.id, backend.webhook_token
        channel = backend._get_queue_channel("_process_events")

    def events(state=None):
        domain = [("backend_id", "=", backend_id)]
        if state:
            domain.append(("state", "=", state))
        with split_env() as env:
            return env["retail.event"].search_count(domain)

    def explain():
        return inbox_state(split_env, [backend_id])

    web = nodes.start("web")
    url = f"{web}/retail/webhook/{token}"
    nodes.start("jobs")
    assert _send(url, 0, "job node running") == [200] * WAVE
    wait_for(
        lambda: not events("pending"),
        CAUGHT_UP_WITHIN,
        "the job node to process the first wave",
        explain=explain,
    )

    nodes.stop("jobs")
    assert _send(url, WAVE, "job node stopped") == [200] * WAVE
    # Stored before acknowledged: all there at once, and nothing runs them.
    assert events("pending") == WAVE
    time.sleep(3)
    assert events("pending") == WAVE
    with split_env() as env:
        unfinished = env["queue.job"].search(
            [("channel", "=", channel), ("state", "!=", "done")]
        )
        # Deliveries committed at the same moment may each enqueue one; a
        # job the stopped node's runner had handed over stays "enqueued"
        # until a runner finds it orphaned.
        states = unfinished.mapped("state")
        assert unfinished and set(states) <= {"pending", "enqueued"}
    scrape = requests.get(
        f"{web}/retail/metrics",
        headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
        timeout=30,
    )
    assert scrape.status_code == 200
    assert (
        f'retail_events_waiting{{backend="Split deployment",'
        f'backend_id="{backend_id}",kind="marketplace"}} {float(WAVE)}'
    ) in scrape.text
    for state in set(states):
        assert (
            f'retail_jobs{{channel="{channel}",state="{state}"}} '
            f"{float(states.count(state))}"
        ) in scrape.text
    print(scrape.text)  # noqa: T201 - the README's sample scrape, with -s

    nodes.start("jobs")
    wait_for(
        lambda: not events("pending"),
        CAUGHT_UP_WITHIN,
        "the restarted job node to catch up",
        explain=explain,
    )
    with split_env() as env:
        stored = env["retail.event"].search([("backend_id", "=", backend_id)])
        assert len(stored) == 2 * WAVE
        assert sorted(stored.mapped("dedupe_key")) == sorted(
            f"split-{index}" for index in range(2 * WAVE)
        )
        assert {(e.state, e.failure_code, e.attempts) for e in stored} == {
            ("failed", "no_handler", 1)
        }
