# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import hashlib

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..parsers import LABELS, PARSERS

SNIFF_BYTES = 4096


class RetailSettlementImport(models.TransientModel):
    """Upload a settlement or payout file. Small files are imported and
    matched at once; large ones in a background job whose progress shows on
    the settlement."""

    _name = "retail.settlement.import"
    _description = "Import Settlement File"

    backend_id = fields.Many2one("retail.backend", required=True)
    file = fields.Binary(required=True)
    file_name = fields.Char()
    source = fields.Selection(
        selection=[(code, label) for code, label in LABELS.items()],
        compute="_compute_source",
        store=True,
        readonly=False,
        help="Recognised from the file when possible.",
    )

    @api.depends("file")
    def _compute_source(self):
        for wizard in self:
            if not wizard.file:
                continue
            head = base64.b64decode(wizard.file)[:SNIFF_BYTES].decode(
                "utf-8-sig", errors="replace"
            )
            wizard.source = next(
                (code for code, parser in PARSERS.items() if parser.sniff(head)),
                wizard.source,
            )

    def action_import(self):
        self.ensure_one()
        if not self.source:
            raise UserError(self.env._("Choose the file's format."))
        raw = base64.b64decode(self.file)
        digest = hashlib.sha256(raw).hexdigest()
        Settlement = self.env["retail.settlement"]
        earlier = Settlement.search(
            [
                ("backend_id", "=", self.backend_id.id),
                ("file_sha256", "=", digest),
                ("state", "!=", "error"),
            ],
            limit=1,
        )
        if earlier.state == "importing":
            raise UserError(
                self.env._(
                    "This file is being imported since %(date)s as %(name)s. "
                    "If that import was interrupted, open it and press Import "
                    "again.",
                    date=earlier.create_date,
                    name=earlier.display_name,
                )
            )
        if earlier:
            raise UserError(
                self.env._(
                    "This file was already imported on %(date)s by %(user)s as "
                    "%(name)s.",
                    date=earlier.create_date.date(),
                    user=earlier.create_uid.name,
                    name=earlier.display_name,
                )
            )
        settlement = Settlement._create_with_file(
            self.backend_id,
            self.source,
            raw,
            self.file_name,
            Settlement._parser_options(self.backend_id, self.source),
        )
        if settlement._imports_in_background():
            settlement._enqueue_import()
        elif settlement._import_file():
            settlement.action_match()
        else:
            raise UserError(settlement.import_error)
        return {
            "type": "ir.actions.act_window",
            "res_model": settlement._name,
            "res_id": settlement.id,
            "view_mode": "form",
        }
