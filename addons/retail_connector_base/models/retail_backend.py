# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import secrets
from datetime import datetime, timedelta, timezone

from odoo import SUPERUSER_ID, api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError

from .. import crypto, http_client, jobs, registry
from ..adapters.common import ConnectionAdapter
from ..exceptions import RetailBusinessError, RetailTransientError
from .retail_event import EVENTS_PER_JOB, MANAGER_GROUP, inbox_now

# Credentials kept encrypted at rest: the field the manager types into, and
# the column that stores the ciphertext (readable by nobody but sudo code).
SECRET_FIELDS = (
    "api_key",
    "api_secret",
    "access_token",
    "refresh_token",
    "webhook_secret",
    "webhook_secret_previous",
)
SECRET_MASK = "••••••••"

OWNER_SELECTION = [("odoo", "Odoo"), ("channel", "Channel")]


def _secret_field(**kwargs):
    """What a manager types a credential into; it reads back masked."""
    return fields.Char(
        compute="_compute_secrets",
        inverse="_inverse_secrets",
        groups=MANAGER_GROUP,
        **kwargs,
    )


def _ciphertext_field():
    """Where a credential is stored, encrypted; only sudo code reads it."""
    return fields.Char(groups="base.group_system", copy=False)


class RetailBackend(models.Model):
    """One account on an external channel: a marketplace or web store, a store
    chain's POS, a loyalty engine or a payment provider.

    Channel modules add their platforms to ``platform`` with ``selection_add``,
    the way Odoo's payment providers extend ``code``, and override the small
    ``_webhook_*`` hooks for their platform.
    """

    _name = "retail.backend"
    _description = "Retail Channel Backend"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, name, id"

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    test_mode = fields.Boolean(
        tracking=True,
        help="Talk to the platform's sandbox or test account. Orders and "
        "payouts from a backend in test mode are marked as such.",
    )
    kind = fields.Selection(
        selection=[
            ("marketplace", "Marketplace / Web store"),
            ("pos", "Store POS"),
            ("loyalty", "Loyalty engine"),
            ("payment", "Payment provider"),
        ],
        required=True,
        tracking=True,
        help="What the channel does for the retailer; it decides which flows "
        "and screens apply to this backend.",
    )
    platform = fields.Selection(
        selection=[("simulator", "Simulator (generic protocol)")],
        required=True,
        default="simulator",
        tracking=True,
        help="The external platform this backend talks to. Each channel module "
        "adds the platforms it has an adapter for.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        help="Receives the activities raised when a message from this channel "
        "cannot be processed.",
    )

    # === CONNECTION === #
    api_url = fields.Char(
        string="API base URL",
        tracking=True,
        help="For example https://mystore.example.com/api; the platform's "
        "documentation gives it.",
    )
    api_version = fields.Char(
        string="API version",
        tracking=True,
        help="Pinned so that a platform's new version never changes payloads "
        "under a running integration.",
    )
    request_timeout = fields.Integer(
        default=30,
        help="Seconds a call to the platform may take, from connecting to the "
        "last byte of its answer, before it is given up.",
    )

    rate_limit = fields.Float(
        string="Requests per second",
        default=2.0,
        help="Sustained rate of calls to the platform, shared by all Odoo "
        "workers. Set it a little under the platform's documented limit.",
    )
    rate_burst = fields.Integer(
        string="Burst",
        default=10,
        help="How many calls may go at once after a quiet period.",
    )
    breaker_threshold = fields.Integer(
        string="Failures before pausing",
        default=5,
        help="After this many consecutive failed calls the backend's exports "
        "pause (the circuit opens) instead of hammering a platform that is down.",
    )
    breaker_cooldown = fields.Integer(
        string="Pause (s)",
        default=60,
        help="How long exports pause before one trial call checks whether the "
        "platform is back.",
    )
    operation_throttle_ids = fields.One2many(
        "retail.backend.operation.throttle",
        "backend_id",
        string="Rate limits per operation",
        readonly=True,
        help="The buckets of platforms that limit each operation on its own, "
        "with the rate the platform last stated.",
    )
    circuit_state = fields.Selection(
        [("closed", "Closed"), ("open", "Open"), ("half_open", "Trial pending")],
        compute="_compute_circuit_state",
        help="Open: calls to the platform are paused after repeated failures.",
    )
    log_bodies = fields.Boolean(
        string="Log request bodies",
        help="Keep request and response bodies in the request log, with "
        "secrets and personal data masked.",
    )
    log_retention_days = fields.Integer(string="Keep request logs (days)", default=14)
    payload_retention_days = fields.Integer(
        string="Keep processed payloads (days)",
        default=90,
        help="The payloads of events processed or cancelled longer ago than "
        "this are emptied every night: they hold customers' names, addresses "
        "and emails. Failed and waiting events keep theirs until resolved. "
        "0 keeps them for ever.",
    )

    # === CREDENTIALS (encrypted at rest) === #
    api_key = _secret_field(string="API key")
    api_secret = _secret_field(string="API secret")
    access_token = _secret_field(string="Access token")
    refresh_token = _secret_field(
        help="What platforms that hand out short-lived access tokens (OAuth) "
        "exchange for a new one: the seller's authorization of the "
        "application. The access tokens themselves are never stored."
    )
    webhook_secret = _secret_field(
        help="The secret the platform signs its webhooks with."
    )
    webhook_secret_previous = _secret_field(
        string="Previous webhook secret",
        help="Still accepted while the platform switches to the new secret, so "
        "that rotating the secret loses no delivery. Clear it once done.",
    )
    api_key_encrypted = _ciphertext_field()
    api_secret_encrypted = _ciphertext_field()
    access_token_encrypted = _ciphertext_field()
    refresh_token_encrypted = _ciphertext_field()
    webhook_secret_encrypted = _ciphertext_field()
    webhook_secret_previous_encrypted = _ciphertext_field()

    # === WEBHOOKS === #
    webhook_token = fields.Char(
        default=lambda self: secrets.token_urlsafe(24),
        required=True,
        copy=False,
        readonly=True,
        groups=MANAGER_GROUP,
        help="The unguessable part of the webhook URL.",
    )
    webhook_url = fields.Char(
        compute="_compute_webhook_url",
        groups=MANAGER_GROUP,
        help="Give this URL to the platform as its webhook destination.",
    )
    webhook_max_bytes = fields.Integer(
        string="Largest webhook body (bytes)",
        default=1024 * 1024,
        help="Larger deliveries are refused with HTTP 413.",
    )
    webhook_tolerance = fields.Integer(
        string="Signature age tolerance (s)",
        default=300,
        help="A signed delivery whose timestamp is further than this from now "
        "is refused as a possible replay.",
    )

    # === PROCESSING === #
    max_attempts = fields.Integer(
        default=5,
        help="How many times an event is tried when it fails for a transient "
        "reason (network, rate limit, lock conflict) before it is kept as "
        "failed and an activity is raised.",
    )
    retry_delay = fields.Integer(
        string="First retry delay (s)",
        default=30,
        help="Delay before the first retry; each further retry waits twice as "
        "long, with some random spread.",
    )

    # === ALERTS (retail.metrics._cron_check_alerts; 0 switches one off) === #
    alert_lag_minutes = fields.Integer(
        string="Alert when the oldest waiting event is older than (min)",
        default=30,
        help="Raises an activity for the responsible person while the inbox "
        "lags more than this; marked done once it catches up.",
    )
    alert_failed_events = fields.Integer(
        string="Alert from this many failed events",
        default=10,
        help="Raises an activity while at least this many events are kept as "
        "failed; marked done once fewer are.",
    )
    alert_circuit_minutes = fields.Integer(
        string="Alert when calls are paused longer than (min)",
        default=15,
        help="Raises an activity while the circuit breaker has been open "
        "(calls to the platform failing) longer than this.",
    )

    # === OWNERSHIP === #
    owner_products = fields.Selection(
        OWNER_SELECTION,
        string="Products owned by",
        default="odoo",
        required=True,
        tracking=True,
        help="The source of truth for the catalog: flows never overwrite the "
        "side that does not own it.",
    )
    owner_prices = fields.Selection(
        OWNER_SELECTION,
        string="Prices owned by",
        default="odoo",
        required=True,
        tracking=True,
    )
    owner_stock = fields.Selection(
        OWNER_SELECTION,
        string="Stock owned by",
        default="odoo",
        required=True,
        tracking=True,
    )
    owner_customers = fields.Selection(
        OWNER_SELECTION,
        string="Customers owned by",
        default="channel",
        required=True,
        tracking=True,
    )

    event_ids = fields.One2many("retail.event", "backend_id")
    flow_ids = fields.One2many(
        "retail.backend.flow", "backend_id", string="Flows", copy=True
    )
    mapping_ids = fields.One2many(
        "retail.mapping", "backend_id", string="Mappings", copy=True
    )

    # === DASHBOARD === #
    event_pending_count = fields.Integer(
        "Waiting", compute="_compute_dashboard", help="Events not processed yet."
    )
    event_failed_count = fields.Integer(
        "Failed", compute="_compute_dashboard", help="Events kept as failed."
    )
    oldest_pending_minutes = fields.Integer(
        "Oldest waiting (min)",
        compute="_compute_dashboard",
        help="How long the oldest waiting event has waited: the backend's lag.",
    )
    last_success_at = fields.Datetime(
        "Last success",
        compute="_compute_dashboard",
        help="Last event processed or batch flow run successfully.",
    )
    blocked_summary = fields.Char(
        "Blocked", compute="_compute_dashboard", help="What the failures hold up."
    )

    _sql_constraints = [
        (
            "webhook_token_unique",
            "unique(webhook_token)",
            "Each backend needs its own webhook token.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        default_platform = self.default_get(["platform"]).get("platform")
        for vals in vals_list:
            platform = vals.get("platform") or default_platform
            defaults = registry.backend_defaults(self.env, platform, vals)
            for name, value in defaults.items():
                vals.setdefault(name, value)
        return super().create(vals_list)

    def write(self, vals):
        # What this worker remembers of the backends for webhooks is checked
        # against their row version, which a write in a transaction still
        # open (a test's, a script's) does not change yet.
        self._webhook_memory().clear()
        return super().write(vals)

    def unlink(self):
        self._webhook_memory().clear()
        return super().unlink()

    @api.model
    @tools.ormcache()
    def _webhook_memory(self):
        """The worker's memory of backends for webhooks (``intake._memory``),
        filled by the intake, emptied with Odoo's cache."""
        return {}

    # === COMPUTE METHODS === #
    def _compute_secrets(self):
        for backend in self:
            stored = backend.sudo()
            for name in SECRET_FIELDS:
                backend[name] = SECRET_MASK if stored[f"{name}_encrypted"] else False

    def _inverse_secrets(self):
        for backend in self:
            for name in SECRET_FIELDS:
                if not self.env.cache.contains(backend, self._fields[name]):
                    # Not written now. The ORM protects every field of this
                    # compute during the write, so reading it would give
                    # False and erase the stored secret.
                    continue
                value = backend[name]
                if value == SECRET_MASK:
                    continue
                backend.sudo()[f"{name}_encrypted"] = (
                    crypto.encrypt(self.env, value) if value else False
                )

    def _compute_dashboard(self):
        Event = self.env["retail.event"]
        counts = {
            (backend.id, state): count
            for backend, state, count in Event._read_group(
                [
                    ("backend_id", "in", self.ids),
                    ("state", "in", ["pending", "failed"]),
                ],
                ["backend_id", "state"],
                ["__count"],
            )
        }
        oldest = dict(
            Event._read_group(
                [("backend_id", "in", self.ids), ("state", "=", "pending")],
                ["backend_id"],
                ["received_at:min"],
            )
        )
        last_done = dict(
            Event._read_group(
                [("backend_id", "in", self.ids), ("state", "=", "done")],
                ["backend_id"],
                ["processed_at:max"],
            )
        )
        last_flow_success = dict(
            self.env["retail.backend.flow"]._read_group(
                [("backend_id", "in", self.ids)],
                ["backend_id"],
                ["last_success_at:max"],
            )
        )
        now = fields.Datetime.now()
        for backend in self:
            backend.event_pending_count = counts.get((backend.id, "pending"), 0)
            backend.event_failed_count = counts.get((backend.id, "failed"), 0)
            received = oldest.get(backend)
            backend.oldest_pending_minutes = (
                int((now - received).total_seconds() // 60) if received else 0
            )
            backend.last_success_at = max(
                [
                    date
                    for date in (last_done.get(backend), last_flow_success.get(backend))
                    if date
                ],
                default=False,
            )
            backend.blocked_summary = backend._get_blocked_summary()

    def _get_blocked_summary(self):
        """What the backend's failed events hold up, in a few words. Channel
        modules override it to speak of orders and their value.

        Note: self.ensure_one
        """
        self.ensure_one()
        if not self.event_failed_count:
            return False
        return self.env._(
            "%(count)s messages wait for a fix", count=self.event_failed_count
        )

    def action_open_events(self):
        """Open this backend's events, filtered by the state in the context."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_connector_base.retail_event_action"
        )
        state = self.env.context.get("event_state")
        action["domain"] = [("backend_id", "=", self.id)] + (
            [("state", "=", state)] if state else []
        )
        return action

    def _compute_circuit_state(self):
        throttles = (
            self.env["retail.backend.throttle"]
            .sudo()
            .search([("backend_id", "in", self.ids)])
        )
        by_backend = {throttle.backend_id.id: throttle for throttle in throttles}
        # Microseconds matter for short pauses; fields.Datetime.now() drops them.
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        for backend in self:
            throttle = by_backend.get(backend.id)
            if not throttle or throttle.failures < backend.breaker_threshold:
                backend.circuit_state = "closed"
            elif (now - throttle.opened_at).total_seconds() < backend.breaker_cooldown:
                backend.circuit_state = "open"
            else:
                backend.circuit_state = "half_open"

    @api.depends("webhook_token")
    def _compute_webhook_url(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for backend in self:
            backend.webhook_url = f"{base_url}/retail/webhook/{backend.webhook_token}"

    # === CONSTRAINT METHODS === #
    @api.constrains("api_url")
    def _check_api_url(self):
        for backend in self:
            if backend.api_url and not http_client.is_allowed_url(backend.api_url):
                raise ValidationError(
                    self.env._(
                        "The API base URL %(url)s cannot be used: credentials are "
                        "sent only over https://, or over plain http:// to this "
                        "machine (localhost, 127.0.0.1, ::1) for tests and the "
                        "simulator.",
                        url=http_client.mask_url(backend.api_url),
                    )
                )

    # === ACTIONS === #
    def action_regenerate_webhook_token(self):
        """Give the backend a new webhook URL, for example after it leaked; the
        old URL stops working at once."""
        for backend in self:
            backend.webhook_token = secrets.token_urlsafe(24)
            backend.message_post(body=self.env._("A new webhook URL was generated."))

    def action_test_connection(self):
        """Call the platform once with the configured URL and credentials."""
        self.ensure_one()
        try:
            self._test_connection()
        except RetailTransientError as error:
            # A person pressed the button: an answer in words, not a traceback.
            raise UserError(
                self.env._(
                    "%(name)s did not answer: %(error)s", name=self.name, error=error
                )
            ) from error
        warnings = self._adapter("connection").test_warnings()
        params = {
            "type": "warning" if warnings else "success",
            "message": " ".join(
                [self.env._("%(name)s answered.", name=self.name), *warnings]
            ),
        }
        if warnings:
            params["sticky"] = True
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": params,
        }

    @api.model
    def action_reencrypt_credentials(self):
        """Encrypt every stored credential again with the first configured
        key, so that the keys after it can be removed from the configuration.
        Every backend, archived and of every company: one left behind would
        become unreadable once the old key is gone. All or nothing: a
        credential no configured key decrypts stops it."""
        if not self.env.is_superuser() and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only connector managers may re-encrypt credentials.")
            )
        backends = self.sudo().with_context(active_test=False).search([])
        count = 0
        for backend in backends:
            for name in SECRET_FIELDS:
                token = backend[f"{name}_encrypted"]
                if token:
                    backend[f"{name}_encrypted"] = crypto.rotate(self.env, token)
                    count += 1
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(count)s credentials of %(backends)s backends are now "
                    "encrypted with the first configured key; the other keys "
                    "can be removed from %(option)s.",
                    count=count,
                    backends=len(backends),
                    option=crypto.KEY_CONFIG_OPTION,
                ),
            },
        }

    # === BUSINESS METHODS === #
    def _request(self, method, path, json_body=None, params=None, **options):
        """Call the platform's API; see ``http_client.request`` for the
        errors and the ``options`` (``headers``, ``links``)."""
        self.ensure_one()
        return http_client.request(self, method, path, json_body, params, **options)

    def _adapter(self, capability):
        """The backend's platform adapter for ``capability`` (see
        ``registry``).

        :raise RetailBusinessError: when no installed module implements it
        """
        self.ensure_one()
        adapter_class = registry.adapter_class(self.env, self.platform, capability)
        if not adapter_class:
            raise RetailBusinessError(
                self.env._(
                    "%(platform)s backends cannot do %(capability)s: no installed "
                    "module implements it for them.",
                    platform=self.platform,
                    capability=capability,
                ),
                code="no_adapter",
            )
        return adapter_class(self)

    def _has_adapter(self, capability):
        self.ensure_one()
        return bool(registry.adapter_class(self.env, self.platform, capability))

    def _get_secret(self, name):
        """Plaintext of one credential, for the adapters. Never log or display it.

        Note: self.ensure_one
        """
        self.ensure_one()
        token = self.sudo()[f"{name}_encrypted"]
        return crypto.decrypt(self.env, token) if token else None

    def _get_webhook_secrets(self):
        """The secrets a delivery may be signed with: current, then previous."""
        return [
            secret
            for secret in (
                self._get_secret("webhook_secret"),
                self._get_secret("webhook_secret_previous"),
            )
            if secret
        ]

    def _owns(self, domain):
        """Whether Odoo is the source of truth for ``domain`` (products, prices,
        stock or customers) on this backend: exports of a domain Odoo owns and
        imports of a domain the channel owns are the only writes allowed."""
        self.ensure_one()
        return self[f"owner_{domain}"] == "odoo"

    def _get_flow_mode(self, flow):
        """'realtime', 'batch' or 'off': a flow not set up on the backend is off."""
        self.ensure_one()
        setting = self.flow_ids.filtered(lambda record: record.flow == flow)
        return setting.mode if setting else "off"

    def _map(self, mapping_type, external_code):
        """The Odoo record the channel means by ``external_code``.

        :raise RetailBusinessError: when the code is not mapped, naming it and
            linking to where the mapping is created
        """
        self.ensure_one()
        mapping = self.mapping_ids.filtered(
            lambda record: record.mapping_type == mapping_type
            and record.external_code == str(external_code)
        )
        if mapping:
            return mapping.odoo_ref
        label = dict(self.env["retail.mapping"]._fields["mapping_type"].selection)
        raise RetailBusinessError(
            self.env._(
                "No %(type)s mapping for the code '%(code)s' on %(backend)s. "
                "Add it under Mappings on the backend: %(url)s",
                type=label[mapping_type].lower(),
                code=external_code,
                backend=self.name,
                url=f"/odoo/retail.backend/{self.id}",
            ),
            code=f"unmapped_{mapping_type}",
        )

    def _job_route(self, flow=None):
        """``with_delay`` options (channel and priority) of this backend's
        jobs of ``flow``: its lane (``jobs.FLOW_LANES``), then its kind, then
        the backend, so that a capacity can be set per lane, per lane and
        kind, or per backend."""
        self.ensure_one()
        return jobs.route(self.kind, self.id, flow)

    def _get_queue_channel(self, flow=None):
        """The job channel of this backend's ``flow`` (``_job_route``)."""
        return self._job_route(flow)["channel"]

    # === PLATFORM DISPATCH (the adapters hold the platform code) === #
    def _get_request_headers(self):
        """Headers every call to the platform carries (authentication)."""
        self.ensure_one()
        if not self._has_adapter("connection"):
            return ConnectionAdapter(self).request_headers()
        return self._adapter("connection").request_headers()

    def _run_flow(self, flow):
        """Run one batch of ``flow`` (a ``retail.backend.flow``) and return the
        new checkpoint. Channel modules extend it for their flows."""
        self.ensure_one()
        raise RetailBusinessError(
            self.env._(
                "The %(flow)s flow has no batch run for %(platform)s backends.",
                flow=flow.flow,
                platform=self.platform,
            ),
            code="no_flow_runner",
        )

    def _test_connection(self):
        """Make one harmless call; raise when it does not answer."""
        self.ensure_one()
        return self._adapter("connection").test()

    def _webhook_is_ping(self, headers, body):
        self.ensure_one()
        return self._has_adapter("webhook") and self._adapter("webhook").is_ping(
            headers, body
        )

    def _webhook_verify(self, headers, body):
        """None when the delivery is signed by one of the backend's secrets,
        else a short reason (see ``WebhookAdapter.verify``)."""
        self.ensure_one()
        if not self._has_adapter("webhook"):
            return "no signature check is implemented for this platform"
        return self._adapter("webhook").verify(headers, body)

    def _webhook_receive(self, headers, body):
        """Store a verified delivery; what became of it, for the answer.

        :raise ValueError: when the body is not valid for its topic
        """
        self.ensure_one()
        if not self._has_adapter("webhook"):
            raise ValueError("no webhook parser for this platform")
        return self._adapter("webhook").receive(headers, body)

    def _webhook_store(self, values, alone=False):
        """Store a delivery's inbox values (``WebhookAdapter.parse``), once.
        ``alone``: nothing else of the delivery is stored (``_receive``).

        :return: the new event, or an empty recordset for a duplicate
        """
        return self.env["retail.event"]._receive(
            self,
            values["topic"],
            values["dedupe_key"],
            json.dumps(values["payload"]),
            external_updated_at=values.get("external_updated_at"),
            subject=values.get("subject_key"),
            delivery_id=values.get("delivery_id"),
            alone=alone,
        )

    # === JOBS === #
    def _event_job_identity(self):
        """The identity key of the backend's immediate processing job."""
        return f"retail_process_events_{self.id}"

    def _enqueue_event_processing(self, eta=None, job_waits=None):
        """Make sure a job will process this backend's due events: the
        inbox's one wake-up, called for every event stored or put back in
        the queue (readme/DESCRIPTION.md, "How an event gets processed").

        Immediate jobs share an identity key, so a burst of deliveries gives
        one waiting job, not one per delivery; ``jobs.delay_drain`` enqueues
        again after the commit when that waiting job was reused, so a job
        that had in fact already started, on a snapshot without this
        transaction's events, gets a successor that sees them. A retry gets
        a job of its own at its due time (``eta``). Jobs run as the
        superuser in the backend's company: the platform, not a person, is
        acting. ``job_waits``: the caller saw the waiting job already
        (``retail.event._receive``), so only the check after the commit is
        left to do.
        """
        self.ensure_one()
        as_platform = self.with_user(SUPERUSER_ID).with_company(self.company_id)
        options = {
            **self._job_route("_process_events"),
            "description": self.env._("Process events of %(name)s", name=self.name),
        }
        if eta:
            as_platform.with_delay(eta=eta, **options)._process_events()
        else:
            jobs.delay_drain(
                as_platform,
                "_process_events",
                self._event_job_identity(),
                job_waits=job_waits,
                **options,
            )

    def _process_events(self):
        """Job: process the backend's due events, a batch at a time."""
        self.ensure_one()
        events = self.env["retail.event"]._due_events(
            self, limit=EVENTS_PER_JOB, lock=True
        )
        processed = events._process()
        if len(events) == EVENTS_PER_JOB or processed != events:
            # Work this job leaves behind, which no delivery will enqueue a
            # job for: handed to a fresh job.
            self._enqueue_event_processing()
        return f"{len(processed)} events processed"

    @api.model
    def _cron_process_waiting_events(self):
        """Scheduled action: a safety net only, never the way events get
        processed. It enqueues the inbox job of every backend whose due
        events have waited over a minute, which happens only when a job was
        lost: the runner or the server died between a commit and the
        enqueue after it, or a job's worker was killed for good."""
        Event = self.env["retail.event"]
        received_before = inbox_now() - timedelta(minutes=1)
        # Every backend the database holds, whatever the company or its
        # state: what waits there is lost work all the same.
        backends = self.sudo().with_context(active_test=False).search([])
        for backend in backends:
            if Event._due_events(backend, limit=1, received_before=received_before):
                backend._enqueue_event_processing()
