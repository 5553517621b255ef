# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import MarketplaceCommon


@tagged("post_install", "-at_install")
class TestRefunds(MarketplaceCommon):
    def _ship(self, sale):
        picking = sale.picking_ids
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.button_validate()
        return picking

    def _refund(self, refund_id="R1", **kw):
        refund = {
            "id": refund_id,
            "order_id": "5001",
            "created_at": "2026-11-03T10:00:00Z",
            "amount": "15.00",
            "reason": "Too small",
            "lines": [{"line_id": "L1", "quantity": 1, "restock": True}],
        }
        refund.update(kw)
        return refund

    def test_partial_refund_with_restock_after_shipment(self):
        self._deliver(self._order_payload())
        sale = self._sale()
        shipped = self._ship(sale)
        event = self._deliver(self._refund(), topic="refunds/create")
        self.assertEqual(event.state, "done", event.last_error)
        credit_note = event.res_id and self.env["account.move"].browse(event.res_id)
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(credit_note.amount_total, 15.0)
        self.assertEqual(credit_note.invoice_line_ids.product_id, self.product_a)
        self.assertEqual(credit_note.reversed_entry_id, sale.invoice_ids[:1])
        self.assertEqual(credit_note.payment_state, "paid", "money went back")
        line_a = sale.order_line.filtered(
            lambda line: line.product_id == self.product_a
        )
        self.assertEqual(line_a.qty_invoiced, 1)
        returns = sale.picking_ids - shipped
        self.assertEqual(returns.picking_type_code, "incoming")
        self.assertEqual(returns.move_ids.product_id, self.product_a)
        self.assertEqual(returns.move_ids.product_uom_qty, 1)

    def test_refund_seen_twice_is_booked_once(self):
        self._deliver(self._order_payload())
        self._deliver(self._refund(), topic="refunds/create")
        self._deliver(
            self._order_payload(
                updated_at="2026-11-03T10:00:01Z",
                status="paid",
                refunds=[self._refund()],
            ),
            topic="orders/updated",
        )
        credit_notes = self._sale().invoice_ids.filtered(
            lambda move: move.move_type == "out_refund"
        )
        self.assertEqual(len(credit_notes), 1)

    def test_shipping_refund_and_a_partial_amount(self):
        self._deliver(self._order_payload())
        refund = self._refund(
            amount="20.00",
            lines=[{"line_id": "L1", "quantity": 1, "restock": False}],
            shipping="6.00",
        )
        event = self._deliver(refund, topic="refunds/create")
        credit_note = self.env["account.move"].browse(event.res_id)
        # 15.00 for the shirt and 6.00 of shipping, less 1.00 the channel kept
        self.assertEqual(credit_note.amount_total, 20.0)
        self.assertIn(self.shipping_product, credit_note.invoice_line_ids.product_id)
        adjustment = credit_note.invoice_line_ids.filtered(
            lambda line: not line.product_id
        )
        self.assertEqual(adjustment.price_subtotal, -1.0)
        self.assertEqual(len(self._sale().picking_ids), 1, "nothing restocked")

    def test_restock_before_shipment_lowers_what_is_left_to_deliver(self):
        self._deliver(self._order_payload())
        self._deliver(self._refund(), topic="refunds/create")
        sale = self._sale()
        move = sale.picking_ids.move_ids.filtered(
            lambda m: m.product_id == self.product_a
        )
        self.assertEqual(move.product_uom_qty, 1)

    def test_refund_before_its_order_waits_for_it(self):
        event = self._deliver(self._refund(), topic="refunds/create")
        self.assertEqual(event.state, "pending")
        self.assertEqual(event.failure_kind, "transient")
        self.assertIn("not imported yet", event.last_error)
