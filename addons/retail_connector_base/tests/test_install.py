# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError

from .common import RetailCommon


class TestInstall(RetailCommon):
    def test_module_and_queue_job_are_installed(self):
        """Test that the module is installed together with OCA queue_job."""
        modules = self.env["ir.module.module"].search(
            [("name", "in", ["retail_connector_base", "queue_job"])]
        )
        self.assertEqual(set(modules.mapped("state")), {"installed"})
        self.assertEqual(len(modules), 2)

    def test_manager_group_implies_user_group(self):
        """Test that a connector manager is also a connector user."""
        user_group = self.env.ref("retail_connector_base.retail_connector_group_user")
        self.assertIn(self.retail_manager, user_group.users)
        self.assertTrue(
            self.env.ref("base.user_admin").has_group(
                "retail_connector_base.retail_connector_group_manager"
            )
        )

    def test_retail_menu_follows_groups(self):
        """Test that the Retail menu shows for connector users only."""
        for user in (self.retail_user, self.retail_manager):
            self.assertMenuVisibleTo("retail_connector_base.retail_root_menu", user)
            self.assertMenuVisibleTo("retail_connector_base.retail_backend_menu", user)
        self.assertMenuHiddenFrom(
            "retail_connector_base.retail_root_menu", self.internal_user
        )
        self.assertMenuVisibleTo(
            "retail_connector_base.retail_queue_job_menu", self.retail_manager
        )
        self.assertMenuHiddenFrom(
            "retail_connector_base.retail_queue_job_menu", self.retail_user
        )

    def test_only_managers_configure_backends(self):
        """Test that users read backends, managers create them, outsiders see none."""
        backend = (
            self.env["retail.backend"]
            .with_user(self.retail_manager)
            .create({"name": "Test store", "kind": "marketplace"})
        )
        self.assertEqual(backend.with_user(self.retail_user).name, "Test store")
        with self.assertRaises(AccessError):
            self.env["retail.backend"].with_user(self.retail_user).create(
                {"name": "Not allowed", "kind": "pos"}
            )
        with self.assertRaises(AccessError):
            backend.with_user(self.internal_user).read(["name"])

    def test_backends_of_other_companies_are_hidden(self):
        """Test that a user sees only the backends of the companies they work in."""
        other_company = self.env["res.company"].create({"name": "Other Retailer"})
        foreign = self.env["retail.backend"].create(
            {"name": "Foreign POS", "kind": "pos", "company_id": other_company.id}
        )
        own = self.env["retail.backend"].create({"name": "Own POS", "kind": "pos"})
        visible = (
            self.env["retail.backend"]
            .with_user(self.retail_manager)
            .search([("id", "in", (foreign | own).ids)])
        )
        self.assertEqual(visible, own)

    def test_events_and_bindings_of_other_companies_are_hidden(self):
        """Test that inbox events and bindings follow the backend's company."""
        other_company = self.env["res.company"].create({"name": "Other Retailer 2"})
        foreign = self._prepare_backend(kind="pos", company_id=other_company.id)
        foreign_event = self._receive_event(backend=foreign, key="foreign")
        own_event = self._receive_event(key="own")
        partner = self.env["res.partner"].create({"name": "Shared customer"})
        Binding = self.env["retail.partner.binding"]
        foreign_binding = Binding._bind(foreign, "f-1", partner)
        own_binding = Binding._bind(self.backend, "o-1", partner)
        user = self.retail_user
        events = (
            self.env["retail.event"]
            .with_user(user)
            .search([("id", "in", (foreign_event | own_event).ids)])
        )
        self.assertEqual(events, own_event)
        bindings = Binding.with_user(user).search(
            [("id", "in", (foreign_binding | own_binding).ids)]
        )
        self.assertEqual(bindings, own_binding)
