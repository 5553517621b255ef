# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.addons.retail_connector_base.tests.common import (
    ChannelModuleInstallTests,
    RetailCommon,
)


class TestInstall(ChannelModuleInstallTests, RetailCommon):
    module = "retail_settlement"
    menu_xmlid = "retail_settlement.settlement_menu"
    backend_menu_xmlid = "retail_settlement.settlement_backend_menu"
    backend_action_xmlid = "retail_settlement.retail_backend_payment_action"
    kind = "payment"
    other_kind = "loyalty"
