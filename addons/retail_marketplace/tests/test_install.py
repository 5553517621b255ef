# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.addons.retail_connector_base.tests.common import (
    ChannelModuleInstallTests,
    RetailCommon,
)


class TestInstall(ChannelModuleInstallTests, RetailCommon):
    module = "retail_marketplace"
    menu_xmlid = "retail_marketplace.marketplace_menu"
    backend_menu_xmlid = "retail_marketplace.marketplace_backend_menu"
    backend_action_xmlid = "retail_marketplace.retail_backend_marketplace_action"
    kind = "marketplace"
    other_kind = "pos"
