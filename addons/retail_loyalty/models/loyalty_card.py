# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import uuid
from contextvars import ContextVar

import psycopg2.errors

from odoo import api, fields, models
from odoo.tools import float_compare, float_round

from .. import const

# Set while the ledger moves a card by the entry it has just written. Not a
# context key: any RPC caller can pass any context key, and could then move
# points with no ledger entry.
_LEDGER_WRITING = ContextVar("retail_loyalty_ledger_writing", default=False)


class LoyaltyCard(models.Model):
    _inherit = "loyalty.card"

    retail_ledger_ids = fields.One2many(
        "retail.loyalty.ledger", "card_id", "Points ledger", readonly=True
    )
    retail_ledger_balance = fields.Float(
        "Ledger balance",
        compute="_compute_retail_ledger_balance",
        digits=(16, const.POINTS_DIGITS),
        help="The sum of the card's ledger entries; it always equals the "
        "card's points.",
    )
    retail_backend_id = fields.Many2one(
        "retail.backend",
        "Loyalty backend",
        compute="_compute_retail_backend_id",
        help="The loyalty engine this card's program is kept in step with.",
    )

    # === COMPUTE METHODS === #
    def _compute_retail_ledger_balance(self):
        Ledger = self.env["retail.loyalty.ledger"]
        for card in self:
            card.retail_ledger_balance = Ledger._balance(card) if card.id else 0.0

    def _compute_retail_backend_id(self):
        backends = self.env["retail.backend"]._loyalty_backends_of(self.program_id)
        for card in self:
            card.retail_backend_id = backends.get(card.program_id.id, False)

    # === CRUD: Odoo's own changes of a card go into the ledger too === #
    @api.model_create_multi
    def create(self, vals_list):
        cards = super().create(vals_list)
        cards.filtered("points")._retail_record_odoo_change(
            {card: 0.0 for card in cards}
        )
        return cards

    def write(self, vals):
        if "points" not in vals or _LEDGER_WRITING.get():
            return super().write(vals)
        before = {card: card.points for card in self}
        result = super().write(vals)
        self._retail_record_odoo_change(before)
        return result

    def _retail_record_odoo_change(self, before):
        """Record as ledger adjustments the points Odoo's own flows (the
        balance wizard, Odoo's POS or eCommerce rewards) moved on cards of a
        program kept with an engine, so that the ledger stays the card's
        whole story and the engine learns of them."""
        Ledger = self.env["retail.loyalty.ledger"]
        for card in self.filtered("retail_backend_id"):
            delta = float_round(card.points - before[card], const.POINTS_DIGITS)
            if not delta:
                continue
            # The backend as superuser: whoever may change a card's points
            # (a salesperson, a cashier) gets the entry without seeing the
            # connector's settings.
            Ledger._post(
                card.retail_backend_id.sudo(),
                card,
                "adjustment",
                delta,
                f"odoo:card:{card.id}:{uuid.uuid4().hex}",
                "odoo",
                apply_to_card=False,
                history=False,
                reason=self.env._("Changed in Odoo"),
            )

    # === BUSINESS METHODS === #
    def _retail_write_ledger_points(self, points):
        """Set the card's points to ``points``, the balance a ledger entry
        just written gives it, without recording the change a second time."""
        token = _LEDGER_WRITING.set(True)
        try:
            return self.with_context(loyalty_no_mail=True).write({"points": points})
        finally:
            _LEDGER_WRITING.reset(token)

    def _retail_lock_points(self):
        """Lock the card's row until the transaction ends and return its
        points as stored.

        Note: self.ensure_one
        """
        self.ensure_one()
        self.flush_recordset(["points"])
        self.env.cr.execute(
            "SELECT points FROM loyalty_card WHERE id = %s FOR UPDATE", (self.id,)
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _retail_card_for(self, program, partner):
        """The customer's card in ``program``, created when missing.

        Two jobs may meet a new customer at once: the creation is serialized
        on the customer, and a card another job committed meanwhile (which
        this transaction's snapshot cannot see) makes this one start over
        instead of creating a second card.
        """
        domain = [("program_id", "=", program.id), ("partner_id", "=", partner.id)]
        card = self.search(domain, order="id", limit=1)
        if card:
            return card
        self.env.cr.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)",
            (const.CARD_LOCK_NAMESPACE, partner.id),
        )
        with self.env.registry.cursor() as cr:
            cr.execute(
                "SELECT 1 FROM loyalty_card WHERE program_id = %s AND partner_id = %s",
                (program.id, partner.id),
            )
            committed = cr.fetchone()
        card = self.search(domain, order="id", limit=1)
        if card:
            return card
        if committed:
            raise psycopg2.errors.SerializationFailure(
                f"a card of program {program.id} for partner {partner.id} was "
                "created by another transaction"
            )
        return self.with_context(loyalty_no_mail=True).create(
            {"program_id": program.id, "partner_id": partner.id, "points": 0.0}
        )

    def _retail_check_ledger(self):
        """The cards whose points differ from their ledger's sum; empty when
        the invariant holds."""
        Ledger = self.env["retail.loyalty.ledger"]
        return self.filtered(
            lambda card: float_compare(
                card.points,
                Ledger._balance(card),
                precision_digits=const.POINTS_DIGITS,
            )
        )

    def action_open_retail_ledger(self):
        """Open the card's ledger entries."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_loyalty.retail_loyalty_ledger_action"
        )
        action["domain"] = [("card_id", "=", self.id)]
        action["context"] = {}
        return action
