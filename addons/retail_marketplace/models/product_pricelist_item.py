# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class ProductPricelistItem(models.Model):
    _inherit = "product.pricelist.item"

    @api.model_create_multi
    def create(self, vals_list):
        items = super().create(vals_list)
        items.pricelist_id._retail_promotions_changed()
        return items

    def write(self, vals):
        pricelists = self.pricelist_id
        result = super().write(vals)
        (pricelists | self.pricelist_id)._retail_promotions_changed()
        return result

    def unlink(self):
        pricelists = self.pricelist_id
        result = super().unlink()
        pricelists._retail_promotions_changed()
        return result
