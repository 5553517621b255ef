# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from odoo.tests import tagged

from .common import PosCommon


@tagged("post_install", "-at_install")
class TestPosReturns(PosCommon):
    def _return(self, sequence, original_uuid="T1-2026-11-02-1", **kw):
        """One shirt (24.00) brought back and paid back in cash."""
        return self._transaction(
            sequence,
            type="return",
            original_uuid=original_uuid,
            lines=[
                {"sku": "POS-1", "quantity": 1, "unit_price": "24.00"},
            ],
            payments=[{"method": "cash", "amount": "24.00"}],
            **kw,
        )

    def _order(self, sequence):
        return self._booked().filtered(lambda t: t.sequence == sequence).pos_order_id

    def test_return_points_at_the_sold_line(self):
        self._push([self._transaction(1)])
        self._push([self._return(2)], batch_id="b2")
        sold_line = self._order(1).lines.filtered(
            lambda line: line.product_id == self.shirt
        )
        returned_line = self._order(2).lines
        self.assertEqual(returned_line.refunded_orderline_id, sold_line)
        self.assertEqual(sold_line.refunded_qty, 1)
        self.assertEqual(self._order(2).refunded_order_id, self._order(1))

    def test_return_arriving_before_its_sale_is_linked_when_the_sale_arrives(self):
        self._push([self._return(2)], batch_id="returns-first")
        self.assertFalse(self._order(2).lines.refunded_orderline_id)
        self._push([self._transaction(1)], batch_id="sales-later")
        self.assertEqual(
            self._order(2).lines.refunded_orderline_id.order_id, self._order(1)
        )

    def test_damaged_return_is_scrapped_not_put_back_on_sale(self):
        stock = self.pos_config.picking_type_id.default_location_src_id
        self.env["stock.quant"]._update_available_quantity(self.shirt, stock, 10)
        self._push([self._transaction(1), self._return(2, reason="Damaged")])
        self._push([self._return(3, original_uuid="")], batch_id="resaleable")
        scraps = self._order(2).retail_scrap_ids
        self.assertEqual(len(scraps), 1)
        self.assertEqual((scraps.product_id, scraps.scrap_qty), (self.shirt, 1))
        self.assertEqual(scraps.state, "done")
        self.assertFalse(self._order(3).retail_scrap_ids)
        self._booked().pos_order_id.session_id._retail_close()
        # 10 - 2 sold + 1 damaged back and scrapped + 1 back on sale
        self.assertEqual(self.shirt.with_context(location=stock.id).qty_available, 9)
        self.assertEqual(
            self.shirt.with_context(location=scraps.scrap_location_id.id).qty_available,
            1,
        )

    def test_scrap_reasons_are_set_per_backend(self):
        self.pos_backend.pos_scrap_reasons = "defective, broken"
        self._push([self._transaction(1), self._return(2, reason="damaged")])
        self._push([self._return(3, reason=" Broken ")], batch_id="b2")
        self.assertFalse(self._order(2).retail_scrap_ids)
        self.assertTrue(self._order(3).retail_scrap_ids)

    def test_customer_found_by_loyalty_id_then_customer_reference(self):
        ann = self.env["res.partner"].create({"name": "Ann Store"})
        bob = self.env["res.partner"].create({"name": "Bob Store"})
        Binding = self.env["retail.partner.binding"]
        Binding.create(
            {
                "backend_id": self.pos_backend.id,
                "external_id": "L-42",
                "odoo_id": ann.id,
            }
        )
        Binding.create(
            {"backend_id": self.pos_backend.id, "external_id": "C-7", "odoo_id": bob.id}
        )
        self._push(
            [
                self._transaction(1, loyalty_ref="L-42", customer_ref="C-7"),
                self._transaction(2, customer_ref="C-7"),
                self._transaction(3, customer_ref="unknown"),
            ]
        )
        self.assertEqual(self._order(1).partner_id, ann)
        self.assertEqual(self._order(2).partner_id, bob)
        self.assertFalse(self._order(3).partner_id)
        third = self._booked().filtered(lambda t: t.sequence == 3)
        self.assertEqual(third.customer_ref, "unknown", "kept for a later look")
        first = self._booked().filtered(lambda t: t.sequence == 1)
        self.assertEqual(first.loyalty_ref, "L-42")


@tagged("post_install", "-at_install")
class TestPosScreens(PosCommon):
    def test_store_day_shows_received_expected_and_missing(self):
        self._push(
            [
                self._transaction(1, day="2026-11-02"),
                self._transaction(2, day="2026-11-02"),
                self._transaction(5, day="2026-11-02"),
                self._transaction(6, day="2026-11-03"),
                self._transaction(1, day="2026-11-03", terminal="T2"),
            ]
        )
        self.env.flush_all()
        days = self.env["retail.pos.store.day"].search(
            [("store_id", "=", self.store.id)], order="business_day"
        )
        self.assertEqual(
            [
                (d.business_day, d.received_count, d.missing_count, d.expected_count)
                for d in days
            ],
            [(date(2026, 11, 2), 3, 2, 5), (date(2026, 11, 3), 2, 0, 2)],
        )
        self.assertEqual(days[0].amount_total, 180.0)
        self.assertEqual(set(days.mapped("session_state")), {"open"})
        transactions = self.env["retail.pos.transaction"].search(
            days[0].action_open_transactions()["domain"]
        )
        self.assertEqual(sorted(transactions.mapped("sequence")), [1, 2, 5])

    def test_payments_per_store_day_and_method(self):
        self._push([self._transaction(1), self._transaction(2)])
        self.env.flush_all()
        rows = self.env["retail.pos.day.payment"].search(
            [("store_id", "=", self.store.id)]
        )
        self.assertEqual(
            sorted((r.payment_method_id.name, r.amount, r.payment_count) for r in rows),
            [("Card", 80.0, 2), ("Cash", 40.0, 2)],
        )
        self.assertEqual(rows.journal_id, self.cash_journal | self.card_journal)
