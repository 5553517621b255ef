# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What every parser class shares: the settlement being filled, unique line
keys, and the final check of each line."""

from .common import (
    KeyRegistry,
    ParsedSettlement,
    Settlement,
    SettlementParseError,
    check_line,
)


class BaseParser:
    SOURCE = ""
    # Provider ids repeated in one file mean a broken file; pivot keys
    # (Amazon) and composite keys (Adyen) may legitimately repeat.
    DUPLICATE_KEYS = "error"
    # What a file that is not UTF-8 is read as, where the provider documents
    # another encoding; None: UTF-8 only.
    LEGACY_ENCODING = None

    @classmethod
    def legacy_encoding(cls, options):
        """The encoding to read a file that is not UTF-8 in, None for none."""
        return cls.LEGACY_ENCODING

    def __init__(self, stream, options=None):
        self.stream = stream
        self.options = dict(options or {})
        self.settlement = ParsedSettlement(
            source=self.SOURCE, external_id="", currency="", declared_total=None
        )
        self.state = Settlement(self.settlement)
        self.keys = KeyRegistry(self.DUPLICATE_KEYS)

    def lines(self):
        """The settlement's lines, one at a time, each checked."""
        for line_no, line in self._lines():
            line.line_key = self.keys.unique(line.line_key, line_no)
            yield check_line(line, line_no)

    def _lines(self):
        """``(line number, ParsedLine)`` pairs; each format's reading."""
        raise NotImplementedError

    def _close_payout(self, paid, payout_line_no, payout_line):
        """For API documents (a payout and its transactions): the payout line
        the transactions lack, or the check that the one they hold pays
        what the payout says.

        :param paid: ``(line, line number)`` of the payout transaction, or None
        :param payout_line: builds the payout line when there is none
        """
        declared = self.settlement.declared_total
        if paid is None:
            yield payout_line_no, payout_line()
        elif paid[0].amount_net != -declared:
            raise SettlementParseError(
                paid[1],
                f"the payout transaction pays {-paid[0].amount_net}, the payout "
                f"says {declared}",
            )
