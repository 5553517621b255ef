# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

# The failure kind of a till's missing numbers, for the exception activity.
GAP_KIND = "missing_transactions"
SHOWN_MISSING = 20  # sequence numbers listed in full before "and N more"


class RetailPosTerminal(models.Model):
    """A till of a store, and which of its transaction numbers are missing.

    Tills number their transactions without gaps; a hole means a transaction
    that has not arrived (yet). The terminal carries an exception activity
    naming the missing numbers while there are any, and closes it itself
    when they arrive.
    """

    _name = "retail.pos.terminal"
    _description = "Retail POS Terminal"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "store_id, code"

    store_id = fields.Many2one("retail.pos.store", required=True, ondelete="cascade")
    backend_id = fields.Many2one(related="store_id.backend_id", store=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    code = fields.Char(required=True)
    last_sequence = fields.Integer(readonly=True)
    received_count = fields.Integer(readonly=True)
    missing_count = fields.Integer(readonly=True)
    missing_sequences = fields.Char(readonly=True)

    _sql_constraints = [
        (
            "code_unique",
            "unique(store_id, code)",
            "A terminal code is used once per store.",
        ),
    ]

    def _compute_display_name(self):
        for terminal in self:
            terminal.display_name = f"{terminal.store_id.name} / {terminal.code}"

    @api.model
    def _find_or_create(self, store, code):
        terminal = self.search(
            [("store_id", "=", store.id), ("code", "=", code)], limit=1
        )
        return terminal or self.create({"store_id": store.id, "code": code})

    def _update_gaps(self):
        """Recount the terminal's numbers and raise or close its exception."""
        self.env["retail.pos.transaction"].flush_model()
        for terminal in self:
            # Each received number against the one before: the work grows with
            # the numbers received, never with the largest one (a till may
            # send any number up to MAX_SEQUENCE).
            self.env.cr.execute(
                """
                SELECT coalesce(previous + 1, 1), sequence - 1
                  FROM (SELECT sequence,
                               lag(sequence) OVER (ORDER BY sequence) AS previous
                          FROM retail_pos_transaction
                         WHERE terminal_id = %s AND sequence > 0) AS numbered
                 WHERE sequence > coalesce(previous + 1, 1)
                 ORDER BY sequence
                """,
                (terminal.id,),
            )
            missing = self.env.cr.fetchall()
            self.env.cr.execute(
                "SELECT count(*), coalesce(max(sequence), 0) "
                "FROM retail_pos_transaction WHERE terminal_id = %s",
                (terminal.id,),
            )
            count, last = self.env.cr.fetchone()
            terminal.write(
                {
                    "received_count": count,
                    "last_sequence": last,
                    "missing_count": sum(end - start + 1 for start, end in missing),
                    "missing_sequences": _ranges(missing),
                }
            )
            terminal._sync_gap_activity(missing)

    def _sync_gap_activity(self, missing):
        Activities = self.env["retail.exception.activity"]
        if not missing:
            Activities._resolve(
                self,
                GAP_KIND,
                feedback=self.env._("The missing transactions arrived."),
            )
            return
        Activities._raise(
            self.backend_id,
            self,
            GAP_KIND,
            self.env._(
                "%(terminal)s: transactions missing", terminal=self.display_name
            ),
            self.env._(
                "Till %(terminal)s has not sent transaction numbers %(numbers)s.",
                terminal=self.display_name,
                numbers=self.missing_sequences,
            ),
        )


def _ranges(ranges):
    """'3, 7-9, 12' for [(3, 3), (7, 9), (12, 12)], shortened past
    SHOWN_MISSING."""
    parts = [str(start) if start == end else f"{start}-{end}" for start, end in ranges]
    if len(parts) > SHOWN_MISSING:
        return (
            ", ".join(parts[:SHOWN_MISSING]) + f" and {len(parts) - SHOWN_MISSING} more"
        )
    return ", ".join(parts)
