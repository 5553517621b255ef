# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a channel booked, read as a sale or a return that earns or takes
back points, whichever module booked it.

The loyalty module depends on no channel module: each bridge module
(``retail_loyalty_pos``, ``retail_loyalty_marketplace``) gives the records
its channel books the ``retail.loyalty.sale.mixin`` and reads them into a
``ChannelSale``; the accrual service reads nothing else.
"""

from dataclasses import dataclass, field


@dataclass
class ChannelLine:
    product: object
    quantity: float
    amount_incl: float
    amount_excl: float


@dataclass
class ChannelSale:
    """A sale (or a return) worth loyalty points.

    ``reference`` names the record in ledger transaction ids; ``original``
    is the sale a return gives back, when known (a record of the
    ``retail.loyalty.sale.mixin``).
    """

    record: object
    partner: object
    reference: str
    is_return: bool = False
    original: object = None
    # A return that names a sale not booked yet (an offline till flushing
    # its return first): its points are taken back once the sale is.
    awaits_original: bool = False
    # The returns of a sale that were booked before it, for the same reason:
    # their points could not be taken back then.
    late_returns: object = None
    channel: object = None
    lines: list[ChannelLine] = field(default_factory=list)

    @property
    def amount(self):
        """What the lines that earn points are worth, tax included."""
        return sum(line.amount_incl for line in self.lines)
