# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.addons.retail_connector_base.tests.common import (
    ChannelModuleInstallTests,
    RetailCommon,
)


class TestInstall(ChannelModuleInstallTests, RetailCommon):
    module = "retail_pos_sync"
    menu_xmlid = "retail_pos_sync.pos_sync_menu"
    backend_menu_xmlid = "retail_pos_sync.pos_sync_backend_menu"
    backend_action_xmlid = "retail_pos_sync.retail_backend_pos_action"
    kind = "pos"
    other_kind = "marketplace"
