# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stripe: an automatic payout and the balance transactions it pays out.

Two inputs, told apart by their first character:

- JSON ``{"payout": {...}, "balance_transactions": [...]}``: the API objects
  of https://docs.stripe.com/api/payouts and
  https://docs.stripe.com/api/balance_transactions (``GET
  /v1/balance_transactions?payout=po_...``), built by ``document()``.
  Amounts are integers in minor units; ``fee`` is a positive cost split in
  ``fee_details`` (fee codes ``stripe:<type>``); ``net = amount - fee``.
- CSV: the itemized payout reconciliation report
  (``payout_reconciliation.itemized.5``,
  https://docs.stripe.com/reports/report-types/payout-reconciliation), one row
  per balance transaction, amounts in decimal major units, columns by name.

Lines are typed by ``reporting_category``, which Stripe recommends over
``type`` for accounting. The payout's own balance transaction (category
``payout``) is the payout line; when the JSON list lacks it, it is made from
the payout object. The report carries no payout amount: without a payout row,
``declared_total`` stays None. The order reference is the charge metadata key
``options["order_ref_field"]`` (default ``order_id``): ``payment_metadata[key]``
in the report, ``source.metadata[key]`` when the API source is expanded.
"""

import itertools
import json

from .base import BaseParser
from .common import (
    ZERO,
    Columns,
    CsvRows,
    JsonDocument,
    ParsedLine,
    SettlementParseError,
    amount,
    currency_code,
    from_timestamp,
    minor_units,
    normalise_header,
    parse_date,
    parse_datetime,
    sign_by_type,
    text_value,
)

SOURCE = "stripe"
LABEL = "Stripe payout (API or payout reconciliation report)"
MEDIA = "application/json"

CATEGORIES = {
    "charge": "order",
    "refund": "refund",
    "refund_failure": "refund",
    "dispute": "chargeback",
    "dispute_reversal": "chargeback_reversal",
    "fee": "fee",
    "tax": "fee",
    "other_adjustment": "adjustment",
    "partial_capture_reversal": "adjustment",
    "charge_failure": "adjustment",
    "payout": "payout",
    "payout_reversal": "payout_reversal",
}
RESERVE_CATEGORIES = ("risk_reserved_funds", "connect_reserved_funds")
DISPUTE_CATEGORIES = ("dispute", "dispute_reversal")
ORIGINAL_CATEGORIES = ("refund", "refund_failure", *DISPUTE_CATEGORIES)
REPORT_COLUMNS = (
    "balance_transaction_id",
    "automatic_payout_id",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
)


def document(payout, balance_transactions):
    """The file the parser reads, from the API objects."""
    return json.dumps(
        {"payout": payout, "balance_transactions": list(balance_transactions)},
        indent=1,
    ).encode()


def sniff(head):
    if '"balance_transactions"' in head:
        return True
    first = head.lstrip("\ufeff").split("\n", 1)[0]
    names = {normalise_header(name) for name in first.split(",")}
    return "balance_transaction_id" in names and "reporting_category" in names


def _line_type(category, net):
    if category in RESERVE_CATEGORIES:
        return sign_by_type(net, "reserve_hold", "reserve_release")
    return CATEGORIES.get(category, "other")


def _as_fee_line(line, code):
    """A fee-category transaction: its amount is a fee, to map by code."""
    if line.line_type == "fee" and line.amount_gross:
        line.amount_fee += line.amount_gross
        line.fees.append((code, line.amount_gross))
        line.amount_gross = ZERO
    return line


class Parser(BaseParser):
    SOURCE = SOURCE

    def __init__(self, stream, options=None):
        super().__init__(stream, options)
        self.order_ref_field = self.options.get("order_ref_field") or "order_id"

    def _lines(self):
        first = self.stream.readline()
        while first and not first.strip():
            first = self.stream.readline()
        if not first:
            raise SettlementParseError(None, "the file is empty")
        if first.lstrip("\ufeff \t").startswith(("{", "[")):
            self.stream.seek(0)
            return self._json_lines()
        return self._report_lines(itertools.chain([first], self.stream))

    # === API OBJECTS (JSON) === #
    def _json_lines(self):
        reader = JsonDocument(self.stream, "balance_transactions", needs=("payout",))
        payout = reader.head().get("payout")
        payout_line = reader.key_lines.get("payout", 1)
        if not isinstance(payout, dict):
            raise SettlementParseError(payout_line, "the file has no 'payout' object")
        self._read_payout(payout, payout_line)
        paid = None
        for position, (line_no, transaction) in enumerate(reader.items(), start=1):
            line = self._api_line(position, line_no, transaction)
            if line.line_type == "payout":
                if paid is not None:
                    raise SettlementParseError(
                        line_no, "a second payout transaction: one payout per file"
                    )
                paid = line, line_no
            yield line_no, line
        yield from self._close_payout(
            paid, payout_line, lambda: self._payout_line(payout, payout_line)
        )

    def _read_payout(self, payout, line_no):
        settlement = self.settlement
        self.state.set_id(text_value(payout.get("id")), line_no, "payout id")
        if not settlement.external_id:
            raise SettlementParseError(line_no, "the payout has no id")
        currency = self.state.set_currency(
            payout.get("currency"), line_no, "payout currency"
        )
        settlement.declared_total = minor_units(
            payout.get("amount"), currency, line_no, "payout amount"
        )
        arrival = from_timestamp(payout.get("arrival_date"), line_no, "arrival_date")
        settlement.deposit_date = arrival.date() if arrival else None
        settlement.payout_status = payout.get("status") or ""
        trace = payout.get("trace_id")
        settlement.bank_reference = (
            (trace.get("value") if isinstance(trace, dict) else trace)
            or payout.get("statement_descriptor")
            or ""
        )
        settlement.raw_header = payout

    def _api_line(self, position, line_no, transaction):
        if not isinstance(transaction, dict):
            raise SettlementParseError(
                line_no, f"transaction {position} is not an object"
            )
        key = text_value(transaction.get("id"))
        if not key:
            raise SettlementParseError(line_no, f"transaction {position} has no id")
        currency = self.state.set_currency(
            transaction.get("currency"), line_no, f"{key}: currency"
        )
        gross, fee_paid, net = (
            minor_units(transaction.get(name), currency, line_no, f"{key}: {name}")
            for name in ("amount", "fee", "net")
        )
        if gross - fee_paid != net:
            raise SettlementParseError(
                line_no, f"{key}: net {net} is not amount {gross} - fee {fee_paid}"
            )
        fees = []
        for detail in transaction.get("fee_details") or []:
            fees.append(
                (
                    f"stripe:{detail.get('type') or 'fee'}",
                    -minor_units(
                        detail.get("amount"), currency, line_no, f"{key}: fee"
                    ),
                )
            )
        if fee_paid and not fees:
            fees = [("stripe:stripe_fee", -fee_paid)]
        category = transaction.get("reporting_category") or ""
        kind = transaction.get("type") or ""
        source = transaction.get("source")
        source = source if isinstance(source, dict) else {"id": source}
        if category == "payout":
            self.state.set_id(source.get("id"), line_no, f"{key}: payout")
        moment = from_timestamp(transaction.get("created"), line_no, "created")
        available = from_timestamp(
            transaction.get("available_on"), line_no, "available_on"
        )
        self.state.widen_period(moment if category != "payout" else None)
        line = ParsedLine(
            source_row=f"transaction {position}",
            line_key=key,
            line_type=_line_type(category, net),
            raw_type=f"{category}/{kind}",
            amount_gross=gross,
            amount_fee=-fee_paid,
            amount_net=net,
            date=moment,
            value_date=available.date() if available else None,
            description=transaction.get("description") or "",
            order_ref=text_value(
                (source.get("metadata") or {}).get(self.order_ref_field)
            ),
            transaction_ref=text_value(source.get("id")),
            original_transaction_ref=text_value(source.get("charge"))
            if category in ORIGINAL_CATEGORIES
            else "",
            dispute_ref=text_value(source.get("id"))
            if category in DISPUTE_CATEGORIES
            else "",
            fees=fees,
            raw=transaction,
        )
        self._original_amount(line, source, currency, line_no)
        return _as_fee_line(line, f"stripe:{kind or 'stripe_fee'}")

    def _original_amount(self, line, source, currency, line_no):
        """The customer's currency, when an expanded charge says it."""
        original = (source.get("currency") or "").upper()
        if original and original != currency and source.get("amount") is not None:
            line.original_currency = currency_code(original, line_no)
            line.original_amount = minor_units(
                source["amount"], original, line_no, "source amount"
            )

    def _payout_line(self, payout, line_no):
        paid = -self.settlement.declared_total
        return ParsedLine(
            source_row="payout",
            line_key=text_value(payout.get("balance_transaction"))
            or f"payout:{self.settlement.external_id}",
            line_type="payout",
            raw_type="payout",
            amount_gross=paid,
            date=from_timestamp(payout.get("created"), line_no, "payout created"),
            value_date=self.settlement.deposit_date,
            description=payout.get("description") or "",
            transaction_ref=self.settlement.external_id,
            raw=payout,
        )

    # === PAYOUT RECONCILIATION REPORT (CSV) === #
    def _report_lines(self, stream):
        rows = iter(CsvRows(stream))
        try:
            line_no, fields = next(rows)
        except StopIteration:
            raise SettlementParseError(None, "the file is empty") from None
        self.columns = columns = Columns(fields, line_no)
        columns.require(REPORT_COLUMNS, "the payout reconciliation report header")
        self.settlement.raw_header = {"columns": columns.names}
        for line_no, fields in rows:
            values = columns.row(fields, line_no, REPORT_COLUMNS)
            line = self._report_line(values, line_no)
            if line.line_type == "payout":
                if self.settlement.declared_total is not None:
                    raise SettlementParseError(
                        line_no, "a second payout row: one payout per file"
                    )
                self.settlement.declared_total = -line.amount_net
            yield line_no, line

    def _report_line(self, values, line_no):
        get = self.columns.get
        key = get(values, "balance_transaction_id")
        if not key:
            raise SettlementParseError(line_no, "balance_transaction_id is empty")
        payout_id = get(values, "automatic_payout_id")
        if not payout_id:
            raise SettlementParseError(
                line_no,
                "automatic_payout_id is empty: only automatic payouts can be "
                "reconciled",
            )
        self.state.set_id(payout_id, line_no, "automatic_payout_id")
        currency = self.state.set_currency(get(values, "currency"), line_no)
        separator = self.options.get("decimal_separator")
        gross, fee_paid, net = (
            amount(get(values, name), line_no, name, separator)
            for name in ("gross", "fee", "net")
        )
        if gross - fee_paid != net:
            raise SettlementParseError(
                line_no, f"{key}: net {net} is not gross {gross} - fee {fee_paid}"
            )
        category = get(values, "reporting_category")
        effective = get(values, "automatic_payout_effective_at_utc") or get(
            values, "automatic_payout_effective_at"
        )
        if effective and not self.settlement.deposit_date:
            self.settlement.deposit_date = parse_date(
                effective, line_no, "automatic_payout_effective_at"
            )
        moment = parse_datetime(
            get(values, "created_utc") or get(values, "created"), line_no, "created"
        )
        if category != "payout":
            self.state.widen_period(moment)
        available = parse_date(
            get(values, "available_on_utc") or get(values, "available_on"),
            line_no,
            "available_on",
        )
        charge = get(values, "charge_id")
        line = ParsedLine(
            source_row=str(line_no),
            line_key=key,
            line_type=_line_type(category, net),
            raw_type=category,
            amount_gross=gross,
            amount_fee=-fee_paid,
            amount_net=net,
            date=moment,
            value_date=available,
            description=get(values, "description"),
            order_ref=get(values, f"payment_metadata[{self.order_ref_field}]"),
            transaction_ref=get(values, "source_id") or charge,
            original_transaction_ref=charge if category in ORIGINAL_CATEGORIES else "",
            dispute_ref=get(values, "source_id")
            if category in DISPUTE_CATEGORIES
            else "",
            fees=[("stripe:stripe_fee", -fee_paid)] if fee_paid else [],
            raw={k: v for k, v in values.items() if v},
        )
        facing = get(values, "customer_facing_currency").upper()
        if facing and facing != currency:
            line.original_currency = currency_code(facing, line_no)
            line.original_amount = amount(
                get(values, "customer_facing_amount"),
                line_no,
                "customer_facing_amount",
                separator,
            )
        return _as_fee_line(line, "stripe:stripe_fee")
