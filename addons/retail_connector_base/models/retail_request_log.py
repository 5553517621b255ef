# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import sql

from .retail_event import MANAGER_GROUP


class RetailRequestLog(models.Model):
    """One outbound call to a channel: what was asked, what came back, how long
    it took. Bodies are kept only when the backend asks for it, with secrets and
    personal data masked."""

    _name = "retail.request.log"
    _description = "Retail Outbound Request"
    _order = "id desc"

    backend_id = fields.Many2one(
        "retail.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    method = fields.Char(required=True)
    url = fields.Char(required=True)
    status = fields.Integer(help="HTTP status; 0 when no answer came back.")
    duration_ms = fields.Integer("Duration (ms)")
    error = fields.Char()
    # Masked, yet what is left of an order or a customer is for managers only.
    request_body = fields.Text(groups=MANAGER_GROUP)
    response_body = fields.Text(groups=MANAGER_GROUP)

    def init(self):
        # The metrics count each backend's recent calls, and the alerts look
        # for its last call that worked, on every scrape.
        sql.create_index(
            self.env.cr,
            "retail_request_log_backend_create_date_index",
            self._table,
            ["backend_id", "create_date"],
        )

    @api.autovacuum
    def _gc_old_logs(self):
        """Drop logs older than their backend's retention."""
        for backend in (
            self.env["retail.backend"].with_context(active_test=False).search([])
        ):
            limit = fields.Datetime.now() - timedelta(days=backend.log_retention_days)
            self.search(
                [("backend_id", "=", backend.id), ("create_date", "<", limit)]
            ).unlink()
