# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import datetime, time, timezone

from odoo import Command, api, fields, models

from odoo.addons.retail_connector_base import http_client
from odoo.addons.retail_connector_base.exceptions import (
    RetailBusinessError,
    RetailTransientError,
)

from ..adapters import ADAPTERS

_logger = logging.getLogger(__name__)

# Payouts are listed again this far back from the checkpoint: a payout
# created before the last one handled may only now be paid (Stripe pays out
# in 2 to 14 days; a Shopify payout is dated when issued, paid days later),
# and payouts already imported are skipped.
FETCH_LOOKBACK_SECONDS = 14 * 86400
FETCH_INTERVAL_MINUTES = 60
AUTH_FAILURES = ("http_401", "http_403")


class RetailBackend(models.Model):
    """Where a backend's payouts are booked. Any backend can receive
    settlements: a payment provider's payouts, a marketplace's settlement
    reports, uploaded or, for API sources, fetched by the *Settlements in*
    batch flow."""

    _inherit = "retail.backend"

    settlement_ids = fields.One2many("retail.settlement", "backend_id")
    settlement_journal_id = fields.Many2one(
        "account.journal",
        "Settlement journal",
        domain="[('type', 'in', ('bank', 'general')), "
        "('company_id', 'in', [company_id, False])]",
        help="Journal of the settlement entries. Its default account is the "
        "clearing account: the payout waits there until the bank deposit.",
    )
    settlement_fee_account_id = fields.Many2one(
        "account.account",
        "Fees account",
        help="Fees without a fee mapping of their own are expensed here.",
    )
    settlement_chargeback_account_id = fields.Many2one(
        "account.account", "Chargebacks account"
    )
    settlement_reserve_account_id = fields.Many2one(
        "account.account",
        "Reserves account",
        help="Amounts the provider holds back (and later releases).",
    )
    settlement_other_account_id = fields.Many2one(
        "account.account",
        "Adjustments account",
        help="Adjustments, reimbursements and withheld taxes.",
    )
    settlement_writeoff_account_id = fields.Many2one(
        "account.account",
        "Write-off account",
        help="Small differences within the tolerance, and the ones a finance "
        "user writes off.",
    )
    settlement_tolerance = fields.Monetary(
        "Matching tolerance",
        currency_field="settlement_currency_id",
        default=0.01,
        help="A line whose amount differs from the Odoo documents by no more "
        "than this is matched; the difference goes to the write-off account.",
    )
    settlement_writeoff_limit = fields.Monetary(
        "Write-off limit",
        currency_field="settlement_currency_id",
        default=5.0,
        help="The largest difference a finance user may write off on a line.",
    )
    settlement_currency_id = fields.Many2one(related="company_id.currency_id")
    settlement_order_backend_ids = fields.Many2many(
        "retail.backend",
        "retail_backend_settlement_order_rel",
        "backend_id",
        "order_backend_id",
        "Orders from",
        help="The backends whose imported orders this backend's payouts "
        "settle (a payment provider paying for a web store's orders). Empty: "
        "this backend's own orders.",
    )
    settlement_csv_mapping = fields.Text(
        "Generic CSV mapping",
        help="JSON options of the generic CSV parser (columns, type map, "
        "delimiter, date format); see the module's CONFIGURE notes.",
    )
    settlement_fee_mapping_ids = fields.One2many(
        "retail.settlement.fee.mapping", "backend_id", "Fee accounts"
    )

    # === SCHEDULED FETCH === #
    settlement_api_source = fields.Selection(
        [(code, adapter.LABEL) for code, adapter in ADAPTERS.items()],
        "Fetch payouts from",
        tracking=True,
        help="The provider API whose paid payouts the scheduled action fetches, "
        "imports and matches, through the backend's Settlements in flow (set "
        "up in batch mode, hourly, when a source is chosen). Stripe: the "
        "secret or restricted key (read access to payouts and balance) goes in "
        "API secret. Shopify Payments: the shop's Admin API access token (read "
        "access to Shopify Payments payouts) goes in API secret, and the "
        "shop's address, https://<shop>.myshopify.com, in API base URL. "
        "Empty: payouts come by file upload only.",
    )
    settlement_fetch_since = fields.Date(
        "Fetch payouts created since",
        help="The first run fetches the payouts created from this date on; "
        "empty: the account's whole payout history.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            adapter = ADAPTERS.get(vals.get("settlement_api_source"))
            if adapter and adapter.API_URL and not vals.get("api_url"):
                vals["api_url"] = adapter.API_URL
        backends = super().create(vals_list)
        backends._ensure_settlement_flow()
        return backends

    def write(self, vals):
        result = super().write(vals)
        if vals.get("settlement_api_source"):
            for backend in self.filtered(lambda record: not record.api_url):
                api_url = ADAPTERS[backend.settlement_api_source].API_URL
                if api_url:
                    backend.api_url = api_url
            self._ensure_settlement_flow()
        return result

    @api.onchange("settlement_api_source")
    def _onchange_settlement_api_source(self):
        adapter = ADAPTERS.get(self.settlement_api_source)
        if adapter and adapter.API_URL and not self.api_url:
            self.api_url = adapter.API_URL

    def _ensure_settlement_flow(self):
        """A backend with an API source fetches in batches: give it its
        Settlements in flow when it has none (an existing one is left as
        the manager set it)."""
        for backend in self.filtered("settlement_api_source"):
            if not backend.flow_ids.filtered(lambda f: f.flow == "settlements_in"):
                backend.flow_ids = [
                    Command.create(
                        {
                            "flow": "settlements_in",
                            "mode": "batch",
                            "interval_minutes": FETCH_INTERVAL_MINUTES,
                        }
                    )
                ]

    def _run_flow(self, flow):
        # EXTENDS retail_connector_base
        if flow.flow != "settlements_in":
            return super()._run_flow(flow)
        if not self.settlement_api_source:
            raise RetailBusinessError(
                self.env._(
                    "%(backend)s has a Settlements in flow but fetches payouts "
                    "from no API: choose one under Fetch payouts from on its "
                    "Settlement tab, or switch the flow off.",
                    backend=self.name,
                ),
                code="no_settlement_source",
            )
        return self._settlement_fetch(flow)

    def _settlement_fetch(self, flow):
        """Fetch the paid payouts created since the checkpoint (less a
        look-back) that are not imported yet, oldest first and at most a
        batch of them, and import and match each like an uploaded file.
        Return the new checkpoint: the creation time (Unix seconds) of the
        last payout handled.

        Each payout is read whole before anything of it is stored. When the
        provider stops answering after some payouts were imported, those are
        kept and the run ends there; the next run continues from them.
        """
        self.ensure_one()
        adapter = ADAPTERS[self.settlement_api_source]
        request = self._settlement_requester(adapter)
        try:
            payouts = adapter.list_payouts(
                request, self._settlement_fetch_from(flow), flow.batch_size
            )
        except RetailBusinessError as error:
            raise self._settlement_refusal(adapter, error) from error
        Settlement = self.env["retail.settlement"]
        checkpoint = flow.checkpoint
        imported = Settlement.browse()
        for payout in payouts:
            if len(imported) >= max(flow.batch_size, 1):
                break  # the rest waits for the next run
            moment = adapter.payout_created(payout)
            # Shopify's ids are numbers; settlements keep them as text.
            payout_id = str(payout["id"])
            if not adapter.fetchable(payout):
                _logger.info(
                    "%s: payout %s cannot be itemised or is not paid, not fetched",
                    self.name,
                    payout_id,
                )
            elif not self._settlement_known(adapter.SOURCE, payout_id):
                try:
                    raw = adapter.payout_document(request, payout, flow.batch_size)
                except RetailTransientError as error:
                    if not imported:
                        raise
                    _logger.warning(
                        "%s: payouts fetch stopped after %s payouts: %s",
                        self.name,
                        len(imported),
                        error,
                    )
                    break
                except RetailBusinessError as error:
                    raise self._settlement_refusal(adapter, error) from error
                imported |= Settlement._import_fetched(
                    self, adapter.SOURCE, payout_id, raw
                )
            checkpoint = str(max(int(checkpoint or 0), moment))
        return checkpoint

    def _settlement_requester(self, adapter):
        """``request(path, params, links=False)``: a GET to the provider
        through the connector's client (rate limit, circuit breaker, request
        log); ``links`` as the client's."""
        secret = self._get_secret("api_secret")
        if not secret:
            raise RetailBusinessError(
                self.env._(
                    "%(backend)s has no API secret: enter the %(provider)s key to "
                    "fetch payouts with.",
                    backend=self.name,
                    provider=adapter.LABEL,
                ),
                code="no_credentials",
            )
        if not self.api_url:
            raise RetailBusinessError(
                self.env._(
                    "%(backend)s has no API base URL: enter the address of its "
                    "%(provider)s API on the Connection tab.",
                    backend=self.name,
                    provider=adapter.LABEL,
                ),
                code="no_api_url",
            )
        version = self.api_version or adapter.API_VERSION
        headers = adapter.headers(secret, version)
        prefix = adapter.API_PATH.format(version=version)

        def request(path, params, links=False):
            return http_client.request(
                self, "GET", prefix + path, params=params, headers=headers, links=links
            )

        return request

    def _settlement_fetch_from(self, flow):
        """Unix seconds the payouts are listed from, None for all."""
        starts = []
        if flow.checkpoint:
            try:
                starts.append(int(flow.checkpoint) - FETCH_LOOKBACK_SECONDS)
            except ValueError:
                raise RetailBusinessError(
                    self.env._(
                        "The checkpoint of the Settlements in flow of %(backend)s "
                        "is not a time in Unix seconds: clear it to start over.",
                        backend=self.name,
                    ),
                    code="bad_checkpoint",
                ) from None
        if self.settlement_fetch_since:
            start = datetime.combine(
                self.settlement_fetch_since, time.min, tzinfo=timezone.utc
            )
            starts.append(int(start.timestamp()))
        return max(starts) if starts else None

    def _settlement_known(self, source, payout_id):
        """Whether the payout was imported (uploaded or fetched) or already
        fetched and refused: both are left as they are."""
        return bool(
            self.env["retail.settlement"].search_count(
                [
                    ("backend_id", "=", self.id),
                    ("source", "=", source),
                    "|",
                    ("external_id", "=", payout_id),
                    (
                        "file_name",
                        "=",
                        self.env["retail.settlement"]._fetched_name(source, payout_id),
                    ),
                ],
                limit=1,
            )
        )

    def _settlement_refusal(self, adapter, error):
        """The provider's refusal in words a manager acts on."""
        if getattr(error, "code", None) in AUTH_FAILURES:
            return RetailBusinessError(
                self.env._(
                    "%(provider)s refused the API secret of %(backend)s: check the "
                    "key and its read access to payouts and balance. %(error)s",
                    provider=adapter.LABEL,
                    backend=self.name,
                    error=error,
                ),
                code="settlement_auth",
            )
        return error

    def _settlement_fetch_exception(self, error):
        """Keep a failed fetch in sight: one exception activity on the
        backend, its note updated while the failure lasts."""
        self.ensure_one()
        activity_type = self.env.ref(
            "retail_connector_base.mail_activity_type_sync_exception"
        )
        summary = self.env._(
            "%(backend)s: payouts could not be fetched", backend=self.name
        )
        note = str(error)
        open_activity = self.env["mail.activity"].search(
            [
                ("res_model", "=", self._name),
                ("res_id", "=", self.id),
                ("activity_type_id", "=", activity_type.id),
                ("summary", "=", summary),
            ],
            limit=1,
        )
        if open_activity:
            open_activity.note = note
            return open_activity
        return self.activity_schedule(
            "retail_connector_base.mail_activity_type_sync_exception",
            summary=summary,
            note=note,
            user_id=(self.user_id or self.env.user).id,
        )
