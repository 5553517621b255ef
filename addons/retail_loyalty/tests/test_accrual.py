# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command

from odoo.addons.queue_job.tests.common import trap_jobs

from ..channel_sales import ChannelLine, ChannelSale
from .common import LoyaltyCommon


class TestAccrualRules(LoyaltyCommon):
    """Program rules, on a channel sale as a bridge module reads it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.shirt = Product.create({"name": "Shirt", "list_price": 20.0})
        cls.bag = Product.create({"name": "Bag", "list_price": 5.0})

    def _sale(self, lines, reference="sale-1", **values):
        sale = ChannelSale(
            record=self.ann,
            partner=self.ann,
            reference=reference,
            **values,
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
                    **self.loyalty_backend._job_route("_loyalty_push"),
                },
            )

    def test_batch_mode_enqueues_nothing(self):
        """Test that in batch mode points wait for the flow's run."""
        self.loyalty_backend.loyalty_push_mode = "batch"
        with trap_jobs() as trap:
            self._sale([(self.shirt, 1)])
            trap.assert_jobs_count(0, only=self.loyalty_backend._loyalty_push)
        self.assertEqual(self._entries().engine_state, "pending")

    def test_return_naming_no_sale_takes_back_what_its_goods_earn(self):
        """Test that a return whose sale is unknown takes back the points
        its goods would earn, once."""
        self._sale([(self.shirt, 3)], "s1")
        self._sale([(self.shirt, 1)], "r1", is_return=True)
        self._sale([(self.shirt, 1)], "r1", is_return=True)
        reversal = self._entries([("kind", "=", "reversal")])
        self.assertEqual(
            (reversal.points, reversal.transaction_id), (-20, "r1:reverse")
        )
        self.assertEqual(self._card().points, 40)
        self.assertLedgerMatchesCards()

    def test_records_no_bridge_reads_earn_nothing(self):
        """Test that what a channel books in a model no bridge module reads
        for the loyalty flows earns nothing."""
        self.env["retail.loyalty.accrual"]._on_channel_records(self.ann)
        self.assertFalse(self._entries())
