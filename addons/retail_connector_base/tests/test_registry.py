# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from .. import registry
from ..exceptions import RetailBusinessError
from .common import RetailCommon


class TestRegistry(RetailCommon):
    """Where each platform's code is found."""

    def _forget(self, platform, capability):
        self.addCleanup(registry._ADAPTERS.pop, (platform, capability), None)

    def test_a_capability_is_claimed_once(self):
        """Test that a second class registered for the same platform and
        capability is refused, while registering the same class again (a
        module reloaded) is not."""
        self._forget("test_platform", "test_capability")

        @registry.register("test_platform", "test_capability")
        class First(registry.Adapter):
            pass

        self.assertIs(
            registry.adapter_class(self.env, "test_platform", "test_capability"),
            First,
        )
        with self.assertRaises(ValueError):

            @registry.register("test_platform", "test_capability")
            class Second(registry.Adapter):
                pass

        registry.register("test_platform", "test_capability")(First)
        self.assertIs(
            registry.adapter_class(self.env, "test_platform", "test_capability"),
            First,
        )

    def test_no_adapter_is_a_business_error(self):
        """Test that asking a backend for a capability its platform lacks
        raises the no_adapter business error, and _has_adapter says no."""
        self.assertFalse(self.backend._has_adapter("test_capability"))
        with self.assertRaises(RetailBusinessError) as caught:
            self.backend._adapter("test_capability")
        self.assertEqual(caught.exception.code, "no_adapter")

    def test_adapters_of_modules_not_installed_are_not_served(self):
        """Test that an adapter whose Odoo module is not installed in this
        database is neither served nor listed."""
        self._forget("simulator", "test_capability")
        adapter = type(
            "NotInstalledAdapter",
            (registry.Adapter,),
            {"__module__": "odoo.addons.retail_not_installed.adapters.x"},
        )
        registry.register("simulator", "test_capability")(adapter)
        self.assertIsNone(
            registry.adapter_class(self.env, "simulator", "test_capability")
        )
        self.assertNotIn("simulator", registry.platforms(self.env, "test_capability"))
        self.assertFalse(self.backend._has_adapter("test_capability"))

    def test_adapters_of_installed_modules_are_served(self):
        """Test that the base module's own adapters are found by the backend,
        bound to it."""
        self.assertIn("simulator", registry.platforms(self.env, "webhook"))
        adapter = self.backend._adapter("webhook")
        self.assertEqual(adapter.backend, self.backend)
        self.assertEqual(adapter.platform, "simulator")
