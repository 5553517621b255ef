# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The stock change marks across concurrent transactions, on the committed
database: a publication's cursor tells the marks it read from those a
transaction still running then commits afterwards."""

import odoo
from odoo.modules.registry import Registry


def _env(cr):
    return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


def test_a_mark_committed_after_a_publication_read_is_read_by_the_next():
    registry = Registry(odoo.tools.config["db_name"])
    with registry.cursor() as cr:
        env = _env(cr)
        early, late, after = (
            env["product.product"]
            .create(
                [{"name": f"Mark probe {n}", "is_storable": True} for n in range(3)]
            )
            .ids
        )
        env["retail.stock.change"]._mark([early])
    # A long transaction marks a product and stays open...
    long_cr = registry.cursor()
    try:
        _env(long_cr)["retail.stock.change"]._mark([late])
        # ...while a publication reads (and commits) its cursor.
        with registry.cursor() as cr:
            cursor = _env(cr)["retail.stock.change"]._cursor_now()
        long_cr.commit()
    finally:
        long_cr.close()
    with registry.cursor() as cr:
        _env(cr)["retail.stock.change"]._mark([after])
    with registry.cursor() as cr:
        changed = _env(cr)["retail.stock.change"]._changed_since(cursor)
    assert late in changed, "committed after the read: read next time"
    assert after in changed
    assert early not in changed, "seen by the publication already"
