# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RetailEventDryRun(models.TransientModel):
    """What processing an event again would do now, computed in a transaction
    that was rolled back: nothing of it was kept."""

    _name = "retail.event.dry.run"
    _description = "Retail Event Dry Run"

    event_id = fields.Many2one("retail.event", required=True, readonly=True)
    would_succeed = fields.Boolean(readonly=True)
    error = fields.Text(readonly=True)
    changes = fields.Text(
        readonly=True, help="Records the event would create or change."
    )
