# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo skips a browser tour when it finds no Chrome. The test command sets
RETAIL_REQUIRE_BROWSER: there a tour that cannot run fails the run."""

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
