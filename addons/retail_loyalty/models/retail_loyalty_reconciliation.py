# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import float_compare

# How far back the reconciliation looks for returns whose sale was booked
# after them by a concurrent job, beyond its previous run.
CATCH_UP_MARGIN = timedelta(days=2)


class RetailLoyaltyReconciliation(models.AbstractModel):
    """The nightly comparison of each card's points with its ledger and
    with the engine's balance: every difference goes to the drift report
    and, in correcting mode, the side that does not own balances is brought
    in line."""

    _name = "retail.loyalty.reconciliation"
    _description = "Retail Loyalty Reconciliation"

    @api.model
    def _reconcile(self, backend):
        """Compare and record; a summary of the run. Customers with points
        still on their way to the engine are left for the next run."""
        now = fields.Datetime.now()
        self.env["retail.loyalty.accrual"]._catch_up_returns(
            backend,
            (backend.loyalty_last_reconciled_at or now - timedelta(days=30))
            - CATCH_UP_MARGIN,
        )
        self.env["retail.loyalty.push"]._push(backend)
        Ledger = self.env["retail.loyalty.ledger"]
        Drift = self.env["retail.loyalty.drift"]
        cards = self.env["loyalty.card"].search(
            [
                ("program_id", "=", backend.loyalty_program_id.id),
                ("partner_id", "!=", False),
            ]
        )
        waiting = Ledger.search(
            [
                ("backend_id", "=", backend.id),
                ("engine_state", "in", ["pending", "failed"]),
            ]
        ).partner_id
        members = self._members(backend, cards.partner_id)
        engine = backend._adapter("loyalty").balances(list(members.values()))
        drifts = Drift.browse()
        for card in cards:
            ledger = Ledger._balance(card)
            if float_compare(card.points, ledger, precision_digits=2):
                drifts |= Drift._record(
                    backend, card, "ledger", card.points, ledger, now
                )
            member = members.get(card.partner_id.id)
            if card.partner_id in waiting or (member is None and not card.points):
                continue
            engine_points = engine.get(member, 0.0)
            if float_compare(card.points, engine_points, precision_digits=2):
                drifts |= Drift._record(
                    backend, card, "engine", card.points, engine_points, now, member
                )
        backend.loyalty_last_reconciled_at = now
        if backend.loyalty_reconcile_mode == "correct":
            drifts._correct()
        return f"{len(cards)} cards compared, {len(drifts)} drifts"

    @api.model
    def _members(self, backend, partners):
        """The engine's member id of each of ``partners`` it knows, by
        partner id."""
        bindings = self.env["retail.partner.binding"].search(
            [("backend_id", "=", backend.id), ("odoo_id", "in", partners.ids)]
        )
        return {binding.odoo_id.id: binding.external_id for binding in bindings}
