# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import SUPERUSER_ID, Command, api, fields, models

from odoo.addons.retail_connector_base.exceptions import RetailBusinessError


class RetailBackend(models.Model):
    """A loyalty engine's settings, and the entry points (jobs, buttons,
    the batch flow) of the flows the ``retail.loyalty.*`` services run;
    the engine's own calls are its platform's ``loyalty`` adapter's."""

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

    def _loyalty_partner(self, customer_ref):
        """The customer this backend (a channel, or the engine) calls
        ``customer_ref``.

        Note: self.ensure_one

        :raise RetailBusinessError: when no partner binding says so
        """
        self.ensure_one()
        partner = self.env["retail.partner.binding"]._to_internal(self, customer_ref)
        if not partner:
            raise RetailBusinessError(
                self.env._(
                    "%(backend)s names customer '%(ref)s', whom no contact is "
                    "bound to on that backend. Bind the contact (Channel "
                    "identities on the contact) and retry.",
                    backend=self.name,
                    ref=customer_ref,
                ),
                code="unknown_customer",
            )
        return partner

    # === DISPATCH: the services hold the flows === #
    def _loyalty_push(self):
        """Job: send the entries the engine does not have yet (see
        ``retail.loyalty.push``).

        Note: self.ensure_one
        """
        self.ensure_one()
        return self.env["retail.loyalty.push"]._push(self)

    def action_loyalty_resend_failed(self):
        """Send the failed entries again, once their cause is fixed."""
        for backend in self:
            self.env["retail.loyalty.push"]._resend_failed(backend)
        return True

    def _run_flow(self, flow):
        # EXTENDS retail_connector_base: the batch run of the Loyalty balances
        # flow sends what waits.
        if self.kind == "loyalty" and flow.flow == "loyalty_sync":
            self._loyalty_push()
            return fields.Datetime.to_string(fields.Datetime.now())
        return super()._run_flow(flow)

    @api.model
    def _cron_loyalty_reconcile(self):
        """Scheduled action (nightly): enqueue the reconciliation of every
        loyalty backend."""
        for backend in self.search(
            [("kind", "=", "loyalty"), ("loyalty_program_id", "!=", False)]
        ):
            backend.with_user(SUPERUSER_ID).with_company(backend.company_id).with_delay(
                **backend._job_route("_loyalty_reconcile"),
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

    def _loyalty_reconcile(self):
        """Job: compare balances and record the drifts (see
        ``retail.loyalty.reconciliation``).

        Note: self.ensure_one
        """
        self.ensure_one()
        return self.env["retail.loyalty.reconciliation"]._reconcile(self)
