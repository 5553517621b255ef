# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class ProductPricelist(models.Model):
    _inherit = "product.pricelist"

    def _get_applicable_rules_domain(self, products, date, **kwargs):
        # The regular price a channel shows struck through during a
        # promotion: the pricelist without its dated rules.
        domain = super()._get_applicable_rules_domain(products, date, **kwargs)
        if self.env.context.get("retail_regular_price"):
            domain += [("date_start", "=", False), ("date_end", "=", False)]
        return domain

    def _retail_promotions_changed(self):
        """A rule of these pricelists changed: the marketplace backends
        selling at them publish their promotions again (a job per backend,
        after this transaction)."""
        if not self:
            return
        backends = (
            self.env["retail.backend"]
            .sudo()
            .search([("kind", "=", "marketplace"), ("pricelist_id", "in", self.ids)])
        )
        backends._retail_enqueue_promotions()
