# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import random
from datetime import timedelta

import requests

from odoo import SUPERUSER_ID, Command, api, fields, models
from odoo.tools import float_compare, float_round

from odoo.addons.retail_connector_base import jobs
from odoo.addons.retail_connector_base.adapters.common import (
    load_json_object,
)
from odoo.addons.retail_connector_base.exceptions import (
    RetailBusinessError,
    RetailTransientError,
)

from .. import channel_sales, const
from ..adapters.common import PointsPush

_logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (RetailTransientError, requests.ConnectionError, requests.Timeout)
# How far back the reconciliation looks for returns whose sale was booked
# after them by a concurrent job, beyond its previous run.
CATCH_UP_MARGIN = timedelta(days=2)


class RetailBackend(models.Model):
    _inherit = "retail.backend"

    platform = fields.Selection(
        selection_add=[("talon_one", "Talon.One")],
        ondelete={"talon_one": "set default"},
    )
    loyalty_program_id = fields.Many2one(
        "loyalty.program",
        "Loyalty program",
        domain="[('program_type', '=', 'loyalty'), "
        "('company_id', 'in', [company_id, False])]",
        tracking=True,
        help="The Odoo program whose cards hold the points this engine "
        "keeps: Odoo's POS and eCommerce read the same balances.",
    )
    loyalty_engine_program = fields.Char(
        "Engine program id",
        tracking=True,
        help="The program's id at the engine (Talon.One's loyaltyProgramId).",
    )
    loyalty_balance_owner = fields.Selection(
        [("engine", "Loyalty engine"), ("odoo", "Odoo")],
        "Balances owned by",
        default="engine",
        required=True,
        tracking=True,
        help="The source of truth for balances: when the nightly "
        "reconciliation finds a balance that differs, the other side is the "
        "one corrected.",
    )
    loyalty_reconcile_mode = fields.Selection(
        [("report", "Report only"), ("correct", "Report and correct")],
        "On drift",
        default="report",
        required=True,
        tracking=True,
        help="Report only: a person reads the drift report and decides. "
        "Correct: the side that does not own balances is brought in line.",
    )
    loyalty_push_mode = fields.Selection(
        [("realtime", "Real time"), ("batch", "Batch"), ("off", "Off")],
        "Send points",
        compute="_compute_loyalty_push_mode",
        inverse="_inverse_loyalty_push_mode",
        help="When points earned and spent through Odoo reach the engine: "
        "at once (a job per burst), in batches of the Loyalty balances flow, "
        "or not at all. It is the Loyalty balances flow's mode.",
    )
    loyalty_last_reconciled_at = fields.Datetime("Last reconciliation", readonly=True)
    loyalty_waiting_count = fields.Integer(
        "Points to send", compute="_compute_loyalty_counts"
    )
    loyalty_drift_count = fields.Integer(
        "Open drifts", compute="_compute_loyalty_counts"
    )

    # === COMPUTE METHODS === #
    def _compute_loyalty_push_mode(self):
        for backend in self:
            backend.loyalty_push_mode = backend._get_flow_mode("loyalty_sync")

    def _inverse_loyalty_push_mode(self):
        for backend in self:
            flow = backend.flow_ids.filtered(
                lambda record: record.flow == "loyalty_sync"
            )
            if flow:
                flow.mode = backend.loyalty_push_mode
            elif backend.loyalty_push_mode:
                backend.flow_ids = [
                    Command.create(
                        {"flow": "loyalty_sync", "mode": backend.loyalty_push_mode}
                    )
                ]

    def _compute_loyalty_counts(self):
        Ledger = self.env["retail.loyalty.ledger"]
        Drift = self.env["retail.loyalty.drift"]
        for backend in self:
            backend.loyalty_waiting_count = Ledger.search_count(
                [
                    ("backend_id", "=", backend.id),
                    ("engine_state", "in", ["pending", "failed"]),
                ]
            )
            backend.loyalty_drift_count = Drift.search_count(
                [("backend_id", "=", backend.id), ("state", "=", "open")]
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # A new engine receives points in real time unless told otherwise.
            if vals.get("kind", self.env.context.get("default_kind")) == "loyalty":
                vals.setdefault(
                    "flow_ids",
                    [Command.create({"flow": "loyalty_sync", "mode": "realtime"})],
                )
        return super().create(vals_list)

    # === LOOKUPS === #
    @api.model
    def _loyalty_backends_of(self, programs):
        """The active loyalty backend of each program, by program id."""
        # Read as superuser: a loyalty user sees cards, not backends' settings.
        backends = self.sudo().search(
            [("kind", "=", "loyalty"), ("loyalty_program_id", "in", programs.ids)]
        )
        found = {}
        for backend in backends:
            found.setdefault(backend.loyalty_program_id.id, backend)
        return found

    @api.model
    def _loyalty_backends_for_company(self, company):
        """The active loyalty backends of ``company`` that have a program."""
        return self.search(
            [
                ("kind", "=", "loyalty"),
                ("loyalty_program_id", "!=", False),
                ("company_id", "=", company.id),
            ]
        )

    def _loyalty_member_id(self, partner):
        """The customer's id at the engine: their partner binding on this
        backend, made on first use with Odoo's id (stable, and not
        editable by the customer, as Talon.One asks of an integration id).

        Note: self.ensure_one
        """
        self.ensure_one()
        Binding = self.env["retail.partner.binding"]
        binding = Binding.search(
            [("backend_id", "=", self.id), ("odoo_id", "=", partner.id)], limit=1
        )
        if not binding:
            binding = Binding.create(
                {
                    "backend_id": self.id,
                    "odoo_id": partner.id,
                    "external_id": str(partner.id),
                }
            )
        return binding.external_id

    def _loyalty_partner(self, backend, customer_ref):
        """The customer ``backend`` calls ``customer_ref``.

        :raise RetailBusinessError: when no partner binding says so
        """
        partner = self.env["retail.partner.binding"]._to_internal(backend, customer_ref)
        if not partner:
            raise RetailBusinessError(
                self.env._(
                    "%(backend)s names customer '%(ref)s', whom no contact is "
                    "bound to on that backend. Bind the contact (Channel "
                    "identities on the contact) and retry.",
                    backend=backend.name,
                    ref=customer_ref,
                ),
                code="unknown_customer",
            )
        return partner

    # === PROGRAM RULES === #
    def _loyalty_points_for(self, sale):
        """The points ``sale`` (a ``channel_sales.ChannelSale``) earns by the
        program's rules, as Odoo's own loyalty flows count them: per order,
        per currency unit spent or per unit bought, on the rule's products,
        above the rule's minimum quantity and amount.

        Note: self.ensure_one
        """
        self.ensure_one()
        points = 0.0
        for rule in self.loyalty_program_id.rule_ids.filtered(
            lambda record: record.active and record.mode == "auto"
        ):
            domain = rule._get_valid_product_domain()
            lines = [
                line
                for line in sale.lines
                if not domain or line.product.filtered_domain(domain)
            ]
            quantity = sum(line.quantity for line in lines)
            amount_incl = sum(line.amount_incl for line in lines)
            minimum = (
                amount_incl
                if rule.minimum_amount_tax_mode == "incl"
                else sum(line.amount_excl for line in lines)
            )
            if not lines or quantity < rule.minimum_qty:
                continue
            if float_compare(minimum, rule.minimum_amount, precision_digits=2) < 0:
                continue
            if rule.reward_point_mode == "order":
                points += rule.reward_point_amount
            elif rule.reward_point_mode == "money":
                points += rule.reward_point_amount * amount_incl
            elif rule.reward_point_mode == "unit":
                points += rule.reward_point_amount * quantity
        return float_round(points, const.POINTS_DIGITS)

    # === CHANNEL SALES AND RETURNS === #
    @api.model
    def _loyalty_on_channel_records(self, records):
        """Earn or take back the points of what a channel's inbox handler
        booked: confirmed orders and POS sales earn, returns and credit notes
        take back their share, a cancelled order takes back what is left."""
        for sale in channel_sales.read(records):
            company = sale.record.company_id
            for backend in self._loyalty_backends_for_company(company):
                backend._loyalty_apply_sale(sale)

    def _loyalty_apply_sale(self, sale):
        self.ensure_one()
        if sale.cancelled:
            self._loyalty_cancel(sale)
        elif sale.is_return:
            self._loyalty_reverse(sale)
        else:
            self._loyalty_accrue(sale)
            for late in channel_sales.read(channel_sales.returns_of(sale)):
                self._loyalty_reverse(late)

    def _loyalty_entry(self, transaction_id):
        return self.env["retail.loyalty.ledger"].search(
            [
                ("program_id", "=", self.loyalty_program_id.id),
                ("transaction_id", "=", transaction_id),
            ],
            limit=1,
        )

    def _loyalty_source_values(self, sale):
        return {
            "source_backend_id": sale.channel.id if sale.channel else None,
            "amount": sale.amount,
        }

    def _loyalty_accrue(self, sale):
        points = self._loyalty_points_for(sale)
        if float_compare(points, 0, precision_digits=const.POINTS_DIGITS) <= 0:
            return
        card = self.env["loyalty.card"]._retail_card_for(
            self.loyalty_program_id, sale.partner
        )
        self.env["retail.loyalty.ledger"]._post(
            self,
            card,
            "accrual",
            points,
            f"{sale.reference}:earn",
            "channel",
            source=sale.record,
            **self._loyalty_source_values(sale),
        )

    def _loyalty_reverse(self, sale):
        """Take back the points of a return: its share of its sale's amount
        of what the sale earned. Shares are counted on the amount returned
        so far, so that returning a sale in several parts takes back exactly
        what it earned. A return booked before its sale takes back nothing
        now: the sale's accrual does it. A return that names no sale takes
        back what its goods would earn."""
        transaction_id = f"{sale.reference}:reverse"
        if self._loyalty_entry(transaction_id):
            return
        Ledger = self.env["retail.loyalty.ledger"]
        values = self._loyalty_source_values(sale)
        if sale.awaits_original:
            return
        if sale.original is None:
            points = self._loyalty_points_for(sale)
            if points:
                card = self.env["loyalty.card"]._retail_card_for(
                    self.loyalty_program_id, sale.partner
                )
                Ledger._post(
                    self,
                    card,
                    "reversal",
                    -points,
                    transaction_id,
                    "channel",
                    source=sale.record,
                    **values,
                )
            return
        earned = self._loyalty_entry(f"{channel_sales.reference(sale.original)}:earn")
        if not earned:
            self._loyalty_reverse_odoo_points(sale, transaction_id, values)
            return
        previous = Ledger.search([("reversed_entry_id", "=", earned.id)])
        returned = sum(previous.mapped("amount")) + sale.amount
        share = min(1.0, returned / earned.amount) if earned.amount else 1.0
        target = float_round(earned.points * share, const.POINTS_DIGITS)
        points = target + sum(previous.mapped("points"))
        Ledger._post(
            self,
            earned.card_id,
            "reversal",
            -max(points, 0.0),
            transaction_id,
            "channel",
            source=sale.record,
            reversed_entry_id=earned.id,
            **values,
        )

    def _loyalty_reverse_odoo_points(self, sale, transaction_id, values):
        """A credit note of an order whose points Odoo's ``sale_loyalty``
        gave at confirmation (it takes them back on cancellation only):
        take back the credit note's share of the order's total from each
        card it credited."""
        order = sale.original
        given = channel_sales.odoo_points(order, self.loyalty_program_id)
        if not given or not order.amount_total:
            return
        share = min(1.0, sale.amount / order.amount_total)
        Ledger = self.env["retail.loyalty.ledger"]
        for card, points in given.items():
            Ledger._post(
                self,
                card,
                "reversal",
                -float_round(points * share, const.POINTS_DIGITS),
                transaction_id if len(given) == 1 else f"{transaction_id}:{card.id}",
                "channel",
                source=sale.record,
                reason=self.env._(
                    "Refund of %(order)s (points given by Odoo at confirmation)",
                    order=order.name,
                ),
                **values,
            )

    def _loyalty_cancel(self, sale):
        earned = self._loyalty_entry(f"{sale.reference}:earn")
        if not earned:
            return
        self.env["retail.loyalty.ledger"]._post(
            self,
            earned.card_id,
            "reversal",
            -max(earned._remaining(), 0.0),
            f"{sale.reference}:cancel",
            "channel",
            source=sale.record,
            reversed_entry_id=earned.id,
            reason=self.env._("Order cancelled"),
        )

    # === ENGINE: INBOUND === #
    def _loyalty_parse_changes(self, event):
        """The engine changes an inbox event tells.

        :raise RetailBusinessError: when the payload is not what the
            platform sends
        """
        self.ensure_one()
        payload = load_json_object(event.payload)
        try:
            return self._adapter("loyalty").parse_changes(payload, event.dedupe_key)
        except ValueError as error:
            raise RetailBusinessError(
                self.env._("Invalid engine event: %(reason)s", reason=error),
                code="invalid_engine_event",
            ) from error

    def _loyalty_apply_engine_changes(self, event):
        """Event handler: record the balance changes made in the engine (a
        bonus, a correction, an expiry) on the customers' cards, once each.
        The echo of a push of ours is recognized by its idempotency key and
        changes nothing."""
        self.ensure_one()
        Ledger = self.env["retail.loyalty.ledger"]
        cards = self.env["loyalty.card"]
        for change in self._loyalty_parse_changes(event):
            if change.idempotency_key and self._loyalty_entry(change.idempotency_key):
                continue
            partner = self._loyalty_partner(self, change.member_id)
            card = self.env["loyalty.card"]._retail_card_for(
                self.loyalty_program_id, partner
            )
            Ledger._post(
                self,
                card,
                change.kind,
                change.points,
                f"engine:{change.external_id}",
                "engine",
                source_ref=self.env._(
                    "%(backend)s event %(id)s", backend=self.name, id=change.external_id
                ),
                reason=change.reason,
            )
            cards |= card
        return cards[-1:] if cards else None

    # === ENGINE: OUTBOUND === #
    def _loyalty_enqueue_push(self, eta=None):
        """Enqueue the job that sends the waiting entries, when points go to
        the engine in real time; a burst of entries gives one job."""
        self.ensure_one()
        if not eta and self.loyalty_push_mode != "realtime":
            return
        if eta:
            self.with_user(SUPERUSER_ID).with_company(self.company_id).with_delay(
                channel=self._get_queue_channel(),
                eta=eta,
                description=self._loyalty_push_description(),
            )._loyalty_push()
        else:
            self._loyalty_push_now()

    def _loyalty_push_description(self):
        return self.env._("Send loyalty points to %(name)s", name=self.name)

    def _loyalty_lock_waiting(self):
        self.env["retail.loyalty.ledger"].flush_model(["backend_id", "engine_state"])
        self.env.cr.execute(
            """
            SELECT id FROM retail_loyalty_ledger
             WHERE backend_id = %s AND engine_state = 'pending'
             ORDER BY id
             LIMIT %s
               FOR UPDATE SKIP LOCKED
            """,
            (self.id, const.PUSH_BATCH),
        )
        return self.env["retail.loyalty.ledger"].browse(
            [row[0] for row in self.env.cr.fetchall()]
        )

    def _loyalty_push(self):
        """Job: send the entries the engine does not have yet, oldest first,
        each with its transaction id as idempotency key, so that an entry
        sent twice (a job retried after a lost answer) counts once.

        A refused entry is kept as failed with the engine's reason and an
        activity; a platform that does not answer stops the run, which
        resumes later where it stopped.
        """
        self.ensure_one()
        entries = self._loyalty_lock_waiting()
        engine = self._adapter("loyalty") if entries else None
        failed = entries.browse()
        sent = 0
        for entry in entries:
            push = PointsPush(
                idempotency_key=entry.transaction_id,
                member_id=self._loyalty_member_id(entry.partner_id),
                kind=entry.kind,
                points=entry.points,
                reason=entry.reason or entry.source_ref or "",
            )
            try:
                reference = engine.push(push, retrying=bool(entry.engine_error))
            except RetailBusinessError as error:
                entry.write({"engine_state": "failed", "engine_error": str(error)})
                failed |= entry
                continue
            except TRANSIENT_ERRORS as error:
                entry.engine_error = str(error)[:500]
                delay = max(
                    self.retry_delay * random.uniform(0.8, 1.2),
                    getattr(error, "retry_after", None) or 0,
                )
                self._loyalty_enqueue_push(
                    eta=fields.Datetime.now() + timedelta(seconds=delay)
                )
                return f"{sent} entries sent; the engine is unavailable: {error}"
            entry.write(
                {
                    "engine_state": "sent",
                    "engine_reference": reference,
                    "engine_sent_at": fields.Datetime.now(),
                    "engine_error": False,
                }
            )
            sent += 1
        if failed:
            self._loyalty_raise_activity(failed)
        if len(entries) == const.PUSH_BATCH:
            self._loyalty_enqueue_push()
        return f"{sent} entries sent, {len(failed)} refused"

    def _loyalty_raise_activity(self, failed):
        self.activity_schedule(
            "retail_connector_base.mail_activity_type_sync_exception",
            summary=self.env._(
                "%(backend)s refused %(count)s loyalty transactions",
                backend=self.name,
                count=len(failed),
            ),
            note="\n".join(
                f"{entry.transaction_id}: {entry.engine_error}" for entry in failed
            ),
            user_id=(self.user_id or self.env.user).id,
        )

    def action_loyalty_resend_failed(self):
        """Send the refused entries again, once their cause is fixed."""
        for backend in self:
            failed = self.env["retail.loyalty.ledger"].search(
                [("backend_id", "=", backend.id), ("engine_state", "=", "failed")]
            )
            failed.write({"engine_state": "pending"})
            backend._loyalty_push_now()
        return True

    def _loyalty_push_now(self):
        self.ensure_one()
        jobs.delay_drain(
            self.with_user(SUPERUSER_ID).with_company(self.company_id),
            "_loyalty_push",
            f"retail_loyalty_push_{self.id}",
            channel=self._get_queue_channel(),
            description=self._loyalty_push_description(),
        )

    def _run_flow(self, flow):
        # EXTENDS retail_connector_base: the batch run of the Loyalty balances
        # flow sends what waits.
        if self.kind == "loyalty" and flow.flow == "loyalty_sync":
            self._loyalty_push()
            return fields.Datetime.to_string(fields.Datetime.now())
        return super()._run_flow(flow)

    # === RECONCILIATION === #
    @api.model
    def _cron_loyalty_reconcile(self):
        """Scheduled action (nightly): enqueue the reconciliation of every
        loyalty backend."""
        for backend in self.search(
            [("kind", "=", "loyalty"), ("loyalty_program_id", "!=", False)]
        ):
            backend.with_user(SUPERUSER_ID).with_company(backend.company_id).with_delay(
                channel=backend._get_queue_channel(),
                identity_key=f"retail_loyalty_reconcile_{backend.id}",
                description=self.env._(
                    "Reconcile loyalty balances of %(name)s", name=backend.name
                ),
            )._loyalty_reconcile()

    def action_loyalty_reconcile(self):
        """Reconcile now, as the nightly scheduled action does."""
        for backend in self:
            backend._loyalty_reconcile()
        return self.env["ir.actions.act_window"]._for_xml_id(
            "retail_loyalty.retail_loyalty_drift_action"
        )

    def _loyalty_catch_up_returns(self, since):
        """Take back the points of returns booked, since ``since``, by a job
        running at the same moment as the one booking their sale: neither
        saw the other. Each return is taken back once whatever finds it."""
        if "pos.order" not in self.env:
            return
        returns = self.env["pos.order"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("amount_total", "<", 0),
                ("partner_id", "!=", False),
                ("create_date", ">=", since),
            ]
        )
        for sale in channel_sales.read(returns):
            self._loyalty_reverse(sale)

    def _loyalty_reconcile(self):
        """Job: compare each card's points with its ledger and with the
        engine's balance, and record every difference in the drift report;
        in correcting mode, bring the side that does not own balances in
        line. Customers with points still on their way to the engine are
        left for the next run."""
        self.ensure_one()
        now = fields.Datetime.now()
        self._loyalty_catch_up_returns(
            (self.loyalty_last_reconciled_at or now - timedelta(days=30))
            - CATCH_UP_MARGIN
        )
        self._loyalty_push()
        Ledger = self.env["retail.loyalty.ledger"]
        Drift = self.env["retail.loyalty.drift"]
        cards = self.env["loyalty.card"].search(
            [
                ("program_id", "=", self.loyalty_program_id.id),
                ("partner_id", "!=", False),
            ]
        )
        waiting = Ledger.search(
            [
                ("backend_id", "=", self.id),
                ("engine_state", "in", ["pending", "failed"]),
            ]
        ).partner_id
        Binding = self.env["retail.partner.binding"]
        members = {
            binding.odoo_id.id: binding.external_id
            for binding in Binding.search(
                [("backend_id", "=", self.id), ("odoo_id", "in", cards.partner_id.ids)]
            )
        }
        engine = self._adapter("loyalty").balances(list(members.values()))
        drifts = Drift.browse()
        for card in cards:
            ledger = Ledger._balance(card)
            if float_compare(card.points, ledger, precision_digits=2):
                drifts |= Drift._record(self, card, "ledger", card.points, ledger, now)
            member = members.get(card.partner_id.id)
            if card.partner_id in waiting or (member is None and not card.points):
                continue
            engine_points = engine.get(member, 0.0)
            if float_compare(card.points, engine_points, precision_digits=2):
                drifts |= Drift._record(
                    self, card, "engine", card.points, engine_points, now, member
                )
        self.loyalty_last_reconciled_at = now
        if self.loyalty_reconcile_mode == "correct":
            drifts._correct()
        return f"{len(cards)} cards compared, {len(drifts)} drifts"
