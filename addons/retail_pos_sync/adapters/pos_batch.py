# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The suite's POS batch format (push), receiving side.

A batch is a signed JSON object ``{"batch_id", "transactions": [...]}``
(signature as the simulator's generic protocol), optionally with a
``"manifest"``. A transaction::

    {"uuid", "store", "terminal", "sequence", "local_time" (ISO 8601, the
     till's clock), "business_day" (YYYY-MM-DD), "shift" (optional: the
     till's shift or session id, needed by stores whose numbering restarts
     per shift), "type": "sale" | "return",
     "original_uuid" (returns, optional), "reason" (returns, optional:
     "damaged" scraps instead of restocking), "customer_ref", "loyalty_ref",
     "lines": [{"sku", "quantity", "unit_price", "discount", "tax_code"}],
     "payments": [{"method", "amount", "reference"}]}

Quantities are positive for both types; the type gives the direction.
Amounts are decimal strings, unit prices include tax when the backend says
its stores price tax included.

The manifest says what the till sent, so that numbers missing after the last
one received can be named (optional; a list, one entry per till and, for
stores whose numbering restarts, per business day or shift)::

    [{"store", "terminal", "business_day" (YYYY-MM-DD, stores restarting per
      day), "shift" (stores restarting per shift), "count" (transactions
      numbered first_sequence to last_sequence that the till sent),
      "first_sequence", "last_sequence"}]
"""

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from odoo.addons.retail_connector_base.adapters.common import (
    load_json_object,
    parse_datetime,
)
from odoo.addons.retail_connector_base.registry import Adapter, register

TOPIC = "pos/transaction"
TYPES = ("sale", "return")
# A till number is stored in a PostgreSQL integer: a larger one is refused
# here, with its reason, rather than failing in the database.
MAX_SEQUENCE = 2**31 - 1


@dataclass
class PosLine:
    sku: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal = Decimal("0")  # amount off the whole line
    tax_code: str = ""


@dataclass
class PosPayment:
    method: str
    amount: Decimal
    reference: str = ""


@dataclass
class PosTransaction:
    uuid: str
    store: str
    terminal: str
    sequence: int  # 0 when the platform does not number its transactions
    business_day: date
    type: str
    local_time: object = None
    shift: str = ""
    original_uuid: str = ""
    reason: str = ""
    customer_ref: str = ""
    loyalty_ref: str = ""
    lines: list[PosLine] = field(default_factory=list)
    payments: list[PosPayment] = field(default_factory=list)

    @property
    def sign(self):
        return -1 if self.type == "return" else 1


@dataclass
class ManifestEntry:
    store: str
    terminal: str
    count: int
    first_sequence: int
    last_sequence: int
    business_day: date | None = None
    shift: str = ""


def split_batch(body):
    """The batch id, the transactions of a batch, each as ``(dedupe key,
    subject, JSON)``, and its manifest (a list of ``ManifestEntry``).

    Only what the inbox needs is checked here; each transaction is
    validated on its own when processed, so one bad transaction never
    refuses the batch. The dedupe key is the uuid alone, unique across days
    and shifts also for tills whose numbers restart. ValueError when the
    body is not a batch at all or its manifest is malformed (it is the
    till's account of the batch: a wrong one would name transactions
    missing that are not)."""
    batch = load_json_object(body)
    transactions = batch.get("transactions")
    if not isinstance(transactions, list):
        raise ValueError("the batch has no 'transactions' list")
    stored = []
    for position, transaction in enumerate(transactions, start=1):
        text = json.dumps(transaction, sort_keys=True)
        uuid = transaction.get("uuid") if isinstance(transaction, dict) else None
        if isinstance(uuid, str) and uuid:
            stored.append((f"txn:{uuid}", uuid, text))
        else:
            # Kept, to fail with its reason, under a key a replay repeats.
            key = f"batch:{batch.get('batch_id', '')}:{position}"
            stored.append((key, None, text))
    return batch.get("batch_id"), stored, parse_manifest(batch.get("manifest"))


def parse_manifest(entries):
    """The ``ManifestEntry`` list of a batch's ``manifest`` (None: none)."""
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise ValueError("'manifest' must be a list")
    parsed = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ValueError("a manifest entry must be a JSON object")
        first = _sequence(entry.get("first_sequence"), "first_sequence")
        last = _sequence(entry.get("last_sequence"), "last_sequence")
        count = entry.get("count")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ValueError(f"manifest count '{count}' is not a whole number")
        if first > last:
            raise ValueError(
                f"manifest first_sequence {first} is after last_sequence {last}"
            )
        day = entry.get("business_day")
        try:
            day = date.fromisoformat(day) if day else None
        except (TypeError, ValueError) as error:
            raise ValueError(f"manifest business_day: {error}") from error
        parsed.append(
            ManifestEntry(
                store=str(_required(entry, "store")),
                terminal=str(_required(entry, "terminal")),
                count=count,
                first_sequence=first,
                last_sequence=last,
                business_day=day,
                shift=str(entry.get("shift") or ""),
            )
        )
    return parsed


def _sequence(value, what="sequence"):
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not 1 <= value <= MAX_SEQUENCE
    ):
        raise ValueError(f"{what} '{value}' is not an integer from 1 to {MAX_SEQUENCE}")
    return value


def _decimal(value, what):
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise ValueError(f"{what} '{value}' is not a number") from error


def _required(values, key):
    value = values.get(key)
    if value in (None, ""):
        raise ValueError(f"'{key}' is missing")
    return value


def parse_transaction(payload):
    """A ``PosTransaction``; ValueError naming what is wrong."""
    if not isinstance(payload, dict):
        raise ValueError("a transaction must be a JSON object")
    kind = _required(payload, "type")
    if kind not in TYPES:
        raise ValueError(f"type '{kind}' is neither 'sale' nor 'return'")
    try:
        business_day = date.fromisoformat(_required(payload, "business_day"))
    except (TypeError, ValueError) as error:
        raise ValueError(f"business_day: {error}") from error
    sequence = _sequence(_required(payload, "sequence"))
    lines = [
        PosLine(
            sku=str(_required(line, "sku")),
            quantity=_decimal(_required(line, "quantity"), "quantity"),
            unit_price=_decimal(_required(line, "unit_price"), "unit_price"),
            discount=_decimal(line.get("discount") or "0", "discount"),
            tax_code=str(line.get("tax_code") or ""),
        )
        for line in payload.get("lines") or []
    ]
    if not lines:
        raise ValueError("the transaction has no lines")
    if any(line.quantity <= 0 for line in lines):
        raise ValueError("quantities must be positive (the type gives the sign)")
    return PosTransaction(
        uuid=str(_required(payload, "uuid")),
        store=str(_required(payload, "store")),
        terminal=str(_required(payload, "terminal")),
        sequence=sequence,
        business_day=business_day,
        type=kind,
        local_time=parse_datetime(payload.get("local_time")),
        shift=str(payload.get("shift") or ""),
        original_uuid=payload.get("original_uuid") or "",
        reason=payload.get("reason") or "",
        customer_ref=payload.get("customer_ref") or "",
        loyalty_ref=payload.get("loyalty_ref") or "",
        lines=lines,
        payments=[
            PosPayment(
                method=str(_required(payment, "method")),
                amount=_decimal(_required(payment, "amount"), "amount"),
                reference=payment.get("reference") or "",
            )
            for payment in payload.get("payments") or []
        ],
    )


@register("simulator", "pos_batch")
class SimulatorPosBatch(Adapter):
    """The simulator's store POS sends offline batches: each transaction of
    a delivery is stored (and later booked or refused) on its own."""

    def receive(self, headers, body):
        batch_id, transactions, manifest = split_batch(body)
        # Checked before anything is stored: a manifest naming a store's
        # period wrongly refuses the batch, which the till sends again.
        Manifest = self.env["retail.pos.manifest"]
        manifest = Manifest._prepare(self.backend, manifest)
        Event = self.env["retail.event"]
        new = Event.browse()
        booking = set()  # (store, terminal) of the new transactions
        for dedupe_key, subject, payload in transactions:
            stored = Event._receive(
                self.backend, TOPIC, dedupe_key, payload, subject=subject
            )
            if stored:
                values = json.loads(payload)
                if isinstance(values, dict):
                    booking.add((values.get("store"), values.get("terminal")))
            new |= stored
        Manifest._store(batch_id, manifest, booking)
        return {
            "status": "accepted" if new else "duplicate",
            "transactions": len(transactions),
            "new": len(new),
            "duplicates": len(transactions) - len(new),
        }
