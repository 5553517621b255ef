# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class Base(models.AbstractModel):
    """Records what a dry run creates and changes, so it can be shown before
    the dry run's savepoint is rolled back. Outside a dry run (no
    ``retail_dry_run_log`` in the context) nothing changes."""

    _inherit = "base"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        log = self.env.context.get("retail_dry_run_log")
        if log is not None:
            log.append(("create", records, []))
        return records

    def write(self, vals):
        log = self.env.context.get("retail_dry_run_log")
        if log is not None:
            log.append(("write", self, sorted(vals)))
        return super().write(vals)
