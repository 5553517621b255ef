# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import MarketplaceCommon


@tagged("post_install", "-at_install")
class TestOrderRounding(MarketplaceCommon):
    """The default order payload totals 72.00 in Odoo (see _order_payload)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rounding_account = cls.env["account.account"].create(
            {
                "name": "Channel rounding differences",
                "code": "758RND",
                "account_type": "income_other",
            }
        )
        cls.backend.order_rounding_account_id = cls.rounding_account
        cls.rounding_product = cls.env.ref(
            "retail_marketplace.product_channel_rounding"
        )

    def _assert_rounded(self, order_id, channel_total, difference):
        sale = self._sale(order_id)
        rounding = sale.order_line.filtered(
            lambda line: line.product_id == self.rounding_product
        )
        self.assertEqual(rounding.price_unit, difference)
        self.assertFalse(rounding.tax_id, "the channel's tax is left as it is")
        self.assertEqual(sale.amount_total, channel_total)
        self.assertEqual(sale.amount_tax, 12.0)
        invoice = sale.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_total, channel_total)
        self.assertEqual(invoice.amount_tax, 12.0)
        self.assertEqual(invoice.payment_state, "paid")
        invoice_line = invoice.invoice_line_ids.filtered(
            lambda line: line.product_id == self.rounding_product
        )
        self.assertEqual(invoice_line.account_id, self.rounding_account)
        self.assertEqual(invoice_line.price_subtotal, difference)
        message = sale.message_ids.filtered(lambda msg: "Rounding" in (msg.body or ""))
        self.assertEqual(len(message), 1)
        self.assertIn(f"{channel_total:.2f}", message.body)
        self.assertIn("72.00", message.body)
        self.assertIn(f"{difference:+.2f}", message.body)
        self.assertIn(self.rounding_account.code, message.body)

    def test_a_cent_more_or_less_is_booked_on_a_rounding_line(self):
        for order_id, total, difference in (
            ("5001", 72.01, 0.01),
            ("5002", 71.99, -0.01),
        ):
            with self.subTest(total=total):
                event = self._deliver(
                    self._order_payload(order_id=order_id, total=f"{total:.2f}")
                )
                self.assertEqual(event.state, "done", event.last_error)
                self._assert_rounded(order_id, total, difference)

    def test_exact_totals_get_no_rounding_line(self):
        self._deliver(self._order_payload())
        sale = self._sale()
        self.assertNotIn(self.rounding_product, sale.order_line.product_id)
        self.assertEqual(sale.invoice_ids.amount_total, 72.0)

    def _assert_fails(self, total, code):
        event = self._deliver(self._order_payload(total=total))
        self.assertEqual((event.state, event.failure_code), ("failed", code))
        self.assertIn(total, event.last_error)
        self.assertIn("72.00", event.last_error)
        self.assertFalse(self._sale(), "nothing of the order is kept")
        return event

    def test_beyond_the_tolerance_the_order_fails_as_before(self):
        self._assert_fails("72.02", "total_mismatch")

    def test_no_tolerance_is_strict(self):
        self.backend.order_rounding_tolerance = 0
        self._assert_fails("72.01", "total_mismatch")

    def test_without_a_rounding_account_the_order_asks_for_one(self):
        self.backend.order_rounding_account_id = False
        event = self._assert_fails("72.01", "no_rounding_account")
        self.assertIn("rounding account", event.last_error)
        self.backend.order_rounding_account_id = self.rounding_account
        event.action_retry()
        self.backend._process_events()
        self.assertEqual(event.state, "done", event.last_error)
        self._assert_rounded("5001", 72.01, 0.01)
