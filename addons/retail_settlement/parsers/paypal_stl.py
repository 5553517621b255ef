# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""PayPal Settlement report, STL (``STL-yyyymmdd.seq.version.CSV``).

https://developer.paypal.com/docs/reports/sftp-reports/settlement-report/ and
settlements.md §5: a CSV whose first field is the record type: ``RH`` report
header (generation date, window, account), ``FH`` file header (sequence),
``SH`` section header (window start and end, account), ``CH`` column names,
``SB`` one transaction, ``SF``/``SC`` section footer and record count,
``RF``/``RC`` report footer and record count, ``FF`` file footer. Amounts are
unsigned integers in minor units with ``CR``/``DR`` beside them.

Choices:

- Body columns are found by their ``CH`` names, compared without case or
  repeated spaces (``Transaction  Debit or Credit`` has two in older files).
- Lines are typed by T-code group: T00 payments, T01 fees, T02 currency
  conversion, T04 withdrawals to the bank (the payout), T11 reversals and
  refunds, T12 chargebacks, T15 holds; anything else is ``other``. Fees of a
  payment get the code ``paypal:<T-code>``.
- The settlement is ``<account>/<yyyymmdd>/<file sequence>``, the day being
  the reporting window's start (else the report date). ``declared_total`` is
  what the T04 withdrawals of the day paid to the bank (None without one).
- The footers' totals are not checked (their column layout is not
  published in what we could read); the ``SC``/``RC`` record counts are, and a
  file that ends before its ``RC`` is refused as truncated.
"""

from .base import BaseParser
from .common import (
    ZERO,
    Columns,
    CsvRows,
    ParsedLine,
    SettlementParseError,
    excerpt,
    minor_units,
    parse_datetime,
    parse_datetime_local,
)

SOURCE = "paypal_stl"
LABEL = "PayPal settlement report (STL)"
MEDIA = "text/csv"

REQUIRED = (
    "Transaction ID",
    "Transaction Event Code",
    "Transaction Debit or Credit",
    "Gross Transaction Amount",
    "Gross Transaction Currency",
)
GROUPS = {
    "T00": "order",
    "T01": "fee",
    "T02": "adjustment",
    "T03": "adjustment",
    "T04": "payout",
}
CODES = {
    "T1105": "reserve_release",
    "T1106": "chargeback",
    "T1107": "refund",
    "T1108": "fee",
    "T1110": "reserve_hold",
    "T1111": "reserve_release",
    "T1201": "chargeback",
    "T1202": "chargeback_reversal",
}


def sniff(head):
    start = head.lstrip("\ufeff \r\n")
    return start.startswith(('"RH"', "RH,")) and ('"CH"' in head or "\nCH," in head)


def _line_type(code, credit):
    if code in CODES:
        return CODES[code]
    group = code[:3]
    if group == "T04":
        return "payout_reversal" if credit else "payout"
    if group == "T12":
        return "chargeback_reversal" if credit else "chargeback"
    if group == "T15":
        return "reserve_release" if credit else "reserve_hold"
    if group == "T11":
        return "refund"
    return GROUPS.get(group, "other")


class Parser(BaseParser):
    SOURCE = SOURCE

    def __init__(self, stream, options=None):
        super().__init__(stream, options)
        self.columns = None
        self.report_date = None
        self.account = ""
        self.day = None
        self.sequence = ""
        self.section_count = 0
        self.total_count = 0
        self.report_counted = False
        self.paid = ZERO
        self.withdrawals = 0

    def _lines(self):
        seen_header = False
        for line_no, fields in CsvRows(self.stream):
            record = fields[0].strip().lstrip("\ufeff").upper()
            if not seen_header:
                if record != "RH":
                    raise SettlementParseError(
                        line_no,
                        f"the file starts with '{fields[0]}', not the 'RH' report "
                        "header of a PayPal settlement report",
                    )
                seen_header = True
            if self.report_counted:
                if record in ("RF", "FF"):
                    continue
                raise SettlementParseError(
                    line_no, f"'{record}' record after the report record count"
                )
            if record == "SB":
                yield line_no, self._line(fields, line_no)
            else:
                self._record(record, fields, line_no)
        if not self.report_counted:
            raise SettlementParseError(
                None,
                "the file ends before its 'RC' report record count: it is truncated",
            )
        self._finish()

    def _record(self, record, fields, line_no):
        handler = {
            "RH": self._report_header,
            "FH": self._file_header,
            "SH": self._section_header,
            "CH": self._column_header,
            "SC": self._section_count,
            "RC": self._report_count,
        }.get(record)
        if handler:
            handler(fields, line_no)
        elif record not in ("SF", "RF", "FF"):
            raise SettlementParseError(line_no, f"record type '{record}' is unknown")

    def _field(self, fields, position):
        return fields[position].strip() if position < len(fields) else ""

    def _report_header(self, fields, line_no):
        self.settlement.raw_header["RH"] = fields
        self.report_date = parse_datetime_local(
            self._field(fields, 1), line_no, "report date"
        )[0]
        self._account(self._field(fields, 3), line_no)

    def _file_header(self, fields, line_no):
        self.settlement.raw_header["FH"] = fields
        self.sequence = self._field(fields, 1)

    def _section_header(self, fields, line_no):
        self.settlement.raw_header.setdefault("SH", []).append(fields)
        self.section_count = 0
        self._account(self._field(fields, 3), line_no)
        # The window dates are used when they read as dates; their layout
        # is only known from samples.
        try:
            start, offset = parse_datetime_local(
                self._field(fields, 1), line_no, "window start"
            )
            end = parse_datetime(self._field(fields, 2), line_no, "window end")
        except SettlementParseError:
            return
        if start:
            self.day = self.day or start.date()
            self.state.widen_period(start - offset if offset else start)
        self.state.widen_period(end)

    def _account(self, account, line_no):
        if not account:
            return
        if self.account and account != self.account:
            raise SettlementParseError(
                line_no,
                f"account '{account}' differs from '{self.account}': one account "
                "per file",
            )
        self.account = account

    def _column_header(self, fields, line_no):
        self.columns = Columns(fields, line_no)
        self.columns.require(REQUIRED, "the 'CH' column header")

    def _count(self, fields, line_no, expected, what):
        text = self._field(fields, 1)
        if not (text.isascii() and text.isdigit()):
            raise SettlementParseError(line_no, f"{what} '{text}' is not a number")
        # Compared as text: int() refuses a few thousand digits.
        if (text.lstrip("0") or "0") != str(expected):
            raise SettlementParseError(
                line_no,
                f"{what} says {excerpt(text)} transactions, the file has {expected}: "
                "records are missing",
            )

    def _section_count(self, fields, line_no):
        self._count(fields, line_no, self.section_count, "the section record count")

    def _report_count(self, fields, line_no):
        self._count(fields, line_no, self.total_count, "the report record count")
        self.report_counted = True

    def _finish(self):
        settlement = self.settlement
        day = self.day or (self.report_date.date() if self.report_date else None)
        if not self.account or not day:
            raise SettlementParseError(
                None,
                "the report names no account or day: the settlement cannot be named",
            )
        settlement.external_id = (
            f"{self.account}/{day.strftime('%Y%m%d')}/{self.sequence or '01'}"
        )
        settlement.declared_total = self.paid if self.withdrawals else None
        if not settlement.currency:
            raise SettlementParseError(None, "the report has no transactions")

    # === ONE TRANSACTION === #
    def _line(self, fields, line_no):
        if self.columns is None:
            raise SettlementParseError(line_no, "a transaction before the 'CH' columns")
        self.section_count += 1
        self.total_count += 1
        values = self.columns.row(fields, line_no, REQUIRED)
        get = self.columns.get
        currency = self.state.set_currency(
            get(values, "Gross Transaction Currency"),
            line_no,
            "Gross Transaction Currency",
        )
        code = get(values, "Transaction Event Code").upper()
        if not code.startswith("T") or len(code) != 5:
            raise SettlementParseError(line_no, f"T-code '{code}' is not a T-code")
        credit = self._direction(get(values, "Transaction Debit or Credit"), line_no)
        gross = minor_units(
            get(values, "Gross Transaction Amount"), currency, line_no, "gross amount"
        )
        gross = gross if credit else -gross
        fee = ZERO
        if get(values, "Fee Amount"):
            fee_currency = get(values, "Fee Currency") or currency
            if fee_currency.upper() != currency:
                raise SettlementParseError(
                    line_no,
                    f"fee currency {fee_currency} differs from {currency}: mixed "
                    "currencies in one settlement",
                )
            fee = minor_units(
                get(values, "Fee Amount"), currency, line_no, "fee amount"
            )
            fee_credit = self._direction(get(values, "Fee Debit or Credit"), line_no)
            fee = fee if fee_credit else -fee
        line_type = _line_type(code, credit)
        fees = [(f"paypal:{code}", fee)] if fee else []
        if line_type == "fee":
            fees = [(f"paypal:{code}", gross + fee)]
            gross, fee = ZERO, gross + fee
        moment = parse_datetime(
            get(values, "Transaction Initiation Date"), line_no, "initiation date"
        )
        completed = parse_datetime_local(
            get(values, "Transaction Completion Date"), line_no, "completion date"
        )[0]
        transaction_id = get(values, "Transaction ID")
        if line_type == "payout":
            self.paid -= gross + fee
            self.withdrawals += 1
            self.settlement.deposit_date = (
                (completed or moment).date() if (completed or moment) else None
            )
            self.settlement.bank_reference = (
                get(values, "Bank Reference ID") or transaction_id
            )
        elif line_type == "payout_reversal":
            self.paid -= gross + fee
        else:
            self.state.widen_period(moment)
        return ParsedLine(
            source_row=str(line_no),
            line_key=f"{transaction_id}:{code}",
            line_type=line_type,
            raw_type=code,
            amount_gross=gross,
            amount_fee=fee,
            date=moment,
            value_date=completed.date() if completed else None,
            description=get(values, "Custom Field"),
            order_ref=get(values, "Invoice ID"),
            merchant_order_ref=get(values, "Custom Field"),
            transaction_ref=transaction_id,
            original_transaction_ref=get(values, "PayPal Reference ID"),
            fees=[(c, v) for c, v in fees if v],
            raw={k: v for k, v in values.items() if v},
        )

    def _direction(self, text, line_no):
        text = text.strip().upper()
        if text not in ("CR", "DR"):
            raise SettlementParseError(line_no, f"'{text}' is neither CR nor DR")
        return text == "CR"
