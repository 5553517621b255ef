# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class StockReturnPicking(models.TransientModel):
    _inherit = "stock.return.picking"

    retail_return_reason_id = fields.Many2one(
        "retail.return.reason",
        "Return reason",
        help="Why the customer sends the goods back; a channel that takes "
        "returns is told it, through the backend's Return reason mappings.",
    )

    def _prepare_picking_default_values(self):
        values = super()._prepare_picking_default_values()
        values["retail_return_reason_id"] = self.retail_return_reason_id.id
        return values
