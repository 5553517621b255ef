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
    JsonDocument,
    SettlementParseError,
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
        """Reading a document's items with their line numbers looks at each
        character about twice (decoding it, counting its newlines), however
        many items there are: four times the items is four times the work,
        not sixteen. Counting each item's line from the start of the text
        looked at 1,000 times more characters for 4,000 items than the
        document has (3.9 s for 10k items, 64 s for 40k)."""
        scanned = {}
        for count in (1_000, 4_000):
            text = self._stripe_document(count)
            reader = JsonDocument(io.StringIO(text, newline=""), "balance_transactions")
            self.assertEqual(
                reader.head()["payout"]["id"], "po_1R4kQmLkdIwHu7ixQ2w8ZbXc"
            )
            items = list(reader.items())
            self.assertEqual(len(items), count)
            # The last item's "{" is on the line before its id.
            self.assertEqual(
                items[-1][0], text[: text.rindex('"id": "txn_')].count("\n")
            )
            self.assertLess(reader.scanned, 2.1 * len(text))
            scanned[count] = reader.scanned
        self.assertLess(scanned[4_000] / scanned[1_000], 4.2)

    def test_json_document_is_read_one_item_at_a_time(self):
        """Memory holds an item, not the document: 20k transactions (17 MB
        of text) are read from their file in under 3 MB, most of it the
        hashes that keep line keys unique; decoding the whole document
        took several times its size."""
        path = os.path.join(self.directory.name, "payout.json")
        with open(path, "w", encoding="utf-8", newline="") as file:
            file.write(self._stripe_document(20_000))
        count, net, _settlement, peak, _seconds = self._measure(stripe, path)
        self.assertEqual(count, 20_001)
        self.assertEqual(net, Decimal("77.38") * 20_000)
        self.assertLess(peak, 3 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB")

    def test_payout_after_its_transactions_is_read_first(self):
        """A document listing its transactions before the payout they belong
        to is read in two passes, the lines numbered alike."""
        text = self._stripe_document(50)
        document = json.loads(text)
        payout = document.pop("payout")
        after = json.dumps({**document, "payout": payout}, indent=1)
        lines = list(stripe.Parser(io.StringIO(after, newline="")).lines())
        self.assertEqual(len(lines), 51)
        self.assertEqual(lines[-1].line_type, "payout")
        self._assert_refused_on_its_line(after, '"txn_00000049"')

    def test_stripe_payout_document_of_20k_transactions(self):
        """A refusal in a large document names the line of its item."""
        text = self._stripe_document(20_000)
        lines = list(stripe.Parser(io.StringIO(text, newline="")).lines())
        self.assertEqual(len(lines), 20_001)
        self._assert_refused_on_its_line(text, '"txn_00019999"')

    def _assert_refused_on_its_line(self, text, transaction_id):
        """A transaction without its id is refused on the line of its "{"
        (the line before the id's)."""
        with self.assertRaises(SettlementParseError) as caught:
            list(
                stripe.Parser(
                    io.StringIO(text.replace(transaction_id, "null"), newline="")
                ).lines()
            )
        self.assertEqual(
            caught.exception.line_no, text[: text.index(transaction_id)].count("\n")
        )
