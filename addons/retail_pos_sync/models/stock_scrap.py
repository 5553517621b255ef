# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class StockScrap(models.Model):
    _inherit = "stock.scrap"

    retail_pos_order_id = fields.Many2one(
        "pos.order",
        "Store return",
        index="btree_not_null",
        readonly=True,
        help="The store return whose damaged goods this scrap disposes of.",
    )
