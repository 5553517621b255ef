# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Disputes for the chargebacks settled before 18.0.1.3.0: every matched
chargeback or reversal line of an order gets its dispute, opened (won for a
reversal), as matching links them from now on, so that the orders already
charged back show it. Their lines carry no dispute id (the column is new),
so none is found a duplicate: what was booked stays as booked."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    lines = env["retail.settlement.line"].search(
        [
            ("line_type", "in", ("chargeback", "chargeback_reversal")),
            ("state", "=", "matched"),
            ("order_ref_id", "!=", False),
            ("dispute_id", "=", False),
        ]
    )
    Dispute = env["retail.dispute"]
    for settlement in lines.settlement_id:
        Dispute._link_settlement_lines(
            settlement,
            lines.filtered(lambda line, s=settlement: line.settlement_id == s),
        )
    _logger.info(
        "%s disputes opened for %s chargeback lines settled before",
        len(lines.dispute_id),
        len(lines),
    )
