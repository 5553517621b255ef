# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta
from unittest.mock import patch

from odoo import fields

from odoo.addons.queue_job.tests.common import trap_jobs

from ..exceptions import RetailBusinessError
from .common import RetailCommon


class TestFlowsAndMappings(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flow = cls.env["retail.backend.flow"].create(
            {
                "backend_id": cls.backend.id,
                "flow": "orders_in",
                "mode": "batch",
                "interval_minutes": 15,
            }
        )

    def test_flow_mode_defaults_to_off(self):
        """Test that flows not set up on a backend are off."""
        self.assertEqual(self.backend._get_flow_mode("orders_in"), "batch")
        self.assertEqual(self.backend._get_flow_mode("stock_out"), "off")

    def test_cron_enqueues_due_batch_flows_once(self):
        """Test that the scheduled action enqueues a due flow, and not again
        before its interval has passed."""
        with trap_jobs() as trap:
            self.env["retail.backend.flow"]._cron_run_batch_flows()
            self.env["retail.backend.flow"]._cron_run_batch_flows()
        trap.assert_jobs_count(1, only=self.flow._run)
        trap.assert_enqueued_job(
            self.flow._run,
            properties={
                **self.backend._job_route(self.flow.flow),
                "identity_key": f"retail_flow_{self.flow.id}",
            },
        )
        self.flow.last_run_at = fields.Datetime.now() - timedelta(minutes=16)
        with trap_jobs() as trap:
            self.env["retail.backend.flow"]._cron_run_batch_flows()
        trap.assert_jobs_count(1, only=self.flow._run)

    def test_run_keeps_the_checkpoint(self):
        """Test that a run stores the checkpoint its runner returns."""
        with patch.object(
            type(self.backend),
            "_run_flow",
            lambda backend, flow: "2026-11-22T10:00:00Z",
        ):
            self.flow._run()
        self.assertEqual(self.flow.checkpoint, "2026-11-22T10:00:00Z")
        self.assertTrue(self.flow.last_success_at)

    def test_flow_already_running_is_skipped(self):
        """Test that a second run of the same flow does not start while one holds
        the lock."""
        registry = self.env.registry
        with registry.cursor() as other_cr:
            other_cr.execute("SELECT pg_advisory_lock(727301, %s)", (self.flow.id,))
            try:
                self.assertIn("in progress", self.flow._run())
            finally:
                other_cr.execute(
                    "SELECT pg_advisory_unlock(727301, %s)", (self.flow.id,)
                )

    def test_unmapped_code_names_the_missing_mapping(self):
        """Test that an unmapped code is a business failure naming what to add."""
        with self.assertRaises(RetailBusinessError) as caught:
            self.backend._map("uom", "BOX12")
        self.assertEqual(caught.exception.code, "unmapped_uom")
        self.assertIn("BOX12", str(caught.exception))
        self.assertIn(f"/odoo/retail.backend/{self.backend.id}", str(caught.exception))
        unit = self.env.ref("uom.product_uom_unit")
        self.env["retail.mapping"].create(
            {
                "backend_id": self.backend.id,
                "mapping_type": "uom",
                "external_code": "BOX12",
                "odoo_ref": f"uom.uom,{unit.id}",
            }
        )
        self.assertEqual(self.backend._map("uom", "BOX12"), unit)

    def test_ownership_rules(self):
        """Test that ownership says which side may overwrite each domain."""
        self.backend.owner_stock = "channel"
        self.assertFalse(self.backend._owns("stock"))
        self.assertTrue(self.backend._owns("products"))
