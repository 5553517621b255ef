# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a channel's inbox handler produced, read as a sale or a return that
earns or takes back points, whichever module produced it.

The loyalty module depends on neither ``retail_pos_sync`` nor
``retail_marketplace``: it reads the records their handlers return
(``pos.order``, ``sale.order``, credit notes) by model name, and the fields
of those modules only when they are there.
"""

from dataclasses import dataclass, field

POS_DONE_STATES = ("paid", "done", "invoiced")


@dataclass
class ChannelLine:
    product: object
    quantity: float
    amount_incl: float
    amount_excl: float


@dataclass
class ChannelSale:
    """A sale (or a return, or a cancelled sale) worth loyalty points.

    ``reference`` names the record in ledger transaction ids; ``original``
    is the sale a return gives back, when known.
    """

    record: object
    partner: object
    reference: str
    is_return: bool = False
    cancelled: bool = False
    original: object = None
    # A return that names a sale not booked yet (an offline till flushing
    # its return first): its points are taken back once the sale is.
    awaits_original: bool = False
    channel: object = None
    lines: list[ChannelLine] = field(default_factory=list)

    @property
    def amount(self):
        """What the lines that earn points are worth, tax included."""
        return sum(line.amount_incl for line in self.lines)


def reference(record):
    """The name of a channel record in ledger transaction ids: stable across
    replays of its message, unique in the database."""
    if record._name == "pos.order" and record.uuid:
        return f"pos.order:{record.uuid}"
    return f"{record._name}:{record.id}"


def read(records):
    """The ``ChannelSale`` of each record that earns or takes back points."""
    readers = {
        "pos.order": _read_pos_order,
        "sale.order": _read_sale_order,
        "account.move": _read_credit_note,
    }
    reader = readers.get(records._name) if records else None
    if not reader:
        return []
    return [sale for sale in map(reader, records) if sale and sale.partner]


def returns_of(sale):
    """The records that return ``sale`` and were booked before it (a till
    flushing its return first): their points could not be taken back then."""
    record = sale.record
    if record._name != "pos.order":
        return record.browse()
    env = record.env
    returns = (
        env["pos.order.line"]
        .search([("refunded_orderline_id", "in", record.lines.ids)])
        .order_id
    )
    if "retail_transaction_ids" in record._fields and record.retail_transaction_ids:
        transaction = record.retail_transaction_ids[:1]
        returns |= (
            env[transaction._name]
            .search(
                [
                    ("backend_id", "=", transaction.backend_id.id),
                    ("original_uuid", "=", transaction.uuid),
                ]
            )
            .pos_order_id
        )
    return returns - record


def _read_pos_order(order):
    if order.state not in POS_DONE_STATES:
        return None
    transaction = (
        order.retail_transaction_ids[:1]
        if "retail_transaction_ids" in order._fields
        else None
    )
    is_return = order.amount_total < 0
    original = _pos_original(order, transaction) if is_return else None
    return ChannelSale(
        record=order,
        partner=order.partner_id.commercial_partner_id,
        reference=reference(order),
        is_return=is_return,
        original=original,
        awaits_original=bool(
            is_return and original is None and transaction and transaction.original_uuid
        ),
        channel=transaction.backend_id if transaction else None,
        lines=[
            ChannelLine(
                line.product_id,
                abs(line.qty),
                abs(line.price_subtotal_incl),
                abs(line.price_subtotal),
            )
            for line in order.lines
        ],
    )


def _pos_original(order, transaction):
    original = order.lines.refunded_orderline_id.order_id[:1]
    if not original and transaction and transaction.original_uuid:
        original = (
            order.env[transaction._name]
            .search(
                [
                    ("backend_id", "=", transaction.backend_id.id),
                    ("uuid", "=", transaction.original_uuid),
                ],
                limit=1,
            )
            .pos_order_id
        )
    return original or None


def _odoo_loyalty_counts(order):
    """Whether Odoo's ``sale_loyalty`` (installed on its own with ``sale``
    and ``loyalty``) already earns and cancels the order's points on the
    customer's card when the channel's order is confirmed or cancelled; the
    card's ledger then records its changes, and counting them here too would
    pay twice."""
    return "coupon_point_ids" in order._fields


def odoo_points(order, program):
    """The points Odoo's ``sale_loyalty`` gave ``order`` on the cards of
    ``program``, by card; empty when it counts nothing there."""
    if not _odoo_loyalty_counts(order) or order.state != "sale":
        return {}
    given = {}
    for line in order.coupon_point_ids:
        if line.coupon_id.program_id == program and line.points > 0:
            given[line.coupon_id] = given.get(line.coupon_id, 0.0) + line.points
    return given


def _read_sale_order(order):
    if order.state not in ("sale", "cancel") or _odoo_loyalty_counts(order):
        return None
    return ChannelSale(
        record=order,
        partner=order.partner_id.commercial_partner_id,
        reference=reference(order),
        cancelled=order.state == "cancel",
        channel=order.retail_backend_id
        if "retail_backend_id" in order._fields
        else None,
        lines=[
            ChannelLine(
                line.product_id,
                line.product_uom_qty,
                line.price_total,
                line.price_subtotal,
            )
            for line in order.order_line
            if _earns(line)
        ],
    )


def _earns(line):
    """Goods and services earn points; shipping does not."""
    is_delivery = "is_delivery" in line._fields and line.is_delivery
    return bool(line.product_id) and not line.display_type and not is_delivery


def _read_credit_note(move):
    if move.move_type != "out_refund" or move.state != "posted":
        return None
    lines = move.invoice_line_ids.filtered("product_id")
    original = None
    if "sale_line_ids" in lines._fields:
        original = lines.sale_line_ids.order_id[:1] or None
        lines = lines.filtered(
            lambda line: not line.sale_line_ids
            or any(_earns(sale_line) for sale_line in line.sale_line_ids)
        )
    return ChannelSale(
        record=move,
        partner=move.partner_id.commercial_partner_id,
        reference=reference(move),
        is_return=True,
        original=original,
        channel=original.retail_backend_id
        if original is not None and "retail_backend_id" in original._fields
        else None,
        lines=[
            ChannelLine(
                line.product_id, line.quantity, line.price_total, line.price_subtotal
            )
            for line in lines
        ],
    )
