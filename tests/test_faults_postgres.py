# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fault suite: PostgreSQL restarted while webhooks arrive.

The machine's PostgreSQL is shared, so this scenario never touches it: it
starts a private cluster (initdb on a free port, as the ``postgres`` user
when run as root), copies the test database into it with pg_dump, and runs a
second Odoo server (prefork workers and job runner) on that copy. The
cluster is restarted in the middle of a stream of webhooks sent by the
simulator, which retries whatever did not get a 2xx."""

import os
import pwd
import random
import shutil
import subprocess
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path

import odoo_process
import psycopg2
import pytest
from simulator import Simulator
from store import ACCESS_TOKEN, SECRET, create_store, order_spec
from waiting import wait_for

import odoo

PG_BIN = Path("/usr/lib/postgresql/15/bin")
ORDERS = 40


class PrivateCluster:
    """A throw-away PostgreSQL cluster on 127.0.0.1:<port>, trust auth."""

    def __init__(self):
        if not (PG_BIN / "initdb").exists():
            pytest.skip(f"no PostgreSQL server binaries in {PG_BIN}")
        self.prefix = []
        self.owner = None
        if os.geteuid() == 0:  # initdb refuses root
            try:
                self.owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and no 'postgres' user to run initdb")
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.root = Path(tempfile.mkdtemp(prefix="retail-pg-"))
        self.data = self.root / "data"
        self.port = odoo_process.free_port()
        self.role = odoo.tools.config["db_user"] or pwd.getpwuid(os.geteuid()).pw_name
        if self.owner:
            os.chown(self.root, self.owner.pw_uid, self.owner.pw_gid)

    def _as_owner(self, *command, **kwargs):
        return subprocess.run(
            [*self.prefix, *command],
            check=True,
            capture_output=True,
            timeout=kwargs.pop("timeout", 120),
            **kwargs,
        )

    def start(self):
        self._as_owner(
            str(PG_BIN / "initdb"),
            "--no-sync",
            "--auth=trust",
            "--username=postgres",
            f"--pgdata={self.data}",
        )
        self._pg_ctl("start")
        self.psql("postgres", f'CREATE ROLE "{self.role}" SUPERUSER LOGIN')
        return self

    def _pg_ctl(self, action, *extra):
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.root} -c fsync=off "
            "-c max_connections=100"
        )
        self._as_owner(
            str(PG_BIN / "pg_ctl"),
            action,
            "-w",
            f"--pgdata={self.data}",
            f"--log={self.root / 'postgresql.log'}",
            "-o",
            options,
            *extra,
        )

    def restart(self):
        self._pg_ctl("restart", "-m", "fast")

    def stop(self):
        if self.data.exists():
            try:
                self._pg_ctl("stop", "-m", "immediate")
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)

    def psql(self, db_name, sql, user="postgres"):
        subprocess.run(
            [
                "psql",
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "--host=127.0.0.1",
                f"--port={self.port}",
                f"--username={user}",
                f"--dbname={db_name}",
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def connect(self, db_name):
        return psycopg2.connect(
            host="127.0.0.1", port=self.port, user=self.role, dbname=db_name
        )

    def copy_database(self, source, target):
        """pg_dump of the shared test database, restored into this cluster."""
        config = odoo.tools.config
        dump_command = ["pg_dump", "--no-owner", "--no-privileges", source]
        if config["db_host"]:
            dump_command.append(f"--host={config['db_host']}")
        if config["db_port"]:
            dump_command.append(f"--port={config['db_port']}")
        if config["db_user"]:
            dump_command.append(f"--username={config['db_user']}")
        env = dict(os.environ)
        if config["db_password"]:
            env["PGPASSWORD"] = config["db_password"]
        self.psql("postgres", f'CREATE DATABASE "{target}" OWNER "{self.role}"')
        dump = subprocess.Popen(dump_command, stdout=subprocess.PIPE, env=env)
        restore = subprocess.run(
            [
                "psql",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "--host=127.0.0.1",
                f"--port={self.port}",
                f"--username={self.role}",
                f"--dbname={target}",
            ],
            stdin=dump.stdout,
            capture_output=True,
            timeout=600,
        )
        dump.stdout.close()
        assert dump.wait(timeout=60) == 0
        assert restore.returncode == 0, restore.stderr[-2000:]


@pytest.fixture
def private_copy(committed_env):
    """A store backend committed in the test database, then the database
    copied into a private cluster: ``(cluster, db_name, sim, backend_id,
    skus, currency)``."""
    with committed_env() as env:
        currency = env.company.currency_id.name
    cluster = PrivateCluster()
    source = odoo.tools.config["db_name"]
    target = f"{source}_pgrestart"
    filestore = Path(odoo.tools.config.filestore(target))
    try:
        cluster.start()
        with Simulator(
            api_token=ACCESS_TOKEN,
            webhook_secret=SECRET,
            webhook_retries=60,
            webhook_retry_delay=0.5,
        ) as sim:
            with committed_env() as env:
                backend, skus = create_store(env, sim)
                backend_id = backend.id
            started = time.monotonic()
            cluster.copy_database(source, target)
            print(f"\ndatabase copied in {time.monotonic() - started:.1f}s")
            if Path(odoo.tools.config.filestore(source)).exists():
                shutil.copytree(odoo.tools.config.filestore(source), filestore)
            with closing(cluster.connect(target)) as connection, connection:
                with connection.cursor() as cr:
                    # Only this test's work runs on the copy.
                    cr.execute(
                        "UPDATE queue_job SET state = 'cancelled'"
                        " WHERE state NOT IN ('done', 'cancelled', 'failed')"
                    )
            yield cluster, target, sim, backend_id, skus, currency
    finally:
        cluster.stop()
        shutil.rmtree(filestore, ignore_errors=True)


def _start_server(cluster, db_name, log_path):
    return odoo_process.start(
        odoo.tools.config.rcfile,
        db_name,
        log_path,
        extra_args=("--db_host=127.0.0.1", f"--db_port={cluster.port}"),
    )


def _query(cluster, db_name, sql, params=()):
    with closing(cluster.connect(db_name)) as connection, connection:
        with connection.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall()


def test_postgresql_restart_loses_no_acknowledged_webhook(private_copy, tmp_path):
    """Test that with PostgreSQL restarted in the middle of a stream of order
    webhooks, every delivery that got a 200 is processed, and those that did
    not are retried by the platform and processed once: one sale order per
    order, every event done."""
    cluster, db_name, sim, backend_id, skus, currency = private_copy
    process, base_url = _start_server(cluster, db_name, tmp_path / "odoo.log")
    try:
        (token,) = _query(
            cluster,
            db_name,
            "SELECT webhook_token FROM retail_backend WHERE id = %s",
            (backend_id,),
        )[0]
        sim.configure(target_url=f"{base_url}/retail/webhook/{token}")
        rng = random.Random(21)
        orders = []

        def send():
            for _index in range(ORDERS):
                orders.append(sim.create_order(**order_spec(rng, skus, currency)))
                time.sleep(0.1)

        sender = threading.Thread(target=send)
        sender.start()
        wait_for(lambda: len(orders) >= ORDERS // 4, 120, "the first webhooks")
        restarted = time.monotonic()
        cluster.restart()
        print(f"\nPostgreSQL restarted in {time.monotonic() - restarted:.1f}s")
        sender.join(timeout=600)
        assert not sender.is_alive()

        deliveries = sim.stats()["deliveries"]
        acknowledged = {d["event_id"] for d in deliveries if d["status"] == 200}
        refused = {d["event_id"] for d in deliveries if d["status"] != 200}
        assert len(acknowledged) == ORDERS, "a webhook never got its 200"
        assert refused, "no delivery failed: the restart was not felt"
        print(f"{len(refused)} webhooks refused during the restart, then retried")

        def all_imported():
            (counts,) = _query(
                cluster,
                db_name,
                """
                SELECT count(*) FILTER (WHERE state = 'done'), count(*)
                  FROM retail_event WHERE backend_id = %s
                """,
                (backend_id,),
            )
            return counts == (ORDERS, ORDERS)

        wait_for(all_imported, 300, "every event processed")
        rows = _query(
            cluster,
            db_name,
            """
            SELECT retail_external_id, count(*), min(state)
              FROM sale_order WHERE retail_backend_id = %s
             GROUP BY retail_external_id
            """,
            (backend_id,),
        )
        assert sorted(rows) == sorted((str(order["id"]), 1, "sale") for order in orders)
        events = dict(
            _query(
                cluster,
                db_name,
                "SELECT dedupe_key, state FROM retail_event WHERE backend_id = %s",
                (backend_id,),
            )
        )
        assert set(events) == acknowledged
        assert set(events.values()) == {"done"}
        (invoices,) = _query(
            cluster,
            db_name,
            """
            SELECT count(DISTINCT move.id) FROM account_move move
              JOIN account_move_line line ON line.move_id = move.id
              JOIN sale_order_line_invoice_rel rel ON rel.invoice_line_id = line.id
              JOIN sale_order_line sol ON sol.id = rel.order_line_id
              JOIN sale_order so ON so.id = sol.order_id
             WHERE so.retail_backend_id = %s AND move.state = 'posted'
            """,
            (backend_id,),
        )[0]
        assert invoices == ORDERS
    finally:
        odoo_process.stop(process)
