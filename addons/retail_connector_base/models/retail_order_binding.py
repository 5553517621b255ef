# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class RetailOrderBinding(models.Model):
    """Binds a channel order to whichever Odoo document books it: a sale order
    for marketplaces, a POS order for stores."""

    _name = "retail.order.binding"
    _inherit = "retail.binding"
    _description = "Retail Order Binding"

    res_model = fields.Char("Order model", required=True, index=True)
    res_id = fields.Many2oneReference(
        "Order id", model_field="res_model", required=True, index=True
    )

    def _get_record(self):
        self.ensure_one()
        return self.env[self.res_model].browse(self.res_id).exists()

    @api.model
    def _prepare_record_vals(self, record):
        return {"res_model": record._name, "res_id": record.id}
