# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RetailPosTransaction(models.Model):
    """A store transaction as booked: which till sent it with which number,
    for which business day, and the POS order that books it. One per uuid
    and backend, which is what makes a replayed batch change nothing."""

    _name = "retail.pos.transaction"
    _description = "Retail POS Transaction"
    _order = "business_day desc, store_id, terminal_id, sequence"
    _rec_name = "uuid"

    backend_id = fields.Many2one("retail.backend", required=True, index=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    uuid = fields.Char(required=True)
    store_id = fields.Many2one("retail.pos.store", required=True, index=True)
    terminal_id = fields.Many2one("retail.pos.terminal", required=True, index=True)
    sequence = fields.Integer(
        help="The till's own transaction number. Empty for platforms that do "
        "not number their transactions (pulled by API); those have no gap check."
    )
    business_day = fields.Date(required=True, index=True)
    numbering_period = fields.Char(
        readonly=True,
        help="The business day or shift within which the till's numbers are "
        "unique, for stores whose numbering restarts; empty otherwise.",
    )
    type = fields.Selection([("sale", "Sale"), ("return", "Return")], required=True)
    amount_total = fields.Monetary(currency_field="currency_id")
    currency_id = fields.Many2one(related="pos_order_id.currency_id")
    pos_order_id = fields.Many2one("pos.order", "POS order", required=True)
    session_id = fields.Many2one(related="pos_order_id.session_id", store=True)
    late = fields.Boolean(
        help="Booked after its business day's session had closed, in a "
        "correction session for that day."
    )
    event_id = fields.Many2one("retail.event", "Message")
    original_uuid = fields.Char(
        "Returned transaction", help="The sale a return refers to, by uuid."
    )
    return_reason = fields.Char()
    customer_ref = fields.Char("Customer reference")
    loyalty_ref = fields.Char("Loyalty id")
    partner_id = fields.Many2one(related="pos_order_id.partner_id", string="Customer")
    scrap_ids = fields.One2many(related="pos_order_id.retail_scrap_ids")

    _sql_constraints = [
        (
            "uuid_unique",
            "unique(backend_id, uuid)",
            "A transaction is booked once per backend.",
        ),
    ]

    def init(self):
        # A till's number is booked once per numbering period (the whole life
        # of tills that never restart); platforms that number nothing store 0.
        self.env.cr.execute(
            "ALTER TABLE retail_pos_transaction "
            "DROP CONSTRAINT IF EXISTS retail_pos_transaction_sequence_unique"
        )
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS "
            "retail_pos_transaction_till_period_number ON retail_pos_transaction "
            "(terminal_id, coalesce(numbering_period, ''), sequence) "
            "WHERE sequence > 0"
        )
