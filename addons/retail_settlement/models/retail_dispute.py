# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from datetime import datetime

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.retail_connector_base.exceptions import RetailBusinessError

CHARGEBACK_TYPES = ("chargeback", "chargeback_reversal")
BOOKED_STATES = ("matched", "written_off")
FINANCE_GROUP = "account.group_account_invoice"


def _line_order(line):
    """Lines of a dispute in the order the money moved."""
    return (line.date or datetime.min, line.id)


class RetailDispute(models.Model):
    """A payment dispute (a chargeback) on a channel order, one per dispute
    id of its platform: *opened*, then *won* (the money comes back) or
    *lost*. What the platform says comes by its dispute webhooks; the money
    comes by its payouts, whose chargeback and reversal lines are linked to
    the dispute when matched and booked, each once, when their settlement
    is posted: the chargeback debits the backend's chargebacks account, the
    reversal of a won dispute credits it back, a lost one stays.

    Everything on a dispute is what the platform or its payouts said: users
    read it (access rights give no write), server code writes it. A finance
    user's one decision is *Mark lost*, for a provider that never says."""

    _name = "retail.dispute"
    _description = "Retail Payment Dispute"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "opened_at desc, id desc"
    # Read access is enough to discuss a dispute in its chatter: nobody
    # writes what the platform said.
    _mail_post_access = "read"

    name = fields.Char(compute="_compute_name", store=True)
    backend_id = fields.Many2one(
        "retail.backend", required=True, index=True, readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    external_id = fields.Char(
        "Dispute id",
        readonly=True,
        index=True,
        help="The platform's id of the dispute. Empty for a dispute known only "
        "from a payout line that names none, until the platform's message "
        "about it arrives.",
    )
    state = fields.Selection(
        [("opened", "Opened"), ("won", "Won"), ("lost", "Lost")],
        default="opened",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    platform_status = fields.Char(
        "Status on the platform",
        readonly=True,
        tracking=True,
        help="The dispute's status in the platform's words (needs_response, "
        "under_review, won, lost...).",
    )
    reason = fields.Char(readonly=True, help="Why the buyer disputed the payment.")
    amount = fields.Monetary("Disputed", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    opened_at = fields.Datetime("Opened on", readonly=True)
    evidence_due_by = fields.Datetime(
        "Evidence due by",
        readonly=True,
        help="The platform's deadline for the merchant's evidence.",
    )
    closed_at = fields.Datetime("Closed on", readonly=True)
    closed_by_id = fields.Many2one(
        "res.users",
        "Marked lost by",
        readonly=True,
        help="The finance user who closed the dispute as lost, for a platform "
        "that does not say.",
    )
    order_ref = fields.Char("Order reference", readonly=True, index=True)
    transaction_ref = fields.Char(
        "Disputed payment",
        readonly=True,
        index=True,
        help="The platform's id of the payment the buyer disputed.",
    )
    order_binding_id = fields.Many2one(
        "retail.order.binding", "Order binding", readonly=True
    )
    order_ref_id = fields.Reference(
        selection="_selection_order_model", string="Order", readonly=True
    )
    settlement_line_ids = fields.One2many(
        "retail.settlement.line",
        "dispute_id",
        "Settlement lines",
        readonly=True,
        help="The payout lines that withdrew or reinstated the money.",
    )
    amount_charged_back = fields.Monetary(
        "Charged back",
        compute="_compute_amounts",
        help="What the payouts took back, as booked to the chargebacks account.",
    )
    amount_reversed = fields.Monetary(
        "Reversed",
        compute="_compute_amounts",
        help="What the payouts gave back for a won dispute.",
    )

    _sql_constraints = [
        (
            "dispute_unique",
            "unique(backend_id, external_id)",
            "A dispute id is recorded once per backend.",
        ),
    ]

    @api.depends("backend_id.name", "external_id", "order_ref")
    def _compute_name(self):
        for dispute in self:
            dispute.name = (
                f"{dispute.backend_id.name} "
                f"{dispute.external_id or dispute.order_ref or '…'}"
            )

    @api.depends("settlement_line_ids.state", "settlement_line_ids.amount_gross")
    def _compute_amounts(self):
        for dispute in self:
            booked = dispute._booked_lines()
            dispute.amount_charged_back = -sum(
                booked.filtered(lambda line: line.line_type == "chargeback").mapped(
                    "amount_gross"
                )
            )
            dispute.amount_reversed = sum(
                booked.filtered(
                    lambda line: line.line_type == "chargeback_reversal"
                ).mapped("amount_gross")
            )

    def _selection_order_model(self):
        return self.env["retail.settlement.line"]._selection_order_model()

    def _booked_lines(self):
        """The dispute's lines that move money when their settlement is
        posted, in the order the money moved."""
        self.ensure_one()
        return self.settlement_line_ids.filtered(
            lambda line: line.state in BOOKED_STATES
            and line.line_type in CHARGEBACK_TYPES
            and line.settlement_id.state != "error"
        ).sorted(_line_order)

    # === FROM THE PLATFORM'S WEBHOOKS === #
    @api.model
    def _import_dispute_event(self, event):
        """Inbox handler of the dispute topics of a backend's ``disputes``
        adapter: the dispute created or brought to what the platform says.
        A dispute about an order Odoo does not have fails the event, kept
        in sight as a sync exception until the order is imported."""
        backend = event.backend_id
        adapter = backend._adapter("disputes")
        try:
            parsed = adapter.parse(json.loads(event.payload or "{}"))
        except ValueError as error:
            raise RetailBusinessError(
                self.env._("The dispute message is malformed: %(error)s", error=error),
                code="malformed_dispute",
            ) from error
        Dispute = self.sudo()
        dispute = Dispute.search(
            [("backend_id", "=", backend.id), ("external_id", "=", parsed.external_id)],
            limit=1,
        )
        order = dispute.order_ref_id if dispute else None
        binding = dispute.order_binding_id
        if not order:
            order_ref = (
                parsed.order_ref
                or self._settled_order_ref(backend, parsed.transaction_ref)
                or adapter.fetch_order_ref(parsed)
            )
            binding = self._order_binding(backend, order_ref)
            order = binding._get_record() if binding else None
            if not order:
                raise RetailBusinessError(
                    self.env._(
                        "Dispute %(dispute)s is about order %(order)s, which "
                        "%(backend)s has not imported: import the order, then "
                        "retry this message.",
                        dispute=parsed.external_id,
                        order=order_ref or parsed.transaction_ref or "?",
                        backend=backend.name,
                    ),
                    code="dispute_unknown_order",
                )
            parsed.order_ref = parsed.order_ref or order_ref
        if not dispute:
            dispute = Dispute._adoptable(backend, order, parsed.transaction_ref)
        if dispute:
            dispute._apply_platform(parsed, binding, order)
            return dispute
        return Dispute._create_dispute(
            backend,
            binding,
            order,
            dict(self._platform_values(parsed), state=parsed.state),
            self.env._("reported by %(backend)s", backend=backend.name),
        )

    @api.model
    def _settled_order_ref(self, backend, transaction_ref):
        """The order reference of the payout line that settled the disputed
        payment (the charge a Stripe dispute names), if one did."""
        if not transaction_ref:
            return ""
        line = (
            self.env["retail.settlement.line"]
            .sudo()
            .search(
                [
                    ("backend_id", "=", backend.id),
                    ("line_type", "=", "order"),
                    ("transaction_ref", "=", transaction_ref),
                    ("order_ref", "!=", False),
                ],
                limit=1,
            )
        )
        return line.order_ref or ""

    @api.model
    def _order_binding(self, backend, order_ref):
        if not order_ref:
            return self.env["retail.order.binding"]
        backends = backend.settlement_order_backend_ids or backend
        return (
            self.env["retail.order.binding"]
            .sudo()
            .search(
                [
                    ("backend_id", "in", backends.ids),
                    ("external_id", "=", str(order_ref)),
                ],
                limit=1,
            )
        )

    def _adoptable(self, backend, order, transaction_ref):
        """A dispute a payout line opened on ``order`` without naming its
        id, which the platform's first message about it then names."""
        candidates = self.search(
            [
                ("backend_id", "=", backend.id),
                ("external_id", "=", False),
                ("order_ref_id", "=", _reference(order)),
            ],
            order="id desc",
        )
        return candidates.filtered(
            lambda dispute: not (
                transaction_ref
                and dispute.transaction_ref
                and dispute.transaction_ref != transaction_ref
            )
        )[:1]

    def _platform_values(self, parsed):
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", parsed.currency)], limit=1)
        )
        if not currency:
            raise RetailBusinessError(
                self.env._(
                    "Dispute %(dispute)s is in %(currency)s, a currency Odoo "
                    "does not know.",
                    dispute=parsed.external_id,
                    currency=parsed.currency,
                ),
                code="unknown_currency",
            )
        values = {
            "external_id": parsed.external_id,
            "platform_status": parsed.status,
            "amount": float(parsed.amount),
            "currency_id": currency.id,
            "opened_at": parsed.opened_at,
            "evidence_due_by": parsed.evidence_due_by,
            "closed_at": parsed.closed_at,
            "reason": parsed.reason,
            "order_ref": parsed.order_ref,
            "transaction_ref": parsed.transaction_ref,
        }
        return {
            name: value
            for name, value in values.items()
            if value or name == "platform_status"
        }

    def _apply_platform(self, parsed, binding, order):
        """What the platform now says. A closed dispute is never reopened by
        a message: the platform's messages may arrive out of order, and a
        won or lost dispute is final on every platform."""
        self.ensure_one()
        values = self._platform_values(parsed)
        if not self.order_ref_id:
            values["order_ref_id"] = _reference(order)
            values["order_binding_id"] = binding.id
        self.write(values)
        if parsed.state != "opened" and parsed.state != self.state:
            self._set_state(
                parsed.state,
                self.env._(
                    "%(platform)s says %(status)s.",
                    platform=self.backend_id.name,
                    status=parsed.status,
                ),
            )

    # === FROM THE PAYOUTS === #
    @api.model
    def _link_settlement_lines(self, settlement, lines):
        """Link the matched chargeback and reversal lines ``lines`` of
        ``settlement`` to their disputes, opening one where none exists.
        Each dispute takes its withdrawals and reversals in turn: a line
        that repeats the one before it in time (the same payout line in a
        second file, a second withdrawal of one dispute id) is a duplicate
        to review, which posting keeps off the chargebacks account."""
        Dispute = self.sudo()
        matcher = self.env["retail.settlement.matcher"]
        for line in lines.sorted(_line_order):
            if line.state != "matched" or not line.order_ref_id:
                continue
            dispute = Dispute._for_line(settlement.backend_id, line)
            earlier = dispute._booked_lines() - line
            before = earlier.filtered(
                lambda other, line=line: _line_order(other) < _line_order(line)
            )
            replayed = earlier.filtered(
                lambda other, line=line: _same_line(other, line)
            )
            repeated = replayed[:1] or before[-1:].filtered(
                lambda other, line=line: other.line_type == line.line_type
            )
            if repeated:
                line.write(
                    {
                        "dispute_id": dispute.id,
                        **matcher._discrepancy(
                            "duplicate",
                            self.env._(
                                "Dispute %(dispute)s already has this %(type)s, "
                                "from %(other)s (line %(line)s).",
                                dispute=dispute.display_name,
                                type=line.line_type.replace("_", " "),
                                other=repeated.settlement_id.display_name,
                                line=repeated.source_row or repeated.line_key,
                            ),
                        ),
                    }
                )
                continue
            if line.dispute_id == dispute:
                continue
            line.dispute_id = dispute
            if earlier - before:
                # An older line imported late: the later ones said more.
                continue
            dispute._on_line(line, before)

    def _for_line(self, backend, line):
        """The dispute ``line`` moves money for: its own, the one of its
        dispute id, else the latest on its order (and disputed payment)
        whose last line is not of the same type, else a new one."""
        if line.dispute_id:
            return line.dispute_id
        if line.dispute_ref:
            dispute = self.search(
                [
                    ("backend_id", "=", backend.id),
                    ("external_id", "=", line.dispute_ref),
                ],
                limit=1,
            )
            return dispute or self._create_from_line(backend, line)
        candidates = self.search(
            [
                ("backend_id", "=", backend.id),
                ("order_ref_id", "=", _reference(line.order_ref_id)),
            ],
            order="id desc",
        )
        for dispute in candidates:
            if (
                line.original_transaction_ref
                and dispute.transaction_ref
                and dispute.transaction_ref != line.original_transaction_ref
            ):
                continue
            booked = dispute._booked_lines() - line
            if (
                any(_same_line(other, line) for other in booked)
                or booked[-1:].line_type != line.line_type
            ):
                return dispute
        return self._create_from_line(backend, line)

    def _create_from_line(self, backend, line):
        values = {
            "external_id": line.dispute_ref or False,
            "state": "opened",
            "amount": abs(line.amount_gross),
            "currency_id": line.currency_id.id,
            "opened_at": line.date,
            "reason": line.description or False,
            "order_ref": line.order_ref or line.order_binding_id.external_id,
            "transaction_ref": line.original_transaction_ref or False,
        }
        return self._create_dispute(
            backend,
            line.order_binding_id,
            line.order_ref_id,
            values,
            self.env._(
                "charged back by %(settlement)s",
                settlement=line.settlement_id.display_name,
            ),
        )

    def _on_line(self, line, before):
        """The state the latest money movement gives: a reversal wins the
        dispute, a withdrawal after a reversal opens it again."""
        if line.line_type == "chargeback_reversal" and self.state != "won":
            self._set_state(
                "won",
                self.env._(
                    "%(amount)s reversed by %(settlement)s.",
                    amount=_money(line.amount_gross, line.currency_id),
                    settlement=line.settlement_id.display_name,
                ),
            )
        elif (
            line.line_type == "chargeback"
            and before[-1:].line_type == "chargeback_reversal"
        ):
            self._set_state(
                "opened",
                self.env._(
                    "Charged back again by %(settlement)s.",
                    settlement=line.settlement_id.display_name,
                ),
            )

    # === STATE AND MESSAGES === #
    @api.model
    def _create_dispute(self, backend, binding, order, values, origin):
        dispute = self.create(
            dict(
                values,
                backend_id=backend.id,
                order_binding_id=binding.id,
                order_ref_id=_reference(order),
            )
        )
        dispute._announce(
            self.env._(
                "Dispute %(dispute)s on %(order)s, %(origin)s: %(amount)s "
                "disputed%(reason)s; %(state)s.",
                dispute=dispute.display_name,
                order=order.display_name,
                origin=origin,
                amount=_money(dispute.amount, dispute.currency_id),
                reason=f" ({dispute.reason})" if dispute.reason else "",
                state=dispute._state_label(),
            )
        )
        return dispute

    def _set_state(self, state, why):
        self.ensure_one()
        values = {"state": state}
        if state == "opened":
            values.update(closed_at=False, closed_by_id=False)
        elif not self.closed_at:
            values["closed_at"] = fields.Datetime.now()
        self.write(values)
        self._announce(
            self.env._(
                "Dispute %(dispute)s is %(state)s: %(why)s",
                dispute=self.display_name,
                state=self._state_label(),
                why=why,
            )
        )

    def _state_label(self):
        return dict(self._fields["state"]._description_selection(self.env))[
            self.state
        ].lower()

    def _announce(self, body):
        """Say it on the dispute and on its order, whose chatter is where
        the people who sold it look."""
        self.message_post(body=body)
        order = self.order_ref_id
        if order and hasattr(order, "message_post"):
            order.sudo().message_post(
                body=Markup("%s %s") % (self._get_html_link(), body)
            )

    # === ACTIONS === #
    def action_mark_lost(self):
        """Close an opened dispute as lost: for a provider that reports its
        chargebacks in its payouts but never says how they ended. The
        chargeback stays booked; a later reversal or platform message
        still wins it."""
        if not self.env.user.has_group(FINANCE_GROUP):
            raise AccessError(
                self.env._("Only invoicing users may close a dispute as lost.")
            )
        for dispute in self:
            if dispute.state != "opened":
                raise UserError(
                    self.env._(
                        "%(dispute)s is already %(state)s.",
                        dispute=dispute.display_name,
                        state=dispute._state_label(),
                    )
                )
            dispute = dispute.sudo()
            dispute.closed_by_id = self.env.user
            dispute._set_state(
                "lost",
                self.env._("marked lost by %(user)s.", user=self.env.user.name),
            )
        return True


def _same_line(one, other):
    """Whether two payout lines are one line of the provider's, read twice."""
    return (
        one.line_key == other.line_key and one.transaction_ref == other.transaction_ref
    )


def _reference(record):
    return f"{record._name},{record.id}" if record else False


def _money(amount, currency):
    return f"{abs(amount):.{currency.decimal_places}f} {currency.name}"
