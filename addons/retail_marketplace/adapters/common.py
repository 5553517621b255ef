# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the platform adapters share: the ``MarketplaceAdapter`` base, and
small helpers (money strings to ``Decimal``, unit prices that keep every
cent, request chunks)."""

from decimal import ROUND_CEILING, Decimal

from odoo.addons.retail_connector_base.registry import Adapter

from .channel_model import ZERO

# What reading a payload of the wrong shape raises: a missing key or item, a
# string where a number is due, a list or object where the protocol has the
# other (``"line_items": "none"``: AttributeError). All of them mean the
# payload is malformed, a business failure of the event, never a bug to retry.
MALFORMED = (KeyError, IndexError, TypeError, AttributeError, ArithmeticError)


def money(value):
    """``Decimal`` of a platform amount (a decimal string, or a JSON number,
    which ``str`` turns back into the digits the platform sent); 0 when
    absent. ValueError for NaN and infinities, which JSON parsers and
    ``Decimal`` accept but no amount is."""
    if value is None or value == "":
        return ZERO
    amount = Decimal(str(value))
    if not amount.is_finite():
        raise ValueError(f"amount '{value}' is not a finite number")
    return amount


def quantity(value):
    """``Decimal`` of a platform quantity; ValueError for NaN, infinities and
    negative quantities (the kind of document, order or refund, gives the
    direction)."""
    count = Decimal(str(value))
    if not count.is_finite() or count < 0:
        raise ValueError(f"quantity '{value}' is negative or not a finite number")
    return count


def unit_price(gross, qty, quantum):
    """``(unit price, extra discount)`` for a line worth ``gross`` for ``qty``
    units. A unit price that is not a whole number of ``quantum`` (the
    currency's smallest unit) is rounded up, and the excess goes into the
    line's discount, so unit price x quantity - discount is ``gross`` to the
    cent."""
    unit = gross / qty
    rounded = unit.quantize(quantum, rounding=ROUND_CEILING)
    return rounded, rounded * qty - gross


def chunks(items, size):
    """``items`` in consecutive lists of at most ``size``."""
    return [items[start : start + size] for start in range(0, len(items), size)]


def unique(values):
    """``values`` without repeats, in their first order."""
    return list(dict.fromkeys(values))


class MarketplaceAdapter(Adapter):
    """A platform's ``marketplace`` capability: the methods listed in
    ``adapters/__init__``, and the platform's facts as class attributes, so
    that the models never test the platform."""

    # The API version spoken when the backend pins none.
    default_api_version = None
    # Whether webhooks may be lost for good: the backends then always poll
    # orders too.
    poll_always = False
    # The name of the channel's own fulfilment when it ships orders from its
    # own stock ("FBA"): its backends get a warehouse for that stock.
    channel_fulfilment = None
    # Whether the channel lists a product's variants under one product, sent
    # together (``push_listing``) rather than one by one (``push_product``).
    lists_variants = False
    # Whether the adapter publishes prices and promotions (``push_prices``).
    publishes_promotions = False
    # Whether Odoo sends the channel its products (``push_product`` or
    # ``push_listing``); where it does not (Amazon), the prices flow sends
    # prices alone through ``push_prices``.
    exports_catalog = True
    # Whether the channel's API takes the cancellations (``cancel_order``)
    # and refunds (``push_refund``) made in Odoo; ``changes_unsupported``
    # says what to do instead on a channel that takes neither.
    cancels_orders = False
    refunds_orders = False
    # Whether the channel records returns received in Odoo (``push_return``);
    # elsewhere a return stays Odoo's, and nothing is sent.
    reports_returns = False
    changes_unsupported = (
        "The channel's API does not take cancellations or refunds made "
        "elsewhere: make them on the channel, whose own messages then bring "
        "them to Odoo."
    )

    @property
    def api_version(self):
        """The backend's pinned API version, else the adapter's."""
        return self.backend.api_version or self.default_api_version

    @property
    def reads_notifications(self):
        """Whether the backend reads the channel's notifications from a
        queue (``receive_notifications``)."""
        return False

    def receive_notifications(self, limit):
        """``(notifications, acknowledge)``: messages waiting on the
        channel's notification queue, and the function taking them off it
        once they are stored; none by default."""
        return [], lambda: None

    def poll_refunds(self, since, limit):
        """``(payloads, checkpoint)``: refunds posted at or after ``since``
        for platforms whose refunds no order payload carries (Amazon's
        financial events); the others have none to poll."""
        return [], since

    def complete_order(self, payload):
        """The order payload with what the platform serves apart from the
        order (Amazon: its items), for the import; most platforms send it
        all at once."""
        return payload

    def fetch_all_stock(self, items, location_ref):
        """``{stock_ref: quantity}`` of every item, for a full reconciliation:
        what ``fetch_stock`` reads, unless the platform exports it in bulk."""
        return self.fetch_stock(items, location_ref)

    def fetch_all_stock_at(self, items, location_refs):
        """``{location_ref: {stock_ref: quantity}}``: ``fetch_all_stock`` at
        each location, unless the platform reads them all at once."""
        return {ref: self.fetch_all_stock(items, ref) for ref in location_refs}

    def fetch_locations(self):
        """The channel's stock locations (``ChannelLocation``) a backend may
        publish to; none on a channel without locations."""
        return []
