# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tools import mute_logger

from odoo.addons.retail_connector_base.exceptions import RetailBusinessError

from .common import LoyaltyCommon

TOPIC = "loyalty/redemption"


class TestRedemption(LoyaltyCommon):
    def _redeem(self, points, key="R-1", customer="C-ANN"):
        return self._receive(
            self.backend,
            TOPIC,
            {
                "id": key,
                "customer_ref": customer,
                "points": points,
                "order_ref": "#1001",
            },
            key,
        )

    def test_redemption_spends_points(self):
        """Test that a channel's redemption takes the points off the card."""
        self._post(100, "t-1")
        event = self._redeem(40)
        self.assertEqual(event.state, "done")
        self.assertEqual(self._card().points, 60)
        entry = self._entries([("kind", "=", "redemption")])
        self.assertEqual(entry.points, -40)
        self.assertEqual(entry.transaction_id, f"redeem:{self.backend.id}:R-1")
        self.assertEqual(entry.source_ref, "#1001")

    def test_replayed_redemption_spends_once(self):
        """Test that a redemption delivered twice (new delivery id) spends once."""
        self._post(100, "t-1")
        self._redeem(40)
        self._receive(
            self.backend,
            TOPIC,
            {"id": "R-1", "customer_ref": "C-ANN", "points": 40},
            "delivery-2",
        )
        self.assertEqual(self._card().points, 60)

    def test_short_balance_is_refused_with_its_reason(self):
        """Test that a redemption above the balance fails with the balance
        and the shortfall in words, raises an activity and spends nothing."""
        self._post(30, "t-1")
        with mute_logger("odoo.addons.retail_connector_base.models.retail_event"):
            event = self._redeem(45)
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.failure_code, "insufficient_points")
        self.assertIn("has 30.0 points", event.last_error)
        self.assertIn("15.0 short", event.last_error)
        self.assertTrue(event.activity_ids)
        self.assertEqual(self._card().points, 30)

    def test_unknown_customer_is_refused(self):
        """Test that a redemption for a customer no binding names fails."""
        event = self._redeem(5, customer="C-NOBODY")
        self.assertEqual(event.failure_code, "unknown_customer")

    def test_non_finite_points_are_refused_as_invalid(self):
        """Test that a redemption of NaN or infinite points fails at once as
        invalid and spends nothing."""
        self._post(100, "t-1")
        for number, points in enumerate([float("nan"), "Infinity"]):
            with self.subTest(points=points):
                event = self._redeem(points, key=f"R-bad-{number}")
                self.assertEqual(event.state, "failed")
                self.assertEqual(event.failure_code, "invalid_redemption")
                self.assertFalse(event.next_attempt_at, "no retry is planned")
        self.assertEqual(self._card().points, 100)
        self.assertLedgerMatchesCards()

    def test_direct_redemption_refuses_non_positive_points(self):
        """Test that only a positive number of points can be redeemed."""
        with self.assertRaises(RetailBusinessError):
            self.Ledger._redeem(self.loyalty_backend, self.ann, 0, "r-0")
