# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import logging
import random
import time
from datetime import datetime, timedelta, timezone

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .. import retry
from ..db import execute_prepared, outside_transaction
from ..exceptions import BackendChanged, RetailBusinessError

_logger = logging.getLogger(__name__)

USER_GROUP = "retail_connector_base.retail_connector_group_user"
MANAGER_GROUP = "retail_connector_base.retail_connector_group_manager"

# How processing went: the only fields of an event that change once it is
# stored, and only through the inbox's own methods (see ``_write_outcome``).
OUTCOME_FIELDS = frozenset(
    {
        "state",
        "attempts",
        "conflicts",
        "next_attempt_at",
        "processed_at",
        "failure_kind",
        "failure_code",
        "last_error",
        "res_model",
        "res_id",
    }
)

# Events one job processes before it hands over to a fresh job: large enough
# that per-job overhead does not dominate, small enough to fit a worker's limits.
EVENTS_PER_JOB = 100
# Seconds of handling after which a job hands the rest of its events over: a
# job runs in an HTTP worker, killed (and the job started over) past Odoo's
# limit_time_real, 120 s by default, which a loaded machine could reach.
EVENTS_JOB_BUDGET = 45

# Tables a handler touches as a side effect, not worth showing in a dry run.
DRY_RUN_HIDDEN_PREFIXES = ("mail.", "ir.", "bus.", "queue.job", "retail.event")

# A write that lost a race with a concurrent job (two batches of one store
# booking into the same session, say) is not the event's fault: it is retried
# in a fresh transaction without spending one of the backend's attempts.
CONFLICT_ERRORS = (
    psycopg2.errors.SerializationFailure,
    psycopg2.errors.LockNotAvailable,
    psycopg2.errors.DeadlockDetected,
)
# Beyond this many lost races in a row, conflicts count as attempts, so an
# event that can never win still ends as failed with an activity.
MAX_CONFLICTS = 30

# Stores one message once (``retail.event._receive``), checking the backend is
# the version it was checked against, and says whether the backend's inbox
# job waits: one statement, which a webhook's answer waits on.
STORE_EVENT = """
    WITH backend AS (
        SELECT id FROM retail_backend
         WHERE id = %(backend)s
           AND (%(version)s::text IS NULL OR xmin::text = %(version)s)
    ), new AS (
    INSERT INTO retail_event (
        backend_id, company_id, kind, topic, dedupe_key, subject_key,
        delivery_id, payload, external_updated_at, received_at, state,
        attempts,
        create_uid, create_date, write_uid, write_date
    )
    SELECT id, %(company)s, %(kind)s, %(topic)s, %(dedupe)s,
           %(subject)s, %(delivery)s, %(payload)s,
           %(updated)s::timestamp, %(received)s::timestamp, 'pending',
           0, %(uid)s, now() at time zone 'UTC', %(uid)s,
           now() at time zone 'UTC'
      FROM backend
    ON CONFLICT (backend_id, dedupe_key) DO NOTHING
    RETURNING id
    )
    SELECT (SELECT id FROM new), EXISTS (
        SELECT 1 FROM queue_job
         WHERE identity_key = %(job)s
           AND state IN ('pending', 'enqueued', 'wait_dependencies')
    ), EXISTS (SELECT 1 FROM backend)
    """
STORE_EVENT_TYPES = {
    "backend": "int",
    "version": "text",
    "company": "int",
    "kind": "varchar",
    "topic": "varchar",
    "dedupe": "varchar",
    "subject": "varchar",
    "delivery": "varchar",
    "payload": "text",
    "updated": "timestamp",
    "received": "timestamp",
    "uid": "int",
    "job": "varchar",
}


def inbox_now():
    """The inbox's one clock: the application's wall clock, in UTC, to the
    microsecond. Events are received, set due for a retry and found due by
    it, and a retry's job gets the same instant as its eta, which the
    queue_job runner compares with its own wall clock. Not PostgreSQL's
    now(), the start of a possibly long transaction; not a clock cut to the
    second, which would find a retry not due yet when its job runs and
    leave it waiting for the safety net."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class _RollbackDryRun(Exception):
    """Raised to leave a dry run's savepoint, undoing everything in it."""


class RetailEvent(models.Model):
    """The inbox: every message received from a channel, stored before it is
    acknowledged, then processed once by a queue job.

    ``(backend_id, dedupe_key)`` is unique in the database, so a message the
    platform delivers twice, even at the same moment on two workers, is stored
    and processed once.
    """

    _name = "retail.event"
    _description = "Retail Channel Event"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "received_at desc, id desc"
    _rec_name = "topic"

    backend_id = fields.Many2one(
        "retail.backend", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    kind = fields.Selection(related="backend_id.kind", store=True)
    topic = fields.Char(required=True, index=True, readonly=True)
    dedupe_key = fields.Char(
        required=True,
        readonly=True,
        help="The platform's event or delivery id, or a hash of the payload.",
    )
    delivery_id = fields.Char(
        readonly=True,
        help="The platform's id of this delivery, when it differs from the "
        "event id (Shopify's webhook id), kept for support requests.",
    )
    subject_key = fields.Char(
        readonly=True,
        index=True,
        help="The external object the event is about (an order id, a SKU): "
        "failures of the same kind on the same object share one activity.",
    )
    # Names, addresses and emails of customers: for managers only.
    payload = fields.Text(readonly=True, groups=MANAGER_GROUP)
    payload_purged_at = fields.Datetime(
        "Payload removed",
        readonly=True,
        help="When the payload was emptied under the backend's retention "
        "policy, the event having been processed or cancelled.",
    )
    received_at = fields.Datetime(
        required=True, readonly=True, default=fields.Datetime.now, index=True
    )
    external_updated_at = fields.Datetime(
        readonly=True,
        help="When the platform last changed the object, as the event says: an "
        "event older than what Odoo already has never rolls a record back.",
    )
    state = fields.Selection(
        [
            ("pending", "Waiting"),
            ("done", "Done"),
            ("failed", "Failed"),
            ("cancelled", "Cancelled"),
        ],
        default="pending",
        required=True,
        index=True,
        tracking=True,
    )
    attempts = fields.Integer(readonly=True)
    conflicts = fields.Integer(
        readonly=True,
        help="Times processing lost a race with a concurrent write and was "
        "retried in a fresh transaction; these are not counted as attempts.",
    )
    next_attempt_at = fields.Datetime(readonly=True)
    processed_at = fields.Datetime(readonly=True)
    lag_seconds = fields.Float(
        "Lag (s)",
        compute="_compute_lag_seconds",
        store=True,
        aggregator="avg",
        help="From reception to processing: how long the message waited for "
        "the queue and its handler. Empty while it waits.",
    )
    failure_kind = fields.Selection(
        [("transient", "Transient"), ("business", "Business")], readonly=True
    )
    failure_code = fields.Char(readonly=True)
    last_error = fields.Text(readonly=True)
    res_model = fields.Char("Linked model", readonly=True)
    res_id = fields.Many2oneReference(
        "Linked record id", model_field="res_model", readonly=True
    )

    _sql_constraints = [
        (
            "dedupe_unique",
            "unique(backend_id, dedupe_key)",
            "This message was already received from this backend.",
        ),
    ]

    # === COMPUTE METHODS === #
    @api.depends("received_at", "processed_at")
    def _compute_lag_seconds(self):
        for event in self:
            if event.received_at and event.processed_at:
                event.lag_seconds = max(
                    (event.processed_at - event.received_at).total_seconds(), 0.0
                )
            else:
                event.lag_seconds = 0.0

    # === CRUD METHODS === #
    def write(self, vals):
        """Chatter, followers and activities only: the inbox is append-only.

        The job books events as the superuser, so an event rewritten through
        the ORM (its payload, topic or state) would book what the platform
        never signed; no caller may, with sudo or not, whatever the context.
        How processing went is recorded by ``_write_outcome``, which RPC
        cannot reach."""
        refused = set(vals) - self._get_writable_fields()
        if refused:
            raise AccessError(
                self.env._(
                    "Channel events keep what was received and how it was "
                    "processed; they cannot be edited (%(fields)s). Use Retry, "
                    "Dry run or Cancel.",
                    fields=", ".join(sorted(refused)),
                )
            )
        return super().write(vals)

    @api.model
    def _get_writable_fields(self):
        mixins = self.env["mail.thread"]._fields.keys() | set(
            self.env["mail.activity.mixin"]._fields
        )
        return mixins - set(models.MAGIC_COLUMNS)

    def _write_outcome(self, vals):
        """Record how processing went: the only way an event's own fields
        change. Private, so no RPC call reaches it, and limited to the
        outcome, so what was received stays as it was received."""
        unexpected = set(vals) - OUTCOME_FIELDS
        if unexpected:
            raise ValueError(f"Not outcome fields of an event: {sorted(unexpected)}")
        # Past this class's write(), on purpose: see its docstring.
        return super().write(vals)

    # === INTAKE === #
    @api.model
    def _receive(
        self,
        backend,
        topic,
        dedupe_key,
        payload,
        external_updated_at=None,
        subject=None,
        delivery_id=None,
        alone=False,
    ):
        """Store a message once and enqueue its processing.

        Uses ``INSERT .. ON CONFLICT DO NOTHING`` rather than a search then a
        create: two workers receiving the same delivery at the same moment
        both get an answer, and only one row exists. The same statement says
        whether the backend's processing job already waits, which spares the
        webhook's answer a query (``_enqueue_event_processing``), and, when
        the backend was checked from what a worker remembered of it
        (context ``retail_backend_version``, ``intake``), whether the backend
        is still that version; if not, nothing is stored. ``alone``: the
        caller stores nothing else with it (a webhook of one message), so the
        statement may commit by itself when no transaction is open.

        :return: the new event, or an empty recordset when it is a duplicate
        :raise BackendChanged: when the backend is not the version checked
        """
        version = self.env.context.get("retail_backend_version")
        cr = self.env.cr
        with outside_transaction(cr) if alone else contextlib.nullcontext():
            execute_prepared(
                cr,
                "retail_store_event",
                STORE_EVENT,
                {
                    "backend": backend.id,
                    "version": version,
                    "company": backend.company_id.id,
                    "kind": backend.kind,
                    "topic": topic,
                    "dedupe": dedupe_key,
                    "subject": subject,
                    "delivery": delivery_id,
                    "payload": payload,
                    "updated": external_updated_at,
                    "received": inbox_now(),
                    "uid": self.env.uid,
                    "job": backend._event_job_identity(),
                },
                STORE_EVENT_TYPES,
                # A copy losing the race to a concurrent one fails to serialize
                # and is replayed; Odoo would first log the failed query, payload
                # (customer emails, addresses) included.
                log_exceptions=False,
            )
            event_id, job_waits, same_backend = cr.fetchone()
        if not same_backend:
            raise BackendChanged()
        if not event_id:
            return self.browse()
        backend._enqueue_event_processing(job_waits=job_waits)
        return self.browse(event_id)

    # === PROCESSING === #
    def _get_event_handler(self):
        """The callable that processes this event, or None.

        Channel modules override it for their topics, for example::

            def _get_event_handler(self):
                if self.kind == "marketplace" and self.topic == "orders/create":
                    return self.env["retail.order.binding"]._import_order_event
                return super()._get_event_handler()

        The handler is called with the event and returns the Odoo record the
        event created or changed (or None).

        Note: self.ensure_one
        """
        self.ensure_one()
        return None

    def _on_processed(self, record):
        """Called with what the event's handler returned, in the handler's
        savepoint. Modules that react to what any channel books (loyalty
        points on a sale, say) override it rather than each channel's
        handler: a failure here undoes the booking with it, and the event
        is retried or failed like any handler failure.

        Note: self.ensure_one
        """
        self.ensure_one()

    @api.model
    def _due_events(self, backends, limit=None, lock=False, received_before=None):
        """Pending events of ``backends`` that are due, oldest first: the
        inbox's one definition of work waiting for a job, read by the job
        and by the safety net alike, against the inbox's one clock
        (``inbox_now``).

        :param limit: at most this many events
        :param lock: lock them for this transaction's job; events another
            job is already working on are skipped, not waited for
        :param received_before: only events received before then
        """
        self.flush_model(["backend_id", "state", "next_attempt_at", "received_at"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM retail_event
                 WHERE backend_id = ANY(%s) AND state = 'pending'
                   AND (next_attempt_at IS NULL OR next_attempt_at <= %s)
                   %s
                 ORDER BY received_at, id
                 %s %s
                """,
                list(backends.ids),
                inbox_now(),
                SQL("AND received_at < %s", received_before)
                if received_before
                else SQL(),
                SQL("LIMIT %s", limit) if limit else SQL(),
                SQL("FOR UPDATE SKIP LOCKED") if lock else SQL(),
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def _process(self):
        """Process each event in its own savepoint: what one handler wrote is
        kept only if it succeeded, and one failure never undoes the others.

        Stops at the first lost race: this transaction's snapshot is stale,
        so the events after it would likely lose too. Stops as well once the
        job's time budget is spent. The events left are pending and due for a
        fresh job.

        :return: the events processed, lost race included
        """
        processed = self.browse()
        deadline = time.monotonic() + EVENTS_JOB_BUDGET
        for event in self:
            if processed and time.monotonic() > deadline:
                break
            processed |= event
            handler = event._get_event_handler()
            try:
                if not handler:
                    raise RetailBusinessError(
                        self.env._(
                            "Nothing handles '%(topic)s' messages from %(platform)s "
                            "backends: is the channel module for it installed?",
                            topic=event.topic,
                            platform=event.backend_id.platform,
                        ),
                        code="no_handler",
                    )
                with self.env.cr.savepoint():
                    record = handler(event)
                    event._on_processed(record)
            except CONFLICT_ERRORS as error:
                event._retry_after_conflict(error)
                break
            except UserError as error:
                event._fail("business", getattr(error, "code", "business"), error)
            except retry.TRANSIENT_ERRORS as error:
                event._retry_later(error)
            except Exception as error:  # noqa: BLE001
                # An unexpected error may be a bug or a passing glitch: retry it
                # like a transient one, so it ends as failed with an activity.
                _logger.exception(
                    "Unexpected error on retail event %s (%s)", event.id, event.topic
                )
                event._retry_later(error, code="unexpected")
            else:
                event._succeed(record)
        return processed

    def _succeed(self, record):
        self._write_outcome(
            {
                "state": "done",
                "processed_at": inbox_now(),
                "attempts": self.attempts + 1,
                "next_attempt_at": False,
                "failure_kind": False,
                "failure_code": False,
                "last_error": False,
                "res_model": record._name if record else False,
                "res_id": record.id if record else False,
            }
        )
        self._close_activities_when_resolved()

    def _retry_later(self, error, code="transient"):
        """Schedule the next attempt under the suite's retry policy, or fail
        the event once the backend's attempts are spent."""
        attempts = self.attempts + 1
        backend = self.backend_id
        if retry.exhausted(attempts, backend.max_attempts):
            self._write_outcome({"attempts": attempts})
            self._fail("transient", code, error, exhausted=True)
            return
        wait = retry.delay(
            attempts, backend.retry_delay, getattr(error, "retry_after", None)
        )
        next_attempt_at = inbox_now() + timedelta(seconds=wait)
        self._write_outcome(
            {
                "attempts": attempts,
                "next_attempt_at": next_attempt_at,
                "failure_kind": "transient",
                "failure_code": code,
                "last_error": str(error),
            }
        )
        backend._enqueue_event_processing(eta=next_attempt_at)

    def _retry_after_conflict(self, error):
        conflicts = self.conflicts + 1
        if conflicts > MAX_CONFLICTS:
            self._write_outcome({"conflicts": 0})
            self._retry_later(error, code="conflict")
            return
        # Not the retry policy: a lost race is no failure, and is retried
        # within seconds. Spread the contenders apart, more so the more
        # often they collide.
        delay = random.uniform(0.2, 1.0) * min(conflicts, 10)
        next_attempt_at = inbox_now() + timedelta(seconds=delay)
        self._write_outcome(
            {
                "conflicts": conflicts,
                "next_attempt_at": next_attempt_at,
                "failure_code": "conflict",
                "last_error": str(error),
            }
        )
        self.backend_id._enqueue_event_processing(eta=next_attempt_at)

    def _fail(self, kind, code, error, exhausted=False):
        message = str(error)
        if exhausted:
            message = self.env._(
                "Gave up after %(attempts)s attempts. Last error: %(error)s",
                attempts=self.attempts,
                error=message,
            )
        self._write_outcome(
            {
                "state": "failed",
                "failure_kind": kind,
                "failure_code": code,
                "last_error": message,
                "next_attempt_at": False,
                "attempts": self.attempts if exhausted else self.attempts + 1,
            }
        )
        self._raise_activity(message)

    # === EXCEPTIONS AS ACTIVITIES === #
    def _sibling_failures(self):
        """Failed events of the same backend, about the same external object,
        that failed for the same reason."""
        return self.search(
            [
                ("backend_id", "=", self.backend_id.id),
                ("subject_key", "=", self.subject_key or self.dedupe_key),
                ("failure_code", "=", self.failure_code),
                ("state", "=", "failed"),
            ]
        ) | self.filtered(lambda event: event.state == "failed")

    def _raise_activity(self, message):
        """One activity for the failed events about the same object that
        failed for the same reason, scheduled on this one if none is open."""
        self.env["retail.exception.activity"]._raise(
            self.backend_id,
            self | self._sibling_failures(),
            self.failure_code,
            self.env._(
                "%(backend)s: %(topic)s could not be processed",
                backend=self.backend_id.name,
                topic=self.topic,
            ),
            message,
        )

    def _close_activities_when_resolved(self, feedback=None):
        """Mark the exception activities of the events about this one's
        object done once none of them is still failed."""
        about_subject = [
            ("backend_id", "=", self.backend_id.id),
            ("subject_key", "=", self.subject_key or self.dedupe_key),
        ]
        if self.search_count(about_subject + [("state", "=", "failed")]):
            return
        self.env["retail.exception.activity"]._resolve(
            self.search(about_subject) | self,
            feedback=feedback or self.env._("Processed successfully."),
        )

    # === ACTIONS === #
    def _check_action_group(self, group):
        """Buttons are public methods, callable over RPC by anyone who can
        read the event: each action checks its group itself."""
        if not self.env.user.has_group(group):
            raise AccessError(
                self.env._(
                    "Only a %(group)s may do this on channel events.",
                    group=self.env.ref(group).name,
                )
            )

    def action_dry_run(self):
        """Run the event's handler against the current mappings and data, in a
        savepoint that is always rolled back, and show what it would do."""
        self.ensure_one()
        # Managers only: what processing would create (customers, addresses,
        # the handler's error) is read from the payload, which only they see.
        self._check_action_group(MANAGER_GROUP)
        log = []
        outcome = {}
        # With the job's rights, as the job will run it.
        as_job = self.sudo().with_company(self.company_id)
        with contextlib.suppress(_RollbackDryRun), self.env.cr.savepoint():
            # The base returns None; channel modules override it.
            handler = as_job._get_event_handler()  # pylint: disable=assignment-from-none
            try:
                if not handler:
                    raise UserError(self.env._("Nothing handles this topic."))
                event = as_job.with_context(retail_dry_run_log=log)
                event._on_processed(handler(event))
            except Exception as error:  # noqa: BLE001
                outcome["error"] = str(error)
            outcome["changes"] = self._describe_dry_run(log)
            raise _RollbackDryRun
        self.env.invalidate_all()
        wizard = self.env["retail.event.dry.run"].create(
            {
                "event_id": self.id,
                "would_succeed": "error" not in outcome,
                "error": outcome.get("error"),
                "changes": outcome.get("changes")
                or self.env._("Nothing would be created or changed."),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Dry run"),
            "res_model": wizard._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def _describe_dry_run(self, log):
        lines = []
        for operation, records, field_names in log:
            if records._name.startswith(DRY_RUN_HIDDEN_PREFIXES):
                continue
            for record in records.exists():
                if operation == "create":
                    lines.append(
                        self.env._(
                            "create %(model)s: %(name)s",
                            model=records._description,
                            name=record.display_name,
                        )
                    )
                else:
                    lines.append(
                        self.env._(
                            "change %(model)s %(name)s: %(fields)s",
                            model=records._description,
                            name=record.display_name,
                            fields=", ".join(field_names),
                        )
                    )
        return "\n".join(dict.fromkeys(lines))

    def action_retry(self):
        """Process failed events again, once their cause is fixed."""
        self._check_action_group(USER_GROUP)
        self._retry()
        return True

    def _retry(self):
        """Put failed events back in the queue, exactly as they were received
        and signed; server code calls it directly (a product given a missing
        SKU, say)."""
        to_retry = self.filtered(lambda event: event.state == "failed")
        for event in to_retry:
            event.message_post(
                body=self.env._("Retry requested by %(user)s.", user=self.env.user.name)
            )
        to_retry._write_outcome(
            {"state": "pending", "attempts": 0, "next_attempt_at": False}
        )
        for backend in to_retry.backend_id:
            backend._enqueue_event_processing()
        return to_retry

    def action_cancel(self):
        """Give up on failed events that will never be processed (a test order,
        an order handled by hand): nothing is booked, the activity closes and
        the payload falls under the backend's retention policy."""
        self._check_action_group(MANAGER_GROUP)
        to_cancel = self.filtered(lambda event: event.state == "failed")
        for event in to_cancel:
            event.message_post(
                body=self.env._("Cancelled by %(user)s.", user=self.env.user.name)
            )
        # The retention period counts from the cancellation, not the reception.
        to_cancel._write_outcome(
            {
                "state": "cancelled",
                "next_attempt_at": False,
                "processed_at": inbox_now(),
            }
        )
        for event in to_cancel:
            event._close_activities_when_resolved(
                feedback=self.env._("Cancelled: it will not be processed.")
            )
        return True

    # === RETENTION === #
    @api.model
    def _cron_purge_payloads(self):
        """Scheduled action: empty the payloads (customers' names, addresses,
        emails) of events processed or cancelled longer ago than their
        backend keeps them. Failed and waiting events keep theirs until they
        are resolved. In SQL: no ORM write may change what was received."""
        self.flush_model(["payload", "state", "processed_at", "received_at"])
        self.env.cr.execute(
            """
            UPDATE retail_event event
               SET payload = NULL,
                   payload_purged_at = now() at time zone 'UTC'
              FROM retail_backend backend
             WHERE event.backend_id = backend.id
               AND backend.payload_retention_days > 0
               AND event.payload IS NOT NULL
               AND event.state IN ('done', 'cancelled')
               AND COALESCE(event.processed_at, event.received_at)
                   < (now() at time zone 'UTC')
                     - backend.payload_retention_days * interval '1 day'
            """
        )
        purged = self.env.cr.rowcount
        self.invalidate_model(["payload", "payload_purged_at"])
        _logger.info("Emptied the payloads of %s processed retail events", purged)
        return purged
