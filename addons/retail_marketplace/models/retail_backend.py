# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from markupsafe import Markup

from odoo import api, fields, models

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.retail_connector_base.exceptions import (
    RetailBusinessError,
    RetailTransientError,
)

from ..adapters import generic, shopify, woocommerce
from ..adapters.channel_model import StockItem

# The adapter file that speaks each platform's marketplace API.
MARKETPLACE_ADAPTERS = {
    "simulator": generic,
    "shopify": shopify,
    "woocommerce": woocommerce,
}
# Platforms whose webhooks are at most once: their backends always poll too.
POLL_ALWAYS = ("woocommerce",)
SHOPIFY_API_VERSION = "2025-01"
SHOPIFY_RATE = (2.0, 40)


class ChannelClient:
    """What an adapter may use of the backend: its API and pinned version."""

    def __init__(self, backend):
        self.backend = backend
        self.api_version = backend.api_version or SHOPIFY_API_VERSION

    def request(self, method, path, json_body=None, params=None):
        return self.backend._request(method, path, json_body, params)


class RetailBackend(models.Model):
    _inherit = "retail.backend"

    platform = fields.Selection(
        selection_add=[("shopify", "Shopify"), ("woocommerce", "WooCommerce")],
        ondelete={"shopify": "set default", "woocommerce": "set default"},
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        check_company=True,
        help="Ships the channel's orders; its free stock is what the channel may sell.",
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        check_company=True,
        help="Prices published to the channel, and the currency of its orders.",
    )
    team_id = fields.Many2one("crm.team", "Sales team", check_company=True)
    shipping_product_id = fields.Many2one(
        "product.product",
        help="Service product of the shipping line of imported orders.",
    )
    discount_product_id = fields.Many2one(
        "product.product",
        help="Service product of order-level discount lines.",
    )
    order_rounding_tolerance = fields.Float(
        "Rounding tolerance",
        digits="Account",
        default=0.01,
        help="How far, in the order's currency, Odoo's total of an imported "
        "order may differ from the channel's because the two round taxes "
        "differently. Within it a rounding line on the rounding account brings "
        "Odoo's total to the channel's and the order's chatter reports the "
        "difference; beyond it the order fails. 0 accepts no difference.",
    )
    order_rounding_account_id = fields.Many2one(
        "account.account",
        "Rounding account",
        check_company=True,
        help="Books the rounding line of orders whose total differs from the "
        "channel's within the tolerance. Without it such orders fail, asking "
        "for it.",
    )
    payment_journal_id = fields.Many2one(
        "account.journal",
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash'))]",
        help="Journal of channel payments whose method has no mapping.",
    )
    auto_confirm = fields.Boolean(
        "Confirm orders", default=True, help="Confirm imported orders at once."
    )
    auto_invoice = fields.Boolean(
        "Invoice orders",
        help="Create and post the invoice of confirmed imported orders.",
    )
    auto_payment = fields.Boolean(
        "Register payments",
        help="Register the payment on the invoice when the channel says the "
        "order is paid.",
    )
    stock_buffer = fields.Integer(
        "Safety buffer",
        default=0,
        help="Units held back from the channel per product, so a last sale in "
        "the store does not oversell it. A product binding may override it.",
    )
    location_ref = fields.Char(
        "Channel location",
        help="The channel's id of the location Odoo's stock is published to "
        "(Shopify: the location id).",
    )
    stock_published_at = fields.Datetime(readonly=True)

    # === HELPERS === #
    def _get_marketplace_adapter(self):
        """The adapter module of the backend's platform. Note: self.ensure_one"""
        self.ensure_one()
        adapter = MARKETPLACE_ADAPTERS.get(self.platform)
        if not adapter:
            raise RetailBusinessError(
                self.env._(
                    "No marketplace adapter for %(platform)s.", platform=self.platform
                ),
                code="no_adapter",
            )
        return adapter

    def _get_channel_client(self):
        self.ensure_one()
        return ChannelClient(self)

    def _get_blocked_summary(self):
        # EXTENDS retail_connector_base: orders and their value, for marketplaces
        if self.kind != "marketplace" or not self.event_failed_count:
            return super()._get_blocked_summary()
        failed = self.event_ids.filtered(
            lambda event: event.state == "failed"
            and self._get_marketplace_adapter().event_kind(event.topic) == "order"
        )
        adapter = self._get_marketplace_adapter()
        totals = {}
        # Only totals come out of the payloads, which users may not read.
        for event in failed.sudo():
            try:
                order = adapter.parse_order(json.loads(event.payload or "{}"))
            except ValueError:
                continue
            totals[order.external_id] = float(order.total)
        orders, total = totals, sum(totals.values())
        if not orders:
            return super()._get_blocked_summary()
        return self.env._(
            "%(count)s orders (%(total).2f) wait for a fix",
            count=len(orders),
            total=total,
        )

    # === FLOWS === #
    def _run_flow(self, flow):
        # EXTENDS retail_connector_base
        if self.kind != "marketplace":
            return super()._run_flow(flow)
        if flow.flow == "orders_in":
            return self._poll_orders(flow)
        if flow.flow == "stock_out":
            self.env["retail.product.binding"]._publish_stock(self)
            return fields.Datetime.to_string(fields.Datetime.now())
        if flow.flow in ("prices_out", "catalog_out"):
            self.env["retail.product.binding"]._export_products(self)
            return fields.Datetime.to_string(fields.Datetime.now())
        return super()._run_flow(flow)

    def _poll_orders(self, flow):
        """Pull the orders changed since the checkpoint into the inbox. A
        version pulled twice is stored once (its dedupe key is the version),
        and one that also came by webhook is applied once: the import skips
        versions the order binding already reflects."""
        adapter = self._get_marketplace_adapter()
        payloads, checkpoint = adapter.poll_orders(
            self._get_channel_client(), flow.checkpoint or None, flow.batch_size
        )
        Event = self.env["retail.event"]
        for payload in payloads:
            version = adapter.order_version(payload)
            order = adapter.parse_order(payload)
            Event._receive(
                self,
                "orders/updated",
                f"poll:order:{order.external_id}:{version}",
                json.dumps(payload),
                external_updated_at=order.updated_at,
                subject=order.external_id,
            )
        return checkpoint

    @api.model
    def _ensure_reconciliation_polls(self):
        """WooCommerce never retries a failed webhook: its backends always
        poll orders as well."""
        for backend in self.search([("platform", "in", POLL_ALWAYS)]):
            if backend._get_flow_mode("orders_in") != "batch":
                flow = backend.flow_ids.filtered(lambda f: f.flow == "orders_in")
                if flow:
                    flow.mode = "batch"
                else:
                    backend.flow_ids = [
                        fields.Command.create({"flow": "orders_in", "mode": "batch"})
                    ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("platform") == "shopify":
                # Shopify's REST leaky bucket on a standard plan: 40 calls,
                # leaking 2 a second.
                vals.setdefault("rate_limit", SHOPIFY_RATE[0])
                vals.setdefault("rate_burst", SHOPIFY_RATE[1])
        backends = super().create(vals_list)
        backends.filtered(
            lambda b: b.platform in POLL_ALWAYS
        )._ensure_reconciliation_polls()
        return backends

    def _retail_payment_journal(self, method):
        """The journal of a channel payment method: its mapping, else the
        backend's payment journal. Note: self.ensure_one"""
        self.ensure_one()
        mapping = self.mapping_ids.filtered(
            lambda record: record.mapping_type == "payment_method"
            and record.external_code == str(method)
        )
        if mapping:
            return mapping.odoo_ref
        if self.payment_journal_id:
            return self.payment_journal_id
        return self._map("payment_method", method or "")

    # === STOCK AND CATALOG === #
    def _retail_publish_fast_movers(self):
        """Job: publish the stock of the backend's fast movers that changed."""
        self.ensure_one()
        Binding = self.env["retail.product.binding"]
        bindings = Binding.search(
            [("backend_id", "=", self.id), ("odoo_id.retail_fast_mover", "=", True)]
        )
        try:
            count = Binding._publish_stock(self, bindings)
        except RetailTransientError as error:
            # Channel unavailable: publish once it is back (see
            # stock.picking._retail_export_shipment), instead of failing the
            # job and leaving the channel's quantities stale.
            raise RetryableJobError(
                str(error), seconds=int(error.retry_after or 60), ignore_retry=True
            ) from error
        return f"{count} quantities published"

    def action_publish_stock(self):
        self.ensure_one()
        count = self.env["retail.product.binding"]._publish_stock(self)
        return self._notify(
            self.env._("%(count)s changed quantities published.", count=count)
        )

    def action_export_products(self):
        self.ensure_one()
        count = self.env["retail.product.binding"]._export_products(self)
        return self._notify(
            self.env._("%(count)s changed products exported.", count=count)
        )

    def action_reconcile_stock(self):
        """Read the channel's stock, report the drift per product in the
        chatter and correct it with Odoo's quantities."""
        self.ensure_one()
        Binding = self.env["retail.product.binding"]
        bindings = Binding.search([("backend_id", "=", self.id)])
        expected = Binding._channel_quantities(self, bindings)
        items = [
            StockItem(binding._get_stock_ref(), binding.odoo_id.default_code or "", 0)
            for binding in bindings
        ]
        actual = self._get_marketplace_adapter().fetch_stock(
            self._get_channel_client(), items, self.location_ref
        )
        drift = bindings.filtered(
            lambda binding: actual.get(binding._get_stock_ref()) != expected[binding]
        )
        if drift:
            # What the channel answered is data, escaped like the rest.
            rows = Markup().join(
                Markup("<li>%s: channel %s, Odoo %s</li>")
                % (
                    binding.odoo_id.display_name,
                    actual.get(binding._get_stock_ref(), "-"),
                    expected[binding],
                )
                for binding in drift
            )
            self.message_post(
                body=Markup("%s<ul>%s</ul>")
                % (self.env._("Stock drift found and corrected:"), rows)
            )
            drift.write({"published_at": False})
            Binding._publish_stock(self, drift)
        return self._notify(
            self.env._(
                "%(drift)s of %(count)s products differed on the channel and were "
                "corrected.",
                drift=len(drift),
                count=len(bindings),
            )
        )

    def _notify(self, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "success", "message": message},
        }
