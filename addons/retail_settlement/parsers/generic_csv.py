# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Any CSV export read through a column mapping saved on the backend.

The options (settlements.md §9.3, after OCA's sheet mapping)::

    {"delimiter": ",", "decimal_separator": ".", "date_format": "%Y-%m-%d",
     "currency": "EUR" | "currency_column": "Currency",
     "settlement_id": "2025-05" | "settlement_id_column": "Payout",
     "total_column": "Payout amount",              # optional
     "columns": {"line_type": "Type", "amount_gross": "Gross",
                 "amount_fee": "Fee", "amount_net": "Net", "order_ref": ...,
                 "transaction_ref": ..., "date": ..., "description": ...},
     "type_map": {"Sale": "order", "Refund": "refund"},
     "default_type": "order",                      # rows without a type column
     "fee_sign": "negative" | "positive",          # positive: fees shown as costs
     "encoding": "cp1252"}                         # optional: files not in UTF-8

At least one of ``amount_gross``/``amount_net`` is mapped; a missing one is
computed. A provider whose export names each chargeback's dispute maps that
column as ``dispute_ref``, so that a dispute's withdrawal and reversal join
one dispute. A type the map does not know is ``other`` (kept, flagged by
matching). The file's ``total_column``, when mapped, is the declared total.
A file is read as UTF-8 (with or without byte order mark), else in the
mapping's ``encoding`` when it has one (an export from a spreadsheet on
Windows is often ``cp1252``).
"""

from datetime import datetime

from .base import BaseParser
from .common import (
    LINE_TYPES,
    ZERO,
    Columns,
    CsvRows,
    ParsedLine,
    SettlementParseError,
    amount,
    currency_code,
    is_ascii_compatible,
    parse_decimal,
)

SOURCE = "generic_csv"
LABEL = "Other provider (CSV with a column mapping)"
MEDIA = "text/csv"

COLUMN_KEYS = (
    "line_type",
    "line_key",
    "amount_gross",
    "amount_fee",
    "amount_tax_withheld",
    "amount_other",
    "amount_net",
    "order_ref",
    "merchant_order_ref",
    "transaction_ref",
    "original_transaction_ref",
    "dispute_ref",
    "date",
    "value_date",
    "description",
    "sku",
    "quantity",
)
# A complete mapping for a file with the header
# Payout,Date,Type,Order,Transaction,Gross,Fee,Net,Currency,Description
# (the one CONFIGURE shows, the tests and the benchmark use).
EXAMPLE_OPTIONS = {
    "delimiter": ",",
    "currency_column": "Currency",
    "settlement_id_column": "Payout",
    "date_format": "%Y-%m-%d",
    "columns": {
        "line_type": "Type",
        "order_ref": "Order",
        "transaction_ref": "Transaction",
        "amount_gross": "Gross",
        "amount_fee": "Fee",
        "amount_net": "Net",
        "date": "Date",
        "description": "Description",
    },
    "type_map": {
        "Sale": "order",
        "Refund": "refund",
        "Fee": "fee",
        "Chargeback": "chargeback",
        "Reserve": "reserve_hold",
        "Payout": "payout",
    },
    "fee_sign": "negative",
}
AMOUNT_KEYS = ("amount_fee", "amount_tax_withheld", "amount_other")
TEXT_KEYS = (
    "order_ref",
    "merchant_order_ref",
    "transaction_ref",
    "original_transaction_ref",
    "dispute_ref",
    "description",
    "sku",
)


def sniff(head):
    """Never: the mapping, not the file, says what a generic CSV is."""
    return False


def validate_options(options):
    """The problems of a mapping, in words (empty when it is usable)."""
    if not isinstance(options, dict):
        return ["The mapping must be a JSON object."]
    problems = []
    delimiter = options.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        problems.append("'delimiter' must be one character, e.g. ',' or ';'.")
    if options.get("decimal_separator", ".") not in (".", ","):
        problems.append("'decimal_separator' must be '.' or ','.")
    date_format = options.get("date_format", "%Y-%m-%d")
    if not isinstance(date_format, str) or "%" not in date_format:
        problems.append("'date_format' must be a strftime format, e.g. '%d/%m/%Y'.")
    if not options.get("currency") and not options.get("currency_column"):
        problems.append("Give 'currency' (an ISO code) or 'currency_column'.")
    if options.get("currency"):
        try:
            currency_code(options["currency"], None, "'currency'")
        except SettlementParseError as error:
            problems.append(f"{error}.")
    if not options.get("settlement_id") and not options.get("settlement_id_column"):
        problems.append("Give 'settlement_id' or 'settlement_id_column'.")
    problems.extend(_encoding_problems(options.get("encoding")))
    if options.get("fee_sign", "negative") not in ("negative", "positive"):
        problems.append("'fee_sign' must be 'negative' or 'positive'.")
    columns = options.get("columns")
    if not isinstance(columns, dict) or not columns:
        problems.append("'columns' must map line fields to the file's column names.")
        columns = {}
    unknown = sorted(set(columns) - set(COLUMN_KEYS))
    if unknown:
        problems.append(
            f"Unknown fields in 'columns': {', '.join(unknown)}; known fields: "
            f"{', '.join(COLUMN_KEYS)}."
        )
    empty = sorted(
        key for key, name in columns.items() if not isinstance(name, str) or not name
    )
    if empty:
        problems.append(f"Fields mapped to no column name: {', '.join(empty)}.")
    if columns and not (columns.get("amount_gross") or columns.get("amount_net")):
        problems.append("Map 'amount_gross' or 'amount_net' in 'columns'.")
    type_map = options.get("type_map") or {}
    if not isinstance(type_map, dict):
        problems.append("'type_map' must map the file's types to line types.")
        type_map = {}
    wrong = sorted(f"{k} → {v}" for k, v in type_map.items() if v not in LINE_TYPES)
    if wrong or options.get("default_type", "order") not in LINE_TYPES:
        problems.append(
            f"Line types must be one of {', '.join(LINE_TYPES)} (not: "
            f"{', '.join(wrong) or options.get('default_type')})."
        )
    return problems


def _encoding_problems(encoding):
    if encoding is None or (
        isinstance(encoding, str) and is_ascii_compatible(encoding)
    ):
        return []
    return [
        "'encoding' must name an encoding that writes ASCII as ASCII, e.g. "
        "'cp1252' or 'latin-1'."
    ]


class Parser(BaseParser):
    SOURCE = SOURCE
    DUPLICATE_KEYS = "suffix"

    @classmethod
    def legacy_encoding(cls, options):
        encoding = (options or {}).get("encoding")
        return encoding if isinstance(encoding, str) and encoding else None

    def __init__(self, stream, options=None):
        super().__init__(stream, options)
        problems = validate_options(self.options)
        if problems:
            raise SettlementParseError(None, " ".join(problems))
        self.mapping = self.options["columns"]
        self.decimal = self.options.get("decimal_separator", ".")
        self.date_format = self.options.get("date_format", "%Y-%m-%d")
        self.type_map = {
            key.strip().lower(): value
            for key, value in (self.options.get("type_map") or {}).items()
        }
        self.fee_sign = -1 if self.options.get("fee_sign") == "positive" else 1

    def _lines(self):
        rows = iter(CsvRows(self.stream, delimiter=self.options.get("delimiter", ",")))
        try:
            line_no, fields = next(rows)
        except StopIteration:
            raise SettlementParseError(None, "the file is empty") from None
        self.columns = columns = Columns(fields, line_no)
        wanted = {
            **{key: name for key, name in self.mapping.items()},
            **{
                option: self.options[option]
                for option in (
                    "currency_column",
                    "settlement_id_column",
                    "total_column",
                )
                if self.options.get(option)
            },
        }
        for key, name in wanted.items():
            if name not in columns:
                raise SettlementParseError(
                    line_no, f"column '{name}' ({key}) is not in the header"
                )
        self.required = list(wanted.values())
        if self.options.get("currency"):
            self.state.set_currency(self.options["currency"], None, "'currency'")
        if self.options.get("settlement_id"):
            self.state.set_id(str(self.options["settlement_id"]), None)
        self.settlement.raw_header = {"columns": columns.names}
        for line_no, fields in rows:
            yield (
                line_no,
                self._line(columns.row(fields, line_no, self.required), line_no),
            )
        if not self.settlement.external_id:
            raise SettlementParseError(None, "no settlement id in the file")
        if not self.settlement.currency:
            raise SettlementParseError(None, "no currency in the file")

    def _value(self, values, key):
        name = self.mapping.get(key)
        return self.columns.get(values, name) if name else ""

    def _date(self, text, line_no, what):
        if not text:
            return None
        try:
            return datetime.strptime(text, self.date_format)
        except ValueError:
            raise SettlementParseError(
                line_no, f"{what} '{text}' does not match the format {self.date_format}"
            ) from None

    def _header_values(self, values, line_no):
        get = self.columns.get
        options = self.options
        if options.get("settlement_id_column"):
            self.state.set_id(get(values, options["settlement_id_column"]), line_no)
        if options.get("currency_column"):
            self.state.set_currency(get(values, options["currency_column"]), line_no)
        total = options.get("total_column")
        if total and get(values, total):
            value = amount(get(values, total), line_no, total, self.decimal)
            declared = self.settlement.declared_total
            if declared is not None and declared != value:
                raise SettlementParseError(
                    line_no, f"{total} {value} differs from {declared} on earlier rows"
                )
            self.settlement.declared_total = value

    def _line(self, values, line_no):
        self._header_values(values, line_no)
        raw_type = self._value(values, "line_type")
        if "line_type" in self.mapping:
            line_type = self.type_map.get(raw_type.lower())
            if line_type is None:
                line_type = (
                    raw_type.lower() if raw_type.lower() in LINE_TYPES else "other"
                )
        else:
            line_type = self.options.get("default_type", "order")
        amounts = {
            key: amount(
                self._value(values, key), line_no, self.mapping[key], self.decimal
            )
            for key in AMOUNT_KEYS
            if key in self.mapping
        }
        amounts["amount_fee"] = amounts.get("amount_fee", ZERO) * self.fee_sign
        others = sum(amounts.values(), ZERO)
        gross = parse_decimal(
            self._value(values, "amount_gross"), line_no, "gross", self.decimal
        )
        net = parse_decimal(
            self._value(values, "amount_net"), line_no, "net", self.decimal
        )
        if gross is None and net is None:
            raise SettlementParseError(line_no, "the row has neither gross nor net")
        if gross is None:
            gross = net - others
        fee = amounts["amount_fee"]
        moment = self._date(self._value(values, "date"), line_no, "date")
        self.state.widen_period(moment)
        value_date = self._date(
            self._value(values, "value_date"), line_no, "value date"
        )
        texts = {key: self._value(values, key) for key in TEXT_KEYS}
        quantity = self._value(values, "quantity")
        try:
            quantity = float(quantity.replace(",", ".")) if quantity else 0.0
        except ValueError:
            raise SettlementParseError(
                line_no, f"quantity '{quantity}' is not a number"
            ) from None
        line = ParsedLine(
            source_row=str(line_no),
            line_key=self._value(values, "line_key")
            or texts["transaction_ref"]
            or f"line {line_no}",
            line_type=line_type,
            raw_type=raw_type,
            amount_gross=gross,
            amount_fee=fee,
            amount_tax_withheld=amounts.get("amount_tax_withheld", ZERO),
            amount_other=amounts.get("amount_other", ZERO),
            amount_net=net,
            date=moment,
            value_date=value_date.date() if value_date else None,
            quantity=quantity,
            fees=[(f"generic:{raw_type or 'fee'}", fee)] if fee else [],
            raw={k: v for k, v in values.items() if v},
            **texts,
        )
        if line_type == "fee" and gross and not fee:
            line.amount_fee, line.amount_gross = gross, ZERO
            line.fees = [(f"generic:{raw_type or 'fee'}", gross)]
        if line_type == "payout" and not self.settlement.deposit_date:
            # A file without a deposit date column pays out on its payout row.
            deposit = value_date or moment
            self.settlement.deposit_date = deposit.date() if deposit else None
        return line
