# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from odoo.addons.retail_loyalty.channel_sales import ChannelLine, ChannelSale

# A POS order earns once paid; later states keep what it earned.
DONE_STATES = ("paid", "done", "invoiced")


class PosOrder(models.Model):
    """Store sales and returns booked from the tills' transactions read for
    the loyalty flows: a sale earns on the card of the customer the till's
    loyalty id names, a return takes back its share of its sale's points."""

    _name = "pos.order"
    _inherit = ["pos.order", "retail.loyalty.sale.mixin"]

    def _retail_loyalty_sale(self):
        # EXTENDS retail_loyalty
        self.ensure_one()
        if self.state not in DONE_STATES:
            return None
        transaction = self.retail_transaction_ids[:1]
        is_return = self.amount_total < 0
        original = self._retail_loyalty_original(transaction) if is_return else None
        return ChannelSale(
            record=self,
            partner=self.partner_id.commercial_partner_id,
            reference=self._retail_loyalty_reference(),
            is_return=is_return,
            original=original,
            awaits_original=bool(
                is_return and original is None and transaction.original_uuid
            ),
            late_returns=None if is_return else self._retail_loyalty_late_returns(),
            channel=transaction.backend_id,
            lines=[
                ChannelLine(
                    line.product_id,
                    abs(line.qty),
                    abs(line.price_subtotal_incl),
                    abs(line.price_subtotal),
                )
                for line in self.lines
            ],
        )

    def _retail_loyalty_reference(self):
        # EXTENDS retail_loyalty: the till's uuid, the same whichever batch
        # booked the order.
        self.ensure_one()
        if self.uuid:
            return f"pos.order:{self.uuid}"
        return super()._retail_loyalty_reference()

    @api.model
    def _retail_loyalty_returns_since(self, company, since):
        # EXTENDS retail_loyalty
        return self.search(
            [
                ("company_id", "=", company.id),
                ("amount_total", "<", 0),
                ("partner_id", "!=", False),
                ("create_date", ">=", since),
            ]
        )

    def _retail_loyalty_original(self, transaction):
        """The sale a return gives back: by its refunded lines, or by the
        till's transaction it names."""
        original = self.lines.refunded_orderline_id.order_id[:1]
        if not original and transaction.original_uuid:
            original = (
                self.env["retail.pos.transaction"]
                .search(
                    [
                        ("backend_id", "=", transaction.backend_id.id),
                        ("uuid", "=", transaction.original_uuid),
                    ],
                    limit=1,
                )
                .pos_order_id
            )
        return original or None

    def _retail_loyalty_late_returns(self):
        """The orders that return this sale and were booked before it (a
        till flushing its return first)."""
        returns = (
            self.env["pos.order.line"]
            .search([("refunded_orderline_id", "in", self.lines.ids)])
            .order_id
        )
        transaction = self.retail_transaction_ids[:1]
        if transaction:
            returns |= (
                self.env["retail.pos.transaction"]
                .search(
                    [
                        ("backend_id", "=", transaction.backend_id.id),
                        ("original_uuid", "=", transaction.uuid),
                    ]
                )
                .pos_order_id
            )
        return returns - self
