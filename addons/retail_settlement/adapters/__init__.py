# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""API sources of the scheduled payout fetch: one module per provider, each
with ``SOURCE`` (the parser that reads its documents), ``LABEL``,
``API_URL`` (empty: each account has its own), ``API_VERSION``, ``API_PATH``
(what precedes every path, ``{version}`` the API version),
``headers(secret, version)``,
``list_payouts(request, since, limit)``, ``payout_created(payout)``,
``fetchable(payout)``, ``payout_document(request, payout, limit)``."""

from . import shopify_payments, stripe

ADAPTERS = {module.SOURCE: module for module in (stripe, shopify_payments)}
