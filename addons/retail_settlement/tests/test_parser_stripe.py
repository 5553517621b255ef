# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from datetime import date, datetime
from decimal import Decimal

from odoo.tests import TransactionCase, tagged

from odoo.addons.retail_settlement.parsers import stripe

from .test_parser_common import fixture_text, net_total, parse, refusal

PAYOUT = "po_1R4kQmLkdIwHu7ixQ2w8ZbXc"


@tagged("post_install", "-at_install")
class TestParserStripeApi(TransactionCase):
    def setUp(self):
        super().setUp()
        self.document = json.loads(fixture_text("stripe_payout_constructed.json"))

    def _text(self, document=None):
        document = document or self.document
        return stripe.document(
            document["payout"], document["balance_transactions"]
        ).decode()

    def test_payout(self):
        settlement, lines = parse(stripe, self._text())
        self.assertEqual(settlement.external_id, PAYOUT)
        self.assertEqual(settlement.currency, "USD")
        self.assertEqual(settlement.declared_total, Decimal("110.02"))
        self.assertEqual(settlement.deposit_date, date(2025, 4, 4))
        self.assertEqual(settlement.payout_status, "paid")
        self.assertEqual(settlement.period_start, datetime(2025, 4, 1, 9, 0))
        self.assertEqual(settlement.period_end, datetime(2025, 4, 3, 23, 0))
        self.assertEqual(net_total(lines), Decimal("110.02"))
        self.assertEqual(
            [line.line_type for line in lines],
            ["order"] * 4 + ["refund", "chargeback", "fee", "payout"],
        )
        first = lines[0]
        self.assertEqual(first.line_key, "txn_3R4kQm01LkdIwHu7ix")
        self.assertEqual(first.order_ref, "S00041")
        self.assertEqual(first.transaction_ref, "ch_3R4kQm41ChrgIwHu7")
        self.assertEqual(first.amount_gross, Decimal("80.00"))
        self.assertEqual(
            first.fees,
            [("stripe:stripe_fee", Decimal("-2.20")), ("stripe:tax", Decimal("-0.42"))],
        )
        self.assertEqual(first.value_date, date(2025, 4, 3))

    def test_fx_refund_dispute_and_fee(self):
        _settlement, lines = parse(stripe, self._text())
        fx, refund, dispute, radar, payout = (
            lines[2],
            lines[4],
            lines[5],
            lines[6],
            lines[7],
        )
        self.assertEqual(
            (fx.original_currency, fx.original_amount), ("EUR", Decimal("50.00"))
        )
        self.assertEqual(fx.amount_gross, Decimal("54.10"))
        self.assertEqual(refund.order_ref, "S00041")
        self.assertEqual(refund.original_transaction_ref, "ch_3R4kQm41ChrgIwHu7")
        self.assertEqual(refund.amount_net, Decimal("-20.00"))
        self.assertEqual(dispute.raw_type, "dispute/adjustment")
        self.assertEqual(dispute.original_transaction_ref, "ch_3R4kQm42ChrgIwHu7")
        self.assertEqual(dispute.fees, [("stripe:stripe_fee", Decimal("-15.00"))])
        self.assertEqual(dispute.amount_net, Decimal("-75.00"))
        self.assertEqual(radar.amount_gross, 0)
        self.assertEqual(radar.fees, [("stripe:stripe_fee", Decimal("-0.05"))])
        self.assertEqual(payout.amount_net, Decimal("-110.02"))

    def test_payout_line_made_when_missing(self):
        self.document["balance_transactions"].pop()
        settlement, lines = parse(stripe, self._text())
        self.assertEqual(lines[-1].line_type, "payout")
        self.assertEqual(lines[-1].line_key, "txn_3R4kQm08LkdIwHu7ix")
        self.assertEqual(lines[-1].amount_net, Decimal("-110.02"))
        self.assertEqual(settlement.declared_total, Decimal("110.02"))

    def test_zero_decimal_currency_and_options(self):
        document = json.loads(self._text())
        for item in [document["payout"], *document["balance_transactions"]]:
            item["currency"] = "jpy"
            if isinstance(item.get("source"), dict):
                item["source"]["currency"] = "jpy"
                item["source"]["metadata"] = {"shop_order": "J-1"}
        settlement, lines = parse(
            stripe, self._text(document), {"order_ref_field": "shop_order"}
        )
        self.assertEqual(settlement.currency, "JPY")
        self.assertEqual(settlement.declared_total, Decimal(11002))
        self.assertEqual(lines[0].amount_gross, Decimal(8000))
        self.assertEqual(lines[0].order_ref, "J-1")

    def test_refusals(self):
        def broken(change):
            document = json.loads(json.dumps(self.document))
            change(document)
            return self._text(document)

        transactions = "balance_transactions"
        cases = [
            (
                lambda d: d[transactions][1].update(net=5797),
                "net 57.97 is not amount 60.00 - fee 2.04",
            ),
            (lambda d: d[transactions][2].update(currency="eur"), "mixed currencies"),
            (lambda d: d[transactions][3].update(amount="18.89"), "not a whole number"),
            (lambda d: d[transactions][0]["fee_details"].pop(), "fees add up to -2.20"),
            (
                lambda d: d[transactions][7].update(amount=-11000, net=-11000),
                "pays 110.00",
            ),
            (lambda d: d[transactions][7].update(source="po_other"), "one settlement"),
            (lambda d: d[transactions][4].update(created="2025-04-02"), "Unix time"),
        ]
        for change, reason in cases:
            text = broken(change)
            error = refusal(self, stripe, text)
            self.assertIn(reason, str(error))
            self.assertTrue(str(error).startswith("line "), reason)
        text = self._text()
        error = refusal(
            self, stripe, broken(lambda d: d[transactions][5].update(fee=1))
        )
        # The sixth transaction's object starts where its "id" line is, less one.
        id_line = next(
            n for n, line in enumerate(text.splitlines(), 1) if "txn_3R4kQm06" in line
        )
        self.assertEqual(error.line_no, id_line - 1)
        error = refusal(self, stripe, text[:-200])
        self.assertIn("not valid JSON", str(error))


@tagged("post_install", "-at_install")
class TestParserStripeReport(TransactionCase):
    def setUp(self):
        super().setUp()
        self.text = fixture_text("stripe_payout_reconciliation_itemized.csv")

    def test_report(self):
        settlement, lines = parse(stripe, self.text)
        self.assertEqual(settlement.external_id, PAYOUT)
        self.assertEqual(settlement.currency, "USD")
        self.assertIsNone(settlement.declared_total)  # no payout row
        self.assertEqual(settlement.deposit_date, date(2025, 4, 4))
        self.assertEqual(net_total(lines), Decimal("110.02"))
        self.assertEqual(
            [line.line_type for line in lines],
            ["order"] * 4 + ["refund", "chargeback", "fee"],
        )
        self.assertEqual(
            [line.source_row for line in lines], [str(n) for n in range(2, 9)]
        )
        fx, dispute = lines[2], lines[5]
        self.assertEqual(
            (fx.original_currency, fx.original_amount), ("EUR", Decimal("50.00"))
        )
        self.assertEqual(fx.order_ref, "S00043")
        self.assertEqual(dispute.fees, [("stripe:stripe_fee", Decimal("-15.00"))])
        self.assertEqual(dispute.original_transaction_ref, "ch_3R4kQm42ChrgIwHu7")
        self.assertEqual(lines[4].date, datetime(2025, 4, 2, 14, 0))

    def test_payout_row_declares_the_total(self):
        payout_row = (
            f"{PAYOUT},2025-04-04 00:00:00,txn_3R4kQm08LkdIwHu7ix,2025-04-04 00:00:00,"
            "2025-04-04 00:00:00,usd,-110.02,0.00,-110.02,payout,"
            f"{PAYOUT},STRIPE PAYOUT,,,,,\n"
        )
        settlement, lines = parse(stripe, self.text + payout_row)
        self.assertEqual(settlement.declared_total, Decimal("110.02"))
        self.assertEqual(lines[-1].line_type, "payout")

    def test_refusals(self):
        rows = self.text.splitlines(keepends=True)

        def replaced(number, old, new):
            changed = list(rows)
            changed[number - 1] = changed[number - 1].replace(old, new)
            return "".join(changed)

        cases = [
            (
                replaced(3, "57.96", "57.95"),
                3,
                "net 57.95 is not gross 60.00 - fee 2.04",
            ),
            (replaced(4, ",usd,", ",gbp,"), 4, "mixed currencies"),
            (replaced(5, "18.89", "18.8x"), 5, "gross '18.8x' is not a number"),
            (replaced(6, PAYOUT, "po_someotherpayout"), 6, "one settlement per file"),
            (replaced(7, "2025-04-03 10:00:00", "2025-04-31 10:00:00"), 7, "created"),
            (replaced(8, PAYOUT, ""), 8, "only automatic payouts"),
            (replaced(1, "reporting_category", "category"), 1, "'reporting_category'"),
            ("".join(rows[:-1]) + rows[-1][:60], 8, "truncated"),
        ]
        for text, line_no, reason in cases:
            error = refusal(self, stripe, text)
            self.assertEqual(error.line_no, line_no, reason)
            self.assertIn(reason, str(error))
