# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import LoyaltyCommon


class TestReconciliation(LoyaltyCommon):
    def _drifts(self):
        return self.env["retail.loyalty.drift"].search(
            [("backend_id", "=", self.loyalty_backend.id)]
        )

    def test_equal_balances_report_nothing(self):
        """Test that balances equal on both sides leave the report empty."""
        self._post(30, "t-1")
        with self._engine():
            self.loyalty_backend._loyalty_reconcile()
        self.assertFalse(self._drifts())
        self.assertTrue(self.loyalty_backend.loyalty_last_reconciled_at)

    def test_drift_is_reported_only(self):
        """Test that in report mode a differing balance is listed, unchanged."""
        self._post(30, "t-1")
        with self._engine() as engine:
            self.loyalty_backend._loyalty_push()
            engine.balances["M-ANN"] += Decimal(5)
            self.loyalty_backend._loyalty_reconcile()
        drift = self._drifts()
        self.assertEqual(
            (drift.drift_type, drift.odoo_points, drift.other_points, drift.state),
            ("engine", 30, 35, "open"),
        )
        self.assertEqual(self._card().points, 30)

    def test_engine_owned_balances_correct_the_card(self):
        """Test that when the engine owns balances, the card follows it
        through a ledger entry that is not sent back."""
        self.loyalty_backend.loyalty_reconcile_mode = "correct"
        self._post(30, "t-1")
        with self._engine() as engine:
            self.loyalty_backend._loyalty_push()
            engine.balances["M-ANN"] += Decimal(5)
            self.loyalty_backend._loyalty_reconcile()
            self.assertEqual(len(engine.calls), 2, "the correction is not pushed")
        self.assertEqual(self._card().points, 35)
        self.assertEqual(self._drifts().state, "corrected")
        self.assertLedgerMatchesCards()

    def test_odoo_owned_balances_correct_the_engine(self):
        """Test that when Odoo owns balances, the engine gets the difference,
        once, keyed by the drift."""
        self.loyalty_backend.write(
            {"loyalty_reconcile_mode": "correct", "loyalty_balance_owner": "odoo"}
        )
        self._post(30, "t-1")
        with self._engine() as engine:
            self.loyalty_backend._loyalty_push()
            engine.balances["M-ANN"] += Decimal(5)
            self.loyalty_backend._loyalty_reconcile()
            self.assertEqual(engine.balances["M-ANN"], 30)
            self.assertEqual(
                engine.calls[-1][3]["Idempotency-Key"], f"reconcile:{self._drifts().id}"
            )
        self.assertEqual(self._card().points, 30)

    def test_card_changed_behind_the_ledger_is_reported(self):
        """Test that a card whose points no longer equal its ledger is listed."""
        self._post(30, "t-1")
        card = self._card()
        with self._engine():
            self.loyalty_backend._loyalty_push()
            self.env.flush_all()
            self.env.cr.execute(
                "UPDATE loyalty_card SET points = 31 WHERE id = %s", (card.id,)
            )
            card.invalidate_recordset()
            self.loyalty_backend._loyalty_reconcile()
        self.assertEqual(
            sorted(self._drifts().mapped("drift_type")), ["engine", "ledger"]
        )

    def test_nightly_action_enqueues_one_job_per_backend(self):
        """Test that the scheduled action enqueues each backend's reconciliation."""
        backend = self.loyalty_backend
        with trap_jobs() as trap:
            self.env["retail.backend"]._cron_loyalty_reconcile()
            trap.assert_enqueued_job(
                backend._loyalty_reconcile,
                properties={"identity_key": f"retail_loyalty_reconcile_{backend.id}"},
            )
