# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_round

from odoo.addons.retail_connector_base.exceptions import RetailBusinessError

from .. import const

_logger = logging.getLogger(__name__)


class RetailLoyaltyLedger(models.Model):
    """The points ledger: one row per accrual, redemption, expiry, reversal
    or adjustment of a customer's loyalty card, with its source and a
    transaction id unique per program, so that a message received twice
    never counts twice.

    Rows are never changed nor deleted (only their delivery to the engine is
    followed), and each row's points land on ``loyalty.card.points`` in the
    same transaction: the card's balance, which Odoo's POS and eCommerce
    read, is the sum of its rows.
    """

    _name = "retail.loyalty.ledger"
    _description = "Retail Loyalty Points Ledger"
    _order = "id desc"
    _rec_name = "transaction_id"

    backend_id = fields.Many2one(
        "retail.backend",
        "Loyalty backend",
        required=True,
        readonly=True,
        ondelete="restrict",
        index=True,
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    program_id = fields.Many2one(
        "loyalty.program", required=True, readonly=True, ondelete="restrict"
    )
    card_id = fields.Many2one(
        "loyalty.card", required=True, readonly=True, ondelete="restrict", index=True
    )
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True, index=True)
    kind = fields.Selection(const.LEDGER_KINDS, required=True, readonly=True)
    points = fields.Float(
        required=True,
        readonly=True,
        digits=(16, const.POINTS_DIGITS),
        help="Signed: earned points are positive, spent or taken back negative.",
    )
    transaction_id = fields.Char(
        required=True,
        readonly=True,
        help="Unique per program: a replayed message finds its row already "
        "written and changes nothing. Sent to the engine as idempotency key.",
    )
    origin = fields.Selection(const.LEDGER_ORIGINS, required=True, readonly=True)
    source_backend_id = fields.Many2one(
        "retail.backend", "Channel", readonly=True, ondelete="set null"
    )
    source_model = fields.Char(readonly=True)
    source_id = fields.Many2oneReference(
        "Source record", model_field="source_model", readonly=True
    )
    source_ref = fields.Char(
        "Source",
        readonly=True,
        help="The channel order, POS transaction or engine event, as named "
        "where it comes from.",
    )
    amount = fields.Float(
        readonly=True,
        help="What the source was worth in money (tax included): a return's "
        "share of its sale's amount gives the share of points taken back.",
    )
    reversed_entry_id = fields.Many2one(
        "retail.loyalty.ledger", "Reverses", readonly=True, ondelete="restrict"
    )
    reason = fields.Char(readonly=True)
    occurred_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    engine_state = fields.Selection(
        const.ENGINE_STATES,
        "Engine",
        required=True,
        readonly=True,
        index=True,
        help="Whether the loyalty engine has the row: rows that came from the "
        "engine, or are made to follow it, are not sent back.",
    )
    engine_reference = fields.Char(readonly=True)
    engine_error = fields.Char(readonly=True)
    engine_sent_at = fields.Datetime(readonly=True)
    engine_attempts = fields.Integer(
        readonly=True,
        help="Attempts that found the engine unavailable; once the backend's "
        "maximum is reached the entry is kept as failed.",
    )

    _sql_constraints = [
        (
            "transaction_unique",
            "unique(program_id, transaction_id)",
            "A loyalty transaction is written once per program.",
        ),
    ]

    # === APPEND-ONLY === #
    def write(self, vals):
        if set(vals) - const.ENGINE_FIELDS:
            raise UserError(
                self.env._(
                    "The points ledger is append-only: post a new entry "
                    "instead of changing %(entries)s.",
                    entries=", ".join(self.mapped("transaction_id")),
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("The points ledger is append-only."))

    # === POSTING === #
    @api.model
    def _post(
        self,
        backend,
        card,
        kind,
        points,
        transaction_id,
        origin,
        source=None,
        engine_state=None,
        apply_to_card=True,
        history=True,
        **values,
    ):
        """Write one ledger entry and move the card's points by as much, once.

        ``INSERT .. ON CONFLICT DO NOTHING`` makes a replay harmless, even
        when two workers process the same message at the same moment; the
        card's row is locked first, so a concurrent change of the same card
        makes one of them start over (``retail.event`` retries a lost race).

        :param backend: the loyalty backend whose program the card is in
        :param card: the customer's ``loyalty.card``
        :param str kind: one of ``const.LEDGER_KINDS``
        :param float points: signed points
        :param str transaction_id: unique per program
        :param str origin: one of ``const.LEDGER_ORIGINS``
        :param source: the Odoo record the entry comes from, if any
        :param str engine_state: defaults to ``pending`` for entries the
            engine has to learn, ``none`` for those coming from it
        :param bool apply_to_card: False when the card already moved (a
            change made by Odoo's own loyalty flows, recorded after the fact)
        :param bool history: whether to add a line to the card's history
        :param values: ``source_backend_id``, ``source_ref``, ``amount``,
            ``reversed_entry_id``, ``reason``, ``occurred_at``
        :return: the entry and whether it is new
        :rtype: tuple
        """
        points = float_round(points, precision_digits=const.POINTS_DIGITS)
        if engine_state is None:
            engine_state = "pending" if origin != "engine" else "none"
        if not points:
            # Kept for idempotence (a return whose share rounds to nothing)
            # but nothing for the engine to learn.
            engine_state = "none"
        if apply_to_card:
            # Taken before the insert: a replay waits for the first
            # processing to end, then finds its row.
            balance = card._retail_lock_points()
        self.env.cr.execute(
            """
            INSERT INTO retail_loyalty_ledger (
                backend_id, company_id, program_id, card_id, partner_id, kind,
                points, transaction_id, origin, source_backend_id, source_model,
                source_id, source_ref, amount, reversed_entry_id, reason,
                occurred_at, engine_state,
                create_uid, create_date, write_uid, write_date
            )
            VALUES (%(backend)s, %(company)s, %(program)s, %(card)s, %(partner)s,
                    %(kind)s, %(points)s, %(transaction)s, %(origin)s,
                    %(source_backend)s, %(source_model)s, %(source_id)s,
                    %(source_ref)s, %(amount)s, %(reversed)s, %(reason)s,
                    COALESCE(%(occurred)s, now() at time zone 'UTC'), %(engine)s,
                    %(uid)s, now() at time zone 'UTC', %(uid)s,
                    now() at time zone 'UTC')
            ON CONFLICT (program_id, transaction_id) DO NOTHING
            RETURNING id
            """,
            {
                "backend": backend.id,
                "company": backend.company_id.id,
                "program": card.program_id.id,
                "card": card.id,
                "partner": card.partner_id.id or None,
                "kind": kind,
                "points": points,
                "transaction": transaction_id,
                "origin": origin,
                "source_backend": values.get("source_backend_id"),
                "source_model": source._name if source else None,
                "source_id": source.id if source else None,
                "source_ref": values.get("source_ref")
                or (source.display_name if source else None),
                "amount": values.get("amount") or 0.0,
                "reversed": values.get("reversed_entry_id"),
                "reason": values.get("reason"),
                "occurred": values.get("occurred_at"),
                "engine": engine_state,
                "uid": self.env.uid,
            },
        )
        row = self.env.cr.fetchone()
        if not row:
            return self.search([("transaction_id", "=", transaction_id)]).filtered(
                lambda entry: entry.program_id == card.program_id
            ), False
        entry = self.browse(row[0])
        if apply_to_card and points:
            card._retail_write_ledger_points(
                float_round(balance + points, const.POINTS_DIGITS)
            )
        if history and points:
            self.env["loyalty.history"].sudo().create(entry._prepare_history_vals())
        if engine_state == "pending":
            self.env["retail.loyalty.push"]._enqueue(backend)
        _logger.info(
            "Loyalty ledger %s: %s %s points on card %s",
            transaction_id,
            kind,
            points,
            card.id,
        )
        return entry, True

    def _prepare_history_vals(self):
        """The card history line Odoo's own screens show for the entry."""
        self.ensure_one()
        kinds = dict(const.LEDGER_KINDS)
        vals = {
            "card_id": self.card_id.id,
            "description": self.env._(
                "%(kind)s: %(origin)s",
                kind=kinds[self.kind],
                origin=self.source_ref or self.reason or self.transaction_id,
            ),
            "issued": max(self.points, 0.0),
            "used": max(-self.points, 0.0),
        }
        if self.source_model in ("sale.order", "pos.order"):
            vals.update(order_model=self.source_model, order_id=self.source_id)
        return vals

    # === LOOKUPS === #
    @api.model
    def _entry(self, program, transaction_id):
        """The entry of ``transaction_id`` in ``program``, if written."""
        return self.search(
            [("program_id", "=", program.id), ("transaction_id", "=", transaction_id)],
            limit=1,
        )

    @api.model
    def _balance(self, card):
        """The ledger's sum for ``card``."""
        self.flush_model(["card_id", "points"])
        self.env.cr.execute(
            "SELECT COALESCE(SUM(points), 0) FROM retail_loyalty_ledger "
            "WHERE card_id = %s",
            (card.id,),
        )
        return float_round(self.env.cr.fetchone()[0], const.POINTS_DIGITS)

    # === REDEMPTION === #
    @api.model
    def _redeem(self, backend, partner, points, transaction_id, **values):
        """Spend ``points`` of ``partner``'s card, once per transaction id.

        :raise RetailBusinessError: when the balance is short, saying by how
            much; nothing is written then
        :return: the ledger entry
        """
        if float_compare(points, 0, precision_digits=const.POINTS_DIGITS) <= 0:
            raise RetailBusinessError(
                self.env._(
                    "Redemption %(ref)s asks for %(points)s points: only a "
                    "positive number of points can be redeemed.",
                    ref=transaction_id,
                    points=points,
                ),
                code="invalid_redemption",
            )
        program = backend.loyalty_program_id
        done = self._entry(program, transaction_id)
        if done:
            return done
        card = self.env["loyalty.card"]._retail_card_for(program, partner)
        available = card._retail_lock_points()
        if float_compare(available, points, precision_digits=const.POINTS_DIGITS) < 0:
            raise RetailBusinessError(
                self.env._(
                    "Redemption %(ref)s refused: %(customer)s has %(available)s "
                    "points on %(program)s and asks for %(points)s "
                    "(%(missing)s short).",
                    ref=values.get("source_ref") or transaction_id,
                    customer=partner.display_name,
                    available=float_round(available, const.POINTS_DIGITS),
                    program=program.name,
                    points=points,
                    missing=float_round(points - available, const.POINTS_DIGITS),
                ),
                code="insufficient_points",
            )
        entry, _created = self._post(
            backend, card, "redemption", -points, transaction_id, "channel", **values
        )
        return entry
