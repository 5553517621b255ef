# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import io
import os
from datetime import date, datetime
from decimal import Decimal

from odoo.tests import TransactionCase, tagged

from odoo.addons.retail_settlement.parsers import LABELS, PARSERS
from odoo.addons.retail_settlement.parsers.common import (
    LINE_TYPES,
    ParsedLine,
    SettlementParseError,
    check_line,
    minor_units,
    parse_date,
    parse_datetime,
    parse_decimal,
)

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def fixture_path(name):
    return os.path.join(FIXTURES, name)


def fixture_text(name):
    with open(fixture_path(name), encoding="utf-8", newline="") as file:
        return file.read()


def parse(module, text, options=None):
    """``(settlement, lines)`` of a text, read as the models read files."""
    parser = module.Parser(io.StringIO(text, newline=""), options)
    lines = list(parser.lines())
    return parser.settlement, lines


def refusal(test, module, text, options=None):
    """The error a text is refused with."""
    with test.assertRaises(SettlementParseError) as caught:
        parse(module, text, options)
    return caught.exception


def net_total(lines):
    return sum((line.amount_net for line in lines if line.line_type != "payout"), 0)


@tagged("post_install", "-at_install")
class TestParserCommon(TransactionCase):
    def test_registry(self):
        self.assertEqual(
            list(PARSERS),
            [
                "amazon_v2",
                "shopify_payments",
                "stripe",
                "adyen_sdr",
                "paypal_stl",
                "generic_csv",
            ],
        )
        self.assertEqual(set(LABELS), set(PARSERS))
        for source, module in PARSERS.items():
            self.assertEqual(module.SOURCE, source)
            self.assertTrue(module.MEDIA)
            self.assertTrue(callable(module.sniff))

    def test_sniffing_tells_every_fixture_apart(self):
        expected = {
            "amazon_v2_settlement.tsv": ["amazon_v2"],
            "shopify_payout_constructed.json": ["shopify_payments"],
            "stripe_payout_constructed.json": ["stripe"],
            "stripe_payout_reconciliation_itemized.csv": ["stripe"],
            "adyen_sdr_batch_42_constructed.csv": ["adyen_sdr"],
            "paypal_stl_constructed.csv": ["paypal_stl"],
            "generic_csv_payouts.csv": [],
        }
        for name, sources in expected.items():
            head = fixture_text(name)[:4096]
            found = [code for code, module in PARSERS.items() if module.sniff(head)]
            self.assertEqual(found, sources, name)

    def test_error_text(self):
        self.assertEqual(str(SettlementParseError(12, "bad")), "line 12: bad")
        self.assertEqual(str(SettlementParseError(None, "bad")), "bad")
        self.assertIsInstance(SettlementParseError(1, "x"), ValueError)

    def test_decimals(self):
        cases = {
            "12.34": "12.34",
            "-17.59": "-17.59",
            "95,00": "95.00",
            "1.234,56": "1234.56",
            "1,234.56": "1234.56",
            "1,234": "1234",
            " 7 ": "7",
        }
        for text, value in cases.items():
            self.assertEqual(parse_decimal(text, 3, "amount"), Decimal(value), text)
        self.assertEqual(parse_decimal("1.234", 3, "amount", ","), Decimal(1234))
        self.assertIsNone(parse_decimal("", 3, "amount"))
        with self.assertRaisesRegex(SettlementParseError, "line 3: amount '1O.00'"):
            parse_decimal("1O.00", 3, "amount")

    def test_minor_units(self):
        self.assertEqual(minor_units(1234, "USD", 1, "x"), Decimal("12.34"))
        self.assertEqual(minor_units("1234", "JPY", 1, "x"), Decimal(1234))
        self.assertEqual(minor_units(-1234, "KWD", 1, "x"), Decimal("-1.234"))
        with self.assertRaisesRegex(SettlementParseError, "minor units"):
            minor_units("12.34", "USD", 1, "x")

    def test_dates(self):
        expected = datetime(2003, 10, 3, 23, 0)
        for text in (
            "2003-10-03T16:00:00-07:00",
            "2003-10-03 23:00:00 UTC",
            "2003-10-03T23:00:00Z",
            "03.10.2003 23:00:00 UTC",
            "2003/10/03 16:00:00 -0700",
        ):
            self.assertEqual(parse_datetime(text, 1, "d"), expected, text)
        self.assertEqual(parse_date("09/06/25", 1, "d"), date(2025, 6, 9))
        # A deposit date is the day as written, not shifted to UTC.
        self.assertEqual(
            parse_date("2003-10-15T20:00:00-07:00", 1, "d"), date(2003, 10, 15)
        )
        with self.assertRaisesRegex(SettlementParseError, "line 4: d '31/31/2025'"):
            parse_datetime("31/31/2025", 4, "d")

    def test_check_line(self):
        line = check_line(
            ParsedLine(
                "1",
                "k",
                "order",
                "x",
                Decimal("10.00"),
                Decimal("-1.00"),
                fees=[("a", Decimal("-0.60")), ("b", Decimal("-0.40"))],
            ),
            1,
        )
        self.assertEqual(line.amount_net, Decimal("9.00"))
        bad = ParsedLine("1", "k", "order", "x", Decimal(10), amount_net=Decimal(9))
        with self.assertRaisesRegex(SettlementParseError, "line 5: k: net 9"):
            check_line(bad, 5)
        self.assertIn("payout", LINE_TYPES)
