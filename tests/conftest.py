# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fixtures for the end-to-end tests: a real Odoo server, started as its own
process on a free loopback port, serving the test database that pytest-odoo
loaded, with prefork workers and the queue_job runner."""

from contextlib import contextmanager

import odoo_process
import pytest

import odoo
from odoo.modules.registry import Registry


@pytest.fixture(scope="session")
def odoo_server(tmp_path_factory):
    """Base URL of a running Odoo server on the test database, with 2 workers and
    the queue_job runner."""
    config = odoo.tools.config
    log_path = tmp_path_factory.mktemp("odoo-server") / "odoo.log"
    process, base_url = odoo_process.start(config.rcfile, config["db_name"], log_path)
    try:
        yield base_url
    finally:
        odoo_process.stop(process)


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
