# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A real Odoo server as a process of its own on a free loopback port, with
prefork workers and the queue_job runner: what the end-to-end tests and the
benchmarks run against."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

START_TIMEOUT = 180


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(
    config_path,
    db_name,
    log_path,
    channels="root:2,root.retail:2",
    workers=2,
    extra_args=(),
):
    """The server's process and base URL, once it serves its login page.
    ``extra_args``: more odoo-bin options (another database server, say)."""
    http_port, gevent_port = free_port(), free_port()
    command = [
        *_odoo_bin(),
        f"--config={config_path}",
        # The one database, without a dbfilter, as odoo.conf.example.
        f"--database={db_name}",
        "--http-interface=127.0.0.1",
        f"--http-port={http_port}",
        f"--gevent-port={gevent_port}",
        f"--workers={workers}",
        "--max-cron-threads=0",
        "--load=base,web,queue_job",
        f"--logfile={log_path}",
        *extra_args,
    ]
    env = dict(os.environ, ODOO_QUEUE_JOB_CHANNELS=channels)
    process = subprocess.Popen(command, env=env, start_new_session=True)
    base_url = f"http://127.0.0.1:{http_port}"
    try:
        _wait_until_serving(f"{base_url}/web/login", process, Path(log_path))
    except BaseException:
        stop(process)
        raise
    return process, base_url


def create_database(config_path, db_name, modules):
    """A fresh database ``db_name`` with ``modules`` installed, no demo data."""
    subprocess.run(["dropdb", "--if-exists", db_name], check=True)
    subprocess.run(
        [
            *_odoo_bin(),
            f"--config={config_path}",
            f"--database={db_name}",
            f"--init={modules}",
            "--without-demo=all",
            "--stop-after-init",
            "--no-http",
            "--log-level=warn",
        ],
        check=True,
    )


def drop_database(db_name):
    """Drop ``db_name`` once this process lets go of it: its registry and
    its pooled connections."""
    import odoo
    from odoo.modules.registry import Registry

    Registry.delete(db_name)
    odoo.sql_db.close_db(db_name)
    subprocess.run(["dropdb", "--if-exists", db_name], check=False)


def _odoo_bin():
    import odoo

    return [
        sys.executable,
        str(Path(odoo.__file__).resolve().parent.parent / "odoo-bin"),
    ]


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_until_serving(url, process, log_path):
    deadline = time.monotonic() + START_TIMEOUT
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
    raise RuntimeError(f"Odoo did not serve {url} within {START_TIMEOUT}s")
