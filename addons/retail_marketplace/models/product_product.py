# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class ProductProduct(models.Model):
    _inherit = "product.product"

    retail_binding_ids = fields.One2many(
        "retail.product.binding", "odoo_id", string="Channel listings"
    )
    retail_image_url = fields.Char(
        "Channel variant image URL",
        help="The image of this variant on channels that fetch images by "
        "address and show one per variant (Shopify), an https:// URL. It is "
        "sent with the product's images. Empty: the variant shows none of "
        "its own.",
    )

    @api.constrains("retail_image_url")
    def _check_retail_image_url(self):
        for product in self.filtered("retail_image_url"):
            self.env["product.template"]._retail_check_image_urls(
                [product.retail_image_url.strip()]
            )

    @api.model
    def _retail_find_for_line(self, backend, line):
        """The product of a channel order line: by binding, then by SKU
        (internal reference), then by barcode; an empty recordset if none."""
        if line.external_product_id:
            product = self.env["retail.product.binding"]._to_internal(
                backend, line.external_product_id
            )
            if product:
                return product
        company_domain = [("company_id", "in", [False, backend.company_id.id])]
        for field_name, value in (
            ("default_code", line.sku),
            ("barcode", line.barcode),
        ):
            if value:
                product = self.search(
                    [(field_name, "=", value)] + company_domain, limit=1
                )
                if product:
                    return product
        return self.browse()

    @api.model_create_multi
    def create(self, vals_list):
        products = super().create(vals_list)
        products._retail_retry_unknown_sku_events()
        return products

    def unlink(self):
        self.env["retail.product.binding"]._forget_products(self)
        return super().unlink()

    def write(self, vals):
        result = super().write(vals)
        if "default_code" in vals or "barcode" in vals:
            self._retail_retry_unknown_sku_events()
        return result

    def action_view_channel_availability(self):
        """What each channel location was last shown of these variants, and
        why. The variant form inherits the template's button, which Odoo
        checks against this model when the module is updated."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_marketplace.retail_channel_stock_action"
        )
        action["domain"] = [("product_id", "in", self.ids)]
        return action

    def _retail_retry_unknown_sku_events(self):
        """Orders that stopped on an unknown SKU go again once a product
        carries that SKU, without anyone pressing Retry. In sudo, as the
        editor need not be a connector user, but in the editor's companies
        only: editing a product never touches another company's inbox."""
        codes = {code for code in self.mapped("default_code") + self.mapped("barcode")}
        codes.discard(False)
        if not codes:
            return
        companies = self.env.user.company_ids | self.env.companies
        events = (
            self.env["retail.event"]
            .sudo()
            .search(
                [
                    ("state", "=", "failed"),
                    ("kind", "=", "marketplace"),
                    ("failure_code", "=", "unknown_sku"),
                    ("company_id", "in", companies.ids),
                ]
            )
        )
        for event in events:
            if any(f"'{code}'" in (event.last_error or "") for code in codes):
                event._retry()
