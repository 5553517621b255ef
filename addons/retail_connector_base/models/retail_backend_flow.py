# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models

from ..exceptions import RetailBusinessError

FLOW_LOCK_NAMESPACE = 727301  # first key of pg_try_advisory_xact_lock for flows


class RetailBackendFlow(models.Model):
    """How one flow of a backend runs: in real time (webhooks, on change), in
    batches from the scheduled action, or not at all.

    A batch flow keeps its checkpoint (a cursor or an updated-since date) so
    each run continues where the last one stopped, and never runs twice at
    once for the same backend (a PostgreSQL advisory lock).
    """

    _name = "retail.backend.flow"
    _description = "Retail Backend Flow"
    _order = "backend_id, flow"

    backend_id = fields.Many2one("retail.backend", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    flow = fields.Selection(
        [
            ("orders_in", "Orders in"),
            ("stock_out", "Stock out"),
            ("prices_out", "Prices out"),
            ("catalog_out", "Catalog out"),
            ("fulfilment_out", "Fulfilment out"),
            ("transactions_in", "POS transactions in"),
            ("loyalty_sync", "Loyalty balances"),
            ("settlements_in", "Settlements in"),
        ],
        required=True,
    )
    mode = fields.Selection(
        [("realtime", "Real time"), ("batch", "Batch"), ("off", "Off")],
        default="realtime",
        required=True,
    )
    interval_minutes = fields.Integer(
        "Every (minutes)", default=15, help="How often a batch flow runs."
    )
    batch_size = fields.Integer(
        default=100, help="Records handled per call to the platform."
    )
    checkpoint = fields.Char(
        help="Where the next batch run starts: the platform's cursor or the "
        "last change date seen. Clear it to start over from the beginning."
    )
    last_run_at = fields.Datetime(readonly=True)
    last_success_at = fields.Datetime(readonly=True)
    last_error = fields.Char(readonly=True)

    _sql_constraints = [
        (
            "flow_unique",
            "unique(backend_id, flow)",
            "Each flow is set once per backend.",
        ),
    ]

    def _is_due(self, now):
        self.ensure_one()
        return (
            not self.last_run_at
            or self.last_run_at + timedelta(minutes=self.interval_minutes) <= now
        )

    @api.model
    def _cron_run_batch_flows(self):
        """Scheduled action: enqueue every batch flow that is due."""
        now = fields.Datetime.now()
        flows = self.search([("mode", "=", "batch"), ("backend_id.active", "=", True)])
        for flow in flows.filtered(lambda flow: flow._is_due(now)):
            flow.last_run_at = now
            flow.with_company(flow.company_id).with_delay(
                **flow.backend_id._job_route(flow.flow),
                identity_key=f"retail_flow_{flow.id}",
                description=self.env._(
                    "%(flow)s for %(backend)s",
                    flow=dict(self._fields["flow"].selection)[flow.flow],
                    backend=flow.backend_id.name,
                ),
            )._run()

    def _run(self):
        """Job: run one batch of the flow, unless a run is already going on."""
        self.ensure_one()
        self.env.cr.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", (FLOW_LOCK_NAMESPACE, self.id)
        )
        if not self.env.cr.fetchone()[0]:
            return "another run of this flow is in progress"
        try:
            with self.env.cr.savepoint():
                checkpoint = self.backend_id._run_flow(self)
        except RetailBusinessError as error:
            self.last_error = str(error)
            raise
        self.write(
            {
                "checkpoint": checkpoint or self.checkpoint,
                "last_success_at": fields.Datetime.now(),
                "last_error": False,
            }
        )
        return f"checkpoint {self.checkpoint}"
