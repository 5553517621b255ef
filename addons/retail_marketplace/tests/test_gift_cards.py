# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import MarketplaceCommon


@tagged("post_install", "-at_install")
class TestGiftCards(MarketplaceCommon):
    """A gift card sold is owed to its holder until spent: its sale credits
    the backend's liability account, untaxed, and its redemption (a gift
    card payment) debits it back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_up_gift_cards()

    def _gift_card_order(self, order_id="6001", **kw):
        """A 50.00 gift card (no SKU, flagged by the channel) and one shirt
        at 12.50 + 20% tax: 50.00 + 12.50 + 2.50 = 65.00."""
        return self._order_payload(
            order_id,
            lines=[
                {
                    "id": "G1",
                    "sku": "",
                    "title": "Gift card 50",
                    "quantity": 1,
                    "unit_price": "50.00",
                    "gift_card": True,
                },
                {
                    "id": "L1",
                    "sku": "SKU-1",
                    "quantity": 1,
                    "unit_price": "12.50",
                    "tax_code": "VAT20",
                },
            ],
            shipping="0",
            total="65.00",
            **kw,
        )

    def _liability_balance(self):
        lines = self.env["account.move.line"].search(
            [
                ("account_id", "=", self.gift_card_account.id),
                ("parent_state", "=", "posted"),
            ]
        )
        return self.company.currency_id.round(sum(lines.mapped("balance")))

    def test_gift_card_sale_credits_the_liability_untaxed(self):
        event = self._deliver(self._gift_card_order())
        self.assertEqual(event.state, "done", event.last_error)
        sale = self._sale("6001")
        gift_line = sale.order_line.filtered("retail_gift_card")
        self.assertEqual(gift_line.product_id, self.gift_card_product)
        self.assertFalse(gift_line.tax_id, "gift cards are not taxed when sold")
        self.assertEqual(sale.amount_tax, 2.5)
        invoice = sale.invoice_ids
        self.assertEqual(invoice.payment_state, "paid")
        gift_invoice_line = invoice.invoice_line_ids.filtered(
            lambda line: line.sale_line_ids == gift_line
        )
        self.assertEqual(gift_invoice_line.account_id, self.gift_card_account)
        self.assertEqual(self._liability_balance(), -50.0, "owed to the holder")
        revenue = invoice.invoice_line_ids - gift_invoice_line
        self.assertEqual(sum(revenue.mapped("balance")), -12.5, "no revenue for it")

    def test_sold_then_redeemed_leaves_nothing_owed(self):
        """Test the card bought on one order paying part of the next: the
        redemption, a gift card payment, debits the liability back to 0."""
        self._deliver(self._gift_card_order())
        self._deliver(
            self._order_payload(
                "6002",
                payments=[
                    {"method": "gift_card", "kind": "gift_card", "amount": "50.00"},
                    {"method": "card", "amount": "22.00"},
                ],
            )
        )
        invoice = self._sale("6002").invoice_ids
        self.assertEqual(invoice.payment_state, "paid")
        redemption = self.env["account.payment"].search(
            [("journal_id", "=", self.gift_card_journal.id)]
        )
        self.assertEqual(redemption.amount, 50.0)
        self.assertEqual(redemption.outstanding_account_id, self.gift_card_account)
        self.assertEqual(self._liability_balance(), 0.0)

    def test_gift_card_refunded_takes_back_the_liability(self):
        """Test that a credit note refunding a gift card debits the liability
        (the card is void), not revenue."""
        payload = self._gift_card_order(
            updated_at="2026-11-02T10:00:00Z",
            refunds=[
                {
                    "id": "R1",
                    "amount": "50.00",
                    "lines": [{"line_id": "G1", "quantity": 1, "amount": "50.00"}],
                }
            ],
        )
        event = self._deliver(payload)
        self.assertEqual(event.state, "done", event.last_error)
        credit_note = self._sale("6001").invoice_ids.filtered(
            lambda move: move.move_type == "out_refund"
        )
        self.assertEqual(credit_note.amount_total, 50.0)
        self.assertEqual(
            credit_note.invoice_line_ids.account_id, self.gift_card_account
        )
        self.assertEqual(self._liability_balance(), 0.0)

    def test_goodwill_on_an_order_with_a_gift_card_is_taxed_as_its_goods(self):
        """A goodwill refund of 6.50 on the card-and-shirt order gives back
        money for the shirt only (the card is a liability, not a sale):
        5.42 + 1.08 tax at 20 %, nothing untaxed, the liability untouched."""
        payload = self._gift_card_order(
            updated_at="2026-11-02T10:00:00Z",
            refunds=[{"id": "R1", "amount": "6.50", "lines": []}],
        )
        event = self._deliver(payload)
        self.assertEqual(event.state, "done", event.last_error)
        # A goodwill credit note credits no order line: found by its origin.
        credit_note = self.env["account.move"].search(
            [
                ("move_type", "=", "out_refund"),
                ("invoice_origin", "=", self._sale("6001").name),
            ]
        )
        self.assertEqual(credit_note.amount_total, 6.5)
        self.assertEqual(credit_note.amount_tax, 1.08)
        self.assertTrue(all(credit_note.invoice_line_ids.mapped("tax_ids")))
        self.assertEqual(self._liability_balance(), -50.0)

    def test_product_flagged_gift_card_is_one_without_the_channel_saying_so(self):
        """Test a channel with no gift card flag (WooCommerce): the Odoo
        product marked 'Gift card' makes its line one, untaxed."""
        product = self.env["product.product"].create(
            {
                "name": "Gift card 25",
                "default_code": "GC-25",
                "type": "service",
                "invoice_policy": "order",
                "retail_gift_card": True,
            }
        )
        payload = self._order_payload(
            "6003",
            lines=[{"id": "G1", "sku": "GC-25", "quantity": 2, "unit_price": "25.00"}],
            shipping="0",
            total="50.00",
        )
        event = self._deliver(payload)
        self.assertEqual(event.state, "done", event.last_error)
        line = self._sale("6003").order_line
        self.assertEqual((line.product_id, line.retail_gift_card), (product, True))
        self.assertFalse(line.tax_id)
        self.assertEqual(self._liability_balance(), -50.0)

    def test_gift_card_sale_without_account_fails_asking_for_it(self):
        self.backend.gift_card_account_id = False
        event = self._deliver(self._gift_card_order())
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.failure_code, "no_gift_card_account")
        self.assertFalse(self._sale("6001"))

    def test_redemption_in_a_journal_not_booking_on_the_account_fails(self):
        """Test that a redemption which would leave the liability standing
        fails, naming the journal, rather than book the card's value twice."""
        self.gift_card_journal.inbound_payment_method_line_ids.payment_account_id = (
            False
        )
        event = self._deliver(
            self._order_payload(
                "6004",
                payments=[
                    {"method": "gift_card", "kind": "gift_card", "amount": "72.00"}
                ],
            )
        )
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.failure_code, "gift_card_journal")
        self.assertIn(self.gift_card_journal.name, event.last_error)
        self.assertFalse(self._sale("6004"))
