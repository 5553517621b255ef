# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime
from decimal import Decimal

from odoo import Command
from odoo.tests import tagged

from odoo.addons.retail_connector_base.exceptions import RetailBusinessError

from ..adapters.channel_model import ChannelRefund, ChannelRefundLine
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
        # The 1.00 kept is split across the order's taxes (all 20 % here):
        # 0.83 and its 0.17 tax, so the tax given back is what was charged.
        adjustment = credit_note.invoice_line_ids.filtered(
            lambda line: not line.product_id
        )
        self.assertEqual(adjustment.price_subtotal, -0.83)
        self.assertEqual(adjustment.tax_ids, self.tax_excluded)
        self.assertEqual(credit_note.amount_tax, 3.33)
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


@tagged("post_install", "-at_install")
class TestRefundBooking(MarketplaceCommon):
    """The issue's worked examples: an order of 98.67, 10 % tax excluded
    throughout (two kettles at 22.50, a toaster at 39.70, shipping 5.00:
    89.70 + 8.97 tax)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax_10 = cls.env["account.tax"].create(
            {
                "name": "Channel VAT 10%",
                "amount": 10,
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
            }
        )
        cls.adjustment_account = cls.env["account.account"].create(
            {"name": "Refund goodwill", "code": "658100", "account_type": "expense"}
        )
        cls.backend.mapping_ids = [
            Command.create(
                {
                    "mapping_type": "tax",
                    "external_code": "VAT10",
                    "odoo_ref": f"account.tax,{cls.tax_10.id}",
                }
            )
        ]

    @staticmethod
    def _lines(*specs):
        """Order lines L1, L2... from ``(sku, quantity, unit price, tax)``."""
        return [
            dict(
                zip(("sku", "quantity", "unit_price", "tax_code"), spec, strict=True),
                id=f"L{index}",
            )
            for index, spec in enumerate(specs, 1)
        ]

    def _kettle_order(self):
        self._deliver(
            self._order_payload(
                lines=self._lines(
                    ("SKU-1", 2, "22.50", "VAT10"), ("SKU-2", 1, "39.70", "VAT10")
                ),
                shipping_tax_code="VAT10",
                total="98.67",
            )
        )
        sale = self._sale()
        self.assertEqual(sale.amount_total, 98.67)
        return sale

    def _update_order(self, second, refunds):
        """The order's next version (``second`` seconds after the refund),
        listing ``refunds``."""
        return self._deliver(
            self._order_payload(
                updated_at=f"2026-11-03T10:00:0{second}Z",
                refunds=refunds,
                total="98.67",
            ),
            topic="orders/updated",
        )

    def _refund(self, refund_id="R1", **kw):
        refund = {
            "id": refund_id,
            "order_id": "5001",
            "created_at": "2026-11-03T10:00:00Z",
            "amount": "20.00",
            "lines": [],
        }
        refund.update(kw)
        return refund

    def _credit_note(self, event):
        self.assertEqual(event.state, "done", event.last_error)
        return self.env["account.move"].browse(event.res_id)

    def _credit_notes(self, sale):
        # A goodwill credit note credits no order line: found by its origin.
        return self.env["account.move"].search(
            [("move_type", "=", "out_refund"), ("invoice_origin", "=", sale.name)]
        )

    def test_one_kettle_refunded_for_less_than_its_price(self):
        """One of two kettles (24.75 with tax) refunded, 20.00 paid back: a
        credit note of 20.00 with 1.82 tax, not 2.25."""
        self._kettle_order()
        event = self._deliver(
            self._refund(lines=[{"line_id": "L1", "quantity": 1, "amount": "24.75"}]),
            topic="refunds/create",
        )
        credit_note = self._credit_note(event)
        self.assertEqual(credit_note.amount_total, 20.0)
        self.assertEqual(credit_note.amount_tax, 1.82)
        self.assertEqual(credit_note.amount_untaxed, 18.18)
        kettle = credit_note.invoice_line_ids.filtered("product_id")
        self.assertEqual((kettle.quantity, kettle.price_subtotal), (1, 22.5))
        adjustment = credit_note.invoice_line_ids - kettle
        self.assertEqual(adjustment.price_subtotal, -4.32)
        self.assertEqual(adjustment.tax_ids, self.tax_10)

    def test_goodwill_amount_is_taxed_as_the_order(self):
        """A goodwill refund of 11.00 naming no line: 10.00 and 1.00 tax."""
        self._kettle_order()
        event = self._deliver(self._refund(amount="11.00"), topic="refunds/create")
        credit_note = self._credit_note(event)
        self.assertEqual(credit_note.amount_total, 11.0)
        self.assertEqual(credit_note.amount_tax, 1.0)
        self.assertEqual(credit_note.payment_state, "paid")

    def test_goodwill_split_across_two_tax_rates(self):
        """An order taxed 20 % on 30.00 (two shirts and shipping) and 10 % on
        30.00 (a bag): a goodwill of 23.00 gives back 10.00 at 20 % and
        10.00 at 10 %, in proportion to the two bases."""
        self._deliver(
            self._order_payload(
                lines=self._lines(
                    ("SKU-1", 2, "12.50", "VAT20"), ("SKU-2", 1, "30.00", "VAT10")
                ),
                total="69.00",
            )
        )
        event = self._deliver(self._refund(amount="23.00"), topic="refunds/create")
        credit_note = self._credit_note(event)
        self.assertEqual(credit_note.amount_total, 23.0)
        self.assertEqual(credit_note.amount_tax, 3.0)
        shares = {
            line.tax_ids: line.price_subtotal for line in credit_note.invoice_line_ids
        }
        self.assertEqual(shares, {self.tax_excluded: 10.0, self.tax_10: 10.0})

    def test_goodwill_booked_untaxed_when_the_backend_says_so(self):
        self.backend.write(
            {
                "refund_amount_policy": "untaxed_account",
                "refund_adjustment_account_id": self.adjustment_account.id,
            }
        )
        self._kettle_order()
        event = self._deliver(self._refund(amount="11.00"), topic="refunds/create")
        credit_note = self._credit_note(event)
        self.assertEqual((credit_note.amount_total, credit_note.amount_tax), (11, 0))
        self.assertEqual(
            credit_note.invoice_line_ids.account_id, self.adjustment_account
        )

    def test_untaxed_policy_without_account_fails_the_refund(self):
        self.backend.refund_amount_policy = "untaxed_account"
        self._kettle_order()
        event = self._deliver(self._refund(amount="11.00"), topic="refunds/create")
        self.assertEqual(event.state, "failed")
        self.assertIn("refund adjustment account", event.last_error)

    def test_channel_refund_lines_with_their_subtotal_and_tax(self):
        """A refund as Shopify states it (the order's price basis, the
        channel's subtotal and tax): the credit line is the channel's
        subtotal with the item's taxes; a stated tax further from Odoo's than
        the rounding tolerance fails the refund."""
        sale = self._kettle_order()
        Move = self.env["account.move"]

        def refund(refund_id, tax):
            return ChannelRefund(
                external_id=refund_id,
                order_external_id="5001",
                currency=self.currency,
                amount=Decimal("22.00"),
                created_at=datetime(2026, 11, 3, 10),
                lines=[
                    ChannelRefundLine(
                        "L1", Decimal(1), subtotal=Decimal("20.00"), tax=tax
                    )
                ],
            )

        credit_note = Move._retail_import_refunds(
            self.backend, sale, [refund("S1", Decimal("2.00"))]
        )
        self.assertEqual(credit_note.amount_total, 22.0)
        self.assertEqual(credit_note.amount_tax, 2.0)
        self.assertEqual(len(credit_note.invoice_line_ids), 1, "no adjustment")
        with self.assertRaisesRegex(RetailBusinessError, "tolerance"):
            Move._retail_import_refunds(
                self.backend, sale, [refund("S2", Decimal("2.50"))]
            )

    def test_pending_refund_waits_then_is_booked_once(self):
        """A refund whose payment is pending books nothing (the chatter says
        it waits, once); the order's next version showing it succeeded books
        it, once."""
        sale = self._kettle_order()
        pending = self._refund(amount="11.00", status="pending")
        event = self._deliver(pending, topic="refunds/create")
        self.assertEqual(event.state, "done", event.last_error)
        self.assertFalse(self._credit_notes(sale))
        self._update_order(1, [pending])
        self.assertFalse(self._credit_notes(sale))
        waits = sale.message_ids.filtered(lambda m: "still pending" in m.body)
        self.assertEqual(len(waits), 1)
        for second in (2, 3):
            event = self._update_order(second, [dict(pending, status="success")])
            self.assertEqual(event.state, "done", event.last_error)
        credit_note = self._credit_notes(sale)
        self.assertEqual(len(credit_note), 1)
        self.assertEqual(
            (credit_note.amount_total, credit_note.state), (11.0, "posted")
        )

    def test_failed_refund_is_never_booked(self):
        sale = self._kettle_order()
        failed = self._refund(amount="11.00", status="failed")
        self._deliver(failed, topic="refunds/create")
        self._update_order(1, [failed])
        self.assertFalse(self._credit_notes(sale))
        notes = sale.message_ids.filtered(lambda m: "failed on the channel" in m.body)
        self.assertEqual(len(notes), 1)

    def test_refund_paid_back_through_its_gateway_journal(self):
        """The money goes back from the journal mapped to the refund's
        gateway; an unmapped gateway uses the backend's journal."""
        self._kettle_order()
        mapped = self._credit_note(
            self._deliver(
                self._refund(amount="11.00", gateway="gift_card"),
                topic="refunds/create",
            )
        )
        self.assertEqual(
            mapped._get_reconciled_payments().journal_id, self.gift_card_journal
        )
        unmapped = self._credit_note(
            self._deliver(
                self._refund("R2", amount="5.50", gateway="paypal"),
                topic="refunds/create",
            )
        )
        self.assertEqual(
            unmapped._get_reconciled_payments().journal_id, self.bank_journal
        )

    def test_tax_included_order_refunded_on_either_basis(self):
        """An order priced tax included (shirts at 15.00, shipping 6.00, 20 %
        included): a refund stated as the order is priced (Shopify) and one
        stated tax excluded (WooCommerce) give the same credit note."""
        self._deliver(
            self._order_payload(
                tax_included=True,
                lines=self._lines(
                    ("SKU-1", 2, "15.00", "VAT20-INC"),
                    ("SKU-2", 1, "36.00", "VAT20-INC"),
                ),
                shipping="6.00",
                shipping_tax_code="VAT20-INC",
                total="72.00",
            )
        )
        sale = self._sale()
        Move = self.env["account.move"]
        stated = {
            "S1": (None, Decimal("15.00"), Decimal("6.00")),
            "S2": (False, Decimal("12.50"), Decimal("5.00")),
        }
        for refund_id, (included, subtotal, shipping) in stated.items():
            credit_note = Move._retail_import_refunds(
                self.backend,
                sale,
                [
                    ChannelRefund(
                        external_id=refund_id,
                        order_external_id="5001",
                        currency=self.currency,
                        amount=Decimal("21.00"),
                        lines=[
                            ChannelRefundLine(
                                "L1", Decimal(1), subtotal, Decimal("2.50")
                            )
                        ],
                        shipping_amount=shipping,
                        shipping_tax=Decimal("1.00"),
                        tax_included=included,
                    )
                ],
            )
            self.assertEqual(
                (credit_note.amount_total, credit_note.amount_tax), (21.0, 3.5)
            )
            self.assertEqual(len(credit_note.invoice_line_ids), 2, "no adjustment")
