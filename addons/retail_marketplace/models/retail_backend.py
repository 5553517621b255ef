# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64

from odoo import fields, models

from ..adapters import shopify, woocommerce


class RetailBackend(models.Model):
    _inherit = "retail.backend"

    platform = fields.Selection(
        selection_add=[("shopify", "Shopify"), ("woocommerce", "WooCommerce")],
        ondelete={"shopify": "set default", "woocommerce": "set default"},
    )

    def _webhook_is_ping(self, headers, body):
        # EXTENDS retail_connector_base
        if self.platform == "woocommerce":
            return woocommerce.is_ping(headers, body)
        return super()._webhook_is_ping(headers, body)

    def _webhook_verify(self, headers, body):
        # EXTENDS retail_connector_base
        if self.platform == "shopify":
            return shopify.verify_signature(self._get_webhook_secrets(), headers, body)
        if self.platform == "woocommerce":
            return woocommerce.verify_signature(
                self._get_webhook_secrets(), headers, body
            )
        return super()._webhook_verify(headers, body)

    def _webhook_parse(self, headers, body):
        # EXTENDS retail_connector_base
        if self.platform == "shopify":
            return shopify.parse_event(headers, body)
        if self.platform == "woocommerce":
            return woocommerce.parse_event(headers, body)
        return super()._webhook_parse(headers, body)

    def _get_request_headers(self):
        # EXTENDS retail_connector_base: Shopify authenticates with its own header.
        if self.platform == "shopify":
            token = self._get_secret("access_token")
            return {"X-Shopify-Access-Token": token} if token else {}
        if self.platform == "woocommerce":
            # REST API keys over HTTPS: consumer key and secret as basic auth.
            key, secret = self._get_secret("api_key"), self._get_secret("api_secret")
            if key and secret:
                credentials = base64.b64encode(f"{key}:{secret}".encode()).decode()
                return {"Authorization": f"Basic {credentials}"}
            return {}
        return super()._get_request_headers()
