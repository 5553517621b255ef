# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RetailBackendOperationThrottle(models.Model):
    """The token bucket of one operation of a backend's platform, for
    platforms that limit each operation on its own (Amazon's Selling Partner
    API gives getOrders, getOrderItems and confirmShipment each a rate and a
    burst of their own).

    Like ``retail.backend.throttle`` it lives in PostgreSQL, so every Odoo
    worker shares one bucket per backend and operation, and ``http_client``
    changes it with single SQL statements on their own committed cursor.
    """

    _name = "retail.backend.operation.throttle"
    _description = "Retail Backend Operation Throttle"
    _order = "backend_id, operation"

    backend_id = fields.Many2one(
        "retail.backend", required=True, ondelete="cascade", readonly=True
    )
    # Also written by the SQL that creates the row, which the ORM does not see.
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    operation = fields.Char(required=True, readonly=True)
    rate = fields.Float(
        "Requests per second",
        digits=(16, 4),
        readonly=True,
        help="The operation's documented rate until the platform states the "
        "rate it applies to this account, which then replaces it.",
    )
    burst = fields.Integer(readonly=True, help="Calls the bucket holds at most.")
    tokens = fields.Float(
        digits=(16, 2),
        readonly=True,
        help="Calls that may be sent at once right now (as of the last call).",
    )
    refilled_at = fields.Datetime(readonly=True)

    _sql_constraints = [
        (
            "operation_unique",
            "unique(backend_id, operation)",
            "One bucket per backend and operation.",
        ),
    ]
