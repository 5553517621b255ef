# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.retail_connector_base import retry
from odoo.addons.retail_connector_base.exceptions import RetailBusinessError


class RetailBackendFlow(models.Model):
    _inherit = "retail.backend.flow"

    def _run(self):
        # EXTENDS retail_connector_base: a payouts fetch the provider refuses
        # (a revoked key, say) leaves an exception activity on the backend
        # and the flow's last error, instead of a failed job whose rollback
        # would take both away; one it cannot answer now is retried as the
        # suite's retry policy says, and kept in sight the same way once the
        # backend's attempts are used up.
        if self.flow != "settlements_in":
            return super()._run()
        backend = self.backend_id
        Fetch = self.env["retail.settlement.fetch"]
        try:
            return super()._run()
        except RetailBusinessError as error:
            # The run's savepoint undid what it did; its last error stays.
            Fetch._failed(backend, error)
            return f"failed: {error}"
        except retry.TRANSIENT_ERRORS as error:
            attempt, max_attempts = self._attempts()
            if retry.exhausted(attempt, max_attempts):
                self.last_error = str(error)
                Fetch._failed(backend, error)
                return f"failed after {attempt} attempts: {error}"
            raise RetryableJobError(
                str(error),
                seconds=int(
                    retry.delay(
                        attempt,
                        backend.retry_delay,
                        getattr(error, "retry_after", None),
                    )
                ),
            ) from error

    def _attempts(self):
        """``(attempt, max_attempts)``: the attempt of the running job that
        just failed (1 outside a job) and how many the backend allows; a job
        enqueued with fewer retries ends at its own limit, so that it ends
        here, with the activity, and not as a failed job."""
        max_attempts = self.backend_id.max_attempts
        job_uuid = self.env.context.get("job_uuid")
        job = (
            self.env["queue.job"].sudo().search([("uuid", "=", job_uuid)], limit=1)
            if job_uuid
            else None
        )
        if not job:
            return 1, max_attempts
        # The job's stored count is the retries before this attempt.
        attempt = job.retry + 1
        if job.max_retries:
            max_attempts = min(max_attempts, job.max_retries)
        return attempt, max_attempts
