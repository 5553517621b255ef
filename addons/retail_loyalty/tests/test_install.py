# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.addons.retail_connector_base.tests.common import (
    ChannelModuleInstallTests,
    RetailCommon,
)


class TestInstall(ChannelModuleInstallTests, RetailCommon):
    module = "retail_loyalty"
    menu_xmlid = "retail_loyalty.loyalty_menu"
    backend_menu_xmlid = "retail_loyalty.loyalty_backend_menu"
    backend_action_xmlid = "retail_loyalty.retail_backend_loyalty_action"
    kind = "loyalty"
    other_kind = "payment"
