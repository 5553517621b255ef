# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models

from odoo.addons.retail_connector_base import jobs, retry
from odoo.addons.retail_connector_base.exceptions import RetailBusinessError

from .. import const
from ..adapters.common import PointsPush

# The failure kind of the one activity a backend gets for entries the engine
# refused or never answered for.
FAILURE_KIND = "loyalty_push"


class RetailLoyaltyPush(models.AbstractModel):
    """Ledger entries on their way to the engine: sent oldest first, each
    with its transaction id as idempotency key, so that an entry sent twice
    (a job retried after a lost answer) counts once.

    One drain job per backend sends what waits. An engine that does not
    answer stops the run, which the same job resumes after the suite's
    retry delay; the entry it could not send counts its attempts and, once
    they are used up, is kept as failed like an entry the engine refused.
    Failed entries are kept in sight by one exception activity on the
    backend, marked done once none is left.
    """

    _name = "retail.loyalty.push"
    _description = "Retail Loyalty Engine Push"

    @api.model
    def _enqueue(self, backend):
        """Enqueue the drain job when points go to the engine in real time;
        a burst of entries gives one job."""
        if backend.loyalty_push_mode == "realtime":
            self._delay(backend)

    @api.model
    def _delay(self, backend, eta=None):
        """The backend's one drain job, enqueued unless it already waits."""
        backend = backend.with_user(SUPERUSER_ID).with_company(backend.company_id)
        return jobs.delay_drain(
            backend,
            "_loyalty_push",
            f"retail_loyalty_push_{backend.id}",
            **backend._job_route("_loyalty_push"),
            eta=eta,
            description=self.env._(
                "Send loyalty points to %(name)s", name=backend.name
            ),
        )

    @api.model
    def _lock_waiting(self, backend):
        Ledger = self.env["retail.loyalty.ledger"]
        Ledger.flush_model(["backend_id", "engine_state"])
        self.env.cr.execute(
            """
            SELECT id FROM retail_loyalty_ledger
             WHERE backend_id = %s AND engine_state = 'pending'
             ORDER BY id
             LIMIT %s
               FOR UPDATE SKIP LOCKED
            """,
            (backend.id, const.PUSH_BATCH),
        )
        return Ledger.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _push(self, backend):
        """Send the entries ``backend``'s engine does not have yet; a summary
        of the run."""
        entries = self._lock_waiting(backend)
        engine = backend._adapter("loyalty") if entries else None
        sent = failed = 0
        for entry in entries:
            try:
                reference = engine.push(
                    self._prepare_push(backend, entry),
                    retrying=bool(entry.engine_attempts or entry.engine_error),
                )
            except RetailBusinessError as error:
                entry.write({"engine_state": "failed", "engine_error": str(error)})
                failed += 1
                continue
            except retry.TRANSIENT_ERRORS as error:
                if self._wait_for_engine(backend, entry, error):
                    self._keep_failures_in_sight(backend)
                    return (
                        f"{sent} entries sent, {failed} failed; the engine is "
                        f"unavailable: {error}"
                    )
                failed += 1
                continue
            entry.write(
                {
                    "engine_state": "sent",
                    "engine_reference": reference,
                    "engine_sent_at": fields.Datetime.now(),
                    "engine_error": False,
                }
            )
            sent += 1
        if entries:
            self._keep_failures_in_sight(backend)
        if len(entries) == const.PUSH_BATCH:
            self._enqueue(backend)
        return f"{sent} entries sent, {failed} failed"

    @api.model
    def _prepare_push(self, backend, entry):
        return PointsPush(
            idempotency_key=entry.transaction_id,
            member_id=backend._loyalty_member_id(entry.partner_id),
            kind=entry.kind,
            points=entry.points,
            reason=entry.reason or entry.source_ref or "",
        )

    @api.model
    def _wait_for_engine(self, backend, entry, error):
        """Count the attempt ``entry`` made and plan the next one, after the
        suite's growing delay: True. With its attempts used up, the entry is
        kept as failed instead (the run goes on with the next one): False."""
        attempt = entry.engine_attempts + 1
        if retry.exhausted(attempt, backend.max_attempts):
            entry.write(
                {
                    "engine_state": "failed",
                    "engine_attempts": attempt,
                    "engine_error": self.env._(
                        "No answer after %(count)s attempts: %(error)s",
                        count=attempt,
                        error=error,
                    ),
                }
            )
            return False
        entry.write({"engine_attempts": attempt, "engine_error": str(error)[:500]})
        seconds = retry.delay(
            attempt, backend.retry_delay, getattr(error, "retry_after", None)
        )
        self._delay(backend, eta=fields.Datetime.now() + timedelta(seconds=seconds))
        return True

    @api.model
    def _keep_failures_in_sight(self, backend):
        """One activity on the backend while some of its entries are failed,
        its note listing them; done once none is left."""
        failed = self.env["retail.loyalty.ledger"].search(
            [("backend_id", "=", backend.id), ("engine_state", "=", "failed")],
            order="id",
        )
        Activity = self.env["retail.exception.activity"]
        if not failed:
            Activity._resolve(backend, FAILURE_KIND)
            return
        Activity._raise(
            backend,
            backend,
            FAILURE_KIND,
            self.env._(
                "%(backend)s did not take loyalty transactions", backend=backend.name
            ),
            self.env._(
                "%(count)s transactions failed; fix the cause, then Resend "
                "failed.\n%(entries)s",
                count=len(failed),
                entries="\n".join(
                    f"{entry.transaction_id}: {entry.engine_error}"
                    for entry in failed[: const.PUSH_BATCH]
                ),
            ),
        )

    @api.model
    def _resend_failed(self, backend):
        """Send the failed entries again, with their attempts counted anew."""
        failed = self.env["retail.loyalty.ledger"].search(
            [("backend_id", "=", backend.id), ("engine_state", "=", "failed")]
        )
        failed.write({"engine_state": "pending", "engine_attempts": 0})
        self._delay(backend)
