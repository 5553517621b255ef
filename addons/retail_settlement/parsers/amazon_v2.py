# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Amazon Seller Central settlement report, Flat File V2
(``GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2``).

https://developer-docs.amazon.com/sp-api/docs/report-type-values-settlement
lists the 23 columns; settlements.md §1 the rest. Tab-separated, a header
row, then a summary row (``settlement-id``, start/end/deposit dates,
``total-amount``: the deposit, ``currency``), then one row per amount
component: ``amount-type`` / ``amount-description`` / ``amount``.

Choices:

- Columns are found by name: extra ones (``promotion-id``) and missing
  optional ones are fine; settlement-level cells repeated on detail rows are
  ignored.
- Rows are pivoted into one line per (transaction type, order, order item /
  adjustment / shipment, posted date); account-level rows (no order, or an
  ``other-transaction``) stay one line per amount description, since a storage
  fee and a reserve hold are different line types. Rows of one item are
  contiguous in Amazon's files, so a line is flushed when the key changes and
  memory stays constant; a key seen again later makes a second line
  (``#2`` key suffix).
- ``ItemPrice``/``Promotion`` are gross, ``ItemFees`` fees (code
  ``amazon:<amount-description>``), ``ItemWithheldTax`` withheld tax; other
  amount types of an order go to ``amount_other``.
- The decimal separator is found once per file (European marketplaces write
  ``95,00``).
"""

import csv
import functools
import re

from .base import BaseParser
from .common import (
    ZERO,
    Columns,
    CsvRows,
    ParsedLine,
    SettlementParseError,
    amount,
    normalise_header,
    parse_date,
    parse_datetime,
)

SOURCE = "amazon_v2"
LABEL = "Amazon settlement report (flat file V2)"
MEDIA = "text/tab-separated-values"

REQUIRED = (
    "settlement-id",
    "transaction-type",
    "amount-type",
    "amount-description",
    "amount",
)
SUMMARY_COLUMNS = ("total-amount", "currency")
V1_COLUMNS = ("price-type", "price-amount", "item-related-fee-type")

# transaction-type, compared without case, spaces or dashes.
TRANSACTION_TYPES = {
    "order": "order",
    "refund": "refund",
    "adjustment": "adjustment",
    "servicefee": "fee",
    "vineenrollmentfee": "fee",
    "costofadvertising": "fee",
    "chargebackrefund": "chargeback",
    "atozguaranteeclaim": "chargeback",
    "currentreserveamount": "reserve_hold",
    "previousreserveamountbalance": "reserve_release",
    "fbainventoryreimbursement": "reimbursement",
    # Seen in third-party samples only: the disbursement itself.
    "transfer": "payout",
}
# Account-level events: typed by their amount description.
OTHER_TRANSACTION = "othertransaction"
GROSS_AMOUNT_TYPES = ("itemprice", "promotion")
FEE_AMOUNT_TYPES = ("itemfees", "couponredemptionfee", "costofadvertising")
WITHHELD_AMOUNT_TYPES = ("itemwithheldtax",)


@functools.lru_cache(maxsize=1024)
def _norm(text):
    return re.sub(r"[\s_-]+", "", text or "").lower()


def sniff(head):
    first = head.lstrip("\ufeff").split("\n", 1)[0]
    names = {normalise_header(name) for name in first.split("\t")}
    return "settlement-id" in names and "total-amount" in names


def _account_line_type(amount_type, description):
    description = _norm(description)
    if description == "currentreserveamount":
        return "reserve_hold"
    if description == "previousreserveamountbalance":
        return "reserve_release"
    if _norm(amount_type) == "fbainventoryreimbursement" or "reimburse" in description:
        return "reimbursement"
    return "fee"


class Parser(BaseParser):
    SOURCE = SOURCE
    DUPLICATE_KEYS = "suffix"
    # Amazon writes the flat files of its Latin-script marketplaces in
    # ISO-8859-1, not UTF-8; read as its superset Windows-1252 (the euro sign).
    LEGACY_ENCODING = "cp1252"

    def __init__(self, stream, options=None):
        super().__init__(stream, options)
        self.decimal = None
        self.columns = None

    # === READING === #
    def _lines(self):
        rows = iter(CsvRows(self.stream, delimiter="\t", quoting=csv.QUOTE_NONE))
        self._read_header(rows)
        group = []
        group_key = None
        for line_no, fields in rows:
            values = self.columns.row(fields, line_no, REQUIRED)
            key = self._pivot_key(values, line_no)
            if group and key != group_key:
                yield group[0][0], self._line(group_key, group)
                group = []
            group_key = key
            group.append((line_no, values))
        if group:
            yield group[0][0], self._line(group_key, group)

    def _read_header(self, rows):
        try:
            line_no, fields = next(rows)
        except StopIteration:
            raise SettlementParseError(None, "the file is empty") from None
        self.columns = columns = Columns(fields, line_no)
        if "amount-type" not in columns and any(c in columns for c in V1_COLUMNS):
            raise SettlementParseError(
                line_no,
                "this is the V1 flat file (price-type/price-amount columns): "
                "download the 'Flat File V2' settlement report instead",
            )
        columns.require(REQUIRED + SUMMARY_COLUMNS, "the Amazon V2 header")
        try:
            line_no, fields = next(rows)
        except StopIteration:
            raise SettlementParseError(
                None, "the file has a header but no settlement summary row"
            ) from None
        self._read_summary(columns.row(fields, line_no), line_no)

    def _read_summary(self, values, line_no):
        get = self.columns.get
        if not get(values, "total-amount") or get(values, "transaction-type"):
            raise SettlementParseError(
                line_no,
                "the first row after the header must be the settlement summary "
                "(total-amount and currency, no transaction-type)",
            )
        self.state.set_id(get(values, "settlement-id"), line_no, "settlement-id")
        if not self.settlement.external_id:
            raise SettlementParseError(line_no, "settlement-id is empty")
        self.state.set_currency(get(values, "currency"), line_no)
        settlement = self.settlement
        settlement.declared_total = self._amount(
            get(values, "total-amount"), line_no, "total-amount"
        )
        settlement.period_start = parse_datetime(
            get(values, "settlement-start-date"), line_no, "settlement-start-date"
        )
        settlement.period_end = parse_datetime(
            get(values, "settlement-end-date"), line_no, "settlement-end-date"
        )
        settlement.deposit_date = parse_date(
            get(values, "deposit-date"), line_no, "deposit-date"
        )
        settlement.raw_header = {k: v for k, v in values.items() if v}

    def _amount(self, text, line_no, what):
        # The first amount with an unambiguous separator fixes the file's.
        if self.decimal is None:
            if "," in text and "." in text:
                self.decimal = "," if text.rfind(",") > text.rfind(".") else "."
            elif re.search(r",\d{1,2}$", text):
                self.decimal = ","
            elif re.search(r"\.\d{1,2}$", text):
                self.decimal = "."
        return amount(text, line_no, what, self.decimal)

    def _pivot_key(self, values, line_no):
        get = self.columns.get
        settlement_id = get(values, "settlement-id")
        if settlement_id != self.settlement.external_id:
            if not get(values, "transaction-type") and get(values, "total-amount"):
                raise SettlementParseError(
                    line_no, "a second settlement summary row: one settlement per file"
                )
            self.state.set_id(settlement_id or "(empty)", line_no, "settlement-id")
        if get(values, "currency"):
            self.state.set_currency(get(values, "currency"), line_no)
        kind = get(values, "transaction-type")
        if not kind:
            raise SettlementParseError(line_no, "transaction-type is empty")
        order_id = get(values, "order-id")
        item = (
            get(values, "order-item-code")
            or get(values, "adjustment-id")
            or get(values, "shipment-id")
        )
        key = (kind, order_id, item, get(values, "posted-date"))
        if not order_id or _norm(kind) == OTHER_TRANSACTION:
            key += (get(values, "amount-type"), get(values, "amount-description"))
        return key

    # === ONE LINE === #
    def _line_type(self, kind, amount_type, description):
        norm = _norm(kind)
        if norm == OTHER_TRANSACTION:
            return _account_line_type(amount_type, description)
        line_type = TRANSACTION_TYPES.get(norm, "other")
        if line_type == "adjustment" and "reimbursement" in _norm(amount_type):
            return "reimbursement"
        return line_type

    def _line(self, key, group):
        get = self.columns.get
        first_no, first = group[0]
        kind = get(first, "transaction-type")
        order_id = get(first, "order-id")
        line_type = self._line_type(
            kind,
            get(first, "amount-type"),
            get(first, "amount-description"),
        )
        gross = fee = withheld = other = ZERO
        fees = {}
        quantity = first_moment = None
        for line_no, values in group:
            if not get(values, "amount"):
                raise SettlementParseError(line_no, "amount is empty")
            value = self._amount(get(values, "amount"), line_no, "amount")
            amount_type = _norm(get(values, "amount-type"))
            description = get(values, "amount-description") or get(
                values, "amount-type"
            )
            if amount_type in FEE_AMOUNT_TYPES or (
                line_type == "fee" and amount_type not in GROSS_AMOUNT_TYPES
            ):
                fee += value
                code = f"amazon:{description}"
                fees[code] = fees.get(code, ZERO) + value
            elif amount_type in WITHHELD_AMOUNT_TYPES:
                withheld += value
            elif amount_type in GROSS_AMOUNT_TYPES or line_type not in (
                "order",
                "refund",
            ):
                gross += value
            else:
                other += value
            if get(values, "quantity-purchased"):
                row_quantity = self._quantity(values, line_no)
                quantity = row_quantity if quantity is None else quantity
            moment = parse_datetime(
                get(values, "posted-date-time") or get(values, "posted-date"),
                line_no,
                "posted-date",
            )
            first_moment = moment if line_no == first_no else first_moment
        last_no = group[-1][0]
        adjustment_id = get(first, "adjustment-id")
        item_code = get(first, "order-item-code")
        descriptions = dict.fromkeys(
            get(values, "amount-description") for _no, values in group
        )
        return ParsedLine(
            source_row=str(first_no)
            if first_no == last_no
            else f"{first_no}-{last_no}",
            line_key="/".join((self.settlement.external_id, *key)),
            line_type=line_type,
            raw_type="/".join(
                (kind, get(first, "amount-type"), get(first, "amount-description"))
            ),
            amount_gross=gross,
            amount_fee=fee,
            amount_tax_withheld=withheld,
            amount_other=other,
            date=first_moment,
            value_date=self.settlement.deposit_date,
            description=", ".join(d for d in descriptions if d),
            order_ref=order_id,
            merchant_order_ref=get(first, "merchant-order-id"),
            transaction_ref=adjustment_id or item_code,
            original_transaction_ref=item_code if adjustment_id else "",
            sku=get(first, "sku"),
            quantity=quantity or 0.0,
            fees=[(code, value) for code, value in fees.items() if value],
            raw={
                "rows": [{k: v for k, v in values.items() if v} for _n, values in group]
            },
        )

    def _quantity(self, values, line_no):
        text = self.columns.get(values, "quantity-purchased")
        try:
            return float(text)
        except ValueError:
            raise SettlementParseError(
                line_no, f"quantity-purchased '{text}' is not a number"
            ) from None
