# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from datetime import date, datetime
from decimal import Decimal

from odoo.tests import TransactionCase, tagged

from odoo.addons.retail_settlement.parsers import shopify_payments

from .test_parser_common import fixture_text, net_total, parse, refusal


@tagged("post_install", "-at_install")
class TestParserShopifyPayments(TransactionCase):
    def setUp(self):
        super().setUp()
        self.document = json.loads(fixture_text("shopify_payout_constructed.json"))

    def _text(self, document=None):
        document = document or self.document
        return shopify_payments.document(
            document["payout"], document["transactions"]
        ).decode()

    def test_constructed_payout(self):
        settlement, lines = parse(shopify_payments, self._text())
        self.assertEqual(settlement.external_id, "98712345601")
        self.assertEqual(settlement.currency, "USD")
        self.assertEqual(settlement.declared_total, Decimal("74.61"))
        self.assertEqual(settlement.deposit_date, date(2025, 4, 4))
        self.assertEqual(settlement.payout_status, "paid")
        self.assertEqual(settlement.period_start, datetime(2025, 4, 1, 13, 12, 40))
        self.assertEqual(net_total(lines), Decimal("74.61"))
        self.assertEqual(
            [line.line_type for line in lines],
            ["order", "order", "order", "refund", "chargeback", "adjustment", "payout"],
        )
        charge, refund, dispute = lines[0], lines[3], lines[4]
        self.assertEqual(charge.line_key, "3200000000001")
        self.assertEqual(charge.source_row, "transaction 1")
        self.assertEqual(charge.order_ref, "5600000000011")
        self.assertEqual(charge.transaction_ref, "7100000000011")
        self.assertEqual(
            (charge.amount_gross, charge.amount_fee, charge.amount_net),
            (Decimal("70.00"), Decimal("-2.33"), Decimal("67.67")),
        )
        self.assertEqual(charge.fees, [("shopify:charge", Decimal("-2.33"))])
        # A partial refund of the first order.
        self.assertEqual(refund.order_ref, "5600000000011")
        self.assertEqual(refund.amount_net, Decimal("-20.00"))
        self.assertEqual(refund.raw_type, "refund/Payments::Refund")
        # The dispute and its 15.00 chargeback fee.
        self.assertEqual(dispute.order_ref, "5600000000013")
        self.assertEqual(dispute.fees, [("shopify:dispute", Decimal("-15.00"))])
        self.assertEqual(dispute.amount_net, Decimal("-60.00"))
        self.assertEqual(lines[-1].amount_net, Decimal("-74.61"))

    def test_payout_line_made_when_missing(self):
        self.document["transactions"].pop()
        settlement, lines = parse(shopify_payments, self._text())
        payout = lines[-1]
        self.assertEqual(payout.line_type, "payout")
        self.assertEqual(payout.source_row, "payout")
        self.assertEqual(payout.line_key, "payout:98712345601")
        self.assertEqual(payout.amount_net, -settlement.declared_total)

    def test_documented_sample(self):
        """Shopify's REST examples: payout summary and transaction shapes."""
        settlement, lines = parse(
            shopify_payments, fixture_text("shopify_payout_doc_sample.json")
        )
        self.assertEqual(settlement.external_id, "623721858")
        self.assertEqual(settlement.declared_total, Decimal("41.90"))
        self.assertEqual(
            [(line.line_type, line.raw_type) for line in lines[:3]],
            [
                ("adjustment", "debit/adjustment"),
                ("adjustment", "credit/Payments::Balance::AdjustmentReversal"),
                ("refund", "refund/Payments::Refund"),
            ],
        )
        self.assertEqual(lines[0].order_ref, "")  # null order id
        self.assertEqual(lines[2].order_ref, "217130470")
        self.assertEqual(lines[0].date, datetime(2013, 11, 1))

    def test_unknown_type_and_reserve(self):
        transactions = self.document["transactions"]
        transactions[5]["type"] = "anomaly_debit"
        transactions.insert(
            5,
            dict(
                transactions[5],
                id=3200000000009,
                type="reserve",
                amount="-10.00",
                net="-10.00",
            ),
        )
        transactions.insert(
            6,
            dict(
                transactions[5],
                id=3200000000010,
                type="reserve",
                amount="10.00",
                net="10.00",
            ),
        )
        _settlement, lines = parse(shopify_payments, self._text())
        self.assertEqual(
            [line.line_type for line in lines[5:8]],
            ["reserve_hold", "reserve_release", "other"],
        )
        self.assertEqual(lines[7].raw_type, "anomaly_debit/adjustment")

    def test_refusals(self):
        def broken(change):
            document = json.loads(json.dumps(self.document))
            change(document)
            return self._text(document)

        def line_of(text, needle):
            return next(
                number
                for number, line in enumerate(text.splitlines(), start=1)
                if needle in line
            )

        cases = [
            (lambda d: d["transactions"][2].update(net="43.70"), "net 43.70"),
            (lambda d: d["transactions"][3].update(currency="CAD"), "mixed currencies"),
            (lambda d: d["transactions"][1].update(amount="fifty"), "'fifty'"),
            (lambda d: d["transactions"][4].update(payout_id=1), "one settlement"),
            (lambda d: d["transactions"][0].pop("fee"), "has no fee"),
            (
                lambda d: d["transactions"][0].update(processed_at="1st April"),
                "processed_at",
            ),
        ]
        for position, (change, reason) in enumerate(cases):
            text = broken(change)
            error = refusal(self, shopify_payments, text)
            self.assertIn(reason, str(error), position)
            index = [2, 3, 1, 4, 0, 0][position]
            expected = line_of(text, str(3200000000001 + index))
            # The transaction's object starts on the line before its id.
            self.assertEqual(error.line_no, expected - 1, reason)
        error = refusal(
            self,
            shopify_payments,
            broken(lambda d: d["payout"]["summary"].update(charges_fee_amount="5.40")),
        )
        self.assertIn("summary adds up to 74.60", str(error))
        self.assertEqual(error.line_no, 2)
        error = refusal(
            self, shopify_payments, broken(lambda d: d["payout"].update(currency="ZZZ"))
        )
        self.assertIn("ISO 4217", str(error))
        error = refusal(
            self,
            shopify_payments,
            broken(
                lambda d: d["transactions"][-1].update(amount="-70.00", net="-70.00")
            ),
        )
        self.assertIn("pays 70.00, the payout says 74.61", str(error))
        text = self._text()
        error = refusal(self, shopify_payments, text[: len(text) // 2])
        self.assertIn("not valid JSON", str(error))
        self.assertIsNotNone(error.line_no)
        error = refusal(self, shopify_payments, '{"payout": {}}')
        self.assertIn("'transactions'", str(error))
