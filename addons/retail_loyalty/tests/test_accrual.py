# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_pos_sync.tests.common import PosCommon

from ..channel_sales import ChannelLine, ChannelSale
from .common import LoyaltyCommon


class TestAccrualRules(LoyaltyCommon):
    """Program rules, on a channel sale as ``channel_sales`` reads it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.shirt = Product.create({"name": "Shirt", "list_price": 20.0})
        cls.bag = Product.create({"name": "Bag", "list_price": 5.0})

    def _sale(self, lines, reference="sale-1"):
        sale = ChannelSale(
            record=self.ann,
            partner=self.ann,
            reference=reference,
            lines=[
                ChannelLine(
                    product, qty, qty * product.list_price, qty * product.list_price
                )
                for product, qty in lines
            ],
        )
        self.env["retail.loyalty.accrual"]._apply_sale(self.loyalty_backend, sale)
        return sale

    def test_money_rule_earns_per_currency_unit(self):
        """Test that a sale earns one point per unit of money."""
        self._sale([(self.shirt, 2), (self.bag, 1)])
        entry = self._entries()
        self.assertEqual((entry.kind, entry.points, entry.amount), ("accrual", 45, 45))
        self.assertEqual(entry.transaction_id, "sale-1:earn")
        self.assertEqual(self._card().points, 45)

    def test_order_unit_and_product_rules(self):
        """Test per-order, per-unit and product-restricted rules with a
        minimum amount, added up as Odoo's loyalty does."""
        self.program.rule_ids = [
            Command.clear(),
            Command.create(
                {
                    "reward_point_mode": "order",
                    "reward_point_amount": 10,
                    "minimum_amount": 50,
                }
            ),
            Command.create(
                {
                    "reward_point_mode": "unit",
                    "reward_point_amount": 3,
                    "product_ids": [Command.set(self.bag.ids)],
                }
            ),
        ]
        self._sale([(self.shirt, 1), (self.bag, 2)], "s1")  # 30.00: under the minimum
        self._sale([(self.shirt, 3)], "s2")  # 60.00, no bag
        self.assertEqual(sorted(self._entries().mapped("points")), [6, 10])

    def test_replayed_sale_earns_once(self):
        """Test that the same sale handed over twice earns once."""
        self._sale([(self.shirt, 1)])
        self._sale([(self.shirt, 1)])
        self.assertEqual(self._card().points, 20)

    def test_accrual_enqueues_a_realtime_push(self):
        """Test that earning points enqueues one push job for the burst."""
        with trap_jobs() as trap:
            self._sale([(self.shirt, 1)], "s1")
            self._sale([(self.bag, 1)], "s2")
            trap.assert_jobs_count(1, only=self.loyalty_backend._loyalty_push)
            trap.assert_enqueued_job(
                self.loyalty_backend._loyalty_push,
                properties={
                    "identity_key": f"retail_loyalty_push_{self.loyalty_backend.id}",
                    "channel": f"root.retail.loyalty.backend_{self.loyalty_backend.id}",
                },
            )

    def test_batch_mode_enqueues_nothing(self):
        """Test that in batch mode points wait for the flow's run."""
        self.loyalty_backend.loyalty_push_mode = "batch"
        with trap_jobs() as trap:
            self._sale([(self.shirt, 1)])
            trap.assert_jobs_count(0, only=self.loyalty_backend._loyalty_push)
        self.assertEqual(self._entries().engine_state, "pending")

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


class TestPosAccrual(LoyaltyCommon, PosCommon):
    """Store sales through ``retail_pos_sync``'s inbox (installed with the
    suite): the customer is the one the till's loyalty id names."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["retail.partner.binding"].create(
            {
                "backend_id": cls.pos_backend.id,
                "odoo_id": cls.ann.id,
                "external_id": "CARD-ANN",
            }
        )

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
