# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

from psycopg2 import IntegrityError

from odoo.tools import mute_logger

from .common import RetailCommon


class TestBinding(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create({"name": "Bound customer"})
        cls.Binding = cls.env["retail.partner.binding"]

    def test_binder_maps_both_ways(self):
        """Test that a bound record is found from its external id and back."""
        self.Binding._bind(self.backend, "cust-42", self.partner, payload={"a": 1})
        self.assertEqual(
            self.Binding._to_internal(self.backend, "cust-42"), self.partner
        )
        self.assertEqual(
            self.Binding._to_external(self.backend, self.partner), "cust-42"
        )
        self.assertIsNone(self.Binding._to_internal(self.backend, "cust-43"))
        other_backend = self._prepare_backend(kind="pos")
        self.assertIsNone(self.Binding._to_external(other_backend, self.partner))

    @mute_logger("odoo.sql_db")
    def test_external_id_is_unique_per_backend(self):
        """Test that the database refuses a second binding of one external id."""
        self.Binding.create(
            {
                "backend_id": self.backend.id,
                "external_id": "c1",
                "odoo_id": self.partner.id,
            }
        )
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.Binding.create(
                {
                    "backend_id": self.backend.id,
                    "external_id": "c1",
                    "odoo_id": self.partner.id,
                }
            )

    def test_older_message_is_outdated(self):
        """Test that a message older than the binding's state is recognised."""
        self.Binding._bind(
            self.backend,
            "cust-1",
            self.partner,
            external_updated_at=datetime(2026, 11, 20, 12),
        )
        is_outdated = self.Binding._is_outdated
        self.assertTrue(is_outdated(self.backend, "cust-1", datetime(2026, 11, 20, 11)))
        self.assertFalse(
            is_outdated(self.backend, "cust-1", datetime(2026, 11, 20, 13))
        )
        self.assertFalse(
            is_outdated(self.backend, "cust-2", datetime(2026, 11, 20, 11))
        )

    def test_order_binding_points_at_any_order_model(self):
        """Test that order bindings work for whatever model books the order."""
        Orders = self.env["retail.order.binding"]
        Orders._bind(self.backend, "order-1", self.partner)
        self.assertEqual(Orders._to_internal(self.backend, "order-1"), self.partner)
        self.assertEqual(Orders._to_external(self.backend, self.partner), "order-1")
