# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import Command, api, models

from odoo.addons.retail_connector_base.exceptions import RetailBusinessError

REFUND_KEY = "refund:{}"


class AccountMove(models.Model):
    _inherit = "account.move"

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
        lines and shipping, and the restocked items back to stock. The refund
        binding makes a refund seen twice (its own message and the order's
        next version) count once.

        :return: the credit notes of ``refunds``
        """
        Binding = self.env["retail.order.binding"]
        credit_notes = self.browse()
        for refund in refunds:
            key = REFUND_KEY.format(refund.external_id)
            existing = Binding._to_internal(backend, key)
            if existing:
                credit_notes |= existing
                continue
            credit_note = self._retail_create_credit_note(backend, sale, refund)
            sale._retail_restock(refund)
            Binding._bind(backend, key, credit_note, refund.created_at)
            credit_notes |= credit_note
        return credit_notes

    @api.model
    def _retail_create_credit_note(self, backend, sale, refund):
        lines_by_ref = {
            line.retail_external_line_id: line
            for line in sale.order_line
            if line.retail_external_line_id
        }
        invoice_lines = []
        for refund_line in refund.lines:
            sale_line = lines_by_ref.get(refund_line.external_line_id)
            if not sale_line:
                raise RetailBusinessError(
                    self.env._(
                        "Refund %(refund)s names line %(line)s, which order "
                        "%(order)s does not have.",
                        refund=refund.external_id,
                        line=refund_line.external_line_id,
                        order=sale.name,
                    ),
                    code="unknown_refund_line",
                )
            invoice_lines.append(
                self._retail_credit_line(sale_line, float(refund_line.quantity))
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
                "invoice_line_ids": [Command.create(vals) for vals in invoice_lines],
            }
        )
        credit_note._retail_adjust_to(refund)
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
            "discount": sale_line.discount,
            "tax_ids": [Command.set(sale_line.tax_id.ids)],
            "sale_line_ids": [Command.link(sale_line.id)],
        }

    @api.model
    def _retail_shipping_credit_lines(self, sale, refund):
        """Shipping refunded in full takes back the shipping line; in part, a
        share of it at the same taxes."""
        delivery = sale.order_line.filtered("is_delivery")[:1]
        if not delivery:
            return []
        share = float(refund.shipping_amount) / delivery.price_total
        if (
            sale.currency_id.compare_amounts(
                delivery.price_total, float(refund.shipping_amount)
            )
            == 0
        ):
            return [self._retail_credit_line(delivery, 1)]
        return [
            self._retail_credit_line(
                delivery, 1, sale.currency_id.round(delivery.price_unit * share)
            )
        ]

    def _retail_adjust_to(self, refund):
        """Make the credit note equal the money refunded: a channel may refund
        less (or more) than the items' value; the difference is booked on its
        own untaxed line rather than bent into the item lines.
        Note: self.ensure_one"""
        self.ensure_one()
        difference = float(refund.amount) - self.amount_total
        if not self.currency_id.compare_amounts(difference, 0):
            return
        self.write(
            {
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": self.env._(
                                "Refund adjustment (channel refunded %(amount)s)",
                                amount=f"{refund.amount:.2f}",
                            ),
                            "quantity": 1,
                            "price_unit": difference,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ]
            }
        )

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
        self._retail_pay(backend._retail_payment_journal(None), float(refund.amount))

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
