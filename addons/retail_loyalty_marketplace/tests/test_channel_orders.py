# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command

from odoo.addons.retail_loyalty.tests.common import LoyaltyCommon


class TestChannelOrders(LoyaltyCommon):
    """Channel orders earn through Odoo's sale_loyalty; their credit notes
    take back their share through this module."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shirt = cls.env["product.product"].create(
            {"name": "Shirt", "list_price": 20.0}
        )

    def test_sale_orders_are_left_to_odoos_loyalty(self):
        """Test that a confirmed sale order earns through Odoo's own
        sale_loyalty, once, and that the ledger records it."""
        sale = self.env["sale.order"].create(
            {
                "partner_id": self.ann.id,
                "order_line": [Command.create({"product_id": self.shirt.id})],
            }
        )
        sale.action_confirm()
        self.env["retail.loyalty.accrual"]._on_channel_records(sale)
        self.assertEqual(self._card().points, sale.amount_total)
        self.assertEqual(self._entries().origin, "odoo")
        self.assertLedgerMatchesCards()

    def test_refund_takes_back_points_odoo_gave_at_confirmation(self):
        """Test that a channel refund of an order whose points Odoo's
        sale_loyalty gave at confirmation takes back its share of them."""
        product = self.env["product.product"].create(
            {"name": "Refunded lamp", "list_price": 100, "taxes_id": [Command.clear()]}
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.ann.id,
                "order_line": [
                    Command.create(
                        {"product_id": product.id, "price_unit": 100, "tax_id": False}
                    )
                ],
            }
        )
        order.action_confirm()
        self.assertEqual(self._card().points, 100)
        credit_note = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.ann.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "quantity": 1,
                            "price_unit": 40,
                            "tax_ids": [Command.clear()],
                            "sale_line_ids": [Command.link(order.order_line.id)],
                        }
                    )
                ],
            }
        )
        credit_note.action_post()
        Accrual = self.env["retail.loyalty.accrual"]
        Accrual._on_channel_records(credit_note)
        Accrual._on_channel_records(credit_note)
        self.assertEqual(self._card().points, 60)
        reversal = self._entries([("kind", "=", "reversal")])
        self.assertEqual(reversal.points, -40)
        self.assertLedgerMatchesCards()
