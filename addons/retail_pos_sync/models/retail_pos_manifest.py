# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, fields, models

from odoo.addons.retail_connector_base.exceptions import RetailBusinessError

_logger = logging.getLogger(__name__)


class RetailPosManifest(models.Model):
    """What a batch's manifest says a till sent: ``count`` transactions
    numbered ``first_sequence`` to ``last_sequence`` (in one numbering
    period). The till's gap check names the numbers up to the highest
    ``last_sequence`` that have not arrived, and each manifest whose
    transactions have not all arrived."""

    _name = "retail.pos.manifest"
    _description = "Retail POS Batch Manifest"
    _order = "terminal_id, numbering_period, first_sequence"

    terminal_id = fields.Many2one(
        "retail.pos.terminal", required=True, index=True, ondelete="cascade"
    )
    store_id = fields.Many2one(related="terminal_id.store_id", store=True)
    company_id = fields.Many2one(related="terminal_id.company_id", store=True)
    batch_ref = fields.Char("Batch")
    numbering_period = fields.Char(
        help="The business day or shift, for stores whose numbering restarts."
    )
    count = fields.Integer(required=True)
    first_sequence = fields.Integer(required=True)
    last_sequence = fields.Integer(required=True)
    done = fields.Boolean(
        readonly=True,
        help="All its transactions have arrived, up to its last number: the "
        "till's checks leave it out from then on, so that they do not grow "
        "with every batch ever received.",
    )

    @api.model
    def _prepare(self, backend, entries):
        """``[(terminal, numbering period, entry)]`` of parsed manifest
        entries. Entries of a store not set up are left out (its
        transactions fail with that reason).

        :raise ValueError: an entry lacks the day or shift its store's
            numbering restarts with
        """
        prepared = []
        for entry in entries:
            store = self.env["retail.pos.store"].search(
                [("backend_id", "=", backend.id), ("code", "=", entry.store)],
                limit=1,
            )
            if not store:
                _logger.warning(
                    "Manifest of unknown store %s on %s left out",
                    entry.store,
                    backend.name,
                )
                continue
            if store.numbering_reset == "business_day" and not entry.business_day:
                raise ValueError(
                    f"store {entry.store} restarts its numbering every business "
                    "day: its manifest entries need 'business_day'"
                )
            try:
                period = store._numbering_period(entry.business_day, entry.shift)
            except RetailBusinessError as error:
                raise ValueError(str(error)) from error
            terminal = self.env["retail.pos.terminal"]._find_or_create(
                store, entry.terminal
            )
            prepared.append((terminal, period, entry))
        return prepared

    @api.model
    def _store(self, batch_ref, prepared, booking):
        """Keep the prepared entries of batch ``batch_ref`` (a replayed batch
        updates its own) and check now the tills of those for which the batch
        brings nothing new to book: the bookings check the others."""
        Terminal = self.env["retail.pos.terminal"]
        check = Terminal.browse()
        for terminal, period, entry in prepared:
            values = {
                "count": entry.count,
                "first_sequence": entry.first_sequence,
                "last_sequence": entry.last_sequence,
            }
            existing = self.search(
                [
                    ("terminal_id", "=", terminal.id),
                    ("numbering_period", "=", period),
                    ("batch_ref", "=", batch_ref and str(batch_ref)),
                ],
                limit=1,
            )
            if existing:
                existing.write({**values, "done": False})
            else:
                self.create(
                    {
                        **values,
                        "terminal_id": terminal.id,
                        "numbering_period": period,
                        "batch_ref": batch_ref and str(batch_ref),
                    }
                )
            if (terminal.store_id.code, terminal.code) not in booking:
                check |= terminal
        check._update_gaps()
