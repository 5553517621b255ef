# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo skips a browser tour when it finds no Chrome. The test command sets
RETAIL_REQUIRE_BROWSER: there a tour that cannot run fails the run."""

import inspect
import os

import pytest

BROWSER_MISSING = "Chrome executable not found"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if (
        report.skipped
        and os.environ.get("RETAIL_REQUIRE_BROWSER")
        and BROWSER_MISSING in str(report.longrepr)
    ):
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid}: the browser tour cannot run ({BROWSER_MISSING}). "
            "Install Chromium (setup/test.sh installs Debian's chromium)."
        )


# Odoo's own test runner generates the asset bundles before its HTTP tests
# (odoo/service/server.py, preload_registries); pytest-odoo does not, so the
# first tour of a fresh database waited for them inside the browser's 60 s
# readiness limit, and on a busy machine failed there. Generated once per
# run, before the first test that opens a browser.
_assets_generated = False


def _opens_browser(item):
    function = getattr(item, "function", None)
    try:
        source = inspect.getsource(function) if function else ""
    except (OSError, TypeError):
        return False
    return "start_tour(" in source or "browser_js(" in source


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    global _assets_generated
    if _assets_generated or not _opens_browser(item):
        return
    import odoo  # noqa: PLC0415 (loaded by pytest-odoo, not at collection)

    registry = odoo.modules.registry.Registry(odoo.tools.config["db_name"])
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["ir.qweb"]._pregenerate_assets_bundles()
    _assets_generated = True
