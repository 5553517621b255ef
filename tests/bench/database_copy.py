# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A throw-away copy of the bench database, for a case that commits (a
server's work, or the connector's own short transactions): the bench
database itself stays as set up."""

import subprocess
import time
from contextlib import contextmanager

import odoo_process


@contextmanager
def database_copy(db_name, suffix):
    copy = f"{db_name}_{suffix}"
    subprocess.run(["dropdb", "--if-exists", copy], check=True)
    # The template must have no other session: the set-up's own Odoo may
    # still be closing its connections.
    for _attempt in range(10):
        if not subprocess.run(
            ["createdb", "-T", db_name, copy], check=False
        ).returncode:
            break
        time.sleep(3)
    else:
        raise RuntimeError(f"could not copy database {db_name}")
    try:
        yield copy
    finally:
        odoo_process.drop_database(copy)
