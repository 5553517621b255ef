# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from odoo.addons.retail_connector_base.exceptions import RetailBusinessError


class RetailPosStore(models.Model):
    """A store of a POS backend: the code its tills send, and the Odoo point
    of sale (and so warehouse, journals and payment methods) that books it."""

    _name = "retail.pos.store"
    _description = "Retail POS Store"
    # Square's day counts raise their activities on the store.
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "backend_id, code"

    backend_id = fields.Many2one(
        "retail.backend",
        required=True,
        ondelete="cascade",
        domain="[('kind', '=', 'pos')]",
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    code = fields.Char(required=True, help="The store code the POS sends.")
    name = fields.Char(required=True)
    pos_config_id = fields.Many2one(
        "pos.config",
        "Point of sale",
        required=True,
        check_company=True,
        help="Books the store's transactions: one session per business day.",
    )
    terminal_ids = fields.One2many("retail.pos.terminal", "store_id")
    numbering_reset = fields.Selection(
        [
            ("never", "Never"),
            ("business_day", "Every business day"),
            ("shift", "Every shift"),
        ],
        "Till numbering restarts",
        default="never",
        required=True,
        help="When the store's tills start their transaction numbers again "
        "at 1. Numbers are unique, and holes looked for, within each business "
        "day or shift (transactions then carry the till's shift id).",
    )

    _sql_constraints = [
        (
            "code_unique",
            "unique(backend_id, code)",
            "A store code is used once per backend.",
        ),
    ]

    def _numbering_period(self, business_day, shift, sequence=1):
        """The period within which the store's till numbers are unique: the
        business day or the shift (False when they never restart, or for a
        platform that numbers nothing).

        :raise RetailBusinessError: a shift store's transaction without shift
        """
        self.ensure_one()
        if not sequence or self.numbering_reset == "never":
            return False
        if self.numbering_reset == "business_day":
            return business_day.isoformat()
        if not shift:
            raise RetailBusinessError(
                self.env._(
                    "Store %(store)s restarts its till numbers every shift: its "
                    "transactions must name their 'shift'.",
                    store=self.code,
                ),
                code="invalid_transaction",
            )
        return shift

    @api.model
    def _find(self, backend, code):
        store = self.search(
            [("backend_id", "=", backend.id), ("code", "=", code)], limit=1
        )
        if not store:
            raise RetailBusinessError(
                self.env._(
                    "Store '%(code)s' is not set up on %(backend)s: add it under "
                    "Stores, with the point of sale that books it.",
                    code=code,
                    backend=backend.name,
                ),
                code="unknown_store",
            )
        return store
