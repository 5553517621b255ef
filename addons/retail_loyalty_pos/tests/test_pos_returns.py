# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from .common import PosLoyaltyCommon


class TestPosReturns(PosLoyaltyCommon):
    def _return(self, sequence, original, lines, amount):
        return self._transaction(
            sequence,
            type="return",
            loyalty_ref="CARD-ANN",
            original_uuid=original["uuid"],
            lines=lines,
            payments=[{"method": "cash", "amount": amount}],
        )

    def _shirt(self, quantity=1):
        return [
            {
                "sku": "POS-1",
                "quantity": quantity,
                "unit_price": "24.00",
                "tax_code": "VAT20",
            }
        ]

    def test_partial_return_takes_back_its_share(self):
        """Test that returning one shirt of a 60.00 sale takes back 24 of
        its 60 points, on the card that earned them."""
        sale = self._transaction(1, loyalty_ref="CARD-ANN")
        self._push([sale])
        self._push([self._return(2, sale, self._shirt(), "24.00")], batch_id="b2")
        reversal = self._entries([("kind", "=", "reversal")])
        self.assertEqual(reversal.points, -24)
        self.assertEqual(reversal.reversed_entry_id.kind, "accrual")
        self.assertEqual(self._card().points, 36)
        self.assertLedgerMatchesCards()

    def test_return_booked_before_its_sale(self):
        """Test that a return flushed before its sale takes its points back
        once the sale is booked and earns."""
        sale = self._transaction(1, loyalty_ref="CARD-ANN")
        self._push([self._return(2, sale, self._shirt(), "24.00")], batch_id="b2")
        self.assertFalse(self._entries())
        self._push([sale])
        self.assertEqual(sorted(self._entries().mapped("points")), [-24, 60])
        self.assertEqual(self._card().points, 36)

    def test_returns_in_parts_take_back_exactly_what_was_earned(self):
        """Test that a sale returned in three parts gives back exactly its
        points, whatever the rounding of each part."""
        self.program.rule_ids.reward_point_amount = 0.33
        sale = self._transaction(1, loyalty_ref="CARD-ANN")
        self._push([sale])
        self._push([self._return(2, sale, self._shirt(), "24.00")], batch_id="b2")
        self._push([self._return(3, sale, self._shirt(), "24.00")], batch_id="b3")
        mug = [
            {"sku": "POS-2", "quantity": 1, "unit_price": "12.00", "tax_code": "VAT20"}
        ]
        self._push([self._return(4, sale, mug, "12.00")], batch_id="b4")
        self.assertEqual(self._card().points, 0)
        self.assertLedgerMatchesCards()

    def test_reconciliation_takes_back_a_return_a_concurrent_job_missed(self):
        """Test that the nightly reconciliation takes back the points of a
        return that was booked without them (as by a job that ran while the
        sale was being booked), once."""
        sale = self._transaction(1, loyalty_ref="CARD-ANN")
        self._push([sale])
        program = self.loyalty_backend.loyalty_program_id
        self.loyalty_backend.loyalty_program_id = False
        self._push([self._return(2, sale, self._shirt(), "24.00")], batch_id="b2")
        self.loyalty_backend.loyalty_program_id = program
        self.assertEqual(self._card().points, 60)
        with self._engine():
            self.loyalty_backend._loyalty_reconcile()
            self.loyalty_backend._loyalty_reconcile()
        self.assertEqual(self._entries([("kind", "=", "reversal")]).points, -24)
        self.assertEqual(self._card().points, 36)
        self.assertLedgerMatchesCards()
