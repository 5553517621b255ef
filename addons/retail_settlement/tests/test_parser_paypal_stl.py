# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, datetime
from decimal import Decimal

from odoo.tests import TransactionCase, tagged

from odoo.addons.retail_settlement.parsers import paypal_stl

from .test_parser_common import fixture_text, net_total, parse, refusal


@tagged("post_install", "-at_install")
class TestParserPaypalStl(TransactionCase):
    def setUp(self):
        super().setUp()
        self.text = fixture_text("paypal_stl_constructed.csv")
        self.rows = self.text.splitlines(keepends=True)

    def test_report(self):
        settlement, lines = parse(paypal_stl, self.text)
        self.assertEqual(settlement.external_id, "MERCHANT7Q2LX/20250310/01")
        self.assertEqual(settlement.currency, "USD")
        self.assertEqual(settlement.declared_total, Decimal("64.23"))
        self.assertEqual(settlement.deposit_date, date(2025, 3, 10))
        self.assertEqual(settlement.bank_reference, "BNKREF-20250311-0001")
        self.assertEqual(settlement.period_start, datetime(2025, 3, 10, 7, 0))
        self.assertEqual(net_total(lines), Decimal("64.23"))
        self.assertEqual(
            [(line.source_row, line.line_type, line.raw_type) for line in lines],
            [
                ("5", "order", "T0006"),
                ("6", "order", "T0006"),
                ("7", "refund", "T1107"),
                ("8", "chargeback", "T1201"),
                ("9", "fee", "T0106"),
                ("10", "payout", "T0400"),
            ],
        )

    def test_minor_units_and_directions(self):
        _settlement, lines = parse(paypal_stl, self.text)
        payment, _second, refund, chargeback, fee, payout = lines
        self.assertEqual(payment.line_key, "4RX12345AB678901C:T0006")
        self.assertEqual(payment.order_ref, "WEB-20041")
        self.assertEqual(payment.merchant_order_ref, "cart-77812")
        self.assertEqual(
            (payment.amount_gross, payment.amount_fee, payment.amount_net),
            (Decimal("109.99"), Decimal("-4.13"), Decimal("105.86")),
        )
        self.assertEqual(payment.fees, [("paypal:T0006", Decimal("-4.13"))])
        self.assertEqual(payment.date, datetime(2025, 3, 10, 15, 14, 22))
        # Part of the fee is given back with the partial refund.
        self.assertEqual(refund.amount_fee, Decimal("0.43"))
        self.assertEqual(refund.original_transaction_ref, "4RX12345AB678901C")
        self.assertEqual(chargeback.amount_net, Decimal("-45.00"))
        self.assertEqual(fee.fees, [("paypal:T0106", Decimal("-20.00"))])
        self.assertEqual(fee.amount_gross, 0)
        self.assertEqual(payout.amount_net, Decimal("-64.23"))

    def test_japanese_yen_has_no_minor_unit(self):
        text = self.text.replace('"USD"', '"JPY"')
        settlement, lines = parse(paypal_stl, text)
        self.assertEqual(lines[0].amount_gross, Decimal(10999))
        self.assertEqual(settlement.declared_total, Decimal(6423))

    def test_footers_are_tolerated(self):
        text = (
            "".join(self.rows[:-2])
            + '"SF","USD","CR",15542,"DR",13842\n'
            + self.rows[-2]
            + '"RF","USD"\n'
            + self.rows[-1]
            + '"FF",01\n'
        )
        _settlement, lines = parse(paypal_stl, text)
        self.assertEqual(len(lines), 6)

    def test_refusals(self):
        def replaced(number, old, new):
            changed = list(self.rows)
            self.assertIn(old, changed[number - 1])
            changed[number - 1] = changed[number - 1].replace(old, new, 1)
            return "".join(changed)

        cases = [
            (replaced(5, '"CR"', '"XX"'), 5, "neither CR nor DR"),
            (replaced(6, ",4500,", ",45.00,"), 6, "not a whole number of minor units"),
            (replaced(7, '"USD","CR"', '"EUR","CR"'), 7, "mixed currencies"),
            (
                replaced(8, "2025/03/10 15:45:00", "2025/13/10 15:45:00"),
                8,
                "initiation date",
            ),
            (replaced(9, '"T0106"', '"X0106"'), 9, "not a T-code"),
            (replaced(11, '"SC",6', '"SC",7'), 11, "says 7 transactions"),
            (replaced(12, '"RC",6', '"RC",5'), 12, "says 5 transactions"),
            (
                replaced(4, '"Transaction Event Code"', '"Event"'),
                4,
                "'Transaction Event Code'",
            ),
            (replaced(1, '"RH"', '"XX"'), 1, "not the 'RH' report header"),
            (
                replaced(3, '"MERCHANT7Q2LX"', '"OTHERACCOUNT"'),
                3,
                "one account per file",
            ),
            ("".join(self.rows[:-3]), None, "truncated"),
            ("".join(self.rows[:-3]) + self.rows[-3][:30], 10, "truncated"),
        ]
        for text, line_no, reason in cases:
            error = refusal(self, paypal_stl, text)
            self.assertEqual(error.line_no, line_no, reason)
            self.assertIn(reason, str(error))
