# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from pathlib import Path

from odoo import fields

from odoo.addons.queue_job.jobrunner.channels import ChannelManager

from .. import jobs
from .common import RetailCommon

ADDONS = Path(__file__).resolve().parents[2]
SUITE = [
    "retail_connector_base",
    "retail_marketplace",
    "retail_pos_sync",
    "retail_loyalty",
    "retail_settlement",
]
# odoo.conf.example's lanes, with one slot for the whole of root.retail: the
# tightest case, where an order competes with batch work for the only slot.
CHANNELS = (
    "root:1,root.retail:1,root.retail.intake:1,root.retail.realtime:1,"
    "root.retail.batch:1,root.retail.report:1"
)


class TestJobLanes(RetailCommon):
    def _batch_flows(self, *codes):
        return self.env["retail.backend.flow"].create(
            [
                {"backend_id": self.backend.id, "flow": code, "mode": "batch"}
                for code in codes
            ]
        )

    def _jobs(self, method):
        return self.env["queue.job"].search(
            [
                ("method_name", "=", method),
                ("channel", "=like", f"%.backend_{self.backend.id}"),
            ]
        )

    def _notify(self, manager, jobs_):
        """Tell queue_job's own channel manager about ``jobs_`` as its runner
        does, from their rows."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT channel, uuid, id AS seq, date_created, priority, "
            "EXTRACT(EPOCH FROM eta), state FROM queue_job WHERE id IN %s "
            "ORDER BY id",
            (tuple(jobs_.ids),),
        )
        for row in self.env.cr.fetchall():
            manager.notify(self.env.cr.dbname, *row)

    def _runner(self, channels):
        """queue_job's own channel manager, configured as a job node's."""
        manager = ChannelManager()
        manager.simple_configure(channels)
        return manager

    def test_lanes_order_the_work_intake_first(self):
        """Test that each kind of work has its lane: orders first, then
        real-time work, then batches, then reports, each in a channel named
        lane first so that one capacity bounds a lane across backends."""
        expected = {
            "_process_events": ("intake", 0),
            "orders_in": ("intake", 0),
            "_retail_publish_fast_movers": ("realtime", 5),
            "catalog_out": ("batch", 20),
            "stock_out": ("batch", 20),
            "prices_out": ("batch", 20),
            "_loyalty_reconcile": ("report", 30),
            "settlements_in": ("report", 30),
        }
        for flow, (lane, priority) in expected.items():
            with self.subTest(flow=flow):
                self.assertEqual(
                    self.backend._job_route(flow),
                    {
                        "channel": f"root.retail.{lane}.marketplace."
                        f"backend_{self.backend.id}",
                        "priority": priority,
                    },
                )
        self.assertEqual(
            self.backend._job_route(),
            self.backend._job_route("catalog_out"),
            "work nobody placed in a lane waits behind orders",
        )
        channels = self.env["queue.job.channel"].search([]).mapped("complete_name")
        for lane in jobs.LANES:
            self.assertIn(f"root.retail.{lane}", channels)

    def test_an_order_runs_before_batch_work_waiting_longer(self):
        """Test that with queue_job's own scheduler and a single slot, an
        order that arrives after three batch flows were enqueued runs first,
        and the batch work then runs one job at a time after it."""
        self._batch_flows("catalog_out", "prices_out", "stock_out")
        self.env["retail.backend.flow"]._cron_run_batch_flows()
        batch = self._jobs("_run")
        self.assertEqual(len(batch), 3)
        self.backend._enqueue_event_processing()
        order = self._jobs("_process_events")
        self.assertEqual(len(order), 1)
        manager = self._runner(CHANNELS)
        self._notify(manager, batch | order)

        now = fields.Datetime.now().timestamp()
        started = [job.uuid for job in manager.get_jobs_to_run(now)]
        self.assertEqual(started, [order.uuid])
        self.env.cr.execute(
            "UPDATE queue_job SET state = 'done' WHERE id = %s", order.ids
        )
        self._notify(manager, order)
        started = [job.uuid for job in manager.get_jobs_to_run(now)]
        self.assertEqual(len(started), 1)
        self.assertIn(started[0], batch.mapped("uuid"))

    def test_a_running_export_leaves_the_order_lane_free(self):
        """Test that while a catalog export holds the batch lane, an order
        arriving starts at once beside it (root.retail's two slots), and the
        other batch work waits for the export."""
        self._batch_flows("catalog_out", "prices_out")
        self.env["retail.backend.flow"]._cron_run_batch_flows()
        batch = self._jobs("_run")
        manager = self._runner(
            CHANNELS.replace("root:1,root.retail:1", "root:2,root.retail:2")
        )
        self._notify(manager, batch)
        now = fields.Datetime.now().timestamp()
        running = [job.uuid for job in manager.get_jobs_to_run(now)]
        self.assertEqual(len(running), 1, "the batch lane runs one job")
        self.backend._enqueue_event_processing()
        order = self._jobs("_process_events")
        self._notify(manager, order)
        self.assertEqual(
            [job.uuid for job in manager.get_jobs_to_run(now)], [order.uuid]
        )
        self.assertFalse(list(manager.get_jobs_to_run(now)))

    def test_every_job_of_the_suite_is_routed(self):
        """Test that every ``with_delay`` (or ``jobs.delay_drain``) of the
        suite's five modules takes its channel and priority from the lanes:
        the function enqueueing asks ``_job_route`` (or marketplace's
        ``_retail_job_options``, which does)."""
        calls = 0
        for module in SUITE:
            for path in (ADDONS / module).rglob("*.py"):
                if "tests" in path.parts or path.name == "jobs.py":
                    continue
                source = path.read_text()
                for match in re.finditer(r"with_delay\(|delay_drain\(", source):
                    calls += 1
                    function = source[: match.start()].rsplit("    def ", 1)[-1]
                    function += source[match.start() :].split("\n    def ", 1)[0]
                    with self.subTest(path=path.name, function=function[:40]):
                        self.assertRegex(
                            function, r"_job_route\(|_retail_job_options\("
                        )
        self.assertGreater(calls, 10)
