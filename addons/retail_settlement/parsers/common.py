# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The platform-neutral shape every settlement parser produces, and the
helpers they share: amounts, minor units, dates, CSV rows with their physical
line numbers, JSON lists' items with theirs.

Conventions (settlements.md §9): amounts are ``Decimal`` in the settlement
currency, signed from the merchant's side (+ received, - taken), and
``net = gross + fee + tax_withheld + other`` on every line, a charged fee being
negative. Dates are naive UTC datetimes.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

ZERO = Decimal(0)

LINE_TYPES = (
    "order",
    "refund",
    "fee",
    "chargeback",
    "chargeback_reversal",
    "adjustment",
    "reimbursement",
    "reserve_hold",
    "reserve_release",
    "tax_withheld",
    "transfer",
    "payout",
    "payout_reversal",
    "other",
)

# ISO 4217 minor units that are not 2 (the default).
CURRENCY_EXPONENTS = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(),
        0,
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    "CLF": 4,
    "UYW": 4,
}
# Active ISO 4217 codes: an unknown code is refused rather than guessed at.
CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB
    BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP
    CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ
    GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW
    KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR
    MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
    PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN
    SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW
    UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL""".split()
)


# Amounts from 10**15 on are refused: no payout is that large, and beyond
# it a float (the amount fields) no longer holds cents exactly.
AMOUNT_DIGITS = 15
# Bytes decoded at a time when checking a file's encoding (cut at a newline,
# which no ASCII-compatible encoding uses inside a character).
DECODE_CHUNK = 1 << 20


class SettlementParseError(ValueError):
    """A file refused, with the 1-based physical line where it went wrong
    (None when the problem is the whole file)."""

    def __init__(self, line_no, reason):
        self.line_no = line_no
        self.reason = reason
        super().__init__(f"line {line_no}: {reason}" if line_no else reason)


@dataclass
class ParsedSettlement:
    source: str
    external_id: str
    currency: str
    declared_total: Decimal | None
    period_start: datetime | None = None
    period_end: datetime | None = None
    deposit_date: date | None = None
    bank_reference: str = ""
    payout_status: str = ""
    raw_header: dict = field(default_factory=dict)


@dataclass
class ParsedLine:
    source_row: str
    line_key: str
    line_type: str
    raw_type: str
    amount_gross: Decimal
    amount_fee: Decimal = ZERO
    amount_tax_withheld: Decimal = ZERO
    amount_other: Decimal = ZERO
    amount_net: Decimal = None
    date: datetime | None = None
    value_date: date | None = None
    description: str = ""
    order_ref: str = ""
    merchant_order_ref: str = ""
    transaction_ref: str = ""
    original_transaction_ref: str = ""
    # The platform's own dispute id, on chargeback lines of formats that
    # carry one: a dispute's withdrawal and reversal share it.
    dispute_ref: str = ""
    sku: str = ""
    quantity: float = 0.0
    fees: list[tuple[str, Decimal]] = field(default_factory=list)
    original_currency: str = ""
    original_amount: Decimal | None = None
    raw: dict = field(default_factory=dict)


# === AMOUNTS === #
def exponent(currency):
    return CURRENCY_EXPONENTS.get(currency, 2)


def quantum(currency):
    return Decimal(1).scaleb(-exponent(currency))


def currency_code(value, line_no, what="currency"):
    """The upper-case ISO 4217 code of ``value``; refused when unknown."""
    code = (value or "").strip().upper()
    if not code:
        raise SettlementParseError(line_no, f"{what} is empty")
    if code not in CURRENCIES:
        raise SettlementParseError(line_no, f"{what} '{value}' is not an ISO 4217 code")
    return code


def minor_units(value, currency, line_no, what):
    """``Decimal`` major units of an integer amount in minor units (Stripe
    API, PayPal STL): 1234 USD is 12.34, 1234 JPY is 1234."""
    if type(value) is int:  # a JSON integer, not a text (nor a bool)
        number = Decimal(value)
    else:
        text = str(value).strip() if value is not None else ""
        if isinstance(value, bool) or not _WHOLE_NUMBER.fullmatch(text):
            raise SettlementParseError(
                line_no, f"{what} '{value}' is not a whole number of minor units"
            )
        number = Decimal(text)
    return _bounded(number.scaleb(-exponent(currency)), value, line_no, what)


_WHOLE_NUMBER = re.compile(r"-?\d+")


def _bounded(number, value, line_no, what):
    """``number``, refused when no amount field can hold it."""
    if number and number.adjusted() >= AMOUNT_DIGITS:
        raise SettlementParseError(
            line_no, f"{what} '{excerpt(value)}' is too large for an amount"
        )
    return number


def excerpt(value):
    """``value`` as an error quotes it: a broken file's cell can be huge."""
    text = str(value)
    return text if len(text) <= 40 else f"{text[:20]}… ({len(text)} characters)"


_SPACES = re.compile(r"[\s\u00a0\u202f']")


def parse_decimal(value, line_no, what, decimal_separator=None):
    """``Decimal`` of a decimal text, ``None`` when empty.

    With ``decimal_separator`` the other one of ``.``/``,`` is a thousands
    separator. Without, the last separator is the decimal one when both
    occur, and a lone ``,`` is decimal unless exactly three digits follow it
    (``95,00`` is 95; ``1,234`` is 1234): the European Amazon marketplaces
    export decimal commas."""
    text = _SPACES.sub("", value or "")
    if not text:
        return None
    separator = decimal_separator
    if separator is None:
        if "," in text and "." in text:
            separator = "," if text.rfind(",") > text.rfind(".") else "."
        elif text.count(",") == 1 and not re.search(r",\d{3}$", text):
            separator = ","
        else:
            separator = "."
    thousands = "." if separator == "," else ","
    text = text.replace(thousands, "").replace(separator, ".")
    if text.startswith("(") and text.endswith(")"):
        text = "-" + text[1:-1]
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise SettlementParseError(line_no, f"{what} '{value}' is not a number")
    return _bounded(number, value, line_no, what)


def amount(value, line_no, what, decimal_separator=None):
    """As ``parse_decimal``, 0 when empty."""
    number = parse_decimal(value, line_no, what, decimal_separator)
    return ZERO if number is None else number


def decimal_value(value, line_no, what):
    """``Decimal`` of a JSON amount: a decimal string or a number."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SettlementParseError(line_no, f"{what} '{value}' is not a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise SettlementParseError(line_no, f"{what} '{value}' is not a number")
    return _bounded(number, value, line_no, what)


# === DATES === #
_TZ_OFFSET = re.compile(r"\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
_DATE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    # Day first: Amazon's European and Indian files (09/06/25 is 9 June).
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y",
    "%d/%m/%y",
)


def _offset(text):
    text = text.upper()
    if text in ("Z", "UTC", "GMT"):
        return timedelta(0)
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))


def parse_datetime_local(value, line_no, what, formats=_DATE_FORMATS):
    """``(naive local datetime, UTC offset or None)`` of a date text in one
    of the formats the providers use; ``(None, None)`` when empty."""
    text = (value or "").strip()
    if not text:
        return None, None
    parsed = _parse_date_text(text, formats)
    if parsed is None:
        raise SettlementParseError(line_no, f"{what} '{value}' is not a date")
    return parsed


# Big files repeat the same few dates: parse each text once.
@functools.lru_cache(maxsize=4096)
def _parse_date_text(text, formats):
    offset = None
    match = _TZ_OFFSET.search(text)
    if match and re.search(r"\d", text[: match.start()] or ""):
        offset = _offset(match.group(1))
        text = text[: match.start()].strip()
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt), offset
        except ValueError:
            continue
    return None


def parse_datetime(value, line_no, what, formats=_DATE_FORMATS):
    """Naive UTC datetime of a date text (no offset: taken as UTC)."""
    moment, offset = parse_datetime_local(value, line_no, what, formats)
    if moment is None:
        return None
    return moment - offset if offset else moment


def parse_date(value, line_no, what, formats=_DATE_FORMATS):
    """The calendar date as written (a deposit date is the provider's local
    day, not shifted to UTC)."""
    moment, _offset = parse_datetime_local(value, line_no, what, formats)
    return moment.date() if moment else None


def from_timestamp(value, line_no, what):
    """Naive UTC datetime of a Unix timestamp (Stripe)."""
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettlementParseError(line_no, f"{what} '{value}' is not a Unix time")
    try:
        moment = datetime.fromtimestamp(value, timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise SettlementParseError(
            line_no, f"{what} {excerpt(value)} is not a Unix time of a date"
        ) from None
    return moment.replace(tzinfo=None)


# === LINES === #
def check_line(line, line_no):
    """Fill ``amount_net`` when the file does not give it, and refuse a line
    whose amounts disagree (the file's net, the fee breakdown)."""
    if line.line_type not in LINE_TYPES:
        raise SettlementParseError(line_no, f"line type '{line.line_type}' is unknown")
    computed = (
        line.amount_gross
        + line.amount_fee
        + line.amount_tax_withheld
        + line.amount_other
    )
    if line.amount_net is None:
        line.amount_net = computed
    elif line.amount_net != computed:
        raise SettlementParseError(
            line_no,
            f"{line.line_key}: net {line.amount_net} is not gross {line.amount_gross}"
            f" + fees {line.amount_fee} + withheld tax {line.amount_tax_withheld}"
            f" + other {line.amount_other} = {computed}",
        )
    if line.fees and sum(amount for _code, amount in line.fees) != line.amount_fee:
        raise SettlementParseError(
            line_no,
            f"{line.line_key}: the fees add up to "
            f"{sum(amount for _code, amount in line.fees)}, not {line.amount_fee}",
        )
    return line


class KeyRegistry:
    """Makes line keys unique within a settlement. Only hashes are kept, so a
    100k-line file costs a few MB here, not its keys' text."""

    def __init__(self, duplicates="error"):
        self.duplicates = duplicates  # "error" | "suffix"
        self.seen = {}

    def unique(self, key, line_no):
        digest = hash(key)
        count = self.seen.get(digest, 0) + 1
        self.seen[digest] = count
        if count == 1:
            return key
        if self.duplicates == "suffix":
            return f"{key}#{count}"
        raise SettlementParseError(line_no, f"{key} appears twice in the file")


class Settlement:
    """What the parsers keep while reading: one settlement id and one
    currency per file, and the period seen so far."""

    def __init__(self, settlement):
        self.settlement = settlement

    def set_id(self, value, line_no, what="settlement id"):
        value = (value or "").strip()
        if not value:
            return
        current = self.settlement.external_id
        if not current:
            self.settlement.external_id = value
        elif current != value:
            raise SettlementParseError(
                line_no,
                f"{what} '{value}' differs from '{current}': one settlement per file",
            )

    def set_currency(self, value, line_no, what="currency"):
        code = currency_code(value, line_no, what)
        current = self.settlement.currency
        if not current:
            self.settlement.currency = code
        elif current != code:
            raise SettlementParseError(
                line_no,
                f"{what} {code} differs from {current}: mixed currencies in one "
                "settlement",
            )
        return code

    def widen_period(self, moment):
        if moment is None:
            return
        settlement = self.settlement
        if settlement.period_start is None or moment < settlement.period_start:
            settlement.period_start = moment
        if settlement.period_end is None or moment > settlement.period_end:
            settlement.period_end = moment


def sign_by_type(amount_value, negative_type, positive_type):
    return negative_type if amount_value < 0 else positive_type


# === TEXT === #
def text_stream(raw, legacy_encoding=None):
    """``(text stream, encoding)`` of a file's bytes: UTF-8, with or without
    a byte order mark, else ``legacy_encoding`` (the provider's documented
    one) when given; the encoding is ``utf-8``, ``utf-8-sig`` or the legacy
    one. Checked whole before anything is parsed, so a refusal names the
    line of the first byte that is not text, not a decoding error mid-import.
    """
    bad = _undecodable(raw, "utf-8")
    if bad is None:
        encoding = "utf-8-sig" if raw.startswith(codecs.BOM_UTF8) else "utf-8"
    elif legacy_encoding and not raw.startswith(codecs.BOM_UTF8):
        encoding = legacy_encoding
        legacy_bad = _undecodable(raw, encoding)
        if legacy_bad is not None:
            raise SettlementParseError(
                bad[0],
                f"the file is neither UTF-8 nor {encoding} text (byte "
                f"0x{bad[1]:02X} is not UTF-8, byte 0x{legacy_bad[1]:02X} on "
                f"line {legacy_bad[0]} is not {encoding})",
            )
    else:
        raise SettlementParseError(
            bad[0],
            f"the file is not UTF-8 text (byte 0x{bad[1]:02X}): export or save "
            "it as UTF-8",
        )
    return io.TextIOWrapper(io.BytesIO(raw), encoding=encoding, newline=""), encoding


def _undecodable(raw, encoding):
    """``(line, byte)`` of the first byte of ``raw`` that ``encoding`` cannot
    decode, None when all of it decodes."""
    start, line = 0, 1
    while start < len(raw):
        end = raw.find(b"\n", start + DECODE_CHUNK)
        end = len(raw) if end < 0 else end + 1
        chunk = raw[start:end]
        try:
            chunk.decode(encoding)
        except UnicodeDecodeError as error:
            return line + chunk.count(b"\n", 0, error.start), chunk[error.start]
        line += chunk.count(b"\n")
        start = end
    return None


def is_ascii_compatible(encoding):
    """Whether ``encoding`` writes ASCII as ASCII (what the CSV formats and
    the chunked check of ``text_stream`` need): cp1252, latin-1, Shift_JIS
    yes, UTF-16 no."""
    sample = "Payout,+Net;1.00\r\n"
    try:
        return sample.encode(encoding) == sample.encode("ascii")
    except (LookupError, UnicodeError):
        return False


# === CSV === #
def normalise_header(name):
    """Header names compared without case, BOM or repeated spaces (PayPal
    writes ``Transaction  Debit or Credit`` with two)."""
    return " ".join((name or "").replace("\ufeff", "").split()).lower()


class CsvRows:
    """``(line number, fields)`` of a CSV stream, read one record at a time;
    the line number is the record's first physical line."""

    def __init__(self, lines, **fmt):
        fmt.setdefault("strict", True)
        self.reader = csv.reader(lines, **fmt)
        self.line_no = 0

    def __iter__(self):
        while True:
            start = self.reader.line_num + 1
            try:
                row = next(self.reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise SettlementParseError(
                    start, f"the file cannot be read as CSV ({error}): truncated?"
                ) from error
            self.line_no = start
            if not any(cell.strip() for cell in row):
                continue
            yield start, row


class Columns:
    """Positions of a header's columns, by normalised name."""

    def __init__(self, header, line_no):
        self.names = [name.replace("\ufeff", "").strip() for name in header]
        self.index = {}
        for position, name in enumerate(self.names):
            self.index.setdefault(normalise_header(name), position)
        self.positions = {}
        self.line_no = line_no

    def __contains__(self, name):
        return normalise_header(name) in self.index

    def require(self, names, what="the header"):
        missing = [name for name in names if name not in self]
        if missing:
            raise SettlementParseError(
                self.line_no,
                f"{what} has no column {', '.join(repr(n) for n in missing)}",
            )

    def position(self, name):
        try:
            return self.positions[name]
        except KeyError:
            position = self.positions[name] = self.index.get(normalise_header(name))
            return position

    def row(self, fields, line_no, required=()):
        """The record as ``{header name: value}``; refused when a required
        column lies beyond its last field (a cut line)."""
        for name in required:
            position = self.position(name)
            if position is not None and position >= len(fields):
                raise SettlementParseError(
                    line_no,
                    f"the row has {len(fields)} fields and stops before column "
                    f"'{name}': the file looks truncated",
                )
        values = {}
        for position, name in enumerate(self.names):
            values[name] = fields[position] if position < len(fields) else ""
        return values

    def get(self, values, name, default=""):
        position = self.position(name)
        if position is None:
            return default
        return values[self.names[position]].strip()


# === JSON === #
# Text read at a time from a JSON document's stream.
JSON_CHUNK = 1 << 16
# A decoding error this close to the end of what is read (or a string not
# ended) may be the read cutting a value, not the file: read on to know.
CUT_MARGIN = 8
_JSON_SPACE = re.compile(r"[ \t\r\n]*")
# Strings (skipped whole: they may hold brackets and digits), brackets and
# numbers.
_JSON_TOKENS = re.compile(
    r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?'
)


class JsonDocument:
    """A JSON object read from a text stream a piece at a time: its members
    other than one list (``head()``), then that list's items one at a time,
    each with the physical line it starts on (``items()``), for error
    messages. Memory holds the largest item, not the document; line numbers
    are counted on from item to item, so each character is looked at a
    bounded number of times (``scanned`` counts them): counting each item's
    line from the start of the text made a 40k-item document take a minute.
    """

    def __init__(self, stream, list_key, needs=()):
        """:param needs: members the reader of the items needs first (the
        payout): when the list comes before one, the list is gone through
        once to reach it, then read again from the start."""
        self.stream = stream
        self.list_key = list_key
        self.needs = needs
        self.document = {}
        self.key_lines = {}
        self.scanned = 0
        self._decoder = json.JSONDecoder()
        self._ready = False
        self._restart()

    def _restart(self):
        self.buffer, self.pos, self.counted, self.line = "", 0, 0, 1
        self.eof = False
        self.members = 0

    # --- what the parsers call --- #
    def head(self):
        """The document's members other than the list, read up to the list;
        refused when the document is no object or has no list."""
        self._open()
        if self._to_list(keep=True):
            if all(key in self.document for key in self.needs):
                self._ready = True
                return self.document
            for _item in self._items():
                pass
            self._after_list()
            if all(key in self.document for key in self.needs):
                self.stream.seek(0)
                self._restart()
                self._open()
                self._ready = self._to_list(keep=False)
            return self.document
        if self.document.get(self.list_key) is not None:
            raise SettlementParseError(None, f"'{self.list_key}' is not a list")
        raise SettlementParseError(None, f"the file has no '{self.list_key}' list")

    def items(self):
        """``(line number, item)`` of the list, read one at a time, then the
        rest of the document checked."""
        if not self._ready:
            return
        self._ready = False
        yield from self._items()
        self._after_list()

    # --- reading --- #
    def _more(self):
        """Read on, keeping what is not consumed; False at the end."""
        if self.eof:
            return False
        self._line_at(self.pos)
        self.buffer = self.buffer[self.pos :]
        self.pos = self.counted = 0
        # At least as much as is pending: a large item is read in a few
        # doubling steps, not decoded again per chunk.
        text = self.stream.read(max(JSON_CHUNK, len(self.buffer)))
        if not text:
            self.eof = True
            return False
        self.buffer += text
        return True

    def _line_at(self, index):
        """The line of ``index`` (at or after the last one asked for)."""
        self.line += self.buffer.count("\n", self.counted, index)
        self.scanned += index - self.counted
        self.counted = index
        return self.line

    def _space(self):
        """The next character that is not white space ("" at the end)."""
        while True:
            self.pos = _JSON_SPACE.match(self.buffer, self.pos).end()
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._more():
                return ""

    def _invalid(self, message, index=None):
        line = self._line_at(self.pos if index is None else index)
        raise SettlementParseError(line, f"not valid JSON ({message}): truncated?")

    def _value(self):
        """The JSON value at the reading position, decoded whole."""
        self._space()
        while True:
            try:
                value, end = self._decoder.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as error:
                self.scanned += len(self.buffer) - self.pos
                cut = error.pos >= len(self.buffer) - CUT_MARGIN or (
                    error.msg.startswith("Unterminated string")
                )
                if cut and self._more():
                    continue
                self._invalid(error.msg, max(error.pos, self.pos))
            except RecursionError:
                raise SettlementParseError(
                    self._line_at(self._deepest()),
                    "the JSON is nested too deeply to be read",
                ) from None
            except ValueError:
                # Python refuses integers longer than sys.get_int_max_str_digits().
                limit = sys.get_int_max_str_digits()
                raise SettlementParseError(
                    self._line_at(self._long_integer(limit)),
                    f"a number has more than {limit} digits",
                ) from None
            if end == len(self.buffer) and self._more():
                continue  # a number may go on in the next piece
            self.scanned += end - self.pos
            self.pos = end
            return value

    def _deepest(self):
        """Where the nesting from the reading position is deepest (first
        reached)."""
        depth = deepest = 0
        where = self.pos
        for match in _JSON_TOKENS.finditer(self.buffer, self.pos):
            token = match.group()
            if token in ("[", "{"):
                depth += 1
                if depth > deepest:
                    deepest, where = depth, match.start()
            elif token in ("]", "}"):
                depth -= 1
        return where

    def _long_integer(self, limit):
        """Where the first integer of more than ``limit`` digits is."""
        for match in _JSON_TOKENS.finditer(self.buffer, self.pos):
            digits = match.group().lstrip("-")
            if len(digits) > limit and digits.isdigit():
                return match.start()
        return self.pos

    # --- the document's shape --- #
    def _open(self):
        """Past the document's opening brace."""
        first = self._space()
        if first == "\ufeff" and not self.counted and not self.pos:
            self.pos += 1
            first = self._space()
        if first == "{":
            self.pos += 1
            return
        if not first:
            self._invalid("Expecting value")
        self._value()
        raise SettlementParseError(1, "the file is not a JSON object")

    def _next_key(self):
        """``(key, line)`` of the next member, None past the object's end
        (then only white space may follow)."""
        char = self._space()
        if char == "}":
            self.pos += 1
            if self._space():
                self._invalid("Extra data")
            return None
        if self.members:
            if char != ",":
                self._invalid("Expecting ',' delimiter")
            self.pos += 1
            char = self._space()
        if char != '"':
            self._invalid("Expecting property name enclosed in double quotes")
        line = self._line_at(self.pos)
        key = self._value()
        if self._space() != ":":
            self._invalid("Expecting ':' delimiter")
        self.pos += 1
        self.members += 1
        return key, line

    def _to_list(self, keep):
        """Read members up to the list: True past its opening bracket,
        False at the document's end."""
        while (member := self._next_key()) is not None:
            key, line = member
            if key == self.list_key and self._space() == "[":
                self.pos += 1
                return True
            value = self._value()
            if keep:
                self.document[key] = value
                self.key_lines.setdefault(key, line)
        return False

    def _after_list(self):
        """The members after the list, which must be its only one."""
        if self._to_list(keep=True):
            raise SettlementParseError(
                self._line_at(self.pos),
                f"'{self.list_key}' appears twice: one list per file",
            )

    def _items(self):
        count = 0
        while True:
            char = self._space()
            if char == "]":
                self.pos += 1
                return
            if count:
                if char != ",":
                    self._invalid("Expecting ',' delimiter")
                self.pos += 1
                self._space()
            line = self._line_at(self.pos)
            yield line, self._value()
            count += 1


def text_value(value):
    """JSON ids as text ("" for null)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return text_value(value.get("id"))
    return str(value)
