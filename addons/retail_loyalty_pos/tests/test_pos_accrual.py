# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from .common import PosLoyaltyCommon


class TestPosAccrual(PosLoyaltyCommon):
    """Store sales through ``retail_pos_sync``'s inbox (installed with the
    suite): the customer is the one the till's loyalty id names."""

    def test_store_sale_earns_once_per_transaction(self):
        """Test that a till's sale earns its points on the customer's card,
        and that the same batch replayed earns nothing more."""
        sale = self._transaction(1, loyalty_ref="CARD-ANN")
        self._push([sale])
        self._push([sale], batch_id="b1-again")
        self.assertEqual(self._card().points, 60)
        entry = self._entries()
        self.assertEqual(entry.source_backend_id, self.pos_backend)
        self.assertEqual(entry.source_model, "pos.order")
        self.assertLedgerMatchesCards()

    def test_anonymous_sale_earns_nothing(self):
        """Test that a sale without a known customer earns nothing."""
        self._push([self._transaction(1)])
        self.assertFalse(self._entries())
