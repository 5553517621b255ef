# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models

# The failure kind of a till's missing numbers, for the exception activity.
GAP_KIND = "missing_transactions"
SHOWN_MISSING = 20  # sequence numbers listed in full before "and N more"


class RetailPosTerminal(models.Model):
    """A till of a store, and which of its transaction numbers are missing.

    Tills number their transactions without gaps (from 1 again in each
    business day or shift when the store's numbering restarts); a hole, or a
    number a batch's manifest names after the last one received, means a
    transaction that has not arrived (yet). The terminal carries an
    exception activity naming the missing numbers while there are any, and
    closes it itself when they arrive.
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
        self.env["retail.pos.manifest"].flush_model()
        for terminal in self:
            missing = terminal._missing_numbers()
            shortfalls = terminal._manifest_shortfalls()
            self.env.cr.execute(
                """
                SELECT count(*), coalesce(max(sequence) FILTER (
                           WHERE numbering_period IS NOT DISTINCT FROM (
                                 SELECT numbering_period
                                   FROM retail_pos_transaction
                                  WHERE terminal_id = %(terminal)s
                                  ORDER BY business_day DESC, id DESC
                                  LIMIT 1)), 0)
                  FROM retail_pos_transaction
                 WHERE terminal_id = %(terminal)s
                """,
                {"terminal": terminal.id},
            )
            count, last = self.env.cr.fetchone()
            terminal.write(
                {
                    "received_count": count,
                    "last_sequence": last,
                    "missing_count": sum(end - start + 1 for _p, start, end in missing),
                    "missing_sequences": _ranges(missing),
                }
            )
            terminal._sync_gap_activity(missing, shortfalls)

    def _missing_numbers(self):
        """``[(numbering period, first, last)]`` of the numbers not received:
        the holes below the highest number received in each period (from 1,
        each period starting again at 1), and the numbers a manifest names
        after it."""
        self.ensure_one()
        # Each received number against the one before: the work grows with
        # the numbers received, never with the largest one (a till may send
        # any number up to MAX_SEQUENCE).
        self.env.cr.execute(
            """
            WITH received AS (
                SELECT numbering_period AS period, sequence,
                       lag(sequence) OVER (PARTITION BY numbering_period
                                           ORDER BY sequence) AS previous
                  FROM retail_pos_transaction
                 WHERE terminal_id = %(terminal)s AND sequence > 0
            ), announced AS (
                SELECT numbering_period AS period,
                       max(last_sequence) AS last
                  FROM retail_pos_manifest
                 WHERE terminal_id = %(terminal)s AND done IS NOT TRUE
                 GROUP BY numbering_period
            ), highest AS (
                SELECT period, max(sequence) AS last
                  FROM received GROUP BY period
            )
            SELECT period, coalesce(previous + 1, 1), sequence - 1
              FROM received
             WHERE sequence > coalesce(previous + 1, 1)
             UNION ALL
            SELECT announced.period, coalesce(highest.last, 0) + 1, announced.last
              FROM announced
              LEFT JOIN highest
                ON highest.period IS NOT DISTINCT FROM announced.period
             WHERE announced.last > coalesce(highest.last, 0)
             ORDER BY 1 NULLS FIRST, 2
            """,
            {"terminal": self.id},
        )
        return self.env.cr.fetchall()

    def _manifest_shortfalls(self):
        """``[(batch, period, first, last, count, arrived)]`` of the
        manifests of which fewer than ``count`` transactions have arrived.
        The ones whose transactions have all arrived, up to their last
        number, are marked done and never looked at again."""
        self.ensure_one()
        self.env.cr.execute(
            """
            SELECT manifest.id, manifest.batch_ref, manifest.numbering_period,
                   manifest.first_sequence, manifest.last_sequence,
                   manifest.count, count(txn.id),
                   manifest.last_sequence <= coalesce((
                       SELECT max(sequence) FROM retail_pos_transaction
                        WHERE terminal_id = manifest.terminal_id
                          AND numbering_period
                              IS NOT DISTINCT FROM manifest.numbering_period
                   ), 0)
              FROM retail_pos_manifest manifest
              LEFT JOIN retail_pos_transaction txn
                ON txn.terminal_id = manifest.terminal_id
               AND txn.numbering_period IS NOT DISTINCT FROM
                   manifest.numbering_period
               AND txn.sequence BETWEEN manifest.first_sequence
                                    AND manifest.last_sequence
             WHERE manifest.terminal_id = %s AND manifest.done IS NOT TRUE
             GROUP BY manifest.id
             ORDER BY manifest.numbering_period NULLS FIRST,
                      manifest.first_sequence, manifest.id
            """,
            (self.id,),
        )
        rows = self.env.cr.fetchall()
        self.env["retail.pos.manifest"].browse(
            row[0] for row in rows if row[6] >= row[5] and row[7]
        ).write({"done": True})
        return [row[1:7] for row in rows if row[6] < row[5]]

    def _sync_gap_activity(self, missing, shortfalls=()):
        Activities = self.env["retail.exception.activity"]
        if not missing and not shortfalls:
            Activities._resolve(
                self,
                GAP_KIND,
                feedback=self.env._("The missing transactions arrived."),
            )
            return
        lines = []
        if missing:
            lines.append(
                self.env._(
                    "Till %(terminal)s has not sent transaction numbers %(numbers)s.",
                    terminal=self.display_name,
                    numbers=self.missing_sequences,
                )
            )
        for batch, period, first, last, count, arrived in shortfalls:
            lines.append(
                self.env._(
                    "Batch %(batch)s announced %(count)s transactions numbered "
                    "%(first)s-%(last)s%(period)s; %(arrived)s arrived.",
                    batch=batch or "?",
                    count=count,
                    first=first,
                    last=last,
                    period=f" ({period})" if period else "",
                    arrived=arrived,
                )
            )
        Activities._raise(
            self.backend_id,
            self,
            GAP_KIND,
            self.env._(
                "%(terminal)s: transactions missing", terminal=self.display_name
            ),
            Markup("<br/>").join(lines),
        )


def _ranges(missing):
    """'3, 7-9, 12' for [(None, 3, 3), (None, 7, 9), (None, 12, 12)], each
    numbering period named before its numbers ('2026-11-02: 3; 2026-11-03:
    1-2'), shortened past SHOWN_MISSING."""
    groups = []
    for period, start, end in missing[:SHOWN_MISSING]:
        text = str(start) if start == end else f"{start}-{end}"
        if groups and groups[-1][0] == period:
            groups[-1][1].append(text)
        else:
            groups.append((period, [text]))
    shown = "; ".join(
        (f"{period}: " if period else "") + ", ".join(texts) for period, texts in groups
    )
    if len(missing) > SHOWN_MISSING:
        return shown + f" and {len(missing) - SHOWN_MISSING} more"
    return shown
