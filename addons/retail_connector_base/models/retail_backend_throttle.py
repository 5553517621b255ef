# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RetailBackendThrottle(models.Model):
    """Rate limit and circuit breaker state of one backend's outbound calls.

    It lives in PostgreSQL, not in process memory, so that every Odoo worker
    shares one budget per backend. ``http_client`` updates it with single SQL
    statements on their own committed cursor.
    """

    _name = "retail.backend.throttle"
    _description = "Retail Backend Throttle"

    backend_id = fields.Many2one("retail.backend", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    tokens = fields.Float(help="Requests that may be sent at once right now.")
    refilled_at = fields.Datetime()
    failures = fields.Integer(help="Consecutive failed calls.")
    opened_at = fields.Datetime(help="When the circuit breaker last opened.")
    # A second bucket for platforms that limit by query cost rather than by
    # request count (Shopify's GraphQL Admin API): the platform states it in
    # each answer, the adapter keeps it here so that every worker sees it.
    cost_available = fields.Float(help="Query cost points available right now.")
    cost_maximum = fields.Float(help="Size of the query cost bucket.")
    cost_restore_rate = fields.Float(help="Query cost points restored per second.")
    cost_pending = fields.Float(
        help="Query cost points reserved by queries sent and not answered yet."
    )
    cost_at = fields.Datetime(help="When the query cost bucket was last updated.")

    _sql_constraints = [
        ("backend_unique", "unique(backend_id)", "One throttle per backend."),
    ]
