# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

# What each kind of mapping points at; kinds whose model is not installed
# are simply not offered.
MAPPING_MODELS = {
    "tax": "account.tax",
    "payment_method": "account.journal",
    "carrier": "delivery.carrier",
    "location": "stock.location",
    "uom": "uom.uom",
    "pricelist": "product.pricelist",
    "return_reason": "retail.return.reason",
}


class RetailMapping(models.Model):
    """A channel's code for something (a tax code, a payment method, a store)
    and the Odoo record it means, per backend."""

    _name = "retail.mapping"
    _description = "Retail Code Mapping"
    _order = "backend_id, mapping_type, external_code"
    _rec_name = "external_code"

    backend_id = fields.Many2one(
        "retail.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    mapping_type = fields.Selection(
        [
            ("tax", "Tax"),
            ("payment_method", "Payment method"),
            ("carrier", "Carrier"),
            ("location", "Store / location"),
            ("uom", "Unit of measure"),
            ("pricelist", "Pricelist"),
            ("return_reason", "Return reason"),
        ],
        string="Type",
        required=True,
    )
    external_code = fields.Char(required=True, help="The code the channel sends.")
    odoo_ref = fields.Reference(
        selection="_selection_odoo_ref", string="Odoo record", required=True
    )

    _sql_constraints = [
        (
            "code_unique",
            "unique(backend_id, mapping_type, external_code)",
            "This channel code is already mapped on this backend.",
        ),
    ]

    @api.model
    def _selection_odoo_ref(self):
        return [
            (model, self.env[model]._description)
            for model in MAPPING_MODELS.values()
            if model in self.env
        ]
