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


def simulated(adapter_class, request):
    """A payouts adapter of ``adapter_class`` whose GETs go through
    ``request(path, params, links)`` (plain HTTP to the simulator) instead
    of a backend's connector client: the adapter's own paging, filters and
    documents, with no database."""

    class Simulated(adapter_class):
        def __init__(self):
            # No backend: ``get`` is all that would use one.
            pass

        def get(self, path, params, links=False):
            return request(path, params, links)

    return Simulated()
