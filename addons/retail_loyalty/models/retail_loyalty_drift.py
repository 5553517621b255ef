# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import float_round

from .. import const
from ..adapters.common import PointsPush


class RetailLoyaltyDrift(models.Model):
    """A balance the nightly reconciliation found different: a card whose
    points differ from its ledger (a change made behind the ledger's back),
    or from the engine's balance. Kept as a report; corrected by the
    reconciliation only when the backend says so, on the side that does not
    own balances."""

    _name = "retail.loyalty.drift"
    _description = "Retail Loyalty Balance Drift"
    _order = "run_at desc, id desc"
    _rec_name = "partner_id"

    backend_id = fields.Many2one(
        "retail.backend", required=True, readonly=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    run_at = fields.Datetime("Reconciled on", required=True, readonly=True)
    card_id = fields.Many2one("loyalty.card", readonly=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    member_id = fields.Char("Engine member", readonly=True)
    drift_type = fields.Selection(
        [("ledger", "Card vs ledger"), ("engine", "Odoo vs engine")],
        "Compared",
        required=True,
        readonly=True,
    )
    odoo_points = fields.Float("Odoo points", readonly=True, digits=(16, 2))
    other_points = fields.Float(
        "Other side",
        readonly=True,
        digits=(16, 2),
        help="The ledger's sum or the engine's balance, as compared.",
    )
    difference = fields.Float(
        readonly=True, digits=(16, 2), help="Odoo's points minus the other side's."
    )
    state = fields.Selection(
        [("open", "Open"), ("corrected", "Corrected"), ("dismissed", "Dismissed")],
        default="open",
        required=True,
        readonly=True,
    )
    resolution = fields.Char(readonly=True)

    @api.model
    def _record(
        self, backend, card, drift_type, odoo_points, other, run_at, member=None
    ):
        return self.create(
            {
                "backend_id": backend.id,
                "run_at": run_at,
                "card_id": card.id,
                "partner_id": card.partner_id.id,
                "member_id": member,
                "drift_type": drift_type,
                "odoo_points": odoo_points,
                "other_points": other,
                "difference": float_round(odoo_points - other, const.POINTS_DIGITS),
            }
        )

    def _correct(self):
        """Bring the side that does not own balances in line. A card that
        differs from its ledger is recorded as an Odoo change (the card is
        what Odoo's POS and eCommerce showed). Against the engine: when the
        engine owns balances, the card follows it through a ledger entry;
        when Odoo does, the engine receives the difference, keyed by the
        drift so that it is sent once."""
        Ledger = self.env["retail.loyalty.ledger"]
        for drift in self.filtered(lambda record: record.state == "open"):
            backend = drift.backend_id
            key = f"reconcile:{drift.id}"
            if drift.drift_type == "ledger":
                Ledger._post(
                    backend,
                    drift.card_id,
                    "adjustment",
                    drift.difference,
                    key,
                    "odoo",
                    apply_to_card=False,
                    reason=self.env._("Card changed outside the ledger"),
                )
                resolution = self.env._("Ledger aligned on the card")
            elif backend.loyalty_balance_owner == "engine":
                Ledger._post(
                    backend,
                    drift.card_id,
                    "adjustment",
                    -drift.difference,
                    key,
                    "reconciliation",
                    engine_state="none",
                    reason=self.env._("Aligned on the engine's balance"),
                )
                resolution = self.env._("Card aligned on the engine")
            else:
                backend._adapter("loyalty").push(
                    PointsPush(
                        idempotency_key=key,
                        member_id=drift.member_id,
                        kind="adjustment",
                        points=drift.difference,
                        reason=self.env._("Aligned on Odoo's balance"),
                    )
                )
                resolution = self.env._("Engine aligned on Odoo")
            drift.write({"state": "corrected", "resolution": resolution})

    def action_dismiss(self):
        self.write({"state": "dismissed"})
        return True
