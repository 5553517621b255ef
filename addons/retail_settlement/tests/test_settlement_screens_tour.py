# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged

from .common import SettlementCommon


@tagged("post_install", "-at_install")
class TestSettlementScreensTour(SettlementCommon, HttpCase):
    """The screens the demo shows, opened by the administrator in the
    browser without any error: every dashboard (retail_connector_base's tour
    ``retail_dashboards``) and the settlement review (tour
    ``retail_settlement_screens``)."""

    def setUp(self):
        super().setUp()
        self.settlement = self._import(
            self._csv(
                [
                    ("Sale", "ORD-1", "100.00", "-3.20"),
                    ("Sale", "ORD-2", "48.00", "-1.60"),
                    ("Payout", "", "-143.20", "0"),
                ],
                payout="PO-8",
            ),
            name="po-8.csv",
        )

    def test_admin_opens_dashboards_and_settlement_review(self):
        self.assertEqual(self.settlement.state, "to_review")
        self.start_tour("/odoo", "retail_dashboards", login="admin")
        self.start_tour("/odoo", "retail_settlement_screens", login="admin")
