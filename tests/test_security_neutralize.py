# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A copy of the production database, neutralized with Odoo's own command
and served by a real server of its own, talks to no channel: no live flow,
no scheduled action of the suite, no credential, and production's webhook
URL answers 404."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import odoo_process
import pytest
import requests
from store import SECRET, compact, signed_headers

import odoo

ORDER = {"id": "neutral-1", "updated_at": "2026-11-20T10:00:00Z", "total": "9.90"}


def _pg_args(config):
    """psql/pg_dump connection options of the Odoo configuration."""
    args = []
    for option, key in (("-h", "db_host"), ("-p", "db_port"), ("-U", "db_user")):
        if config.get(key):
            args += [option, str(config[key])]
    return args


def _pg_env(config):
    """The environment psql/pg_dump run with: the configured password."""
    if config.get("db_password"):
        return dict(os.environ, PGPASSWORD=config["db_password"])
    return dict(os.environ)


@pytest.fixture
def neutralized_copy(committed_env, tmp_path):
    """A committed backend with credentials and live flows, then a copy of
    the database neutralized by ``odoo-bin neutralize``: ``(copy name,
    backend id, production's webhook token)``."""
    with committed_env() as env:
        backend = env["retail.backend"].create(
            {
                "name": f"Neutralize {uuid.uuid4().hex[:8]}",
                "kind": "marketplace",
                "webhook_secret": SECRET,
                "api_key": "ak_production_neutralize",
                "flow_ids": [
                    (0, 0, {"flow": "orders_in", "mode": "batch"}),
                    (0, 0, {"flow": "stock_out", "mode": "realtime"}),
                ],
            }
        )
        backend_id, token = backend.id, backend.webhook_token
    config = odoo.tools.config
    source, copy = config["db_name"], f"{config['db_name']}_neutral_copy"
    pg, run_env = _pg_args(config), _pg_env(config)
    subprocess.run(["dropdb", *pg, "--if-exists", copy], check=True, env=run_env)
    subprocess.run(["createdb", *pg, copy], check=True, env=run_env)
    try:
        # pg_dump, not a template copy: the session's server stays connected.
        dump = subprocess.Popen(
            ["pg_dump", *pg, "--no-owner", source], stdout=subprocess.PIPE, env=run_env
        )
        subprocess.run(
            ["psql", *pg, "-q", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null", copy],
            stdin=dump.stdout,
            check=True,
            env=run_env,
        )
        assert dump.wait() == 0
        odoo_bin = Path(odoo.__file__).resolve().parent.parent / "odoo-bin"
        subprocess.run(
            [
                sys.executable,
                str(odoo_bin),
                "neutralize",
                f"--config={config.rcfile}",
                f"--database={copy}",
                f"--logfile={tmp_path / 'neutralize.log'}",
            ],
            check=True,
        )
        yield copy, backend_id, token
    finally:
        odoo.sql_db.close_db(copy)
        subprocess.run(["dropdb", *pg, "--if-exists", copy], check=True, env=run_env)
        with committed_env() as env:
            # Left in the shared test database: nothing runs for it there.
            env["retail.backend"].browse(backend_id).active = False


def test_neutralized_copy_talks_to_no_channel(
    neutralized_copy, committed_env, tmp_path
):
    """Test that a neutralized copy refuses production's webhook URL with 404
    (the delivery is signed with production's secret), has every flow of the
    backend off, every scheduled action of the suite inactive and no
    credential, while production keeps its own."""
    copy, backend_id, token = neutralized_copy
    process, base_url = odoo_process.start(
        odoo.tools.config.rcfile, copy, tmp_path / "copy.log"
    )
    try:
        body = compact(ORDER)
        response = requests.post(
            f"{base_url}/retail/webhook/{token}",
            data=body,
            headers=signed_headers(body, "neutral-evt-1"),
            timeout=30,
        )
        assert response.status_code == 404, response.text[:200]
    finally:
        odoo_process.stop(process)
    with odoo.sql_db.db_connect(copy).cursor() as cr:
        cr.execute(
            "SELECT mode FROM retail_backend_flow WHERE backend_id = %s", (backend_id,)
        )
        assert {mode for (mode,) in cr.fetchall()} == {"off"}
        cr.execute(
            """
            SELECT cron.active FROM ir_cron cron
              JOIN ir_model_data data
                ON data.model = 'ir.cron' AND data.res_id = cron.id
             WHERE data.module LIKE 'retail\\_%%'
            """
        )
        assert {active for (active,) in cr.fetchall()} == {False}
        cr.execute(
            "SELECT webhook_token, api_key_encrypted, webhook_secret_encrypted "
            "FROM retail_backend WHERE id = %s",
            (backend_id,),
        )
        copy_token, api_key, webhook_secret = cr.fetchone()
        assert copy_token != token
        assert api_key is None and webhook_secret is None
    with committed_env() as env:
        production = env["retail.backend"].browse(backend_id)
        assert production.webhook_token == token
        assert production._get_secret("api_key") == "ak_production_neutralize"
        assert set(production.flow_ids.mapped("mode")) == {"batch", "realtime"}
