# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.tools import float_compare, float_round

from .. import const

SALE_MIXIN = "retail.loyalty.sale.mixin"


class RetailLoyaltyAccrual(models.AbstractModel):
    """The program's rules applied to what channels book, as the bridge
    modules read it (``retail.loyalty.sale.mixin``): sales earn, returns and
    credit notes take back their share. Each is written to the ledger under
    a transaction id of its own, so that a replayed message earns or takes
    back nothing twice."""

    _name = "retail.loyalty.accrual"
    _description = "Retail Loyalty Accrual"

    @api.model
    def _read(self, records):
        """The ``ChannelSale`` of each of ``records`` that earns or takes
        back points; none when no bridge module reads their model."""
        if not records or not isinstance(records, self.pool[SALE_MIXIN]):
            return []
        sales = (record._retail_loyalty_sale() for record in records)
        return [sale for sale in sales if sale and sale.partner]

    @api.model
    def _on_channel_records(self, records):
        """Earn or take back the points of what a channel's inbox handler
        booked, for every loyalty backend of its company."""
        Backend = self.env["retail.backend"]
        for sale in self._read(records):
            company = sale.record.company_id
            for backend in Backend._loyalty_backends_for_company(company):
                self._apply_sale(backend, sale)

    @api.model
    def _apply_sale(self, backend, sale):
        """Apply one ``channel_sales.ChannelSale`` to ``backend``'s program."""
        if sale.is_return:
            self._reverse(backend, sale)
        else:
            self._accrue(backend, sale)
            for late in self._read(sale.late_returns):
                self._reverse(backend, late)

    @api.model
    def _points_for(self, backend, sale):
        """The points ``sale`` earns by the program's rules, as Odoo's own
        loyalty flows count them: per order, per currency unit spent or per
        unit bought, on the rule's products, above the rule's minimum
        quantity and amount."""
        points = 0.0
        for rule in backend.loyalty_program_id.rule_ids.filtered(
            lambda record: record.active and record.mode == "auto"
        ):
            domain = rule._get_valid_product_domain()
            lines = [
                line
                for line in sale.lines
                if not domain or line.product.filtered_domain(domain)
            ]
            quantity = sum(line.quantity for line in lines)
            amount_incl = sum(line.amount_incl for line in lines)
            minimum = (
                amount_incl
                if rule.minimum_amount_tax_mode == "incl"
                else sum(line.amount_excl for line in lines)
            )
            if not lines or quantity < rule.minimum_qty:
                continue
            if float_compare(minimum, rule.minimum_amount, precision_digits=2) < 0:
                continue
            if rule.reward_point_mode == "order":
                points += rule.reward_point_amount
            elif rule.reward_point_mode == "money":
                points += rule.reward_point_amount * amount_incl
            elif rule.reward_point_mode == "unit":
                points += rule.reward_point_amount * quantity
        return float_round(points, const.POINTS_DIGITS)

    @api.model
    def _post(self, backend, card, points, transaction_id, sale, **values):
        """A ledger entry for ``sale``: an accrual when ``points`` are
        positive, a reversal otherwise."""
        return self.env["retail.loyalty.ledger"]._post(
            backend,
            card,
            "accrual" if points > 0 else "reversal",
            points,
            transaction_id,
            "channel",
            source=sale.record,
            **values,
        )

    @api.model
    def _card(self, backend, sale):
        return self.env["loyalty.card"]._retail_card_for(
            backend.loyalty_program_id, sale.partner
        )

    @api.model
    def _source_values(self, sale):
        return {
            "source_backend_id": sale.channel.id if sale.channel else None,
            "amount": sale.amount,
        }

    @api.model
    def _accrue(self, backend, sale):
        points = self._points_for(backend, sale)
        if float_compare(points, 0, precision_digits=const.POINTS_DIGITS) <= 0:
            return
        self._post(
            backend,
            self._card(backend, sale),
            points,
            f"{sale.reference}:earn",
            sale,
            **self._source_values(sale),
        )

    @api.model
    def _reverse(self, backend, sale):
        """Take back the points of a return: its share of its sale's amount
        of what the sale earned. Shares are counted on the amount returned
        so far, so that returning a sale in several parts takes back exactly
        what it earned. A return booked before its sale takes back nothing
        now: the sale's accrual does it. A return that names no sale takes
        back what its goods would earn."""
        Ledger = self.env["retail.loyalty.ledger"]
        program = backend.loyalty_program_id
        transaction_id = f"{sale.reference}:reverse"
        if Ledger._entry(program, transaction_id) or sale.awaits_original:
            return
        values = self._source_values(sale)
        if sale.original is None:
            points = self._points_for(backend, sale)
            if points:
                card = self._card(backend, sale)
                self._post(backend, card, -points, transaction_id, sale, **values)
            return
        earned = Ledger._entry(
            program, f"{sale.original._retail_loyalty_reference()}:earn"
        )
        if not earned:
            self._reverse_odoo_points(backend, sale, transaction_id, values)
            return
        previous = Ledger.search([("reversed_entry_id", "=", earned.id)])
        returned = sum(previous.mapped("amount")) + sale.amount
        share = min(1.0, returned / earned.amount) if earned.amount else 1.0
        target = float_round(earned.points * share, const.POINTS_DIGITS)
        points = target + sum(previous.mapped("points"))
        self._post(
            backend,
            earned.card_id,
            -max(points, 0.0),
            transaction_id,
            sale,
            reversed_entry_id=earned.id,
            **values,
        )

    @api.model
    def _reverse_odoo_points(self, backend, sale, transaction_id, values):
        """A return of a sale whose points Odoo's own loyalty flows gave (a
        credit note of an order ``sale_loyalty`` credited at confirmation,
        which it takes back on cancellation only): take back the return's
        share of the sale's total from each card it credited."""
        order = sale.original
        given = order._retail_loyalty_odoo_points(backend.loyalty_program_id)
        if not given or not order.amount_total:
            return
        share = min(1.0, sale.amount / order.amount_total)
        for card, points in given.items():
            self._post(
                backend,
                card,
                -float_round(points * share, const.POINTS_DIGITS),
                transaction_id if len(given) == 1 else f"{transaction_id}:{card.id}",
                sale,
                reason=self.env._(
                    "Refund of %(order)s (points given by Odoo at confirmation)",
                    order=order.display_name,
                ),
                **values,
            )

    @api.model
    def _catch_up_returns(self, backend, since):
        """Take back the points of returns booked, since ``since``, by a job
        running at the same moment as the one booking their sale: neither
        saw the other. Each return is taken back once whatever finds it."""
        for model in self.pool[SALE_MIXIN]._inherit_children:
            returns = self.env[model]._retail_loyalty_returns_since(
                backend.company_id, since
            )
            for sale in self._read(returns):
                self._reverse(backend, sale)
