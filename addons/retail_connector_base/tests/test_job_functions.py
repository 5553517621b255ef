# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.addons.queue_job.job import Job

from .common import RetailCommon

# Every job this module enqueues: (model, method).
JOBS = [
    ("retail.backend", "_process_events"),
    ("retail.backend.flow", "_run"),
]


class TestJobFunctions(RetailCommon):
    def test_every_job_is_declared_with_channel_retries_and_related_action(self):
        """Test that each job of the module has its declared job function
        (channel, retry pattern) and that a job of it opens its record."""
        flow = self.env["retail.backend.flow"].create(
            {"backend_id": self.backend.id, "flow": "orders_in", "mode": "batch"}
        )
        records = {"retail.backend": self.backend, "retail.backend.flow": flow}
        for model, method in JOBS:
            with self.subTest(job=f"{model}.{method}"):
                function = self.env["queue.job.function"].search(
                    [("model_id.model", "=", model), ("method", "=", method)]
                )
                self.assertEqual(len(function), 1)
                self.assertTrue(
                    function.channel_id.complete_name.startswith("root.retail")
                )
                self.assertTrue(function.retry_pattern)
                record = records[model]
                job = getattr(record.with_delay(), method)()
                action = Job.load(self.env, job.uuid).related_action()
                self.assertEqual(
                    (action["res_model"], action["res_id"]), (model, record.id)
                )
