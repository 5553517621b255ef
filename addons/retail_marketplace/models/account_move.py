# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import uuid
from decimal import Decimal

from odoo import Command, api, fields, models

from odoo.addons.retail_connector_base.exceptions import RetailBusinessError

from ..adapters.channel_model import ChannelRefundLine, RefundRequest
from .retail_backend import REFUND_FAILURE

REFUND_KEY = "refund:{}"


class AccountMove(models.Model):
    _inherit = "account.move"

    retail_refund_ref = fields.Char(
        "Channel refund id",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The channel's refund this credit note books: one the channel "
        "made, or the one Odoo's credit note made there.",
    )
    retail_refund_state = fields.Selection(
        [
            ("waiting", "Waiting for the channel"),
            ("done", "Refunded on the channel"),
            ("refused", "Not refunded on the channel"),
        ],
        "Channel refund",
        readonly=True,
        copy=False,
        help="A credit note posted in Odoo against a channel order is "
        "refunded on the channel when the backend's ownership of order "
        "status lets Odoo send it.",
    )
    retail_refund_key = fields.Char(
        "Refund idempotency key",
        readonly=True,
        copy=False,
        help="Sent with the refund: the channel refunds it once however often "
        "it is sent, and its refund's note carries it, so that the channel's "
        "message about that refund is recognised as this credit note's.",
    )

    # === REFUNDS MADE IN ODOO === #
    def _post(self, soft=True):
        # EXTENDS account: credit notes of channel orders go to the channel
        posted = super()._post(soft=soft)
        posted._retail_send_refunds()
        return posted

    def _retail_channel_sale(self):
        """The channel order this credit note refunds, if any.
        Note: self.ensure_one"""
        self.ensure_one()
        lines = (self.invoice_line_ids | self.reversed_entry_id.invoice_line_ids).sudo()
        return lines.sale_line_ids.order_id.filtered("retail_backend_id")[:1]

    def _retail_send_refunds(self):
        """Enqueue the refund on the channel of each credit note posted in
        Odoo against a channel order (those booking a channel's refund
        already name it), when the backend lets Odoo send it."""
        for move in self.filtered(
            lambda move: move.move_type == "out_refund"
            and not move.retail_refund_ref
            and not move.retail_refund_state
        ):
            sale = move._retail_channel_sale()
            # Whoever posts a credit note need not be a connector user.
            backend = sale.retail_backend_id.sudo()
            if not sale or not backend._retail_sends_order_changes():
                continue
            adapter = backend._adapter("marketplace")
            if not adapter.refunds_orders:
                move.message_post(body=adapter.changes_unsupported)
                continue
            move.write(
                {
                    "retail_refund_state": "waiting",
                    "retail_refund_key": str(uuid.uuid4()),
                }
            )
            backend._retail_delay_as_system(
                "_retail_push_refund", f"retail_push_refund_{move.id}", move.id
            )

    def _retail_amount(self, value):
        return Decimal(
            f"{self.currency_id.round(value):.{self.currency_id.decimal_places}f}"
        )

    def _retail_refund_request(self):
        """The channel's view of this credit note. Note: self.ensure_one"""
        self.ensure_one()
        sale = self._retail_channel_sale()
        request = RefundRequest(
            order_external_id=sale.retail_external_id,
            currency=self.currency_id.name,
            amount=self._retail_amount(self.amount_total),
            key=self.retail_refund_key,
            note=self.env._("Odoo credit note %(name)s", name=self.name),
        )
        for line in self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        ):
            sale_line = line.sale_line_ids[:1]
            tax = self._retail_amount(line.price_total - line.price_subtotal)
            if sale_line.retail_external_line_id:
                request.lines.append(
                    ChannelRefundLine(
                        external_line_id=sale_line.retail_external_line_id,
                        quantity=Decimal(str(line.quantity)),
                        subtotal=self._retail_amount(line.price_subtotal),
                        tax=tax,
                    )
                )
            elif sale_line.is_delivery:
                request.shipping_subtotal += self._retail_amount(line.price_subtotal)
                request.shipping_tax += tax
            if line.tax_ids:
                request.tax_included = all(line.tax_ids.mapped("price_include"))
        return request

    def _retail_refund_confirmed(self, backend, reference):
        """The channel refunded this credit note as its refund
        ``reference``. Note: self.ensure_one"""
        self.ensure_one()
        self.write({"retail_refund_ref": reference, "retail_refund_state": "done"})
        self.env["retail.order.binding"]._bind(
            backend, REFUND_KEY.format(reference), self
        )
        self.message_post(
            body=self.env._(
                "Refunded on %(backend)s (refund %(reference)s).",
                backend=backend.name,
                reference=reference,
            )
        )
        self.env["retail.exception.activity"]._resolve(self, REFUND_FAILURE)

    def _retail_refund_refused(self, reason):
        """Note: self.ensure_one"""
        self.ensure_one()
        self.retail_refund_state = "refused"
        self.message_post(
            body=self.env._("Not refunded on the channel: %(reason)s", reason=reason)
        )

    # === REFUNDS === #
    @api.model
    def _retail_import_refund_event(self, event):
        """Event handler: book a channel refund on its order, once."""
        backend = event.backend_id
        try:
            refund = backend._adapter("marketplace").parse_refund(
                json.loads(event.payload)
            )
        except ValueError as error:
            raise RetailBusinessError(str(error), code="malformed_refund") from error
        sale = self.env["sale.order"]._retail_order_for_refund(backend, refund)
        return self._retail_import_refunds(backend, sale, [refund])

    @api.model
    def _retail_import_refunds(self, backend, sale, refunds):
        """Book each refund not booked yet: a credit note for the refunded
        lines, shipping and any amount beyond them, and the restocked items
        back to stock. The refund binding makes a refund seen twice (its own
        message and the order's next version) count once. A refund whose
        payment is pending is booked by the first message that shows it
        succeeded; one that failed never is (the order's chatter says so).

        :return: the credit notes of ``refunds``
        """
        Binding = self.env["retail.order.binding"]
        credit_notes = self.browse()
        for refund in refunds:
            key = REFUND_KEY.format(refund.external_id)
            existing = Binding._to_internal(backend, key) or sale._retail_odoo_refund(
                backend, refund
            )
            if existing:
                credit_notes |= existing
                continue
            if refund.status != "success":
                sale._retail_note_unbooked_refund(refund)
                continue
            credit_note = self._retail_create_credit_note(backend, sale, refund)
            sale._retail_restock(refund)
            Binding._bind(backend, key, credit_note, refund.created_at)
            credit_notes |= credit_note
        return credit_notes

    @api.model
    def _retail_create_credit_note(self, backend, sale, refund):
        """A posted credit note of the channel's refund: its lines at the
        channel's refunded subtotals with the items' taxes, its shipping with
        the shipping's taxes, and whatever the money refunded differs from
        them by (a goodwill amount, a discrepancy) as the backend's refund
        amount policy says. Its total is the money refunded."""
        invoice_lines = []
        for refund_line in refund.lines:
            sale_line = sale._retail_refunded_line(refund, refund_line)
            invoice_lines.append(
                self._retail_refund_item_line(backend, sale_line, refund, refund_line)
            )
        if refund.shipping_amount:
            invoice_lines.extend(self._retail_shipping_credit_lines(sale, refund))
        invoice = sale.invoice_ids.filtered(
            lambda move: move.move_type == "out_invoice" and move.state == "posted"
        )[:1]
        credit_note = self.create(
            {
                "move_type": "out_refund",
                "partner_id": sale.partner_invoice_id.id,
                "company_id": sale.company_id.id,
                "currency_id": sale.currency_id.id,
                "invoice_origin": sale.name,
                "ref": self.env._(
                    "Channel refund %(refund)s", refund=refund.external_id
                ),
                "reversed_entry_id": invoice.id or False,
                "retail_refund_ref": refund.external_id,
                "invoice_line_ids": [Command.create(vals) for vals in invoice_lines],
            }
        )
        credit_note._retail_adjust_to(backend, sale, refund)
        credit_note.action_post()
        if backend.auto_payment:
            credit_note._retail_register_refund_payment(backend, refund)
        return credit_note

    @api.model
    def _retail_credit_line(self, sale_line, quantity, price_unit=None):
        return {
            "product_id": sale_line.product_id.id,
            "name": sale_line.name,
            "quantity": quantity,
            "price_unit": sale_line.price_unit if price_unit is None else price_unit,
            "discount": sale_line.discount if price_unit is None else 0,
            "tax_ids": [Command.set(sale_line.tax_id.ids)],
            "sale_line_ids": [Command.link(sale_line.id)],
        }

    @api.model
    def _retail_refund_item_line(self, backend, sale_line, refund, refund_line):
        """The credit line of refunded units: the channel's refunded subtotal
        with the item's taxes, else the order line's price. Odoo computes the
        tax; when the channel states it too, the two may differ by the
        backend's rounding tolerance at most (the credit note's total is
        brought to the money refunded anyway)."""
        quantity = float(refund_line.quantity)
        if refund_line.subtotal is None or not quantity:
            return self._retail_credit_line(sale_line, quantity)
        taxes = sale_line.tax_id
        total = self._retail_on_tax_basis(
            taxes, refund, refund_line.subtotal, refund_line.tax
        )
        values = self._retail_credit_line(sale_line, quantity, total / quantity)
        if refund_line.tax is not None:
            odoo_tax = self._retail_tax_of(taxes, total, sale_line.currency_id)
            difference = abs(odoo_tax - float(refund_line.tax))
            if (
                sale_line.currency_id.compare_amounts(
                    difference, backend.order_rounding_tolerance
                )
                > 0
            ):
                raise RetailBusinessError(
                    self.env._(
                        "Refund %(refund)s refunds %(tax)s tax on %(item)s, "
                        "but its taxes in Odoo come to %(odoo)s, more apart "
                        "than the rounding tolerance of %(backend)s. Check "
                        "the item's tax mapping.",
                        refund=refund.external_id,
                        tax=f"{refund_line.tax:.2f}",
                        item=sale_line.name,
                        odoo=f"{odoo_tax:.2f}",
                        backend=backend.name,
                    ),
                    code="refund_tax_mismatch",
                )
        return values

    @api.model
    def _retail_on_tax_basis(self, taxes, refund, amount, tax=None):
        """``amount`` of ``refund`` restated on the basis of ``taxes`` (tax
        included when they are price-included): the channel's tax added or
        taken off when it states it, else Odoo's."""
        amount = float(amount)
        included = all(taxes.mapped("price_include"))
        stated_included = (
            included if refund.tax_included is None else refund.tax_included
        )
        if not taxes or stated_included == included:
            return amount
        if stated_included:
            if tax is not None:
                return amount - float(tax)
            return amount / self._retail_gross_factor(taxes)
        if tax is not None:
            return amount + float(tax)
        return amount * self._retail_gross_factor(taxes)

    @api.model
    def _retail_gross_factor(self, taxes):
        """What an untaxed 1 is worth with ``taxes``: 1.1 for 10 %."""
        if not taxes:
            return 1.0
        result = taxes.compute_all(1000.0)
        return result["total_included"] / result["total_excluded"]

    @api.model
    def _retail_tax_of(self, taxes, price, currency):
        """Odoo's tax on a line of ``price`` (on the basis of ``taxes``)."""
        result = taxes.compute_all(price, currency=currency)
        return result["total_included"] - result["total_excluded"]

    @api.model
    def _retail_shipping_credit_lines(self, sale, refund):
        """The shipping refunded, as a line of the order's shipping product
        with its taxes; in full, the shipping line itself."""
        delivery = sale.order_line.filtered("is_delivery")[:1]
        if not delivery:
            return []
        total = self._retail_on_tax_basis(
            delivery.tax_id, refund, refund.shipping_amount, refund.shipping_tax
        )
        full = delivery.price_unit * (1 - delivery.discount / 100)
        if sale.currency_id.compare_amounts(total, full) == 0:
            return [self._retail_credit_line(delivery, 1)]
        return [self._retail_credit_line(delivery, 1, total)]

    def _retail_adjust_to(self, backend, sale, refund):
        """Make the credit note equal the money refunded: a goodwill refund of
        an amount only, or a channel refunding less (or more) than the items
        and shipping it names. By default the difference is split across the
        order's taxes in proportion to their untaxed bases, so the tax given
        back is the tax the order charged on it; the backend may book it
        untaxed on an account of its own instead.
        Note: self.ensure_one"""
        self.ensure_one()
        difference = float(refund.amount) - self.amount_total
        if not self.currency_id.compare_amounts(difference, 0):
            return
        name = self.env._(
            "Refund adjustment (channel refunded %(amount)s)",
            amount=f"{refund.amount:.2f}",
        )
        if refund.discrepancy:
            name = self.env._(
                "%(name)s, channel discrepancy %(discrepancy)s",
                name=name,
                discrepancy=f"{refund.discrepancy:+.2f}",
            )
        if backend.refund_amount_policy == "untaxed_account":
            lines = [self._retail_untaxed_adjustment(backend, name, difference)]
        else:
            lines = self._retail_split_by_tax(sale, name, difference)
        self.write({"invoice_line_ids": [Command.create(vals) for vals in lines]})
        # Each share rounds its tax on its own: the last cent goes on the
        # largest share, so the total is the money refunded.
        rest = float(refund.amount) - self.amount_total
        adjustments = self.invoice_line_ids.filtered(
            lambda line: not line.product_id and line.name == name
        )
        if self.currency_id.compare_amounts(rest, 0) and adjustments:
            largest = adjustments.sorted(lambda line: abs(line.price_subtotal))[-1]
            included = all(largest.tax_ids.mapped("price_include"))
            largest.price_unit += self.currency_id.round(
                rest if included else rest / self._retail_gross_factor(largest.tax_ids)
            )

    def _retail_untaxed_adjustment(self, backend, name, difference):
        if not backend.refund_adjustment_account_id:
            raise RetailBusinessError(
                self.env._(
                    "%(backend)s books refund amounts beyond the refunded "
                    "lines untaxed on an account: set the refund adjustment "
                    "account, then retry the message.",
                    backend=backend.name,
                ),
                code="no_refund_adjustment_account",
            )
        return {
            "name": name,
            "quantity": 1,
            "price_unit": difference,
            "tax_ids": [Command.clear()],
            "account_id": backend.refund_adjustment_account_id.id,
        }

    def _retail_split_by_tax(self, sale, name, difference):
        """Lines worth ``difference`` (tax included) in all, one per set of
        taxes of the order, each share's untaxed amount proportional to the
        untaxed base of those taxes on the order: a 4.75 discrepancy on an
        order taxed 10 % throughout is 4.32 plus 0.43 tax."""
        # Lines that are no sale: rounding, and tax the channel collected.
        not_sales = self.env.ref(
            "retail_marketplace.product_channel_rounding"
        ) | self.env.ref("retail_marketplace.product_channel_facilitator_tax")
        bases = {}
        # Gift cards sold are a liability, not a taxed sale: money given back
        # beyond the lines is not theirs to share.
        for line in sale.order_line.filtered(
            lambda line: not line.display_type
            and line.product_id not in not_sales
            and not line.retail_gift_card
        ):
            bases[line.tax_id] = bases.get(line.tax_id, 0.0) + line.price_subtotal
        bases = {taxes: base for taxes, base in bases.items() if base > 0}
        if not bases:
            return [
                {
                    "name": name,
                    "quantity": 1,
                    "price_unit": difference,
                    "tax_ids": [Command.clear()],
                }
            ]
        total_base = sum(bases.values())
        # Untaxed amount N of the whole difference: sum of each share
        # (N x base / total base) with its taxes is the difference.
        factors = {taxes: self._retail_gross_factor(taxes) for taxes in bases}
        untaxed = difference / sum(
            base / total_base * factors[taxes] for taxes, base in bases.items()
        )
        lines = []
        for taxes, base in bases.items():
            share = untaxed * base / total_base
            included = taxes and all(taxes.mapped("price_include"))
            price = self.currency_id.round(
                share * factors[taxes] if included else share
            )
            if not self.currency_id.is_zero(price):
                lines.append(
                    {
                        "name": name,
                        "quantity": 1,
                        "price_unit": price,
                        "tax_ids": [Command.set(taxes.ids)],
                    }
                )
        if not lines:
            # A cent or two: all of it on the largest base's taxes.
            taxes = max(bases, key=bases.get)
            included = taxes and all(taxes.mapped("price_include"))
            lines.append(
                {
                    "name": name,
                    "quantity": 1,
                    "price_unit": difference
                    if included
                    else self.currency_id.round(
                        difference / self._retail_gross_factor(taxes)
                    ),
                    "tax_ids": [Command.set(taxes.ids)],
                }
            )
        return lines

    # === PAYMENTS === #
    def _retail_register_payments(self, backend, order):
        """Register what the channel collected, per payment method (a gift
        card or store credit is a payment too, in its mapped journal; a gift
        card's on the gift card account, see
        ``retail.backend._retail_gift_card_method_line``).
        Note: self.ensure_one"""
        self.ensure_one()
        payments = order.payments or []
        if not payments:
            self._retail_pay(backend._retail_payment_journal(None), self.amount_total)
            return
        for payment in payments:
            journal = backend._retail_payment_journal(payment.method)
            self._retail_pay(
                journal,
                min(float(payment.amount), self.amount_residual),
                payment.reference,
                method_line=backend._retail_gift_card_method_line(journal)
                if payment.kind == "gift_card"
                else None,
            )

    def _retail_register_refund_payment(self, backend, refund):
        """Pay the money back from the journal of the gateway that refunded
        it (its payment method mapping), else the backend's journal."""
        self._retail_pay(
            backend._retail_payment_journal(refund.gateway or None),
            float(refund.amount),
        )

    def _retail_pay(self, journal, amount, reference="", method_line=None):
        if self.currency_id.compare_amounts(amount, 0) <= 0:
            return
        vals = {
            "journal_id": journal.id,
            "amount": amount,
            "communication": reference or self.name,
        }
        if method_line:
            vals["payment_method_line_id"] = method_line.id
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.ids
        ).create(vals)._create_payments()
