# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fixtures for the end-to-end tests: a real Odoo server, started as its own
process on a free loopback port, serving the test database that pytest-odoo
loaded, with prefork workers and the queue_job runner."""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

import odoo
from odoo.modules.registry import Registry

SERVER_START_TIMEOUT = 120


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_serving(url, process, log_path):
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log_tail = log_path.read_text()[-4000:]
            raise RuntimeError(
                f"Odoo exited with {process.returncode} while starting:\n{log_tail}"
            )
        try:
            if requests.get(url, timeout=10).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            # Not listening yet, or its first worker still loading the registry.
            pass
        time.sleep(0.5)
    raise RuntimeError(f"Odoo did not serve {url} within {SERVER_START_TIMEOUT}s")


@pytest.fixture(scope="session")
def odoo_server(tmp_path_factory):
    """Base URL of a running Odoo server on the test database, with 2 workers and
    the queue_job runner."""
    config = odoo.tools.config
    db_name = config["db_name"]
    http_port, gevent_port = _free_port(), _free_port()
    log_path = tmp_path_factory.mktemp("odoo-server") / "odoo.log"
    env = dict(os.environ, ODOO_QUEUE_JOB_CHANNELS="root:2,root.retail:2")
    command = [
        sys.executable,
        str(Path(odoo.__file__).resolve().parent.parent / "odoo-bin"),
        f"--config={config.rcfile}",
        f"--database={db_name}",
        f"--db-filter=^{db_name}$",
        "--http-interface=127.0.0.1",
        f"--http-port={http_port}",
        f"--gevent-port={gevent_port}",
        "--workers=2",
        "--max-cron-threads=0",
        "--load=base,web,queue_job",
        f"--logfile={log_path}",
    ]
    process = subprocess.Popen(command, env=env, start_new_session=True)
    base_url = f"http://127.0.0.1:{http_port}"
    try:
        _wait_until_serving(f"{base_url}/web/login", process, log_path)
        yield base_url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@contextmanager
def _committed_env():
    registry = Registry(odoo.tools.config["db_name"])
    with registry.cursor() as cr:
        yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


@pytest.fixture
def committed_env():
    """Opens environments on their own cursors whose work is committed on exit,
    so that another process (the server under test) sees it."""
    return _committed_env
