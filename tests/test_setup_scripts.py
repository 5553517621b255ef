# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The set-up scripts' own promises: clear, fast failures and idempotent re-runs."""

import os
import subprocess
import time
from pathlib import Path

import odoo

REPO = Path(__file__).resolve().parent.parent
INSTALL = REPO / "setup" / "install.sh"


def _run_install(**env_overrides):
    env = dict(os.environ, **env_overrides)
    started = time.monotonic()
    result = subprocess.run(
        ["bash", str(INSTALL), "--packages-only"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return result, time.monotonic() - started


def test_missing_odoo_source_fails_fast_with_a_clear_message(tmp_path):
    """Test that a wrong ODOO_SRC stops the set-up in seconds, without a traceback."""
    result, elapsed = _run_install(ODOO_SRC=str(tmp_path / "no-odoo-here"))
    assert result.returncode == 1
    assert (
        "Odoo 18.0 source not found: set ODOO_SRC to a folder holding odoo-bin"
        in result.stderr
    )
    assert "Traceback" not in result.stdout + result.stderr
    assert elapsed < 30


def test_second_install_skips_work_already_done():
    """Test that re-running the set-up on a ready machine changes nothing, quickly."""
    odoo_src = str(Path(odoo.__file__).resolve().parent.parent)
    result, elapsed = _run_install(ODOO_SRC=odoo_src)
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    assert "installing" not in result.stdout
    assert elapsed < 60


def test_written_configuration_is_readable_by_its_owner_only(tmp_path):
    """Test that a configuration file, which holds the credential encryption
    key, is written mode 600, even over an older world-readable one."""
    config = tmp_path / "odoo.conf"
    config.write_text("old\n")
    config.chmod(0o644)
    script = f'source "{REPO}/setup/lib.sh" && write_config "{config}" 8069 0 root:0'
    result = subprocess.run(
        ["bash", "-c", script],
        env=dict(os.environ, VAR_DIR=str(tmp_path / "var")),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "retail_encryption_key = " in config.read_text()
    assert config.stat().st_mode & 0o777 == 0o600
    key_file = tmp_path / "var" / "retail-encryption.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
