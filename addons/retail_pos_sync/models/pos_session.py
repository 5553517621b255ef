# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models


class PosSession(models.Model):
    _inherit = "pos.session"

    retail_store_id = fields.Many2one("retail.pos.store", "Store", readonly=True)
    retail_business_day = fields.Date("Business day", readonly=True, index=True)
    retail_correction = fields.Boolean(
        "Late correction",
        readonly=True,
        help="Books transactions that arrived after their business day's "
        "session had closed; its entries are dated on that business day.",
    )

    @api.model
    def _retail_session_for(self, store, business_day):
        """The open session booking ``store``'s ``business_day``, opened on
        demand. A day whose session has closed gets a correction session.

        Sessions are opened as Odoo's recovery sessions, the kind Odoo itself
        opens for orders of a closed session: an offline chain has several
        business days open at once, and Odoo allows one ordinary open session
        per point of sale."""
        domain = [
            ("retail_store_id", "=", store.id),
            ("retail_business_day", "=", business_day),
        ]
        open_session = self.search(
            domain + [("state", "in", ("opening_control", "opened"))], limit=1
        )
        if open_session:
            return open_session
        correction = bool(self.search_count(domain + [("state", "=", "closed")]))
        name = f"{store.pos_config_id.name}/{business_day}"
        session = self.create(
            {
                "config_id": store.pos_config_id.id,
                "user_id": self.env.uid,
                "rescue": True,
                "name": self.env._("%(name)s (correction)", name=name)
                if correction
                else name,
                "retail_store_id": store.id,
                "retail_business_day": business_day,
                "retail_correction": correction,
            }
        )
        session.state = "opened"
        session.start_at = fields.Datetime.now()
        return session

    def _create_account_move(
        self,
        balancing_account=False,
        amount_to_balance=0,
        bank_payment_method_diffs=None,
    ):
        # EXTENDS point_of_sale: a store day's entries carry its date, also
        # when they are booked days later.
        result = super()._create_account_move(
            balancing_account, amount_to_balance, bank_payment_method_diffs
        )
        for session in self.filtered("retail_business_day"):
            session.move_id.date = session.retail_business_day
        return result

    @api.model
    def _retail_date_on_business_day(self, vals_list):
        """Date on its session's business day each entry of ``vals_list``
        (create values of payments and cash statement lines) that a store
        day's session makes: Odoo dates what a closing creates on the day
        it runs, so a day closed after midnight, or days later by a store
        that was offline, would book its cash and card receipts in the next
        period while its sales and taxes stay on the business day. A session
        books one business day, so its entries all take that day."""
        session_ids = {vals.get("pos_session_id") for vals in vals_list} - {False, None}
        if not session_ids:
            return
        days = {
            session.id: session.retail_business_day
            for session in self.browse(session_ids).sudo()
            if session.retail_business_day
        }
        for vals in vals_list:
            day = days.get(vals.get("pos_session_id"))
            if day:
                vals["date"] = day

    @api.model
    def _cron_close_business_days(self):
        """Scheduled action: enqueue the closing of the store sessions of
        business days past their backend's grace period, which posts their
        accounting. Each session closes in a job of its own: a store whose
        closing fails (an account missing, say) is retried and shown on its
        own, and never keeps the other stores' days open."""
        today = fields.Date.context_today(self)
        sessions = self.search(
            [
                ("retail_business_day", "!=", False),
                ("state", "in", ("opening_control", "opened")),
            ]
        )
        for session in sessions:
            backend = session.retail_store_id.backend_id
            if (
                session.retail_business_day + timedelta(days=backend.close_after_days)
                <= today
                or session.retail_correction
            ):
                session.with_delay(
                    **backend._job_route("_retail_close"),
                    description=self.env._("Close %(name)s", name=session.name),
                    # An hourly run leaves one waiting job per session.
                    identity_key=f"retail_close_session_{session.id}",
                )._retail_close()

    def _retail_close(self):
        """Job: close the sessions (a session closed meanwhile is left as is),
        each store day checked first against the platform's own count where
        it keeps one (Square): orders it has and Odoo lacks are named."""
        for session in self.filtered(lambda record: record.state != "closed"):
            # Closing the previous session computed the cash figures of every
            # session prefetched with it, before this one's counted cash was
            # set: read stale, its whole cash would be booked as a loss.
            session.invalidate_recordset()
            backend = session.retail_store_id.backend_id
            if (
                backend
                and not session.retail_correction
                and backend._has_adapter("pos")
            ):
                backend._adapter("pos").check_day(
                    session.retail_store_id, session.retail_business_day
                )
            session.action_pos_session_closing_control()
