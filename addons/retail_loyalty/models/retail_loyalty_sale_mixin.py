# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class RetailLoyaltySaleMixin(models.AbstractModel):
    """What a record a channel books (a POS order, a credit note) tells the
    loyalty flows, as Odoo's ``pos_loyalty`` and ``sale_loyalty`` teach
    ``loyalty`` about orders: a bridge module between this module and the
    channel's adds the mixin to the channel's model and implements it."""

    _name = "retail.loyalty.sale.mixin"
    _description = "Retail Loyalty Sale Source"

    def _retail_loyalty_sale(self):
        """The record read as a ``channel_sales.ChannelSale``, or None when
        it earns and takes back nothing (not paid yet, or counted by Odoo's
        own loyalty flows).

        Note: self.ensure_one
        """
        self.ensure_one()
        return None

    def _retail_loyalty_reference(self):
        """The record's name in ledger transaction ids: stable across
        replays of its message, unique in the database.

        Note: self.ensure_one
        """
        self.ensure_one()
        return f"{self._name}:{self.id}"

    def _retail_loyalty_odoo_points(self, program):
        """The points Odoo's own loyalty flows gave the record on the cards
        of ``program``, by card.

        Note: self.ensure_one
        """
        self.ensure_one()
        return {}

    @api.model
    def _retail_loyalty_returns_since(self, company, since):
        """Returns of ``company`` booked since ``since``, for the
        reconciliation to take back any a concurrent job missed."""
        return self.browse()
