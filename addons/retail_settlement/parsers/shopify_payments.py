# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shopify Payments: one payout and its balance transactions.

The document is ``{"payout": {...}, "transactions": [...]}``: the bodies of
the REST Admin API's ``GET shopify_payments/payouts/{id}.json`` (``payout``)
and ``GET shopify_payments/balance/transactions.json?payout_id={id}``
(``transactions``), https://shopify.dev/docs/api/admin-rest/latest/resources/transactions
and settlements.md §2. ``document()`` builds it, so the scheduled fetch and a
file upload go through the same parser.

Amounts are decimal strings in the payout currency: ``amount`` is the signed
gross, ``fee`` a positive cost, ``net = amount - fee``. The payout summary
must add up to the payout ``amount`` (Σ gross - fee per category). When the
list has no ``payout`` transaction, the payout line is made from the payout
object, so every settlement carries one.
"""

import json

from .base import BaseParser
from .common import (
    JsonDocument,
    ParsedLine,
    SettlementParseError,
    decimal_value,
    parse_date,
    parse_datetime,
    sign_by_type,
    text_value,
)

SOURCE = "shopify_payments"
LABEL = "Shopify Payments payout"
MEDIA = "application/json"

# REST ``type`` values, and GraphQL ``ShopifyPaymentsTransactionType`` ones
# (lower-cased) whose meaning is plain.
TYPES = {
    "charge": "order",
    "refund": "refund",
    "dispute": "chargeback",
    "adjustment": "adjustment",
    "credit": "adjustment",
    "debit": "adjustment",
    "payout": "payout",
    "payout_failure": "payout_reversal",
    "payout_cancellation": "payout_reversal",
    "chargeback_fee": "fee",
    "chargeback_fee_refund": "fee",
    "application_fee_refund": "fee",
    "billing_debit": "fee",
}
RESERVE_TYPES = ("reserve", "chargeback_hold", "chargeback_hold_release")


def document(payout, transactions):
    """The file the parser reads, from the two API answers."""
    return json.dumps(
        {"payout": payout, "transactions": list(transactions)}, indent=1
    ).encode()


def sniff(head):
    return '"payout"' in head and '"transactions"' in head


def _line_type(kind, net):
    if kind in RESERVE_TYPES:
        return sign_by_type(net, "reserve_hold", "reserve_release")
    if kind == "dispute" and net > 0:
        return "chargeback_reversal"
    return TYPES.get(kind, "other")


class Parser(BaseParser):
    SOURCE = SOURCE

    def _lines(self):
        reader = JsonDocument(self.stream, "transactions", needs=("payout",))
        payout = reader.head().get("payout")
        payout_line = reader.key_lines.get("payout", 1)
        if not isinstance(payout, dict):
            raise SettlementParseError(payout_line, "the file has no 'payout' object")
        self._read_payout(payout, payout_line)
        paid = None
        for position, (line_no, transaction) in enumerate(reader.items(), start=1):
            line = self._line(position, line_no, transaction)
            if line.line_type == "payout":
                paid = line, line_no
            yield line_no, line
        yield from self._close_payout(
            paid, payout_line, lambda: self._payout_line(payout)
        )

    def _read_payout(self, payout, line_no):
        settlement = self.settlement
        self.state.set_id(text_value(payout.get("id")), line_no, "payout id")
        if not settlement.external_id:
            raise SettlementParseError(line_no, "the payout has no id")
        self.state.set_currency(payout.get("currency"), line_no, "payout currency")
        if payout.get("amount") in (None, ""):
            raise SettlementParseError(line_no, "the payout has no amount")
        settlement.declared_total = decimal_value(
            payout["amount"], line_no, "payout amount"
        )
        settlement.deposit_date = parse_date(
            payout.get("date") or "", line_no, "payout date"
        )
        settlement.payout_status = payout.get("status") or ""
        settlement.bank_reference = (
            payout.get("external_trace_id") or payout.get("externalTraceId") or ""
        )
        settlement.raw_header = payout
        self._check_summary(payout.get("summary"), line_no)

    def _check_summary(self, summary, line_no):
        """Σ (gross - fee) over the summary's categories is the payout."""
        if not summary:
            return
        total = 0
        for key, value in summary.items():
            if key.endswith("_gross_amount"):
                fee_key = key.replace("_gross_amount", "_fee_amount")
                total += decimal_value(value, line_no, key) - decimal_value(
                    summary.get(fee_key) or "0", line_no, fee_key
                )
        if total != self.settlement.declared_total:
            raise SettlementParseError(
                line_no,
                f"the payout summary adds up to {total}, the payout amount is "
                f"{self.settlement.declared_total}",
            )

    def _line(self, position, line_no, transaction):
        if not isinstance(transaction, dict):
            raise SettlementParseError(
                line_no, f"transaction {position} is not an object"
            )
        key = text_value(transaction.get("id"))
        if not key:
            raise SettlementParseError(line_no, f"transaction {position} has no id")
        payout_id = text_value(transaction.get("payout_id"))
        if payout_id:
            self.state.set_id(payout_id, line_no, f"transaction {key}: payout_id")
        self.state.set_currency(
            transaction.get("currency"), line_no, f"transaction {key}: currency"
        )
        values = {}
        for name in ("amount", "fee", "net"):
            if transaction.get(name) in (None, ""):
                raise SettlementParseError(line_no, f"transaction {key} has no {name}")
            values[name] = decimal_value(
                transaction[name], line_no, f"transaction {key}: {name}"
            )
        kind = (transaction.get("type") or "").lower()
        fee = -values["fee"]
        moment = parse_datetime(
            text_value(transaction.get("processed_at")), line_no, "processed_at"
        )
        self.state.widen_period(moment)
        return ParsedLine(
            source_row=f"transaction {position}",
            line_key=key,
            line_type=_line_type(kind, values["net"]),
            raw_type=f"{transaction.get('type') or ''}/"
            f"{transaction.get('source_type') or ''}",
            amount_gross=values["amount"],
            amount_fee=fee,
            amount_net=values["net"],
            date=moment,
            description=transaction.get("adjustment_reason") or "",
            order_ref=text_value(transaction.get("source_order_id")),
            transaction_ref=text_value(
                transaction.get("source_order_transaction_id")
                or transaction.get("source_id")
            ),
            original_transaction_ref=text_value(transaction.get("source_id"))
            if kind in ("dispute", "refund")
            else "",
            dispute_ref=text_value(transaction.get("source_id"))
            if kind == "dispute"
            else "",
            fees=[(f"shopify:{kind or 'fee'}", fee)] if fee else [],
            raw=transaction,
        )

    def _payout_line(self, payout):
        paid = -self.settlement.declared_total
        return ParsedLine(
            source_row="payout",
            line_key=f"payout:{self.settlement.external_id}",
            line_type="payout",
            raw_type="payout",
            amount_gross=paid,
            date=parse_datetime(payout.get("date") or "", None, "payout date"),
            value_date=self.settlement.deposit_date,
            description=f"Payout {self.settlement.external_id}",
            transaction_ref=self.settlement.external_id,
            raw=payout,
        )
