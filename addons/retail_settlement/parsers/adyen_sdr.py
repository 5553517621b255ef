# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Adyen Settlement details report (``settlement_detail_report_batch_<N>.csv``).

https://docs.adyen.com/reporting/settlement-detail-report and settlements.md
§4: one CSV per merchant account and payable batch, a header line, then one
line per journal entry (``Type``: Settled, Refunded, Chargeback, Fee,
MerchantPayout, Balancetransfer...). Amounts are unsigned decimals in
Debit/Credit column pairs, in the gross (GC) and the net (NC) currency; the
costs (Commission, Markup, Scheme Fees, Interchange, NC) are what Adyen kept:
net credit = gross credit - costs, net debit = gross debit + costs.

Choices:

- The settlement is ``<Merchant Account>/<Batch Number>``; a file mixing
  merchant accounts or batches is refused. Without any batch number (Adyen's
  documentation samples leave it empty), ``options["batch_number"]`` names it.
- net = Net Credit - Net Debit; fees are the four cost columns, negated, with
  codes ``adyen:commission``, ``adyen:markup``, ``adyen:scheme_fees``,
  ``adyen:interchange``; gross = net + costs, checked against the gross
  columns when gross and net currencies are the same.
- Journal types per Adyen's journal-type list: ``Fee``, ``InvoiceDeduction``,
  ``PaymentCost``, ``MiscCosts``, ``AuthorisationSchemeFee`` are fees (code
  ``adyen:<Type>``); ``DepositCorrection`` (security deposit withheld or
  released) is a reserve hold/release; ``Balancetransfer`` a transfer;
  ``MerchantPayout`` the payout (its Net Debit is ``declared_total``).
- Creation dates are local to the report's ``TimeZone`` column; stored UTC.
"""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .base import BaseParser
from .common import (
    ZERO,
    Columns,
    CsvRows,
    ParsedLine,
    SettlementParseError,
    amount,
    currency_code,
    normalise_header,
    parse_datetime_local,
)

SOURCE = "adyen_sdr"
LABEL = "Adyen settlement details report"
MEDIA = "text/csv"

REQUIRED = (
    "Merchant Account",
    "Type",
    "Net Currency",
    "Net Debit (NC)",
    "Net Credit (NC)",
    "Batch Number",
)
COSTS = (
    ("Commission (NC)", "adyen:commission"),
    ("Markup (NC)", "adyen:markup"),
    ("Scheme Fees (NC)", "adyen:scheme_fees"),
    ("Interchange (NC)", "adyen:interchange"),
)
# ``Type`` compared without case or spaces ("Chargeback Reversed").
TYPES = {
    "settled": "order",
    "settledbulk": "order",
    "bulksettlement": "order",
    "refunded": "refund",
    "refundedbulk": "refund",
    "refundedreversed": "refund",
    "chargeback": "chargeback",
    "secondchargeback": "chargeback",
    "chargebackreversed": "chargeback_reversal",
    "fee": "fee",
    "invoicededuction": "fee",
    "paymentcost": "fee",
    "misccosts": "fee",
    "authorisationschemefee": "fee",
    "balancetransfer": "transfer",
    "merchantpayout": "payout",
    "bankinstructionreturned": "payout_reversal",
    "manualcorrected": "adjustment",
    "matchedstatement": "adjustment",
}
# Abbreviations Adyen writes in ``TimeZone``; IANA names work as well.
TIME_ZONES = {
    "UTC": 0,
    "GMT": 0,
    "WET": 0,
    "WEST": 1,
    "BST": 1,
    "CET": 1,
    "CEST": 2,
    "EET": 2,
    "EEST": 3,
    "MSK": 3,
    "GST": 4,
    "IST": 5.5,
    "SGT": 8,
    "HKT": 8,
    "AWST": 8,
    "JST": 9,
    "KST": 9,
    "AEST": 10,
    "AEDT": 11,
    "NZST": 12,
    "NZDT": 13,
    "BRT": -3,
    "EST": -5,
    "EDT": -4,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
}


def sniff(head):
    first = head.lstrip("\ufeff").split("\n", 1)[0]
    names = {normalise_header(name) for name in first.split(",")}
    return "psp reference" in names and "net credit (nc)" in names


def _norm(text):
    return re.sub(r"\s+", "", text or "").lower()


def _utc(local, zone, line_no):
    if local is None:
        return None
    zone = (zone or "").strip()
    if not zone:
        return local
    if zone.upper() in TIME_ZONES:
        return local - timedelta(hours=TIME_ZONES[zone.upper()])
    try:
        info = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettlementParseError(line_no, f"time zone '{zone}' is unknown") from None
    offset = local.replace(tzinfo=info).utcoffset()
    return local - offset


class Parser(BaseParser):
    SOURCE = SOURCE
    DUPLICATE_KEYS = "suffix"

    def __init__(self, stream, options=None):
        super().__init__(stream, options)
        self.merchant = ""
        self.batch = ""
        self.paid = ZERO
        self.payout_seen = False

    def _lines(self):
        rows = iter(CsvRows(self.stream))
        try:
            line_no, fields = next(rows)
        except StopIteration:
            raise SettlementParseError(None, "the file is empty") from None
        if fields and fields[0].strip().lstrip("\ufeff").startswith("Merchant/Company"):
            raise SettlementParseError(
                line_no,
                "this is the Aggregate settlement details report: download the "
                "Settlement details report of the batch instead",
            )
        self.columns = columns = Columns(fields, line_no)
        columns.require(REQUIRED, "the Settlement details report header")
        self.settlement.raw_header = {"columns": columns.names}
        for line_no, fields in rows:
            values = columns.row(fields, line_no, REQUIRED)
            yield line_no, self._line(values, line_no)
        self._finish()

    def _finish(self):
        batch = self.batch or str(self.options.get("batch_number") or "")
        if not batch:
            raise SettlementParseError(
                None, "no Batch Number in the file: the settlement cannot be named"
            )
        if not self.merchant:
            raise SettlementParseError(None, "the file has no journal lines")
        self.settlement.external_id = f"{self.merchant}/{batch}"
        self.settlement.declared_total = self.paid if self.payout_seen else None
        if not self.settlement.bank_reference:
            self.settlement.bank_reference = f"batch {batch}, {self.merchant}"

    def _same(self, attribute, value, line_no, what):
        if not value:
            return
        current = getattr(self, attribute)
        if not current:
            setattr(self, attribute, value)
        elif current != value:
            raise SettlementParseError(
                line_no,
                f"{what} '{value}' differs from '{current}': one merchant account "
                "and batch per file",
            )

    def _line(self, values, line_no):
        get = self.columns.get
        self._same(
            "merchant", get(values, "Merchant Account"), line_no, "Merchant Account"
        )
        self._same("batch", get(values, "Batch Number"), line_no, "Batch Number")
        currency = self.state.set_currency(
            get(values, "Net Currency"), line_no, "Net Currency"
        )
        kind = get(values, "Type")
        if not kind:
            raise SettlementParseError(line_no, "Type is empty")
        line_type = TYPES.get(_norm(kind), "other")

        def money(name):
            return amount(get(values, name), line_no, name, ".")

        net = money("Net Credit (NC)") - money("Net Debit (NC)")
        fees = [(code, -money(name)) for name, code in COSTS if money(name)]
        costs = -sum((value for _code, value in fees), ZERO)
        gross = net + costs
        gross_currency = get(values, "Gross Currency")
        original_currency, original_amount = "", None
        if get(values, "Gross Debit (GC)") or get(values, "Gross Credit (GC)"):
            gross_currency = currency_code(gross_currency, line_no, "Gross Currency")
            gross_gc = money("Gross Credit (GC)") - money("Gross Debit (GC)")
            if gross_currency == currency and gross_gc != gross:
                raise SettlementParseError(
                    line_no,
                    f"net {net} + costs {costs} = {gross}, but the gross is {gross_gc}",
                )
            if gross_currency != currency:
                original_currency, original_amount = gross_currency, gross_gc
        if _norm(kind) == "depositcorrection":
            line_type = "reserve_hold" if net < 0 else "reserve_release"
        if line_type == "fee":
            fees.append((f"adyen:{kind}", gross))
            fee_total, gross = net, ZERO
        else:
            fee_total = -costs
        local, _offset = parse_datetime_local(
            get(values, "Creation Date"), line_no, "Creation Date"
        )
        moment = _utc(local, get(values, "TimeZone"), line_no)
        psp = get(values, "Psp Reference")
        modification = get(values, "Modification Reference")
        if line_type == "payout":
            self.paid -= net
            self.payout_seen = True
            self.settlement.deposit_date = local.date() if local else None
            self.settlement.bank_reference = modification
        else:
            self.state.widen_period(moment)
        return ParsedLine(
            source_row=str(line_no),
            line_key=":".join(
                (
                    psp,
                    kind,
                    modification,
                    get(values, "Modification Merchant Reference"),
                )
            ),
            line_type=line_type,
            raw_type=kind,
            amount_gross=gross,
            amount_fee=fee_total,
            amount_net=net,
            date=moment,
            description=get(values, "Modification Merchant Reference") or modification,
            order_ref=get(values, "Merchant Reference"),
            transaction_ref=psp or modification,
            original_transaction_ref=psp if line_type not in ("order", "fee") else "",
            fees=[(code, value) for code, value in fees if value],
            original_currency=original_currency,
            original_amount=original_amount,
            raw={k: v for k, v in values.items() if v},
        )
