# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from dataclasses import replace

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_round

from odoo.addons.retail_connector_base.exceptions import (
    RetailBusinessError,
    RetailTransientError,
)

from ..adapters.channel_model import ZERO, CancelRequest
from .retail_backend import CANCEL_FAILURE, EDIT_FAILURE


class SaleOrder(models.Model):
    _inherit = "sale.order"

    retail_backend_id = fields.Many2one(
        "retail.backend", "Channel", readonly=True, index="btree_not_null", copy=False
    )
    retail_external_id = fields.Char("Channel order id", readonly=True, copy=False)
    retail_channel_total = fields.Monetary(
        "Channel total",
        readonly=True,
        copy=False,
        help="The total the channel charged the customer.",
    )
    retail_channel_fee = fields.Monetary(
        "Channel fees",
        readonly=True,
        copy=False,
        help="What the channel charges the retailer for this order; the "
        "settlement of its payout is matched against it.",
    )
    retail_payment_state = fields.Char("Channel payment status", readonly=True)
    retail_fulfilled_by_channel = fields.Boolean(
        "Fulfilled by the channel",
        readonly=True,
        copy=False,
        help="The channel ships this order from the stock it holds (Amazon "
        "FBA): it is delivered from the backend's channel warehouse, its "
        "delivery done at import and reported to nobody.",
    )
    retail_updated_at = fields.Datetime("Changed on the channel", readonly=True)
    retail_cancel_state = fields.Selection(
        [("requested", "Asked of the channel")],
        "Channel cancellation",
        readonly=True,
        copy=False,
        help="Set while a cancellation made in Odoo waits for the channel: "
        "the order is cancelled here once the channel confirms, and stays as "
        "it was if the channel refuses.",
    )

    # === CHANGES MADE IN ODOO === #
    def action_cancel(self):
        # EXTENDS sale: a channel order is cancelled on the channel first
        # (when the backend's ownership of order status lets Odoo send it).
        channel = self.filtered(
            lambda order: order.retail_backend_id and order.state != "cancel"
        )
        channel._retail_request_cancel()
        rest = self - channel
        if rest:
            return super(SaleOrder, rest).action_cancel()
        return True

    def _retail_request_cancel(self):
        """Ask each order's channel to cancel it, in a job; the order is
        cancelled once the channel confirms (``_retail_cancel_confirmed``).
        Refused at once where the channel may not be asked: the backend's
        ownership gives order status to the channel, its platform takes no
        cancellation, or the order has shipped."""
        self.check_access("write")
        for order in self:
            # Whoever cancels an order need not be a connector user.
            backend = order.retail_backend_id.sudo()
            if order.locked:
                raise UserError(
                    self.env._(
                        "You cannot cancel a locked order. Please unlock it first."
                    )
                )
            if not backend._retail_sends_order_changes():
                raise UserError(
                    self.env._(
                        "%(backend)s owns the status of its orders: cancel "
                        "%(order)s on the channel; its cancellation then reaches "
                        "Odoo.",
                        backend=backend.name,
                        order=order.name,
                    )
                )
            adapter = backend._adapter("marketplace")
            if not adapter.cancels_orders:
                raise UserError(adapter.changes_unsupported)
            shipped = order._retail_shipped()
            if shipped:
                raise UserError(
                    self.env._(
                        "%(order)s has shipped (%(pickings)s): it can no longer "
                        "be cancelled. Receive a return and post a credit note "
                        "instead; the refund reaches the channel.",
                        order=order.name,
                        pickings=", ".join(shipped.mapped("name")),
                    )
                )
            if order.retail_cancel_state:
                continue
            order.retail_cancel_state = "requested"
            order.message_post(
                body=self.env._(
                    "Cancellation asked of %(backend)s: the order is cancelled "
                    "here once the channel confirms.",
                    backend=backend.name,
                )
            )
            backend._retail_delay_as_system(
                "_retail_cancel_order", f"retail_cancel_order_{order.id}", order.id
            )

    def _retail_shipped(self):
        """The order's validated deliveries to the customer."""
        return self.picking_ids.filtered(
            lambda picking: picking.state == "done"
            and picking.picking_type_code == "outgoing"
        )

    def _retail_cancel_request(self):
        """Note: self.ensure_one"""
        self.ensure_one()
        return CancelRequest(
            order_external_id=self.retail_external_id,
            note=self.env._("Cancelled in Odoo (%(order)s)", order=self.name),
        )

    def _retail_cancel_confirmed(self, answer):
        """The channel cancelled the order: cancel it here, with its answer.
        Note: self.ensure_one"""
        self.ensure_one()
        self._action_cancel()
        self.retail_cancel_state = False
        self.message_post(body=answer)
        self.env["retail.exception.activity"]._resolve(self, CANCEL_FAILURE)

    def _retail_cancel_refused(self, reason):
        """The channel did not cancel: the order stays as it was.
        Note: self.ensure_one"""
        self.ensure_one()
        self.retail_cancel_state = False
        self.message_post(
            body=self.env._(
                "The channel did not cancel the order, which stays as it was: "
                "%(reason)s",
                reason=reason,
            )
        )

    # === IMPORT === #
    @api.model
    def _retail_import_order_event(self, event):
        """Event handler: create or update the sale order of a channel order.

        Webhooks and polls meet here. The order binding makes it idempotent:
        an order is created once, and a version older than the one the
        binding reflects changes nothing.
        """
        backend = event.backend_id
        adapter = backend._adapter("marketplace")
        payload = adapter.complete_order(json.loads(event.payload))
        try:
            order = adapter.parse_order(payload)
        except ValueError as error:
            raise RetailBusinessError(str(error), code="malformed_order") from error
        Binding = self.env["retail.order.binding"]
        binding = Binding._find(backend, order.external_id)
        if binding and Binding._is_outdated(
            backend, order.external_id, order.updated_at
        ):
            return binding._get_record()
        if binding:
            sale = binding._get_record()
            sale._retail_apply_update(order)
        else:
            sale = self._retail_create_from_channel(backend, order)
        Binding._bind(backend, order.external_id, sale, order.updated_at)
        refunds = adapter.fetch_refunds(payload)
        self.env["account.move"]._retail_import_refunds(backend, sale, refunds)
        return sale

    @api.model
    def _retail_create_from_channel(self, backend, order):
        partner = self.env["res.partner"]._retail_find_or_create_customer(
            backend, order
        )
        sale = self.create(self._retail_prepare_order_vals(backend, order, partner))
        sale._retail_check_total(order)
        sale._retail_apply_edits(order)
        if order.state == "cancelled":
            sale._retail_cancel(order)
            return sale
        sale._retail_run_workflow(order)
        return sale

    @api.model
    def _retail_prepare_order_vals(self, backend, order, partner):
        currency = self.env["res.currency"].search(
            [("name", "=", order.currency)], limit=1
        )
        if not currency:
            raise RetailBusinessError(
                self.env._("Unknown currency %(code)s.", code=order.currency),
                code="unknown_currency",
            )
        delivery = partner._retail_address_contact(order.shipping_address, "delivery")
        # Odoo's rules (a B2B buyer's VAT number, the delivery country) choose
        # the fiscal position, which maps the channel's taxes on every line.
        fiscal_position = (
            self.env["account.fiscal.position"]
            .with_company(backend.company_id)
            ._get_fiscal_position(partner, delivery)
        )
        vals = {
            "partner_id": partner.id,
            "partner_invoice_id": partner._retail_address_contact(
                order.billing_address, "invoice"
            ).id,
            "partner_shipping_id": delivery.id,
            "fiscal_position_id": fiscal_position.id,
            "company_id": backend.company_id.id,
            "client_order_ref": order.number,
            "origin": f"{backend.name}: {order.number}",
            "note": order.note or False,
            "retail_backend_id": backend.id,
            "retail_external_id": order.external_id,
            "retail_channel_total": float(order.total),
            "retail_channel_fee": float(sum(fee.amount for fee in order.fees)),
            "retail_payment_state": order.payment_state,
            "retail_updated_at": order.updated_at,
            "retail_fulfilled_by_channel": order.fulfilled_by_channel,
            "order_line": [
                Command.create(values)
                for values in self._retail_prepare_lines(
                    backend, order, currency, fiscal_position
                )
            ],
        }
        if order.ordered_at:
            vals["date_order"] = order.ordered_at
        pricelist = self._retail_get_pricelist(backend, currency)
        if pricelist:
            vals["pricelist_id"] = pricelist.id
        warehouse = backend._retail_order_warehouse(order)
        if warehouse:
            vals["warehouse_id"] = warehouse.id
        if backend.team_id:
            vals["team_id"] = backend.team_id.id
        if backend.user_id:
            vals["user_id"] = backend.user_id.id
        return vals

    @api.model
    def _retail_get_pricelist(self, backend, currency):
        if backend.pricelist_id.currency_id == currency:
            return backend.pricelist_id
        if currency == backend.company_id.currency_id and not backend.pricelist_id:
            return None
        pricelist = self.env["product.pricelist"].search(
            [
                ("currency_id", "=", currency.id),
                ("company_id", "in", [False, backend.company_id.id]),
            ],
            limit=1,
        )
        if not pricelist:
            raise RetailBusinessError(
                self.env._(
                    "No pricelist in %(currency)s for orders of %(backend)s: "
                    "create one.",
                    currency=currency.name,
                    backend=backend.name,
                ),
                code="no_pricelist",
            )
        return pricelist

    @api.model
    def _retail_taxes(self, backend, order, codes, fiscal_position):
        """The Odoo taxes the channel's tax codes map to, through the order's
        fiscal position (intra-EU B2B: the reverse-charge taxes). Prices the
        channel states tax included need price-included taxes, and the
        reverse, or the totals could not agree."""
        taxes = self.env["account.tax"]
        for code in codes:
            for tax in fiscal_position.map_tax(backend._map("tax", code)):
                self._retail_check_tax_basis(order, code, tax)
                taxes |= tax
        return taxes

    @api.model
    def _retail_check_tax_basis(self, order, code, tax):
        # A zero tax (reverse charge, exports) changes no amount on either basis.
        zero = tax.amount_type in ("percent", "fixed") and not tax.amount
        if tax.price_include != order.tax_included and not zero:
            raise RetailBusinessError(
                self.env._(
                    "The channel states prices %(basis)s tax, but tax "
                    "%(tax)s, mapped to the code '%(code)s', is not. Map the "
                    "code to a tax whose 'Included in price' matches.",
                    basis=self.env._("including")
                    if order.tax_included
                    else self.env._("excluding"),
                    tax=tax.display_name,
                    code=code,
                ),
                code="tax_basis",
            )

    @api.model
    def _retail_prepare_lines(self, backend, order, currency, fiscal_position):
        Product = self.env["product.product"]
        lines = []
        missing = []
        for line in order.lines:
            product = Product._retail_find_for_line(backend, line)
            if not product and line.gift_card:
                product = backend.gift_card_product_id
            if not product:
                missing.append(line.sku or line.title)
                continue
            gift_card = line.gift_card or product.retail_gift_card
            if gift_card:
                self._retail_check_gift_card_account(backend, order)
                # Selling a gift card is not a taxable supply in most
                # jurisdictions: the goods it later pays for are taxed.
                taxes = self.env["account.tax"]
            else:
                taxes = self._retail_taxes(
                    backend, order, line.tax_codes, fiscal_position
                )
            values = {
                "product_id": product.id,
                "name": line.title or product.display_name,
                "product_uom_qty": float(line.quantity),
                "price_unit": float(line.unit_price),
                "tax_id": [Command.set(taxes.ids)],
                "retail_external_line_id": line.external_line_id,
                "retail_channel_qty": float(line.quantity),
                "retail_gift_card": gift_card,
            }
            lines.append(values)
            if line.discount_amount:
                lines.extend(
                    self._retail_apply_line_discount(
                        backend, values, line, currency, taxes
                    )
                )
            if line.external_product_id:
                self.env["retail.product.binding"]._bind(
                    backend, line.external_product_id, product
                )
        if missing:
            raise RetailBusinessError(
                self.env._(
                    "Order %(number)s holds products unknown to Odoo: SKU %(skus)s. "
                    "Give the products this internal reference or barcode; the "
                    "order is imported again then.",
                    number=order.number,
                    skus=", ".join(f"'{sku}'" for sku in missing),
                ),
                code="unknown_sku",
            )
        for shipping in order.shipping_lines:
            product = self._retail_service_product(backend, "shipping")
            lines.append(
                {
                    "product_id": product.id,
                    "name": shipping.title,
                    "product_uom_qty": 1,
                    "price_unit": float(shipping.amount - shipping.discount_amount),
                    "tax_id": [
                        Command.set(
                            self._retail_taxes(
                                backend, order, shipping.tax_codes, fiscal_position
                            ).ids
                        )
                    ],
                    "is_delivery": True,
                }
            )
        if order.facilitator_tax:
            lines.append(self._retail_facilitator_tax_line(backend, order))
        for discount in order.discounts:
            product = self._retail_service_product(backend, "discount")
            lines.append(
                {
                    "product_id": product.id,
                    "name": discount.title or discount.code,
                    "product_uom_qty": 1,
                    "price_unit": -float(discount.amount),
                    "tax_id": [
                        Command.set(
                            self._retail_taxes(
                                backend, order, discount.tax_codes, fiscal_position
                            ).ids
                        )
                    ],
                }
            )
        return lines

    @api.model
    def _retail_facilitator_tax_line(self, backend, order):
        """The tax the channel collected and pays itself, as an untaxed line
        on the facilitator tax account (``sale.order.line``
        ``_prepare_invoice_line``): the invoice totals what the buyer paid,
        and no Odoo tax declares it a second time."""
        if not backend.facilitator_tax_account_id:
            raise RetailBusinessError(
                self.env._(
                    "Order %(number)s includes %(amount)s %(currency)s of tax "
                    "the channel collects and pays itself (marketplace "
                    "facilitator): set the facilitator tax account on "
                    "%(backend)s, then retry the event.",
                    number=order.number,
                    amount=f"{order.facilitator_tax:.2f}",
                    currency=order.currency,
                    backend=backend.name,
                ),
                code="no_facilitator_tax_account",
            )
        product = self.env.ref("retail_marketplace.product_channel_facilitator_tax")
        return {
            "product_id": product.id,
            "name": product.name,
            "product_uom_qty": 1,
            "price_unit": float(order.facilitator_tax),
            "tax_id": [Command.clear()],
        }

    @api.model
    def _retail_check_gift_card_account(self, backend, order):
        if not backend.gift_card_account_id:
            raise RetailBusinessError(
                self.env._(
                    "Order %(number)s sells a gift card: set the gift card "
                    "account (a current liability) on %(backend)s, then retry "
                    "the event.",
                    number=order.number,
                    backend=backend.name,
                ),
                code="no_gift_card_account",
            )

    @api.model
    def _retail_apply_line_discount(self, backend, values, line, currency, taxes):
        """Put a line's discount on the line as a percentage when that gives
        the channel's exact line amount (Odoo keeps two decimals of it), else
        add it as a discount line, so no cent is lost either way."""
        gross = line.unit_price * line.quantity
        net = gross - line.discount_amount
        percent = float_round(float(line.discount_amount / gross * 100), 2)
        if (
            currency.compare_amounts(
                currency.round(float(gross) * (1 - percent / 100)), float(net)
            )
            == 0
        ):
            values["discount"] = percent
            return []
        product = self._retail_service_product(backend, "discount")
        return [
            {
                "product_id": product.id,
                "name": self.env._("Discount on %(item)s", item=values["name"]),
                "product_uom_qty": 1,
                "price_unit": -float(line.discount_amount),
                "tax_id": [Command.set(taxes.ids)],
            }
        ]

    @api.model
    def _retail_service_product(self, backend, purpose):
        product = (
            backend.shipping_product_id
            if purpose == "shipping"
            else backend.discount_product_id
        )
        if not product:
            raise RetailBusinessError(
                self.env._(
                    "Set the %(purpose)s product on %(backend)s: channel orders "
                    "with %(purpose)s need it.",
                    purpose=purpose,
                    backend=backend.name,
                ),
                code=f"no_{purpose}_product",
            )
        return product

    def _retail_check_total(self, order):
        """The Odoo total must be the channel's: a difference beyond the
        backend's rounding tolerance means a tax or discount is not mapped the
        way the channel applies it. Within it the two only round taxes
        differently (per line or per total), and a rounding line makes up the
        difference. Note: self.ensure_one"""
        self.ensure_one()
        currency = self.currency_id
        difference = currency.round(float(order.total) - self.amount_total)
        if currency.is_zero(difference):
            return
        backend = self.retail_backend_id
        if (
            currency.compare_amounts(abs(difference), backend.order_rounding_tolerance)
            <= 0
        ):
            self._retail_add_rounding_line(order, difference)
            return
        raise RetailBusinessError(
            self.env._(
                "Order %(number)s totals %(channel)s %(currency)s on the "
                "channel but %(odoo)s %(currency)s in Odoo, more apart than the "
                "rounding tolerance of %(backend)s. Check the tax mappings and "
                "whether the channel's prices include tax.",
                number=order.number,
                channel=f"{order.total:.2f}",
                odoo=f"{self.amount_total:.2f}",
                currency=currency.name,
                backend=backend.name,
            ),
            code="total_mismatch",
        )

    def _retail_add_rounding_line(self, order, difference):
        """Bring Odoo's total to the channel's with an untaxed line booked on
        the backend's rounding account (see sale.order.line
        _prepare_invoice_line), and say so on the order.
        Note: self.ensure_one"""
        self.ensure_one()
        backend = self.retail_backend_id
        if not backend.order_rounding_account_id:
            raise RetailBusinessError(
                self.env._(
                    "Order %(number)s totals %(channel)s %(currency)s on the "
                    "channel but %(odoo)s %(currency)s in Odoo, within the "
                    "rounding tolerance. Set the rounding account on %(backend)s "
                    "to book the difference, then retry the event.",
                    number=order.number,
                    channel=f"{order.total:.2f}",
                    odoo=f"{self.amount_total:.2f}",
                    currency=self.currency_id.name,
                    backend=backend.name,
                ),
                code="no_rounding_account",
            )
        odoo_total = self.amount_total
        product = self.env.ref("retail_marketplace.product_channel_rounding")
        self.order_line = [
            Command.create(
                {
                    "product_id": product.id,
                    "name": product.name,
                    "product_uom_qty": 1,
                    "price_unit": difference,
                    "tax_id": [Command.clear()],
                    "sequence": max(self.order_line.mapped("sequence"), default=10) + 1,
                }
            )
        ]
        self.message_post(
            body=self.env._(
                "Rounding: the channel totals %(channel)s %(currency)s, Odoo "
                "%(odoo)s %(currency)s; a rounding line of %(difference)s "
                "%(currency)s on %(account)s makes up the difference.",
                channel=f"{order.total:.2f}",
                odoo=f"{odoo_total:.2f}",
                difference=f"{difference:+.2f}",
                currency=self.currency_id.name,
                account=backend.order_rounding_account_id.display_name,
            )
        )

    # === WORKFLOW === #
    def _retail_deliver_from_channel(self):
        """Do the delivery of an order the channel fulfilled, in full, so
        that the channel's warehouse stock and the cost of goods sold follow
        without anyone picking: the goods left it before Odoo heard of the
        order. Where Odoo asks more to validate it (lots or serial numbers of
        tracked products), the delivery waits for a person, with an
        exception activity saying so. Note: self.ensure_one"""
        self.ensure_one()
        pickings = self.picking_ids.filtered(
            lambda picking: picking.state not in ("done", "cancel")
        )
        for move in pickings.move_ids.filtered(
            lambda move: move.state not in ("done", "cancel")
        ):
            move.quantity = move.product_uom_qty
            move.picked = True
        if not pickings:
            return
        refusal = self.env._("a question to answer")
        try:
            with self.env.cr.savepoint():
                if pickings.with_context(skip_sms=True).button_validate() is True:
                    return
        except UserError as error:
            refusal = str(error)
        backend = self.retail_backend_id
        self.env["retail.exception.activity"]._raise(
            backend,
            self,
            "channel_delivery",
            self.env._("Delivery of %(order)s to validate", order=self.name),
            self.env._(
                "%(backend)s shipped this order from its own stock, but Odoo "
                "cannot validate %(pickings)s by itself (%(refusal)s): "
                "validate it by hand.",
                backend=backend.name,
                pickings=", ".join(pickings.mapped("name")),
                refusal=refusal,
            ),
        )

    def _retail_run_workflow(self, order):
        """The backend's automatic steps: confirm, invoice, register payment.
        Note: self.ensure_one"""
        self.ensure_one()
        backend = self.retail_backend_id
        if not backend.auto_confirm:
            return
        self.action_confirm()
        if self.retail_fulfilled_by_channel:
            self._retail_deliver_from_channel()
        if not backend.auto_invoice:
            return
        invoice = self._retail_create_invoice()
        if invoice and backend.auto_payment and order.is_paid:
            invoice._retail_register_payments(backend, order)

    def _retail_create_invoice(self):
        if self.invoice_status != "to invoice":
            self.message_post(
                body=self.env._(
                    "Not invoiced automatically: nothing to invoice yet (products "
                    "invoiced on delivery)."
                )
            )
            return self.env["account.move"]
        invoice = self._create_invoices()
        invoice.action_post()
        return invoice

    # === UPDATES === #
    def _retail_apply_update(self, order):
        """A newer version of a channel order already imported. Only what may
        still change is applied: cancellation and the delivery address before
        shipment; anything after shipment goes to a person.
        Note: self.ensure_one"""
        self.ensure_one()
        self.write(
            {
                "retail_payment_state": order.payment_state,
                "retail_updated_at": order.updated_at,
            }
        )
        shipped = self._retail_shipped()
        if order.state == "cancelled" and self.state != "cancel":
            if shipped:
                raise RetailBusinessError(
                    self.env._(
                        "Order %(number)s was cancelled on the channel after it "
                        "shipped (%(pickings)s). Decide on a return or a refund, "
                        "then mark this message done.",
                        number=order.number,
                        pickings=", ".join(shipped.mapped("name")),
                    ),
                    code="cancel_after_shipment",
                )
            self._retail_cancel(order)
            return
        if self.state != "cancel":
            self._retail_apply_edits(order, shipped)
        if order.shipping_address:
            self._retail_update_delivery_address(order, shipped)
        if self.state == "draft" and self.retail_backend_id.auto_confirm:
            self._retail_run_workflow(order)

    def _retail_edits(self, order):
        """``[(sale line or None, channel line or None, units before, units
        now)]`` of the lines the channel's edits changed since Odoo last
        applied the order: quantities, lines added (no sale line yet) or
        removed (0 units; no channel line where the channel drops removed
        lines). "Before" is what the channel last stated, never the sale
        line's quantity, so Odoo's own changes (and the channel echoing
        them) read as no edit.
        Note: self.ensure_one"""
        self.ensure_one()
        by_ref = {
            line.retail_external_line_id: line
            for line in self.order_line
            if line.retail_external_line_id
        }
        edits = []
        for line in order.lines:
            now = float(
                line.quantity
                if line.current_quantity is None
                else line.current_quantity
            )
            sale_line = by_ref.pop(line.external_line_id, None)
            before = sale_line.retail_channel_qty if sale_line else 0.0
            if float_compare(before, now, precision_digits=3):
                edits.append((sale_line, line, before, now))
        if order.drops_removed_lines:
            edits.extend(
                (sale_line, None, sale_line.retail_channel_qty, 0.0)
                for sale_line in by_ref.values()
                if float_compare(sale_line.retail_channel_qty, 0.0, precision_digits=3)
            )
        return edits

    def _retail_apply_edits(self, order, shipped=None):
        """Apply the channel's order edits before shipment: quantities
        changed (the delivery follows), lines added, the total checked
        again against the channel's edited total. After shipment, nothing
        is changed: a sync exception says what the channel changed, for a
        person to decide (a return, a refund, another delivery).
        Note: self.ensure_one"""
        self.ensure_one()
        edits = self._retail_edits(order)
        if not edits:
            return
        described = "; ".join(
            self.env._(
                "%(item)s: %(before)s → %(now)s",
                item=(line.title or line.sku) if line else sale_line.name,
                before=f"{before:g}",
                now=f"{now:g}",
            )
            for sale_line, line, before, now in edits
        )
        backend = self.retail_backend_id
        if shipped:
            self.env["retail.exception.activity"]._raise(
                backend,
                self,
                EDIT_FAILURE,
                self.env._(
                    "%(order)s edited on the channel after shipment", order=self.name
                ),
                self.env._(
                    "Order %(number)s was edited on the channel after it shipped "
                    "(%(pickings)s): %(edits)s. Nothing was changed in Odoo: "
                    "decide on a return, a refund or another delivery, then mark "
                    "this done.",
                    number=order.number,
                    pickings=", ".join(shipped.mapped("name")),
                    edits=described,
                ),
            )
            return
        added = {}
        for sale_line, line, before, now in edits:
            if sale_line:
                sale_line.write(
                    {
                        "product_uom_qty": sale_line.product_uom_qty + now - before,
                        "retail_channel_qty": now,
                    }
                )
            else:
                added[line.external_line_id] = (line, now)
        if added:
            self._retail_add_channel_lines(order, added)
        self._retail_check_total(
            replace(
                order,
                total=order.total
                if order.current_total is None
                else order.current_total,
            )
        )
        self.message_post(
            body=self.env._("Edited on the channel: %(edits)s.", edits=described)
        )

    def _retail_add_channel_lines(self, order, added):
        """Add the lines an edit added (``{line id: (channel line, units
        now)}``), priced as the channel placed them, with the units it
        states now (an added line edited again before Odoo saw it).
        Note: self.ensure_one"""
        self.ensure_one()
        only_added = replace(
            order,
            lines=[line for line, _now in added.values()],
            shipping_lines=[],
            discounts=[],
            facilitator_tax=ZERO,
        )
        lines = self._retail_prepare_lines(
            self.retail_backend_id,
            only_added,
            self.currency_id,
            self.fiscal_position_id,
        )
        for values in lines:
            if values.get("retail_external_line_id") in added:
                now = added[values["retail_external_line_id"]][1]
                values["product_uom_qty"] += now - values["retail_channel_qty"]
                values["retail_channel_qty"] = now
        self.order_line = [Command.create(values) for values in lines]

    def _retail_cancel(self, order):
        """Cancel the order as the channel did, saying why when it says.
        Note: self.ensure_one"""
        self.ensure_one()
        self._action_cancel()
        self.retail_cancel_state = False
        body = self.env._("Cancelled on the channel.")
        if order.cancel_reason:
            body = f"{body} {order.cancel_reason}"
        self.message_post(body=body)

    def _retail_update_delivery_address(self, order, shipped):
        delivery = self.partner_id._retail_address_contact(
            order.shipping_address, "delivery"
        )
        if delivery == self.partner_shipping_id:
            return
        if shipped:
            self.message_post(
                body=self.env._(
                    "The channel changed the delivery address after shipment; "
                    "the change was not applied."
                )
            )
            return
        self.partner_shipping_id = delivery
        self.picking_ids.filtered(
            lambda picking: picking.state not in ("done", "cancel")
        ).write({"partner_id": delivery.id})
        self.message_post(body=self.env._("Delivery address changed on the channel."))

    def _retail_order_for_refund(self, backend, refund):
        """The sale order a channel refund belongs to; transient when the order
        is not imported yet (its message may still be on its way)."""
        sale = self.env["retail.order.binding"]._to_internal(
            backend, refund.order_external_id
        )
        if not sale:
            raise RetailTransientError(
                self.env._(
                    "Refund %(refund)s is for order %(order)s, not imported yet.",
                    refund=refund.external_id,
                    order=refund.order_external_id,
                )
            )
        return sale

    def _retail_odoo_refund(self, backend, refund):
        """The credit note posted in Odoo that made the channel's ``refund``
        (its idempotency key is in the refund's note), now bound to it; none
        for a refund the channel made itself. While a credit note of the
        order is on its way to the channel the refund may be its own, not
        bound yet: transient, tried again once the job has answered.
        Note: self.ensure_one"""
        self.ensure_one()
        notes = self.env["account.move"].search(
            [
                ("move_type", "=", "out_refund"),
                ("retail_refund_key", "!=", False),
                "|",
                ("id", "in", self.invoice_ids.ids),
                ("reversed_entry_id", "in", self.invoice_ids.ids),
            ]
        )
        waiting = notes.filtered(lambda move: move.retail_refund_state == "waiting")
        sent = notes.filtered(
            lambda move: move.retail_refund_key in (refund.reason or "")
        )[:1]
        if waiting:
            raise RetailTransientError(
                self.env._(
                    "Refund %(refund)s may be the one credit note %(notes)s is "
                    "making on the channel: it waits for the channel's answer.",
                    refund=refund.external_id,
                    notes=", ".join(waiting.mapped("name")),
                )
            )
        if sent:
            sent._retail_refund_confirmed(backend, refund.external_id)
        return sent

    def _retail_note_unbooked_refund(self, refund):
        """Say once on the order why a channel refund is not booked: its
        payment is still pending (it is booked when a later message shows it
        succeeded), or it failed (no money went back: never booked). The note
        is bound to the refund and status, so it is written once.
        Note: self.ensure_one"""
        self.ensure_one()
        Binding = self.env["retail.order.binding"]
        backend = self.retail_backend_id
        key = f"refund-{refund.status}:{refund.external_id}"
        if Binding._find(backend, key):
            return
        if refund.status == "pending":
            body = self.env._(
                "Channel refund %(refund)s waits: its payment is still pending "
                "on the channel. Its credit note is booked once the channel "
                "reports it succeeded.",
                refund=refund.external_id,
            )
        else:
            body = self.env._(
                "Channel refund %(refund)s failed on the channel: no money went "
                "back, so no credit note is booked for it.",
                refund=refund.external_id,
            )
        Binding._bind(backend, key, self.message_post(body=body))

    def _retail_refunded_line(self, refund, refund_line):
        """The order line a refund line gives back: the one of its line id,
        else, when the channel gives none, the one line of its SKU.
        Note: self.ensure_one"""
        self.ensure_one()
        lines = self.order_line.filtered("retail_external_line_id")
        if refund_line.external_line_id:
            found = lines.filtered(
                lambda line: line.retail_external_line_id
                == refund_line.external_line_id
            )
        elif refund_line.sku:
            found = lines.filtered(
                lambda line: line.product_id.default_code == refund_line.sku
            )
        else:
            found = lines.browse()
        if len(found) != 1:
            raise RetailBusinessError(
                self.env._(
                    "Refund %(refund)s names %(line)s, which %(count)s lines of "
                    "order %(order)s match instead of one: book it by hand.",
                    refund=refund.external_id,
                    line=self.env._("line %(id)s", id=refund_line.external_line_id)
                    if refund_line.external_line_id
                    else self.env._("SKU %(sku)s", sku=refund_line.sku or "-"),
                    order=self.name,
                    count=len(found),
                ),
                code="unknown_refund_line",
            )
        return found

    def _retail_restock(self, refund):
        """Items the channel restocks come back: shipped ones by a return
        picking for the warehouse to receive, unshipped ones by lowering the
        quantity still to deliver. Note: self.ensure_one"""
        self.ensure_one()
        to_return = {}
        for refund_line in refund.lines:
            if not refund_line.restock:
                continue
            sale_line = self._retail_refunded_line(refund, refund_line)
            quantity = float(refund_line.quantity)
            returned = min(quantity, sale_line.qty_delivered)
            if returned:
                to_return[sale_line.product_id] = (
                    to_return.get(sale_line.product_id, 0) + returned
                )
            # An order whose cancellation Odoo asked of the channel is about
            # to be cancelled whole: the channel's refund of it may arrive
            # first (the cancelling job retried after a concurrent update),
            # and lowering its lines would leave the cancelled order without
            # the total the channel and its invoice keep.
            if (
                quantity > returned
                and self.state == "sale"
                and not self.retail_cancel_state
            ):
                sale_line.product_uom_qty -= quantity - returned
        if to_return:
            self._retail_create_return(to_return)

    def _retail_create_return(self, quantities):
        picking = self.picking_ids.filtered(
            lambda picking: picking.state == "done"
            and picking.picking_type_code == "outgoing"
        ).sorted("date_done")[-1:]
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=picking.id, active_model="stock.picking")
            .create({"picking_id": picking.id})
        )
        for line in wizard.product_return_moves:
            line.quantity = quantities.get(line.product_id, 0)
        return_picking = wizard._create_return()
        self.message_post(
            body=self.env._(
                "Return %(picking)s created for items the channel refunded and "
                "restocks.",
                picking=return_picking.name,
            )
        )
        return return_picking
