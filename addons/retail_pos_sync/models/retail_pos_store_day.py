# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models, tools


class RetailPosStoreDay(models.Model):
    """Per store and business day: transactions received against the ones the
    tills' numbering says exist (within each numbering period, for stores
    whose tills restart). A missing number is counted on the day of the
    till's transaction just before it (or just after, for the first); a
    number a batch manifest names after the last one received, on the day of
    that last one."""

    _name = "retail.pos.store.day"
    _description = "Retail POS Store Day"
    _auto = False
    _order = "business_day desc, store_id"
    _rec_name = "business_day"

    store_id = fields.Many2one("retail.pos.store", readonly=True)
    backend_id = fields.Many2one("retail.backend", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    business_day = fields.Date(readonly=True)
    received_count = fields.Integer("Received", readonly=True)
    missing_count = fields.Integer("Missing", readonly=True)
    expected_count = fields.Integer(
        "Expected", readonly=True, help="Received plus missing till numbers."
    )
    return_count = fields.Integer("Returns", readonly=True)
    late_count = fields.Integer(
        "Booked late", readonly=True, help="Booked after the day's session closed."
    )
    amount_total = fields.Monetary("Total", readonly=True)
    session_state = fields.Selection(
        [("open", "Open"), ("closed", "Closed")], readonly=True
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE VIEW {self._table} AS
            WITH numbered AS (
                SELECT store_id, business_day, type, late, amount_total,
                       terminal_id, numbering_period, sequence,
                       lag(sequence) OVER till AS previous,
                       lead(sequence) OVER till AS next
                  FROM retail_pos_transaction
                WINDOW till AS (PARTITION BY terminal_id, numbering_period,
                                             sequence > 0
                                ORDER BY sequence)
            ), announced AS (
                -- The highest number batch manifests name, per till and
                -- numbering period (done ones name none not received).
                SELECT terminal_id, numbering_period,
                       max(last_sequence) AS last
                  FROM retail_pos_manifest
                 WHERE done IS NOT TRUE
                 GROUP BY terminal_id, numbering_period
            ), counted AS (
                -- The numbers missing after each received one (for the
                -- period's last, up to the highest its manifests name) and,
                -- for the period's first, before it: the work grows with
                -- the numbers received, never with the largest one.
                SELECT store_id, business_day, 1 AS received,
                       CASE WHEN sequence > 0
                            THEN coalesce(next - sequence - 1,
                                          greatest(announced.last - sequence, 0),
                                          0)
                                 + CASE WHEN previous IS NULL
                                        THEN sequence - 1 ELSE 0 END
                            ELSE 0 END AS missing,
                       (type = 'return')::int AS returned,
                       coalesce(late, false)::int AS late, amount_total
                  FROM numbered
                  LEFT JOIN announced
                    ON announced.terminal_id = numbered.terminal_id
                   AND announced.numbering_period
                       IS NOT DISTINCT FROM numbered.numbering_period
            )
            SELECT store.id * 100000 + (counted.business_day - DATE '2000-01-01')
                       AS id,
                   counted.store_id, store.backend_id, backend.company_id,
                   company.currency_id, counted.business_day,
                   sum(received) AS received_count,
                   sum(missing) AS missing_count,
                   sum(received) + sum(missing) AS expected_count,
                   sum(returned) AS return_count,
                   sum(late) AS late_count,
                   sum(amount_total) AS amount_total,
                   CASE WHEN EXISTS (
                        SELECT 1 FROM pos_session session
                         WHERE session.retail_store_id = counted.store_id
                           AND session.retail_business_day = counted.business_day
                           AND session.state != 'closed')
                        THEN 'open' ELSE 'closed' END AS session_state
              FROM counted
              JOIN retail_pos_store store ON store.id = counted.store_id
              JOIN retail_backend backend ON backend.id = store.backend_id
              JOIN res_company company ON company.id = backend.company_id
             GROUP BY counted.store_id, store.id, store.backend_id,
                      backend.company_id, company.currency_id, counted.business_day
            """
        )

    def action_open_transactions(self):
        action = self._day_action("retail_pos_sync.retail_pos_transaction_action")
        action["view_mode"] = "list,form"
        action["views"] = [(False, "list"), (False, "form")]
        return action

    def action_open_payments(self):
        return self._day_action("retail_pos_sync.retail_pos_day_payment_action")

    def _day_action(self, xml_id):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xml_id)
        action["domain"] = [
            ("store_id", "=", self.store_id.id),
            ("business_day", "=", self.business_day),
        ]
        return action
