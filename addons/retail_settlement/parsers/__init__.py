# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Settlement report parsers: one module per format, each with ``SOURCE``,
``LABEL``, ``MEDIA``, ``sniff(head)`` and ``Parser(stream, options)``
(``Parser.lines()`` yields ``common.ParsedLine``; ``Parser.settlement`` is the
``common.ParsedSettlement``, complete once the lines are read)."""

from . import adyen_sdr, amazon_v2, generic_csv, paypal_stl, shopify_payments, stripe

# The order is the sniffing order of the upload wizard: generic CSV never
# claims a file, so it comes last.
PARSERS = {
    module.SOURCE: module
    for module in (
        amazon_v2,
        shopify_payments,
        stripe,
        adyen_sdr,
        paypal_stl,
        generic_csv,
    )
}
LABELS = {source: module.LABEL for source, module in PARSERS.items()}
