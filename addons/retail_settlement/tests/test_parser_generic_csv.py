# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from datetime import datetime
from decimal import Decimal

from odoo.tests import TransactionCase, tagged

from odoo.addons.retail_settlement.parsers import generic_csv

from .test_parser_common import fixture_text, net_total, parse, refusal


@tagged("post_install", "-at_install")
class TestParserGenericCsv(TransactionCase):
    def setUp(self):
        super().setUp()
        self.text = fixture_text("generic_csv_payouts.csv")
        self.options = json.loads(fixture_text("generic_csv_mapping.json"))

    def test_mapped_file(self):
        self.assertEqual(generic_csv.validate_options(self.options), [])
        settlement, lines = parse(generic_csv, self.text, self.options)
        self.assertEqual(settlement.external_id, "PO-2025-0417")
        self.assertEqual(settlement.currency, "EUR")
        self.assertIsNone(settlement.declared_total)
        self.assertEqual(settlement.period_end, datetime(2025, 4, 18))
        self.assertEqual(net_total(lines), Decimal("1195.25"))
        self.assertEqual(
            [(line.line_type, line.raw_type) for line in lines],
            [
                ("order", "Sale"),
                ("order", "Sale"),
                ("refund", "Refund"),
                ("chargeback", "Chargeback"),
                ("fee", "Invoice"),
                ("other", "Correction"),
            ],
        )
        sale = lines[0]
        self.assertEqual(sale.amount_gross, Decimal("1250.00"))
        self.assertEqual(sale.amount_fee, Decimal("-18.13"))
        self.assertEqual(sale.fees, [("generic:Sale", Decimal("-18.13"))])
        self.assertEqual((sale.order_ref, sale.line_key), ("ORD-5001", "tr_8Hq2Lk01"))
        self.assertEqual(sale.date, datetime(2025, 4, 17))
        self.assertEqual(lines[4].fees, [("generic:Invoice", Decimal("-9.99"))])
        self.assertEqual(lines[4].amount_gross, 0)

    def test_positive_fees_fixed_ids_and_totals(self):
        text = (
            "type,ref,gross,fee,payout total\n"
            "sale,a1,100.00,2.90,92.10\n"
            "refund,a2,-5.00,0.00,92.10\n"
        )
        options = {
            "currency": "usd",
            "settlement_id": "2025-W16",
            "total_column": "payout total",
            "fee_sign": "positive",
            "columns": {
                "line_type": "type",
                "amount_gross": "gross",
                "amount_fee": "fee",
                "transaction_ref": "ref",
            },
        }
        settlement, lines = parse(generic_csv, text, options)
        self.assertEqual(
            (settlement.external_id, settlement.currency), ("2025-W16", "USD")
        )
        self.assertEqual(settlement.declared_total, Decimal("92.10"))
        self.assertEqual(lines[0].amount_fee, Decimal("-2.90"))
        self.assertEqual(lines[0].amount_net, Decimal("97.10"))
        self.assertEqual([line.line_type for line in lines], ["other", "refund"])
        self.assertEqual(net_total(lines), Decimal("92.10"))

    def test_validate_options(self):
        problems = generic_csv.validate_options(
            {
                "delimiter": ";;",
                "decimal_separator": "'",
                "currency": "EURO",
                "fee_sign": "minus",
                "columns": {"amount_fee": "Fee", "colour": "Colour"},
                "type_map": {"Sale": "sale"},
            }
        )
        text = "\n".join(problems)
        for expected in (
            "'delimiter' must be one character",
            "'decimal_separator' must be '.' or ','",
            "'currency' 'EURO' is not an ISO 4217 code",
            "'settlement_id' or 'settlement_id_column'",
            "'fee_sign' must be 'negative' or 'positive'",
            "Unknown fields in 'columns': colour",
            "Map 'amount_gross' or 'amount_net'",
            "Sale → sale",
        ):
            self.assertIn(expected, text)
        self.assertEqual(
            generic_csv.validate_options([]), ["The mapping must be a JSON object."]
        )
        error = refusal(self, generic_csv, self.text, {"columns": {}})
        self.assertIsNone(error.line_no)
        self.assertIn("'columns' must map", str(error))

    def test_refusals(self):
        rows = self.text.splitlines(keepends=True)

        def replaced(number, old, new):
            changed = list(rows)
            self.assertIn(old, changed[number - 1])
            changed[number - 1] = changed[number - 1].replace(old, new, 1)
            return "".join(changed)

        cases = [
            (
                replaced(1, ";Gross;", ";Brutto;"),
                1,
                "column 'Gross' (amount_gross) is not in the header",
            ),
            (replaced(3, "88,35", "88,36"), 3, "net 88.36"),
            (replaced(4, "-40,00", "-4O,00"), 4, "'-4O,00' is not a number"),
            (
                replaced(5, "18/04/2025", "2025-04-18"),
                5,
                "does not match the format %d/%m/%Y",
            ),
            (replaced(6, ";EUR", ";USD"), 6, "mixed currencies"),
            (replaced(7, "PO-2025-0417", "PO-2025-0418"), 7, "one settlement per file"),
            ("".join(rows[:-1]) + rows[-1][:30], 7, "truncated"),
        ]
        for text, line_no, reason in cases:
            error = refusal(self, generic_csv, text, self.options)
            self.assertEqual(error.line_no, line_no, reason)
            self.assertIn(reason, str(error))
