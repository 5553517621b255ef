# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    retail_external_line_id = fields.Char(
        "Channel line id",
        readonly=True,
        copy=False,
        help="The channel's id of this line, used by its refunds and shipments.",
    )
