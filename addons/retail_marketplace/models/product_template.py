# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplate(models.Model):
    _inherit = "product.template"

    retail_fast_mover = fields.Boolean(
        "Publish stock in real time",
        help="Publish this product's channel quantity within seconds of a "
        "stock change, instead of with the backend's scheduled batch.",
    )
    retail_safety_stock = fields.Integer(
        "Channel safety stock",
        help="Units of this product never offered on any channel, on top of "
        "the backend's buffer: for products a last sale in the store or a "
        "miscount would oversell.",
    )
    retail_gift_card = fields.Boolean(
        "Gift card",
        help="Selling this product sells a gift card: on channel orders its "
        "line is booked to the backend's gift card account (a liability: the "
        "money is owed to the card holder until the card is spent) with no "
        "tax, as gift cards are not taxed when sold in most jurisdictions "
        "(the sale of the goods later paid with the card is). Channels that "
        "flag gift card lines themselves (Shopify) need no flag here.",
    )
    retail_image_urls = fields.Text(
        "Channel image URLs",
        help="Images of the product published to channels that fetch images "
        "by address (Shopify), one https:// URL a line, in the order shown. "
        "Empty: the channel's images are left as they are.",
    )

    def _retail_image_urls(self):
        """The product's image URLs, in order. Note: self.ensure_one"""
        self.ensure_one()
        return [
            url.strip()
            for url in (self.retail_image_urls or "").splitlines()
            if url.strip()
        ]

    @api.constrains("retail_image_urls")
    def _check_retail_image_urls(self):
        for template in self:
            self._retail_check_image_urls(template._retail_image_urls())

    @api.model
    def _retail_check_image_urls(self, urls):
        """ValidationError unless each of ``urls`` is an https:// address."""
        for url in urls:
            try:
                parts = urlsplit(url)
                valid = parts.scheme == "https" and bool(parts.hostname)
            except ValueError:
                valid = False
            if not valid:
                raise ValidationError(
                    self.env._(
                        "Channel image URLs must be https:// addresses the "
                        "channel can fetch: %(url)s",
                        url=url,
                    )
                )

    def action_view_channel_availability(self):
        """What each channel location was last shown of this product's
        variants, and why."""
        self.ensure_one()
        return self.with_context(
            active_test=False
        ).product_variant_ids.action_view_channel_availability()

    def write(self, vals):
        result = super().write(vals)
        if "retail_safety_stock" in vals or "active" in vals:
            self.env["retail.stock.change"]._mark(
                self.with_context(active_test=False).product_variant_ids
            )
        return result

    def unlink(self):
        # Deleting a template deletes its variants in SQL, past their unlink.
        self.env["retail.product.binding"]._forget_products(
            self.with_context(active_test=False).product_variant_ids
        )
        return super().unlink()
