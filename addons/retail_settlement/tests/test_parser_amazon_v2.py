# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, datetime
from decimal import Decimal

from odoo.tests import TransactionCase, tagged

from odoo.addons.retail_settlement.parsers import amazon_v2

from .test_parser_common import fixture_text, net_total, parse, refusal

FIXTURE = "amazon_v2_settlement.tsv"


def rows(text):
    return [line.split("\t") for line in text.splitlines()]


def join(table):
    return "".join("\t".join(row) + "\n" for row in table)


@tagged("post_install", "-at_install")
class TestParserAmazonV2(TransactionCase):
    def setUp(self):
        super().setUp()
        self.text = fixture_text(FIXTURE)
        self.header = self.text.splitlines()[0].split("\t")

    def _column(self, name):
        return self.header.index(name)

    def test_settlement(self):
        settlement, lines = parse(amazon_v2, self.text)
        self.assertEqual(settlement.source, "amazon_v2")
        self.assertEqual(settlement.external_id, "24681357901")
        self.assertEqual(settlement.currency, "USD")
        self.assertEqual(settlement.declared_total, Decimal("56.04"))
        self.assertEqual(settlement.period_start, datetime(2025, 3, 1, 8, 0))
        self.assertEqual(settlement.period_end, datetime(2025, 3, 15, 8, 0))
        self.assertEqual(settlement.deposit_date, date(2025, 3, 17))
        self.assertEqual(net_total(lines), Decimal("56.04"))
        # 20 detail rows: 4 order/refund lines and 4 account-level lines.
        self.assertEqual(
            [(line.source_row, line.line_type) for line in lines],
            [
                ("3-7", "order"),
                ("8-12", "order"),
                ("13-15", "refund"),
                ("16-18", "order"),
                ("19", "fee"),
                ("20", "fee"),
                ("21", "reserve_release"),
                ("22", "reserve_hold"),
            ],
        )
        self.assertEqual(
            [line.amount_net for line in lines],
            [
                Decimal(v)
                for v in "22.27 41.88 -17.59 66.81 -12.34 -39.99 20.00 -25.00".split()
            ],
        )
        self.assertEqual(len({line.line_key for line in lines}), 8)

    def test_order_item_pivot(self):
        _settlement, lines = parse(amazon_v2, self.text)
        first = lines[0]
        self.assertEqual(first.order_ref, "113-1234567-1234567")
        self.assertEqual(first.merchant_order_ref, "WEB-10041")
        self.assertEqual(first.transaction_ref, "52160187654321")
        self.assertEqual(first.sku, "TEA-KETTLE-1L")
        self.assertEqual(first.quantity, 1.0)
        self.assertEqual(first.date, datetime(2025, 3, 3, 14, 21, 9))
        # Principal + collected tax; the facilitator tax is withheld, not fee.
        self.assertEqual(first.amount_gross, Decimal("32.39"))
        self.assertEqual(first.amount_tax_withheld, Decimal("-2.40"))
        self.assertEqual(first.amount_fee, Decimal("-7.72"))
        self.assertEqual(
            first.fees,
            [
                ("amazon:Commission", Decimal("-4.50")),
                ("amazon:FBAPerUnitFulfillmentFee", Decimal("-3.22")),
            ],
        )
        self.assertEqual(len(first.raw["rows"]), 5)
        self.assertEqual(
            first.line_key,
            "24681357901/Order/113-1234567-1234567/52160187654321/2025-03-03",
        )
        second = lines[1]
        self.assertEqual(second.amount_gross, Decimal("49.97"))  # promotion deducted
        self.assertEqual(second.quantity, 2.0)
        refund = lines[2]
        self.assertEqual(refund.transaction_ref, "amzn1.adj.1QX7")
        self.assertEqual(refund.original_transaction_ref, "71234509876543")
        self.assertEqual(refund.amount_fee, Decimal("2.40"))
        self.assertIn(("amazon:RefundCommission", Decimal("-0.60")), refund.fees)

    def test_account_level_lines(self):
        _settlement, lines = parse(amazon_v2, self.text)
        storage, subscription, release, hold = lines[4:]
        self.assertEqual(storage.amount_gross, 0)
        self.assertEqual(storage.fees, [("amazon:Storage Fee", Decimal("-12.34"))])
        self.assertEqual(
            subscription.raw_type,
            "other-transaction/other-transaction/Subscription Fee",
        )
        self.assertEqual(release.amount_gross, Decimal("20.00"))
        self.assertEqual(hold.amount_gross, Decimal("-25.00"))
        self.assertEqual(hold.order_ref, "")

    def test_european_file(self):
        """Decimal commas, day-first dates, full-width rows and a BOM."""
        table = rows(self.text)
        amount, posted, posted_time = (
            self._column("amount"),
            self._column("posted-date"),
            self._column("posted-date-time"),
        )
        for row in table[2:]:
            row[amount] = row[amount].replace(".", ",")
            year, month, day = row[posted].split("-")
            row[posted] = f"{day}.{month}.{year}"
            row[posted_time] = ""
            row.extend([""] * (len(self.header) - len(row)))
        table[1][4] = "56,04"
        table[1][3] = "17.03.2025 08:00:00 UTC"
        settlement, lines = parse(amazon_v2, "\ufeff" + join(table))
        self.assertEqual(settlement.declared_total, Decimal("56.04"))
        self.assertEqual(settlement.deposit_date, date(2025, 3, 17))
        self.assertEqual(net_total(lines), Decimal("56.04"))
        self.assertEqual(lines[0].date, datetime(2025, 3, 3))

    def test_key_seen_again_later(self):
        table = rows(self.text)
        moved = table.pop(5)  # the Commission row of the first order item
        table.append(moved)
        _settlement, lines = parse(amazon_v2, join(table))
        self.assertEqual(len(lines), 9)
        self.assertEqual(lines[-1].source_row, "22")
        self.assertEqual(lines[-1].line_key, lines[0].line_key + "#2")
        self.assertEqual(lines[-1].fees, [("amazon:Commission", Decimal("-4.50"))])
        self.assertEqual(net_total(lines), Decimal("56.04"))

    def test_unknown_transaction_type_is_kept(self):
        table = rows(self.text)
        table[15][self._column("transaction-type")] = "Liquidations"
        _settlement, lines = parse(amazon_v2, join(table))
        self.assertEqual(lines[3].line_type, "other")
        self.assertTrue(lines[3].raw_type.startswith("Liquidations/"))

    def test_refusals(self):
        table = rows(self.text)
        missing = [
            [c for i, c in enumerate(r) if i != self._column("amount-type")]
            for r in table
        ]
        error = refusal(self, amazon_v2, join(missing))
        self.assertEqual(error.line_no, 1)
        self.assertIn("'amount-type'", str(error))

        def variant(row, column, value):
            changed = rows(self.text)
            changed[row - 1][self._column(column)] = value
            return join(changed)

        cases = [
            (variant(9, "amount", "4.9x"), 9, "amount '4.9x' is not a number"),
            (variant(2, "currency", "XYZ"), 2, "'XYZ' is not an ISO 4217 code"),
            (variant(2, "deposit-date", "2025-13-45"), 2, "deposit-date"),
            (variant(14, "posted-date-time", "yesterday"), 14, "posted-date"),
            (variant(10, "currency", "EUR"), 10, "mixed currencies"),
            (variant(17, "settlement-id", "99999"), 17, "one settlement per file"),
            (variant(12, "quantity-purchased", "two"), 12, "quantity-purchased"),
        ]
        for text, line_no, reason in cases:
            error = refusal(self, amazon_v2, text)
            self.assertEqual(error.line_no, line_no, reason)
            self.assertIn(reason, str(error))
            self.assertTrue(str(error).startswith(f"line {line_no}: "))

    def test_truncated_and_foreign_files(self):
        lines = self.text.splitlines(keepends=True)
        cut = "".join(lines[:-1]) + "\t".join(lines[-1].split("\t")[:10])
        error = refusal(self, amazon_v2, cut)
        self.assertEqual(error.line_no, 22)
        self.assertIn("truncated", str(error))
        error = refusal(self, amazon_v2, lines[0])
        self.assertIn("no settlement summary row", str(error))
        error = refusal(self, amazon_v2, lines[0] + "".join(lines[2:]))
        self.assertEqual(error.line_no, 2)
        self.assertIn("settlement summary", str(error))
        error = refusal(self, amazon_v2, fixture_text("amazon_v1_mws_rs_excerpt.tsv"))
        self.assertEqual(str(error).split(":")[0], "line 1")
        self.assertIn("Flat File V2", str(error))
        self.assertFalse(amazon_v2.sniff(fixture_text("paypal_stl_constructed.csv")))
