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


# Odoo calls a module's post_load hook when its loader first imports the
# module; pytest-odoo imports the addons itself, before, so the loader skips
# them. The suite's hooks are called here, as a server would have.
_post_loaded = False


def _run_post_load_hooks():
    global _post_loaded
    if _post_loaded:
        return
    import importlib  # noqa: PLC0415

    from odoo.modules.module import get_manifest  # noqa: PLC0415

    for name in sorted(os.listdir(os.path.join(os.path.dirname(__file__), "addons"))):
        hook = (get_manifest(name) or {}).get("post_load")
        if hook:
            getattr(importlib.import_module(f"odoo.addons.{name}"), hook)()
    _post_loaded = True


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    global _assets_generated
    _run_post_load_hooks()
    if _assets_generated or not _opens_browser(item):
        return
    import odoo  # noqa: PLC0415 (loaded by pytest-odoo, not at collection)

    registry = odoo.modules.registry.Registry(odoo.tools.config["db_name"])
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["ir.qweb"]._pregenerate_assets_bundles()
    _assets_generated = True
