# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Waiting for a running server to get somewhere, for the end-to-end tests."""

import time


def wait_for(condition, timeout, what, interval=0.5):
    """The first truthy result of ``condition()``; AssertionError naming
    ``what`` when ``timeout`` seconds pass without one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
