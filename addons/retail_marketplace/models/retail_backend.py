# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import json
from collections import namedtuple
from datetime import timedelta

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.retail_connector_base import http_client, jobs, retry
from odoo.addons.retail_connector_base.exceptions import RetailBusinessError
from odoo.addons.retail_connector_base.models.retail_backend import OWNER_SELECTION

from ..adapters.amazon import ENDPOINTS
from ..adapters.channel_model import StockItem

SHIPMENT_FAILURE = "shipment_export"
STOCK_FAILURE = "stock_publish"
CATALOG_FAILURE = "catalog_export"
ARCHIVE_FAILURE = "catalog_archive"
RECONCILE_FAILURE = "stock_reconcile"
NOTIFICATION_FAILURE = "notification_queue"
# Notifications one run of the notifications job reads at most.
NOTIFICATIONS_PER_RUN = 200
WEBHOOK_FAILURE = "webhook_subscriptions"
UNMAPPED_LOCATION = "channel_location_unmapped"
PROMOTION_FAILURE = "promotion_publish"
# Fields whose change may change every channel quantity of a backend.
# An archived backend's marks are pruned: back, it reads everything once.
STOCK_RULE_FIELDS = {
    "stock_buffer",
    "warehouse_id",
    "location_ref",
    "owner_stock",
    "active",
}

# Where a publication sends quantities: a channel location (empty: the
# backend's own ``location_ref``), the channel's id of it, and the Odoo
# locations it sells (empty: the backend's warehouse, or all).
StockTarget = namedtuple("StockTarget", "channel_location ref locations")
CANCEL_FAILURE = "channel_cancel"
REFUND_FAILURE = "channel_refund"
EDIT_FAILURE = "channel_edit"
RETURN_FAILURE = "channel_return"
# What a backend's webhook subscriptions depend on (its flows, URL, platform
# address and credentials): saving one of them brings them in step.
WEBHOOK_FIELDS = {
    "active",
    "flow_ids",
    "webhook_token",
    "api_url",
    "api_version",
    "access_token",
    "api_key",
    "api_secret",
    "webhook_secret",
}


class RetailBackend(models.Model):
    _inherit = "retail.backend"

    platform = fields.Selection(
        selection_add=[
            ("shopify", "Shopify"),
            ("woocommerce", "WooCommerce"),
            ("amazon", "Amazon"),
        ],
        ondelete={
            "shopify": "set default",
            "woocommerce": "set default",
            "amazon": "set default",
        },
    )
    owner_order_status = fields.Selection(
        OWNER_SELECTION,
        string="Order status owned by",
        default="odoo",
        required=True,
        tracking=True,
        help="Odoo: an order cancelled in Odoo before it ships is cancelled "
        "on the channel first (Odoo's order is cancelled once the channel "
        "confirms, and left as it was if the channel refuses), and a credit "
        "note posted against a channel order is refunded on the channel. "
        "Channel: orders are cancelled and refunded on the channel only; "
        "Odoo refuses to cancel them, and its credit notes stay Odoo's. "
        "Either way the channel's own cancellations, refunds and edits "
        "reach Odoo.",
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        check_company=True,
        help="Ships the channel's orders; its free stock is what the channel may sell.",
    )
    channel_warehouse_id = fields.Many2one(
        "stock.warehouse",
        "Channel's warehouse",
        check_company=True,
        help="The stock the channel holds and ships itself (Amazon FBA): the "
        "orders it fulfils are delivered from this warehouse, their "
        "deliveries done at import. Created with the "
        "backend for platforms that fulfil orders; stock sent to the channel "
        "is transferred into it.",
    )
    facilitator_tax_account_id = fields.Many2one(
        "account.account",
        "Facilitator tax account",
        check_company=True,
        help="Books the tax a marketplace collects from the buyer and pays "
        "to the tax authority itself (marketplace facilitator and deemed "
        "supplier rules): an untaxed line of the order, so the invoice is "
        "what the buyer paid while the tax reports leave it out. The "
        "marketplace withholds it from its payout, which clears this "
        "account. Orders with such tax fail without it, asking for it.",
    )

    # === AMAZON === #
    amazon_region = fields.Selection(
        [("na", "North America"), ("eu", "Europe"), ("fe", "Far East")],
        "Amazon region",
        help="The Selling Partner API endpoint of the seller's marketplaces; "
        "choosing it sets the API base URL (which a simulator's URL may "
        "replace).",
    )
    amazon_marketplace_ids = fields.Char(
        "Marketplace ids",
        help="Amazon's ids of the marketplaces whose orders are imported, "
        "separated by commas: A13V1IB3VIYZZH is Amazon.fr, A1PA6795UKMFR9 "
        "Amazon.de, ATVPDKIKX0DER Amazon.com (Amazon's marketplace ids page "
        "lists them all).",
    )
    amazon_seller_id = fields.Char(
        "Seller id",
        help="The seller's merchant token (Seller Central, Settings, Account "
        "info), which Amazon's listings feeds name.",
    )
    notification_queue_url = fields.Char(
        "Notification queue URL",
        help="The queue the channel puts its order notifications on (Amazon: "
        "the SQS queue of the ORDER_CHANGE subscription, "
        "https://sqs.<region>.amazonaws.com/<account>/<queue>), read every "
        "minute; polling the orders stays the safety net. Empty: polling "
        "alone.",
    )
    amazon_aws_profile = fields.Char(
        "AWS profile",
        help="The AWS profile (shared credentials file of the server's user) "
        "whose credentials read and delete the notification queue's "
        "messages; empty: the server's default AWS credentials (its IAM "
        "role or environment). No AWS secret is kept in Odoo.",
    )
    refund_checkpoint = fields.Char(
        "Refunds checkpoint",
        help="Where the orders poll resumes reading refunds on platforms that "
        "post them apart from orders (Amazon's financial events); empty: from "
        "the day before the backend was created.",
    )
    amazon_token_url = fields.Char(
        "Login with Amazon URL",
        help="Where access tokens are obtained for the refresh token; empty: "
        "https://api.amazon.com/auth/o2/token (a simulator's /auth/o2/token "
        "in tests).",
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
    refund_amount_policy = fields.Selection(
        [
            ("split_by_tax", "Split across the order's taxes"),
            ("untaxed_account", "Untaxed, on the refund adjustment account"),
        ],
        "Refunded amounts",
        default="split_by_tax",
        required=True,
        help="How a refund books money beyond the items and shipping it "
        "names (a goodwill amount, or a channel refunding more or less than "
        "them): split across the order's taxes in proportion to their "
        "untaxed bases, giving back the tax the order charged on it; or "
        "untaxed, on the refund adjustment account.",
    )
    refund_adjustment_account_id = fields.Many2one(
        "account.account",
        "Refund adjustment account",
        check_company=True,
        help="Books refunded amounts untaxed when the backend's refunded "
        "amounts policy says so.",
    )
    gift_card_account_id = fields.Many2one(
        "account.account",
        "Gift card account",
        check_company=True,
        domain="[('account_type', '=', 'liability_current')]",
        help="Liability account of gift cards sold on the channel (lines the "
        "channel flags as gift cards, or of products marked 'Gift card'): the "
        "sale credits it, untaxed, instead of revenue. Redeeming a card is a "
        "payment of the gift card method, whose journal must book on this "
        "account (its incoming payment method's outstanding account) so the "
        "redemption clears what the sale owed. Orders selling a gift card "
        "fail without it, asking for it.",
    )
    gift_card_product_id = fields.Many2one(
        "product.product",
        help="Service product of gift card lines whose SKU matches no product "
        "(Shopify gift cards often have none).",
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
        "(Shopify: the location id); *Choose* lists the channel's locations.",
    )
    stock_published_at = fields.Datetime(readonly=True)
    stock_drift_threshold = fields.Integer(
        "Drift threshold",
        default=0,
        help="The daily reconciliation corrects a channel quantity differing "
        "from Odoo's by more than this many units (0: any difference).",
    )
    stock_change_cursor = fields.Char(
        readonly=True,
        copy=False,
        help="The database snapshot of the last stock publication: the next "
        "one reads the stock changes that snapshot did not see. Empty: the "
        "next publication reads every listing.",
    )
    channel_location_ids = fields.One2many(
        "retail.channel.location",
        "backend_id",
        string="Channel locations",
        help="The channel's stock locations and the Odoo stock each sells. "
        "Empty: the backend's warehouse is published to its channel location.",
    )
    webhook_self_managed = fields.Boolean(
        "Registers its webhooks",
        compute="_compute_webhook_self_managed",
        help="The connector can create the platform's webhook subscriptions "
        "for the backend's flows at its webhook URL itself (Register "
        "webhooks).",
    )
    webhook_synced_at = fields.Datetime(
        "Webhooks registered",
        readonly=True,
        copy=False,
        help="When the connector last brought the platform's webhook "
        "subscriptions in step with the backend. Once they are registered, "
        "saving a change of flows, webhook URL, address or credentials keeps "
        "them in step; subscriptions to other addresses are left alone.",
    )

    @api.depends("platform")
    def _compute_webhook_self_managed(self):
        for backend in self:
            backend.webhook_self_managed = (
                backend._has_adapter("webhook")
                and backend._adapter("webhook").registers_subscriptions
            )

    @api.constrains("amazon_token_url")
    def _check_amazon_token_url(self):
        for backend in self:
            url = backend.amazon_token_url
            if url and not http_client.is_allowed_url(url):
                raise ValidationError(
                    self.env._(
                        "The Login with Amazon URL %(url)s cannot be used: the "
                        "refresh token is sent only over https://, or over plain "
                        "http:// to this machine for tests and the simulator.",
                        url=http_client.mask_url(url),
                    )
                )

    @api.constrains("notification_queue_url")
    def _check_notification_queue_url(self):
        for backend in self:
            url = backend.notification_queue_url
            if url and not http_client.is_allowed_url(url):
                raise ValidationError(
                    self.env._(
                        "The notification queue URL %(url)s cannot be used: "
                        "queues are read only over https://, or over plain "
                        "http:// to this machine for tests.",
                        url=http_client.mask_url(url),
                    )
                )

    @api.onchange("amazon_region")
    def _onchange_amazon_region(self):
        if self.amazon_region:
            self.api_url = ENDPOINTS[self.amazon_region]

    # === HELPERS === #
    def _get_blocked_summary(self):
        # EXTENDS retail_connector_base: orders and their value, for marketplaces
        if (
            self.kind != "marketplace"
            or not self.event_failed_count
            or not self._has_adapter("marketplace")
        ):
            return super()._get_blocked_summary()
        adapter = self._adapter("marketplace")
        # One grouped query: the order total is stored on the event when it
        # fails (retail.event.retail_order_total), never parsed here.
        groups = self.env["retail.event"]._read_group(
            [
                ("backend_id", "=", self.id),
                ("state", "=", "failed"),
                ("retail_blocked_order", "=", True),
            ],
            ["topic", "subject_key"],
            ["retail_order_total:max"],
        )
        totals = {}
        for topic, subject, total in groups:
            if adapter.event_kind(topic) == "order":
                totals[subject] = max(totals.get(subject, 0.0), total)
        if not totals:
            return super()._get_blocked_summary()
        return self.env._(
            "%(count)s orders (%(total).2f) wait for a fix",
            count=len(totals),
            total=sum(totals.values()),
        )

    def _retail_sends_order_changes(self):
        """Whether Odoo's cancellations and refunds of the backend's orders
        go to the channel (the ownership of order status).
        Note: self.ensure_one"""
        self.ensure_one()
        return self.kind == "marketplace" and self.owner_order_status == "odoo"

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
        if (
            flow.flow == "prices_out"
            and not self._adapter("marketplace").exports_catalog
        ):
            Binding = self.env["retail.product.binding"]
            Binding._publish_promotions(self)
            Binding._publish_regular_prices(self)
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
        adapter = self._adapter("marketplace")
        payloads, checkpoint = adapter.poll_orders(
            flow.checkpoint or None, flow.batch_size
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
        refunds, self.refund_checkpoint = adapter.poll_refunds(
            self.refund_checkpoint or None, flow.batch_size
        )
        for payload in refunds:
            content = json.dumps(payload, sort_keys=True)
            try:
                refund = adapter.parse_refund(payload)
                key, subject = refund.external_id, refund.order_external_id
            except ValueError:
                # Stored all the same: its import fails with the reason, in
                # sight, instead of the whole poll.
                key, subject = hashlib.sha256(content.encode()).hexdigest(), None
            Event._receive(
                self, "refunds/created", f"poll:refund:{key}", content, subject=subject
            )
        return checkpoint

    @api.model
    def _ensure_reconciliation_polls(self):
        """Backends of platforms whose webhooks may be lost for good
        (``poll_always``: WooCommerce never retries one) poll orders as
        well."""
        for backend in self:
            if not (
                backend._has_adapter("marketplace")
                and backend._adapter("marketplace").poll_always
            ):
                continue
            if backend._get_flow_mode("orders_in") != "batch":
                flow = backend.flow_ids.filtered(lambda f: f.flow == "orders_in")
                if flow:
                    flow.mode = "batch"
                else:
                    backend.flow_ids = [
                        fields.Command.create({"flow": "orders_in", "mode": "batch"})
                    ]

    def _ensure_channel_warehouse(self):
        """Backends of platforms that ship orders from their own stock
        (``channel_fulfilment``: Amazon FBA) get a warehouse for that stock,
        unless one is set."""
        for backend in self:
            if (
                backend.channel_warehouse_id
                or backend.kind != "marketplace"
                or not backend._has_adapter("marketplace")
            ):
                continue
            name = backend._adapter("marketplace").channel_fulfilment
            if name:
                backend.channel_warehouse_id = backend._create_channel_warehouse(name)

    def _create_channel_warehouse(self, name):
        """A warehouse for the stock the channel holds, coded after its
        fulfilment (FBA, FBA2...). In sudo: it is part of setting up the
        backend, which connector managers do without stock rights.
        Note: self.ensure_one"""
        self.ensure_one()
        Warehouse = self.env["stock.warehouse"].sudo().with_company(self.company_id)
        taken = set(
            Warehouse.with_context(active_test=False)
            .search([("company_id", "=", self.company_id.id)])
            .mapped("code")
        )
        stem = name[:3].upper()
        code = next(
            code
            for code in [stem] + [f"{stem}{number}" for number in range(2, 100)]
            if code not in taken
        )
        return Warehouse.create(
            {
                "name": f"{self.name} ({code})",
                "code": code,
                "company_id": self.company_id.id,
            }
        )

    def _retail_order_warehouse(self, order):
        """The warehouse a channel order is delivered from: the channel's
        own for an order it fulfils, else the backend's. Note:
        self.ensure_one"""
        self.ensure_one()
        if not order.fulfilled_by_channel:
            return self.warehouse_id
        if not self.channel_warehouse_id:
            raise RetailBusinessError(
                self.env._(
                    "Order %(number)s is shipped by the channel from its own "
                    "stock: set the channel's warehouse of %(backend)s, then "
                    "retry the event.",
                    number=order.number,
                    backend=self.name,
                ),
                code="no_channel_warehouse",
            )
        return self.channel_warehouse_id

    @api.model_create_multi
    def create(self, vals_list):
        backends = super().create(vals_list)
        backends._ensure_reconciliation_polls()
        backends._ensure_channel_warehouse()
        return backends

    def write(self, vals):
        result = super().write(vals)
        if {"platform", "kind"} & set(vals):
            self._ensure_channel_warehouse()
        if WEBHOOK_FIELDS & set(vals):
            self._retail_enqueue_webhook_sync()
        if STOCK_RULE_FIELDS & set(vals):
            self._retail_stock_rule_changed()
        if {"pricelist_id", "owner_prices"} & set(vals):
            self._retail_enqueue_promotions()
        return result

    # === CHANNEL LOCATIONS === #
    def _retail_stock_rule_changed(self):
        """A rule of every channel quantity of these backends changed: their
        next publication reads every listing."""
        self.filtered("stock_change_cursor").write({"stock_change_cursor": False})

    def _retail_stock_targets(self):
        """The ``StockTarget`` list a publication sends to: the mapped channel
        locations, else the backend's warehouse to its channel location. A
        channel location mapped to no Odoo stock publishes nothing and is a
        sync exception on the backend (publishing zero would take the
        channel off sale on a mapping mistake). Note: self.ensure_one"""
        self.ensure_one()
        mapped = self.channel_location_ids
        if not mapped:
            return [
                StockTarget(
                    mapped, self.location_ref, self.warehouse_id.view_location_id
                )
            ]
        Activity = self.env["retail.exception.activity"]
        targets, unmapped = [], mapped.browse()
        for location in mapped:
            stock = location._odoo_locations()
            if stock:
                targets.append(StockTarget(location, location.ref, stock))
            else:
                unmapped |= location
        if unmapped:
            Activity._raise(
                self,
                self,
                UNMAPPED_LOCATION,
                self.env._(
                    "Channel location without stock on %(name)s", name=self.name
                ),
                self.env._(
                    "No stock is published to %(locations)s of %(name)s: no "
                    "Odoo warehouse or location is mapped to it. Map one under "
                    "Channel locations.",
                    locations=", ".join(
                        f"{location.name} ({location.ref})" for location in unmapped
                    ),
                    name=self.name,
                ),
            )
        else:
            Activity._resolve(self, UNMAPPED_LOCATION)
        return targets

    # === WEBHOOK SUBSCRIPTIONS === #
    def action_sync_webhooks(self):
        """Bring the platform's webhook subscriptions in step with the
        backend now, and say what changed."""
        self.ensure_one()
        try:
            changes = self._retail_sync_webhooks_now()
        except retry.TRANSIENT_ERRORS as error:
            raise UserError(
                self.env._(
                    "%(name)s did not answer: %(error)s", name=self.name, error=error
                )
            ) from error
        return self._notify(self._retail_webhook_changes_text(changes))

    def _retail_sync_webhooks_now(self):
        """Note: self.ensure_one"""
        self.ensure_one()
        changes = self._adapter("webhook").sync_subscriptions()
        self.webhook_synced_at = fields.Datetime.now()
        self.env["retail.exception.activity"]._resolve(self, WEBHOOK_FAILURE)
        if changes["created"] or changes["deleted"]:
            self.message_post(body=self._retail_webhook_changes_text(changes))
        return changes

    def _retail_webhook_changes_text(self, changes):
        if not (changes["created"] or changes["deleted"]):
            return self.env._(
                "The webhook subscriptions of %(name)s were already in step.",
                name=self.name,
            )
        return self.env._(
            "Webhook subscriptions of %(name)s brought in step: created "
            "%(created)s; removed %(deleted)s.",
            name=self.name,
            created=", ".join(changes["created"]) or "-",
            deleted=", ".join(changes["deleted"]) or "-",
        )

    def _retail_enqueue_webhook_sync(self):
        """One waiting job per backend whose webhooks the connector
        registered brings them in step, so that saving never waits for (or
        fails with) the platform. The first registration is the manager's
        (Register webhooks), once the connection works."""
        for backend in self.filtered(
            lambda b: b.webhook_synced_at and b.api_url and b.webhook_self_managed
        ):
            backend._retail_delay("_retail_sync_webhooks")

    def _retail_sync_webhooks(self, attempt=1):
        """Job: bring the webhook subscriptions in step. The platform being
        unavailable is retried (the suite's policy); a refusal (a missing
        scope, an address the platform does not accept) is kept in sight as
        an exception activity."""
        self.ensure_one()
        summary = self.env._("Webhooks of %(name)s not registered", name=self.name)
        try:
            changes = self._retail_sync_webhooks_now()
        except retry.TRANSIENT_ERRORS as error:
            return self._retail_retry_job(
                "_retail_sync_webhooks",
                attempt,
                error,
                WEBHOOK_FAILURE,
                summary,
                self.env._(
                    "The channel did not answer after %(attempts)s attempts: "
                    "%(error)s. Press Register webhooks on the backend once it "
                    "is back.",
                    attempts=attempt,
                    error=error,
                ),
            )
        except RetailBusinessError as error:
            self.env["retail.exception.activity"]._raise(
                self, self, WEBHOOK_FAILURE, summary, str(error)
            )
            return self.env._("Refused: %(error)s", error=error)
        return self._retail_webhook_changes_text(changes)

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

    def _retail_gift_card_method_line(self, journal):
        """The incoming payment method of ``journal`` whose outstanding account
        is the gift card account: a redemption debits the liability the sale
        of the card credited, so a card sold then spent leaves nothing owed.
        None without a gift card account (redemptions book as they did).
        Note: self.ensure_one"""
        self.ensure_one()
        account = self.gift_card_account_id
        if not account:
            return None
        method_line = journal.inbound_payment_method_line_ids.filtered(
            lambda line: line.payment_account_id == account
        )[:1]
        if not method_line:
            raise RetailBusinessError(
                self.env._(
                    "A gift card paid an order of %(backend)s, but no incoming "
                    "payment method of journal %(journal)s books on the gift card "
                    "account %(account)s, so the redemption would not clear what "
                    "the card's sale owes. Set it as the outstanding account of "
                    "an incoming payment method of the journal, then retry the "
                    "event.",
                    backend=self.name,
                    journal=journal.display_name,
                    account=account.display_name,
                ),
                code="gift_card_journal",
            )
        return method_line

    # === NOTIFICATIONS === #
    @api.model
    def _cron_read_notifications(self):
        """Scheduled action: a job per active backend with a notification
        queue reads it (one waiting job per backend)."""
        backends = self.search(
            [("kind", "=", "marketplace"), ("notification_queue_url", "!=", False)]
        )
        for backend in backends:
            jobs.delay_drain(
                backend.with_company(backend.company_id),
                "_retail_read_notifications",
                backend._retail_job_identity("_retail_read_notifications"),
                **backend._retail_job_options("_retail_read_notifications"),
            )

    def _retail_read_notifications(self, attempt=1):
        """Job: store the notifications waiting on the backend's queue in
        the inbox, each once (keyed by the platform's notification id), and
        take them off the queue once the transaction that stored them is
        committed: a crash in between leaves them on the queue, read again
        and stored once. Polling catches whatever never comes."""
        self.ensure_one()
        adapter = self._adapter("marketplace")
        if not adapter.reads_notifications:
            return "no notification queue"
        Activity = self.env["retail.exception.activity"]
        try:
            notifications, acknowledge = adapter.receive_notifications(
                NOTIFICATIONS_PER_RUN
            )
        except RetailBusinessError as error:
            # A queue that refuses us (credentials, permissions) waits for a
            # person; polling goes on meanwhile.
            Activity._raise(
                self,
                self,
                NOTIFICATION_FAILURE,
                self.env._("Notifications of %(name)s not read", name=self.name),
                str(error),
            )
            return str(error)
        Activity._resolve(self, NOTIFICATION_FAILURE)
        Event = self.env["retail.event"]
        stored = 0
        for notification in notifications:
            if notification["payload"] is None:
                continue
            stored += bool(
                Event._receive(
                    self,
                    notification["topic"],
                    f"notification:{notification['key']}",
                    json.dumps(notification["payload"]),
                    subject=notification["subject"],
                )
            )
        if notifications:
            self.env.cr.postcommit.add(acknowledge)
        return f"{stored} of {len(notifications)} notifications stored"

    # === JOBS === #
    def _retail_publish_fast_movers(self, attempt=1):
        """Job: publish the stock of the backend's fast movers that changed."""
        self.ensure_one()
        Binding = self.env["retail.product.binding"]
        bindings = Binding.search(
            [("backend_id", "=", self.id), ("odoo_id.retail_fast_mover", "=", True)]
        )
        try:
            count = Binding._publish_stock(self, bindings)
        except retry.TRANSIENT_ERRORS as error:
            return self._retail_retry_job(
                "_retail_publish_fast_movers",
                attempt,
                error,
                STOCK_FAILURE,
                self.env._("Stock not published to %(name)s", name=self.name),
                self.env._(
                    "The channel did not take the fast movers' stock after "
                    "%(attempts)s attempts: %(error)s. The next stock change or "
                    "run of the stock flow publishes it.",
                    attempts=attempt,
                    error=error,
                ),
            )
        return f"{count} quantities published"

    def _retail_export_shipments(self, attempt=1):
        """Job: report the backend's validated deliveries the channel does
        not know yet. One job per backend reports them all, so that while
        the channel is down one job waits, not one per delivery."""
        self.ensure_one()
        pickings = self.env["stock.picking"].search(
            [("retail_report_backend_id", "=", self.id)], order="date_done, id"
        )
        reported = self.env["stock.picking"]
        for picking in pickings:
            try:
                picking._retail_export_shipment()
            except retry.TRANSIENT_ERRORS as error:
                return self._retail_retry_job(
                    "_retail_export_shipments",
                    attempt,
                    error,
                    SHIPMENT_FAILURE,
                    self.env._("Shipments not reported to %(name)s", name=self.name),
                    self.env._(
                        "The channel did not answer after %(attempts)s attempts: "
                        "%(error)s. %(count)s deliveries wait (%(names)s); the "
                        "backend's next shipment report sends them.",
                        attempts=attempt,
                        error=error,
                        count=len(pickings - reported),
                        names=", ".join((pickings - reported).mapped("name")),
                    ),
                    done=len(reported),
                )
            reported |= picking
        self.env["retail.exception.activity"]._resolve(self, SHIPMENT_FAILURE)
        return f"{len(reported)} shipments reported"

    def _retail_enqueue_shipments(self):
        """Enqueue the shipment report of each backend, one waiting job per
        backend however many deliveries are validated."""
        for backend in self:
            backend._retail_delay("_retail_export_shipments")

    def _retail_archive_listing(self, parent_ref, attempt=1):
        """Job: archive on the channel the product ``parent_ref``, whose
        variants were all deleted in Odoo (archived, not deleted: its orders
        and reports keep it). A refusal is a sync exception on the
        backend."""
        self.ensure_one()
        try:
            self._adapter("marketplace").archive_listing(parent_ref)
        except retry.TRANSIENT_ERRORS as error:
            return self._retail_retry_job(
                "_retail_archive_listing",
                attempt,
                error,
                ARCHIVE_FAILURE,
                self.env._("Products not archived on %(name)s", name=self.name),
                self.env._(
                    "The channel did not archive product %(ref)s, deleted in "
                    "Odoo, after %(attempts)s attempts: %(error)s. Archive it on "
                    "the channel.",
                    ref=parent_ref,
                    attempts=attempt,
                    error=error,
                ),
                parent_ref=parent_ref,
            )
        except UserError as error:
            self.env["retail.exception.activity"]._raise(
                self,
                self,
                ARCHIVE_FAILURE,
                self.env._("Products not archived on %(name)s", name=self.name),
                self.env._(
                    "Product %(ref)s was deleted in Odoo; the channel refused to "
                    "archive it: %(error)s",
                    ref=parent_ref,
                    error=error,
                ),
            )
            return str(error)
        return f"product {parent_ref} archived"

    def _retail_delay(self, method, suffix="", **options):
        """Enqueue ``method`` of the backend as its one waiting job (of
        identity ``suffix`` too, when given), in its company.
        Note: self.ensure_one"""
        self.ensure_one()
        identity = self._retail_job_identity(method)
        return jobs.delay_drain(
            self.with_company(self.company_id),
            method,
            f"{identity}_{suffix}" if suffix else identity,
            **options,
            **self._retail_job_options(method),
        )

    def _retail_ask_channel(
        self,
        method,
        attempt,
        record,
        kind,
        summary,
        call,
        note,
        refused=None,
        **arguments,
    ):
        """``(True, answer)`` of ``call()``, the job ``method`` asking the
        channel to apply a change made in Odoo to ``record``; else ``(False,
        what the job returns)``: the channel unavailable is retried by the
        suite's policy (``note(error)`` once the attempts are spent), a
        refusal is a sync exception on ``record``. ``refused(reason)`` is
        told of a refusal, and of the attempts being spent."""
        try:
            with self.env.cr.savepoint():
                return True, call()
        except retry.TRANSIENT_ERRORS as error:
            if refused and retry.exhausted(attempt, self.max_attempts):
                refused(str(error))
            return False, self._retail_retry_job(
                method, attempt, error, kind, summary, note(error), **arguments
            )
        except UserError as error:
            if refused:
                refused(str(error))
            self.env["retail.exception.activity"]._raise(
                self, record, kind, summary, str(error)
            )
            return False, str(error)

    def _retail_cancel_order(self, sale_id, attempt=1):
        """Job: ask the channel to cancel the sale order ``sale_id``, then
        cancel it in Odoo. Asking first keeps Odoo's order as it was when
        the channel refuses (the order shipped there): no cancellation to
        undo. A refusal is a sync exception on the order; the channel being
        unavailable is retried (the suite's policy), and once the attempts
        are spent the order stays uncancelled, which its chatter says."""
        self.ensure_one()
        sale = self.env["sale.order"].browse(sale_id).exists()
        if not sale or sale.state == "cancel" or not sale.retail_cancel_state:
            return "nothing to cancel"
        summary = self.env._("%(order)s not cancelled on the channel", order=sale.name)
        asked, answer = self._retail_ask_channel(
            "_retail_cancel_order",
            attempt,
            sale,
            CANCEL_FAILURE,
            summary,
            lambda: self._adapter("marketplace").cancel_order(
                sale._retail_cancel_request()
            ),
            lambda error: self.env._(
                "The channel did not answer the cancellation of %(order)s "
                "after %(attempts)s attempts: %(error)s. The order was left "
                "as it was: cancel it again once the channel is back.",
                order=sale.name,
                attempts=attempt,
                error=error,
            ),
            refused=sale._retail_cancel_refused,
            sale_id=sale_id,
        )
        if not asked:
            return answer
        sale._retail_cancel_confirmed(answer)
        return answer

    def _retail_push_refund(self, move_id, attempt=1):
        """Job: refund the credit note ``move_id`` on the channel, under its
        idempotency key, and bind the channel's refund to it so that the
        channel's message about that refund books nothing more. A refusal
        is a sync exception on the credit note; the channel being
        unavailable is retried (the suite's policy)."""
        self.ensure_one()
        move = self.env["account.move"].browse(move_id).exists()
        if not move or move.retail_refund_state != "waiting":
            return "nothing to refund"
        summary = self.env._("%(move)s not refunded on the channel", move=move.name)
        asked, reference = self._retail_ask_channel(
            "_retail_push_refund",
            attempt,
            move,
            REFUND_FAILURE,
            summary,
            lambda: self._adapter("marketplace").push_refund(
                move._retail_refund_request()
            ),
            lambda error: self.env._(
                "The channel did not answer the refund of %(move)s after "
                "%(attempts)s attempts: %(error)s. Refund it on the "
                "channel; its refund is matched to the credit note by the "
                "key in its note.",
                move=move.name,
                attempts=attempt,
                error=error,
            ),
            refused=move._retail_refund_refused,
            move_id=move_id,
        )
        if not asked:
            return reference
        move._retail_refund_confirmed(self, reference)
        return f"refund {reference}"

    def _retail_push_return(self, picking_id, attempt=1):
        """Job: report the return received in ``picking_id`` to the channel,
        under its key (a retried request finds the return made), the
        channel's answer in the sale order's chatter. A refusal is a sync
        exception on the return; the channel being unavailable is retried
        (the suite's policy)."""
        self.ensure_one()
        picking = self.env["stock.picking"].browse(picking_id).exists()
        if not picking or picking.retail_return_ref or not picking.retail_return_key:
            return "nothing to return"
        summary = self.env._(
            "%(picking)s not reported to the channel", picking=picking.name
        )
        asked, answer = self._retail_ask_channel(
            "_retail_push_return",
            attempt,
            picking,
            RETURN_FAILURE,
            summary,
            lambda: self._adapter("marketplace").push_return(
                picking._retail_return_request(self)
            ),
            lambda error: self.env._(
                "The channel did not answer the return %(picking)s after "
                "%(attempts)s attempts: %(error)s. Record it on the "
                "channel; a return there whose note holds the key "
                "%(key)s is this one.",
                picking=picking.name,
                attempts=attempt,
                error=error,
                key=picking.retail_return_key,
            ),
            picking_id=picking_id,
        )
        if not asked:
            return answer
        reference, answer = answer
        picking._retail_return_confirmed(reference, answer)
        return f"return {reference}"

    def _retail_delay_as_system(self, method, identity_key, record_id):
        """Enqueue the job ``method`` about one order or credit note as the
        system: the person who cancels an order or posts a credit note need
        be neither a connector user nor allowed the backend's secrets, and
        the backend's responsible person need not be allowed sales and
        invoices; the job touches only that record and the channel."""
        self.ensure_one()
        system = self.with_user(SUPERUSER_ID).with_company(self.company_id)
        getattr(
            system.with_delay(
                identity_key=identity_key, **system._retail_job_options(method)
            ),
            method,
        )(record_id)

    def _retail_job_identity(self, method):
        self.ensure_one()
        return f"{method.strip('_')}_{self.id}"

    def _retail_job_options(self, method):
        self.ensure_one()
        descriptions = {
            "_retail_publish_fast_movers": self.env._(
                "Publish fast movers' stock to %(name)s", name=self.name
            ),
            "_retail_export_shipments": self.env._(
                "Report shipments to %(name)s", name=self.name
            ),
            "_retail_archive_listing": self.env._(
                "Archive a deleted product on %(name)s", name=self.name
            ),
            "_retail_sync_webhooks": self.env._(
                "Register the webhooks of %(name)s", name=self.name
            ),
            "_retail_read_notifications": self.env._(
                "Read the notifications of %(name)s", name=self.name
            ),
            "_retail_publish_promotions": self.env._(
                "Publish the promotions of %(name)s", name=self.name
            ),
            "_retail_reconcile_stock": self.env._(
                "Reconcile the stock of %(name)s", name=self.name
            ),
            "_retail_cancel_order": self.env._(
                "Cancel an order on %(name)s", name=self.name
            ),
            "_retail_push_refund": self.env._(
                "Refund a credit note on %(name)s", name=self.name
            ),
            "_retail_push_return": self.env._(
                "Report a return to %(name)s", name=self.name
            ),
        }
        return {
            **self._job_route(method),
            "description": descriptions[method],
        }

    def _retail_retry_job(
        self, method, attempt, error, kind, summary, note, done=0, **arguments
    ):
        """The suite's retry policy (``retry``) for a job that found the
        channel unavailable: the job ends and the next attempt waits as a new
        job under the same identity (so further work joins it instead of
        waiting beside it), a growing delay later. Once the backend's
        attempts are spent, the job ends for good and one exception activity
        on the backend says so; the next successful run resolves it. A job
        about one thing (``arguments``, passed on) waits as a job of its
        own."""
        self.ensure_one()
        if retry.exhausted(attempt, self.max_attempts):
            self.env["retail.exception.activity"]._raise(
                self, self, kind, summary, note
            )
            return self.env._(
                "Gave up after %(attempts)s attempts (%(done)s done): %(error)s",
                attempts=attempt,
                done=done,
                error=error,
            )
        seconds = retry.delay(
            attempt, self.retry_delay, getattr(error, "retry_after", None)
        )
        getattr(
            self.with_delay(
                # A timedelta: queue_job takes a float eta for a date.
                eta=timedelta(seconds=seconds),
                identity_key=None if arguments else self._retail_job_identity(method),
                **self._retail_job_options(method),
            ),
            method,
        )(attempt=attempt + 1, **arguments)
        return self.env._(
            "Attempt %(attempt)s failed (%(done)s done): %(error)s. Next attempt in "
            "%(seconds)s s.",
            attempt=attempt,
            done=done,
            error=error,
            seconds=round(seconds),
        )

    # === STOCK AND CATALOG === #
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
        chatter and correct it with Odoo's quantities. A reconciliation the
        channel refuses or cannot complete (Shopify: a bulk operation that
        failed or expired) is a sync exception on the backend, marked done
        by the next one that completes."""
        self.ensure_one()
        Activity = self.env["retail.exception.activity"]
        try:
            with self.env.cr.savepoint():
                drift, count = self._reconcile_stock()
        except retry.TRANSIENT_ERRORS as error:
            return self._notify(
                self.env._(
                    "The channel is not available, nothing was reconciled: "
                    "%(error)s. Try again later.",
                    error=error,
                ),
                kind="warning",
            )
        except UserError as error:
            Activity._raise(
                self,
                self,
                RECONCILE_FAILURE,
                self.env._("Stock not reconciled with %(name)s", name=self.name),
                str(error),
            )
            return self._notify(str(error), kind="danger")
        Activity._resolve(self, RECONCILE_FAILURE)
        return self._notify(
            self.env._(
                "%(drift)s of %(count)s products differed on the channel and were "
                "corrected.",
                drift=drift,
                count=count,
            )
        )

    def _reconcile_stock(self):
        """``(drifted, bound)`` counts: at each channel location, the
        channel's quantities (``fetch_all_stock``) compared with Odoo's; a
        difference beyond the backend's drift threshold (or a listing the
        channel does not show) is reported in the chatter, with why, and
        published again."""
        self.ensure_one()
        Binding = self.env["retail.product.binding"].with_context(
            retail_waiting_cache={}
        )
        bindings = Binding.search([("backend_id", "=", self.id)])
        adapter = self._adapter("marketplace")
        threshold = self.stock_drift_threshold
        drifted = 0
        targets = self._retail_stock_targets()
        items = [
            StockItem(binding._get_stock_ref(), binding.odoo_id.default_code or "", 0)
            for binding in bindings
        ]
        shown = adapter.fetch_all_stock_at(items, [target.ref for target in targets])
        for target in targets:
            expected = Binding._channel_quantities(self, bindings, target)
            actual = shown[target.ref]

            def differs(binding, actual=actual, expected=expected):
                shown = actual.get(binding._get_stock_ref())
                try:
                    return abs(int(shown) - expected[binding]) > threshold
                except (TypeError, ValueError):
                    return True

            drift = bindings.filtered(differs)
            if not drift:
                continue
            drifted += len(drift)
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
            where = target.channel_location.display_name or target.ref or ""
            self.message_post(
                body=Markup("%s<ul>%s</ul>")
                % (
                    self.env._(
                        "Stock drift found and corrected%(where)s: Odoo owns the "
                        "stock, and these quantities differed by more than "
                        "%(threshold)s units from what Odoo makes available:",
                        where=f" ({where})" if where else "",
                        threshold=threshold,
                    ),
                    rows,
                )
            )
            Binding._publish_target(self, target, drift, force=True)
        return drifted, len(bindings)

    def _retail_reconcile_stock(self, attempt=1):
        """Job: the daily drift reconciliation of the backend. Unavailable,
        it is retried (the suite's policy); a refusal is an exception
        activity, done by the next one that completes."""
        self.ensure_one()
        if not self._owns("stock") or not self.active:
            return "Odoo does not own this backend's stock"
        try:
            with self.env.cr.savepoint():
                drift, count = self._reconcile_stock()
        except retry.TRANSIENT_ERRORS as error:
            return self._retail_retry_job(
                "_retail_reconcile_stock",
                attempt,
                error,
                RECONCILE_FAILURE,
                self.env._("Stock not reconciled with %(name)s", name=self.name),
                self.env._(
                    "The channel did not answer after %(attempts)s attempts: "
                    "%(error)s. Tomorrow's reconciliation tries again.",
                    attempts=attempt,
                    error=error,
                ),
            )
        except UserError as error:
            self.env["retail.exception.activity"]._raise(
                self,
                self,
                RECONCILE_FAILURE,
                self.env._("Stock not reconciled with %(name)s", name=self.name),
                str(error),
            )
            return str(error)
        self.env["retail.exception.activity"]._resolve(self, RECONCILE_FAILURE)
        return f"{drift} of {count} quantities corrected"

    def _retail_publish_promotions(self, attempt=1):
        """Job: publish the promotions that started, ended or changed, then
        wait for the next start or end as a job at that moment. Run late
        (the server was down), it applies what is due at once: a promotion
        whose end passed is ended."""
        self.ensure_one()
        Binding = self.env["retail.product.binding"]
        try:
            count = Binding._publish_promotions(self)
        except retry.TRANSIENT_ERRORS as error:
            return self._retail_retry_job(
                "_retail_publish_promotions",
                attempt,
                error,
                PROMOTION_FAILURE,
                self.env._("Promotions not published to %(name)s", name=self.name),
                self.env._(
                    "The channel did not take the promotions after %(attempts)s "
                    "attempts: %(error)s. The next change of a pricelist rule or "
                    "the hourly check publishes them.",
                    attempts=attempt,
                    error=error,
                ),
            )
        self.env["retail.exception.activity"]._resolve(self, PROMOTION_FAILURE)
        switch = Binding._next_promotion_switch(self)
        if switch:
            # A job of its own per moment, beside the one waiting to run now.
            self._retail_delay(
                "_retail_publish_promotions", f"{switch:%Y%m%d%H%M%S}", eta=switch
            )
        return f"{count} listings' prices published; next switch {switch or '-'}"

    def _retail_enqueue_promotions(self):
        """Publish the promotions of these backends soon, one waiting job per
        backend."""
        for backend in self.filtered(lambda record: record._owns("prices")):
            backend._retail_delay("_retail_publish_promotions")

    @api.model
    def _cron_publish_promotions(self):
        """Hourly: every marketplace backend checks its promotions, so one
        whose switch job was lost is still started or ended."""
        self.search([("kind", "=", "marketplace")])._retail_enqueue_promotions()

    @api.model
    def _cron_reconcile_stock(self):
        """Enqueue the drift reconciliation of every marketplace backend
        whose stock Odoo owns, one job per backend, and forget the stock
        change marks all backends have read."""
        self.env["retail.stock.change"]._prune()
        backends = self.search([("kind", "=", "marketplace")])
        for backend in backends.filtered(lambda record: record._owns("stock")):
            backend._retail_delay("_retail_reconcile_stock")

    def action_choose_location(self):
        """List the channel's locations to choose the one Odoo publishes
        stock to."""
        self.ensure_one()
        return self.env["retail.channel.location.choice"]._list_for(self)

    def _notify(self, message, kind="success"):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": kind, "message": message},
        }
