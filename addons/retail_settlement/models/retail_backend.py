# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, api, fields, models

from odoo.addons.retail_connector_base.exceptions import RetailBusinessError

FETCH_INTERVAL_MINUTES = 60


class RetailBackend(models.Model):
    """Where a backend's payouts are booked. Any backend can receive
    settlements: a payment provider's payouts, a marketplace's settlement
    reports, uploaded or, for platforms with a ``payouts`` adapter, fetched
    by the *Settlements in* batch flow (``retail.settlement.fetch``)."""

    _inherit = "retail.backend"

    # Stripe is a platform of its own; Shopify Payments pays out a Shopify
    # shop's sales, so its payouts are a capability of the shop's backend.
    # The marketplace module adds "shopify" too: this module installs
    # without it, and Odoo merges a value two modules add.
    platform = fields.Selection(
        selection_add=[("shopify", "Shopify"), ("stripe", "Stripe")],
        ondelete={"shopify": "set default", "stripe": "set default"},
    )

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
    settlement_can_fetch = fields.Boolean(
        compute="_compute_settlement_can_fetch",
        help="Whether an installed module fetches the payouts of the backend's "
        "platform.",
    )
    settlement_fetch = fields.Boolean(
        "Fetch payouts",
        tracking=True,
        help="The scheduled action fetches the platform's paid payouts, "
        "imports and matches them, through the backend's Settlements in flow "
        "(set up in batch mode, hourly, when this is switched on). The "
        "credentials, address and API version are the Connection tab's: for "
        "Stripe, the secret or restricted key (read access to payouts and "
        "balance) in API secret; for Shopify, the shop's Admin API access "
        "token (read access to Shopify Payments payouts) in Access token and "
        "its https://<shop>.myshopify.com in API base URL. Off: payouts come "
        "by file upload only.",
    )
    settlement_fetch_since = fields.Date(
        "Fetch payouts created since",
        help="The first run fetches the payouts created from this date on; "
        "empty: the account's whole payout history.",
    )

    @api.depends("platform")
    def _compute_settlement_can_fetch(self):
        for backend in self:
            backend.settlement_can_fetch = backend._has_adapter("payouts")

    @api.model_create_multi
    def create(self, vals_list):
        backends = super().create(vals_list)
        backends._settlement_fetch_defaults()
        return backends

    def write(self, vals):
        result = super().write(vals)
        if vals.get("settlement_fetch") or vals.get("platform"):
            self._settlement_fetch_defaults()
        return result

    @api.onchange("platform", "settlement_fetch")
    def _onchange_settlement_fetch(self):
        if self.settlement_fetch and not self.api_url and self.settlement_can_fetch:
            self.api_url = self._adapter("payouts").default_url

    def _settlement_fetch_defaults(self):
        """A backend that fetches its payouts gets its platform's common API
        address when it has none, and its Settlements in flow in batch mode
        when it has no such flow (an existing one is left as the manager set
        it)."""
        for backend in self.filtered("settlement_fetch"):
            if not backend._has_adapter("payouts"):
                continue
            default_url = backend._adapter("payouts").default_url
            if default_url and not backend.api_url:
                backend.api_url = default_url
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
        if not self.settlement_fetch:
            raise RetailBusinessError(
                self.env._(
                    "%(backend)s has a Settlements in flow but does not fetch "
                    "payouts: switch on Fetch payouts on its Settlement tab, or "
                    "switch the flow off.",
                    backend=self.name,
                ),
                code="no_settlement_source",
            )
        return self.env["retail.settlement.fetch"]._fetch(self, flow)
