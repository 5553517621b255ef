# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.retail_connector_base.exceptions import (
    RetailBusinessError,
    RetailTransientError,
)


class RetailBackendFlow(models.Model):
    _inherit = "retail.backend.flow"

    def _run(self):
        # EXTENDS retail_connector_base: a payouts fetch the provider refuses
        # (a revoked key, say) leaves an exception activity on the backend
        # and the flow's last error, instead of a failed job whose rollback
        # would take both away; one it cannot answer now is retried.
        if self.flow != "settlements_in":
            return super()._run()
        try:
            return super()._run()
        except RetailBusinessError as error:
            # The run's savepoint undid what it did; its last error stays.
            self.backend_id._settlement_fetch_exception(error)
            return f"failed: {error}"
        except RetailTransientError as error:
            raise RetryableJobError(
                str(error),
                seconds=int(error.retry_after) if error.retry_after else None,
            ) from error
