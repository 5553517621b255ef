# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models, tools


class RetailPosDayPayment(models.Model):
    """Payments taken per store, business day and payment method, from the
    POS payments of the store's sessions (corrections included)."""

    _name = "retail.pos.day.payment"
    _description = "Retail POS Payments per Store Day"
    _auto = False
    _order = "business_day desc, store_id, payment_method_id"

    store_id = fields.Many2one("retail.pos.store", readonly=True)
    backend_id = fields.Many2one("retail.backend", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    business_day = fields.Date(readonly=True)
    payment_method_id = fields.Many2one("pos.payment.method", readonly=True)
    journal_id = fields.Many2one("account.journal", readonly=True)
    amount = fields.Monetary(readonly=True)
    payment_count = fields.Integer("Payments", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE VIEW {self._table} AS
            SELECT min(payment.id) AS id,
                   session.retail_store_id AS store_id, store.backend_id,
                   backend.company_id, company.currency_id,
                   session.retail_business_day AS business_day,
                   payment.payment_method_id, method.journal_id,
                   sum(payment.amount) AS amount,
                   count(*) AS payment_count
              FROM pos_payment payment
              JOIN pos_session session ON session.id = payment.session_id
              JOIN retail_pos_store store ON store.id = session.retail_store_id
              JOIN retail_backend backend ON backend.id = store.backend_id
              JOIN res_company company ON company.id = backend.company_id
              JOIN pos_payment_method method ON method.id = payment.payment_method_id
             GROUP BY session.retail_store_id, store.backend_id, backend.company_id,
                      company.currency_id, session.retail_business_day,
                      payment.payment_method_id, method.journal_id
            """
        )
