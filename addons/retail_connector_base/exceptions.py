# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The two ways an event handler can fail, and what the inbox does about it."""

from odoo.exceptions import UserError


class RetailBusinessError(UserError):
    """The message cannot be processed until a person fixes something (an
    unknown SKU, a missing tax mapping, totals that differ): fail at once and
    raise an activity. ``code`` groups the same kind of failure into one
    activity, e.g. ``unknown_sku``."""

    def __init__(self, message, code="business"):
        super().__init__(message)
        self.code = code


class RetailTransientError(Exception):
    """The platform or the database is momentarily unavailable (timeout, HTTP
    429/5xx, open circuit): try again later, after ``retry_after`` seconds when
    the platform said so."""

    def __init__(self, message, retry_after=None):
        super().__init__(message)
        self.retry_after = retry_after


class BackendChanged(Exception):
    """A webhook was checked against what a worker remembered of its backend,
    and the backend has changed since (``intake``): it is checked again."""
