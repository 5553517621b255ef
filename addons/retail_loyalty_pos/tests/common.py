# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.addons.retail_loyalty.tests.common import LoyaltyCommon
from odoo.addons.retail_pos_sync.tests.common import PosCommon


class PosLoyaltyCommon(LoyaltyCommon, PosCommon):
    """The loyalty program and a POS backend whose tills name the customer
    ``CARD-ANN``, booked through ``retail_pos_sync``'s inbox."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["retail.partner.binding"].create(
            {
                "backend_id": cls.pos_backend.id,
                "odoo_id": cls.ann.id,
                "external_id": "CARD-ANN",
            }
        )
