# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import copy
import io
import json
import os
import tempfile
import time
import tracemalloc
from decimal import Decimal

from odoo.tests import TransactionCase, tagged

from odoo.addons.retail_settlement.parsers import amazon_v2, stripe
from odoo.addons.retail_settlement.parsers.common import (
    SettlementParseError,
    load_json_document,
)

from .test_parser_common import fixture_text

ROWS = 100_000
PEAK_LIMIT = 30 * 1024 * 1024
AMAZON_COMPONENTS = (
    ("ItemPrice", "Principal", 2599),
    ("ItemPrice", "Shipping", 399),
    ("ItemFees", "Commission", -390),
    ("ItemFees", "FBAPerUnitFulfillmentFee", -301),
)


@tagged("post_install", "-at_install")
class TestParserStreaming(TransactionCase):
    """100k-line files are read in constant memory: nothing keeps the rows."""

    def setUp(self):
        super().setUp()
        self.directory = tempfile.TemporaryDirectory()
        self.addCleanup(self.directory.cleanup)

    def _measure(self, module, path):
        """``(lines, Σ net, settlement, peak bytes, seconds)`` of a parse."""
        tracemalloc.start()
        started = time.monotonic()
        try:
            with open(path, encoding="utf-8", newline="") as stream:
                parser = module.Parser(stream)
                count, total = 0, Decimal(0)
                for line in parser.lines():
                    count += 1
                    if line.line_type != "payout":
                        total += line.amount_net
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return count, total, parser.settlement, peak, time.monotonic() - started

    def test_amazon_100k_rows(self):
        header = fixture_text("amazon_v2_settlement.tsv").splitlines()[0].split("\t")
        column = {name: index for index, name in enumerate(header)}
        path = os.path.join(self.directory.name, "settlement.tsv")
        total = 0
        with open(path, "w", encoding="utf-8", newline="") as file:
            file.write("\t".join(header) + "\n")
            file.write(
                "777\t2025-03-01 08:00:00 UTC\t2025-03-15 08:00:00 UTC\t"
                "17.03.2025\tTOTAL_PLACEHOLDER\tEUR\n"
            )
            for index in range(ROWS - 2):
                item = index // 4
                amount_type, description, cents = AMAZON_COMPONENTS[index % 4]
                total += cents
                row = [""] * len(header)
                row[column["settlement-id"]] = "777"
                row[column["transaction-type"]] = "Order"
                row[column["order-id"]] = f"302-{item:07d}-{item:07d}"
                row[column["order-item-code"]] = f"{item:014d}"
                row[column["amount-type"]] = amount_type
                row[column["amount-description"]] = description
                row[column["amount"]] = f"{cents / 100:.2f}".replace(".", ",")
                row[column["posted-date"]] = f"{1 + item % 28:02d}.03.2025"
                row[column["sku"]] = f"SKU-{item % 97}"
                row[column["quantity-purchased"]] = "1"
                file.write("\t".join(row) + "\n")
        declared = f"{total / 100:.2f}".replace(".", ",").rjust(
            len("TOTAL_PLACEHOLDER")
        )
        with open(path, "r+", encoding="utf-8", newline="") as file:
            head = file.read(4096)
            file.seek(0)
            file.write(head.replace("TOTAL_PLACEHOLDER", declared))
        count, net, settlement, peak, seconds = self._measure(amazon_v2, path)
        self.assertEqual(count, (ROWS - 2 + 3) // 4)
        self.assertEqual(net, Decimal(total) / 100)
        self.assertEqual(settlement.declared_total, net)
        self.assertLess(peak, PEAK_LIMIT, f"peak {peak / 1e6:.1f} MB")
        self.assertLess(seconds, 30)

    def test_stripe_report_100k_rows(self):
        path = os.path.join(self.directory.name, "payout.csv")
        with open(path, "w", encoding="utf-8", newline="") as file:
            file.write(
                "automatic_payout_id,balance_transaction_id,created_utc,currency,"
                "gross,fee,net,reporting_category,source_id,description\n"
            )
            for index in range(ROWS - 1):
                file.write(
                    f"po_big,txn_{index:09d},2025-04-01 10:{index % 60:02d}:00,eur,"
                    f"12.50,0.48,12.02,charge,ch_{index:09d},Order {index}\n"
                )
        count, net, settlement, peak, _seconds = self._measure(stripe, path)
        self.assertEqual(count, ROWS - 1)
        self.assertEqual(net, Decimal("12.02") * (ROWS - 1))
        self.assertEqual(settlement.external_id, "po_big")
        self.assertLess(peak, PEAK_LIMIT, f"peak {peak / 1e6:.1f} MB")

    def _stripe_document(self, count):
        """A Stripe payout document of ``count`` charges, as text."""
        fixture = json.loads(fixture_text("stripe_payout_constructed.json"))
        charge = fixture["balance_transactions"][0]
        transactions = []
        for index in range(count):
            transaction = copy.deepcopy(charge)
            transaction["id"] = f"txn_{index:08d}"
            transaction["source"]["id"] = f"ch_{index:08d}"
            transactions.append(transaction)
        payout = dict(fixture["payout"], amount=charge["net"] * len(transactions))
        return json.dumps(
            {"payout": payout, "balance_transactions": transactions}, indent=1
        )

    def test_json_documents_are_read_in_linear_time(self):
        """Four times the items take about four times as long to read with
        their line numbers, not sixteen; and numbering the items costs about
        what decoding the text does: counting each item's line from the
        start of the text took 3.9 s for 10k items and 64 s for 40k, a
        hundred times the decoding. Times relative to each other, on one
        machine, since the machine may be busy."""
        seconds, decoding = {}, {}
        for count in (10_000, 40_000):
            text = self._stripe_document(count)
            runs, plain = [], []
            for _run in range(2):  # the faster of two: the machine is shared
                started = time.monotonic()
                _document, items = load_json_document(text, "balance_transactions")
                runs.append(time.monotonic() - started)
                del _document
                started = time.monotonic()
                json.loads(text)
                plain.append(time.monotonic() - started)
            self.assertEqual(len(items), count)
            # The last item's "{" is on the line before its id.
            self.assertEqual(
                items[-1][0], text[: text.rindex('"id": "txn_')].count("\n")
            )
            seconds[count], decoding[count] = min(runs), min(plain)
        figures = (
            f"10k: {seconds[10_000]:.2f} s, 40k: {seconds[40_000]:.2f} s, "
            f"40k decoded alone: {decoding[40_000]:.2f} s"
        )
        self.assertLess(seconds[40_000] / seconds[10_000], 8, figures)
        self.assertLess(seconds[40_000], 4 * decoding[40_000] + 0.5, figures)

    def test_stripe_payout_document_of_20k_transactions(self):
        """A JSON document's items get their line numbers in one pass:
        counting each from the start took 12 s for these 20k."""
        text = self._stripe_document(20_000)
        started = time.monotonic()
        parser = stripe.Parser(io.StringIO(text, newline=""))
        lines = list(parser.lines())
        seconds = time.monotonic() - started
        self.assertEqual(len(lines), 20_001)
        with self.assertRaises(SettlementParseError) as caught:
            list(
                stripe.Parser(
                    io.StringIO(text.replace('"txn_00019999"', "null"), newline="")
                ).lines()
            )
        self.assertEqual(
            caught.exception.line_no,
            text[: text.index('"txn_00019999"')].count("\n"),
        )
        self.assertLess(seconds, 5)
