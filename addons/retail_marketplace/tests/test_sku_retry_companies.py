# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from .common import MarketplaceCommon


class TestSkuRetryCompanies(MarketplaceCommon):
    def test_a_new_sku_retries_the_editors_companies_only(self):
        """Test that giving a product a SKU that orders of two companies
        failed on retries those of the editor's company, not the other's."""
        other = self.env["res.company"].create({"name": "Other retailer"})
        foreign_backend = self._prepare_backend(company_id=other.id)
        events = self.env["retail.event"]
        for backend in (self.backend, foreign_backend):
            event = self._receive_event(backend, key=f"sku-{backend.id}")
            event._fail("business", "unknown_sku", "Unknown SKU 'SKU-NEW'")
            events |= event
        editor = self._create_retail_user("product_editor", "base.group_user")
        editor.groups_id += self.env.ref("product.group_product_manager")
        self.env["product.product"].with_user(editor).create(
            {"name": "New bag", "default_code": "SKU-NEW"}
        )
        self.assertEqual(events.mapped("state"), ["pending", "failed"])
