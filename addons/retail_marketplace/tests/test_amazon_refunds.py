# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .test_amazon import AmazonCommon


@tagged("post_install", "-at_install")
class TestAmazonRefunds(AmazonCommon):
    """Refunds read from Amazon's financial events (RefundEventList of
    listFinancialEvents) by the orders poll, booked as credit notes."""

    def _credit_notes(self, order_id):
        return self._sale(order_id).invoice_ids.filtered(
            lambda move: move.move_type == "out_refund"
        )

    def test_partial_and_shipping_refunds_booked_once(self):
        """Test that a refund of one unit and the shipping becomes a credit
        note of that unit's price, the shipping and the tax the seller
        collected on them, a later refund of the other unit a second one
        (read on the next page of financial events), and that refunds read
        again by later polls are booked once."""
        placed = self._order(
            facilitator=False,
            tax_rate="0.20",
            lines=[
                {"sku": "SKU-1", "quantity": 2, "price": "12.50", "shipping": "4.00"}
            ],
        )
        order_id = placed["AmazonOrderId"]
        self._poll()
        sale = self._sale(order_id)
        self.assertEqual(sale.invoice_ids.amount_total, 34.80)

        self.sim.create_refund(order_id, lines=[{"sku": "SKU-1"}], shipping="4.00")
        self._poll()
        credit_note = self._credit_notes(order_id)
        self.assertEqual(len(credit_note), 1)
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(credit_note.amount_untaxed, 16.50)
        self.assertEqual(credit_note.amount_total, 19.80)
        self.assertEqual(credit_note.reversed_entry_id, sale.invoice_ids[:1])

        self.sim.create_refund(order_id, lines=[{"sku": "SKU-1"}])
        # A page a refund: the first refund is read again on the first page,
        # the new one on the page its NextToken gives.
        self.flow.batch_size = 1
        self._poll()
        credit_notes = self._credit_notes(order_id)
        self.assertEqual(len(credit_notes), 2)
        self._poll()
        self.assertEqual(self._credit_notes(order_id), credit_notes)
        self.assertEqual(sorted(credit_notes.mapped("amount_total")), [15.0, 19.80])
        self.assertTrue(self.backend.refund_checkpoint)

    def test_refund_without_item_id_matched_by_sku(self):
        """Test that a refund whose adjustment names its item by SellerSKU
        only (no OrderItemId) credits the order line of that SKU, and that
        a SKU two lines of the order share waits for a person."""
        placed = self._order(
            facilitator=False,
            lines=[
                {"sku": "SKU-1", "quantity": 2, "price": "12.50"},
                {"sku": "SKU-2", "price": "30.00"},
            ],
        )
        twice = self._order(
            facilitator=False,
            lines=[{"sku": "SKU-1", "price": "12.50"}, {"sku": "SKU-1", "price": "9"}],
        )
        self._poll()
        self.sim.create_refund(
            placed["AmazonOrderId"], lines=[{"sku": "SKU-2"}], item_ids=False
        )
        self.sim.create_refund(
            twice["AmazonOrderId"], lines=[{"sku": "SKU-1"}], item_ids=False
        )
        self._poll()
        credit_note = self._credit_notes(placed["AmazonOrderId"])
        self.assertEqual(credit_note.invoice_line_ids.product_id, self.product_b)
        self.assertEqual(credit_note.amount_untaxed, 30.0)
        self.assertFalse(self._credit_notes(twice["AmazonOrderId"]))
        event = self.env["retail.event"].search(
            [
                ("subject_key", "=", twice["AmazonOrderId"]),
                ("topic", "=", "refunds/created"),
            ]
        )
        self.assertEqual(event.state, "failed")
        self.assertIn("SKU SKU-1", event.last_error)

    def test_facilitator_tax_refund_waits_for_a_person(self):
        """Test that a refund giving back tax Amazon collected as marketplace
        facilitator is not booked: its event fails saying to book it by
        hand, and the poll goes on."""
        placed = self._order(lines=[{"sku": "SKU-1", "price": "12.50"}])
        order_id = placed["AmazonOrderId"]
        self._poll()
        self.sim.create_refund(order_id, lines=[{"sku": "SKU-1"}])
        self._poll()
        self.assertFalse(self._credit_notes(order_id))
        event = self.env["retail.event"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("topic", "=", "refunds/created"),
            ]
        )
        self.assertEqual(event.state, "failed")
        self.assertIn("marketplace facilitator", event.last_error)
