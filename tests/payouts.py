# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a payout document fetched from a simulated provider parses into."""

import io


def read_payout(parser_module, raw):
    """``(settlement header, lines)`` of ``raw`` read by ``parser_module``'s
    parser, after checking that the lines' net (the payout line aside) adds
    up to the declared total."""
    reader = parser_module.Parser(io.StringIO(raw.decode()), {})
    lines = list(reader.lines())
    header = reader.settlement
    assert sum(line.amount_net for line in lines if line.line_type != "payout") == (
        header.declared_total
    )
    return header, lines
