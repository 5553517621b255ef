# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged

from odoo.addons.retail_settlement.tests.common import SettlementCommon

# Run beside the marketplace: in CI's database holding retail_settlement
# alone, the run's first tour did not become ready within the browser's 60 s
# three times (never reproduced by hand); until that is understood the
# settlement tours run in the full database only.


@tagged("post_install", "-at_install")
class TestSettlementScreensTour(SettlementCommon, HttpCase):
    """The settlement review the demo shows, opened by the administrator in
    the browser without any error (tour ``retail_settlement_screens``). The
    dashboards are retail_connector_base's own tour: run here as well, it
    doubled this test's browser time for no settlement screen."""

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

    def test_admin_opens_settlement_review(self):
        self.assertEqual(self.settlement.state, "to_review")
        self.start_tour("/odoo", "retail_settlement_screens", login="admin")
