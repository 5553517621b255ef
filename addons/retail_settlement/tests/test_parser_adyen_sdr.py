# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, datetime
from decimal import Decimal

from odoo.tests import TransactionCase, tagged

from odoo.addons.retail_settlement.parsers import adyen_sdr

from .test_parser_common import fixture_text, net_total, parse, refusal


@tagged("post_install", "-at_install")
class TestParserAdyenSdr(TransactionCase):
    def setUp(self):
        super().setUp()
        self.text = fixture_text("adyen_sdr_batch_42_constructed.csv")
        self.rows = self.text.splitlines(keepends=True)

    def test_batch(self):
        settlement, lines = parse(adyen_sdr, self.text)
        self.assertEqual(settlement.external_id, "RetailSuiteEU/42")
        self.assertEqual(settlement.currency, "EUR")
        self.assertEqual(settlement.declared_total, Decimal("115.57"))
        self.assertEqual(settlement.deposit_date, date(2025, 5, 14))
        self.assertEqual(settlement.bank_reference, "TX4313726XT")
        # CEST is UTC+2.
        self.assertEqual(settlement.period_start, datetime(2025, 5, 12, 8, 14, 3))
        self.assertEqual(net_total(lines), Decimal("115.57"))
        self.assertEqual(
            [(line.source_row, line.line_type) for line in lines],
            [
                ("2", "order"),
                ("3", "order"),
                ("4", "order"),
                ("5", "refund"),
                ("6", "chargeback"),
                ("7", "chargeback_reversal"),
                ("8", "fee"),
                ("9", "reserve_hold"),
                ("10", "payout"),
            ],
        )
        self.assertEqual(lines[-1].amount_net, Decimal("-115.57"))

    def test_costs(self):
        _settlement, lines = parse(adyen_sdr, self.text)
        blended, icpp, fx, refund, chargeback = lines[:5]
        self.assertEqual(blended.order_ref, "SO-2025-0101")
        self.assertEqual(blended.transaction_ref, "8815743201000011")
        self.assertEqual(
            (blended.amount_gross, blended.amount_fee, blended.amount_net),
            (Decimal("80.00"), Decimal("-1.20"), Decimal("78.80")),
        )
        self.assertEqual(blended.fees, [("adyen:commission", Decimal("-1.20"))])
        # Interchange++: three fee codes.
        self.assertEqual(
            icpp.fees,
            [
                ("adyen:markup", Decimal("-0.12")),
                ("adyen:scheme_fees", Decimal("-0.06")),
                ("adyen:interchange", Decimal("-0.18")),
            ],
        )
        self.assertEqual(icpp.amount_gross, Decimal("60.00"))
        self.assertEqual(
            (fx.original_currency, fx.original_amount), ("USD", Decimal("50.00"))
        )
        self.assertEqual(fx.amount_gross, Decimal("46.00"))
        self.assertEqual(refund.amount_net, Decimal("-20.10"))
        self.assertEqual(refund.fees, [("adyen:commission", Decimal("-0.10"))])
        self.assertEqual(refund.original_transaction_ref, "8815743201000011")
        self.assertEqual(chargeback.amount_gross, Decimal("-30.00"))
        self.assertEqual(chargeback.amount_fee, Decimal("-15.00"))
        fee = lines[6]
        self.assertEqual(fee.amount_gross, 0)
        self.assertEqual(fee.fees, [("adyen:Fee", Decimal("-8.31"))])
        self.assertEqual(fee.description, "Transaction Fees May     01 2025")

    def test_documented_lines(self):
        """Adyen's documentation lines: one GBP, one EUR, no batch number."""
        text = fixture_text("adyen_sdr_doc_lines.csv")
        error = refusal(self, adyen_sdr, text, {"batch_number": "4"})
        self.assertEqual(error.line_no, 3)
        self.assertIn("mixed currencies", str(error))
        header, settled, chargeback = text.splitlines(keepends=True)
        settlement, lines = parse(adyen_sdr, header + settled, {"batch_number": "4"})
        self.assertEqual(settlement.external_id, "TestMerchant/4")
        self.assertIsNone(settlement.declared_total)
        self.assertEqual(lines[0].amount_gross, Decimal("5.00"))
        self.assertEqual(lines[0].amount_net, Decimal("4.88"))
        _settlement, lines = parse(
            adyen_sdr, header + chargeback, {"batch_number": "4"}
        )
        self.assertEqual(
            (lines[0].amount_gross, lines[0].amount_fee, lines[0].amount_net),
            (Decimal("-349.99"), Decimal("-7.5"), Decimal("-357.49")),
        )
        error = refusal(self, adyen_sdr, header + settled)
        self.assertIn("no Batch Number", str(error))

    def test_balance_carried_forward(self):
        """OCA's test file: a batch that only carries its balance on."""
        settlement, lines = parse(
            adyen_sdr, fixture_text("adyen_sdr_oca_batch_238.csv")
        )
        self.assertEqual(settlement.external_id, "YOURCOMPANY_ACCOUNT/238")
        self.assertIsNone(settlement.declared_total)
        self.assertEqual(
            [line.line_type for line in lines], ["transfer", "fee", "transfer"]
        )
        self.assertEqual(net_total(lines), 0)
        self.assertEqual(lines[0].amount_net, Decimal("454331.99"))
        self.assertEqual(lines[2].amount_net, Decimal("-454331.90"))
        self.assertNotEqual(lines[0].line_key, lines[2].line_key)

    def test_refusals(self):
        def replaced(number, old, new):
            changed = list(self.rows)
            self.assertIn(old, changed[number - 1])
            changed[number - 1] = changed[number - 1].replace(old, new, 1)
            return "".join(changed)

        cases = [
            (replaced(2, ",78.80,", ",78.90,"), 2, "but the gross is 80.00"),
            (replaced(3, ",0.18,", ",O.18,"), 3, "'O.18' is not a number"),
            (replaced(4, "USD", "USX"), 4, "'USX' is not an ISO 4217 code"),
            (replaced(5, "RetailSuiteEU", "RetailSuiteUS"), 5, "one merchant account"),
            (replaced(6, ",42,", ",43,"), 6, "Batch Number '43'"),
            (replaced(7, ",1,EUR,", ",1,GBP,"), 7, "mixed currencies"),
            (replaced(8, "CEST", "Mars/Olympus"), 8, "time zone"),
            (replaced(9, "2025-05-14", "14-05-2025x"), 9, "Creation Date"),
            (replaced(1, "Net Credit (NC)", "Net Credit"), 1, "'Net Credit (NC)'"),
            ("".join(self.rows[:-1]) + self.rows[-1][:60], 10, "truncated"),
            (
                "Merchant/Company,Start date,End date\nX,2025-01-01,2025-01-31\n",
                1,
                "Aggregate settlement details report",
            ),
        ]
        for text, line_no, reason in cases:
            error = refusal(self, adyen_sdr, text)
            self.assertEqual(error.line_no, line_no, reason)
            self.assertIn(reason, str(error))

    def test_unknown_type_is_kept(self):
        text = self.text.replace(
            ",DepositCorrection,DepositCorrection,", ",NewJournal,X,"
        )
        _settlement, lines = parse(adyen_sdr, text)
        self.assertEqual(
            (lines[7].line_type, lines[7].raw_type), ("other", "NewJournal")
        )
