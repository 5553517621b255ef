# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from datetime import datetime, time

from odoo import Command, api, fields, models

from odoo.addons.retail_connector_base.exceptions import RetailBusinessError

from ..adapters.pos_batch import parse_transaction


class PosOrder(models.Model):
    _inherit = "pos.order"

    retail_transaction_ids = fields.One2many("retail.pos.transaction", "pos_order_id")
    retail_scrap_ids = fields.One2many(
        "stock.scrap", "retail_pos_order_id", "Scrapped returns"
    )

    @api.model
    def _retail_book_transaction_event(self, event):
        """Event handler: book one store transaction as a paid POS order in
        its store's session for its business day, once per uuid."""
        try:
            transaction = parse_transaction(json.loads(event.payload))
        except ValueError as error:
            raise RetailBusinessError(
                self.env._("Invalid transaction: %(reason)s", reason=error),
                code="invalid_transaction",
            ) from error
        return self._retail_book_transaction(event.backend_id, transaction, event)

    @api.model
    def _retail_book_transaction(self, backend, transaction, event):
        """Book a parsed ``PosTransaction`` (whatever adapter produced it) and
        return its POS order; a uuid already booked returns the first order."""
        Transaction = self.env["retail.pos.transaction"]
        booked = Transaction.search(
            [("backend_id", "=", backend.id), ("uuid", "=", transaction.uuid)]
        )
        if booked:
            return booked.pos_order_id
        store = self.env["retail.pos.store"]._find(backend, transaction.store)
        terminal = self.env["retail.pos.terminal"]._find_or_create(
            store, transaction.terminal
        )
        period = store._numbering_period(
            transaction.business_day, transaction.shift, transaction.sequence
        )
        session = self.env["pos.session"]._retail_session_for(
            store, transaction.business_day
        )
        original = self._retail_original_transaction(backend, transaction)
        values = self._retail_order_values(backend, session, transaction, period)
        values["partner_id"] = self._retail_partner(backend, transaction).id
        order = self.browse(self._process_order(values, False))
        if order.state not in ("paid", "done", "invoiced"):
            raise RetailBusinessError(
                self.env._(
                    "Transaction %(uuid)s could not be booked as paid: its "
                    "payments (%(paid)s) do not settle its total (%(total)s).",
                    uuid=transaction.uuid,
                    paid=order.amount_paid,
                    total=order.amount_total,
                ),
                code="unbalanced_transaction",
            )
        Transaction.create(
            {
                "backend_id": backend.id,
                "uuid": transaction.uuid,
                "store_id": store.id,
                "terminal_id": terminal.id,
                "sequence": transaction.sequence or False,
                "business_day": transaction.business_day,
                "numbering_period": period,
                "type": transaction.type,
                "amount_total": order.amount_total,
                "pos_order_id": order.id,
                "late": session.retail_correction,
                "event_id": event.id,
                "original_uuid": transaction.original_uuid or False,
                "return_reason": transaction.reason or False,
                "customer_ref": transaction.customer_ref or False,
                "loyalty_ref": transaction.loyalty_ref or False,
            }
        )
        if original:
            order._retail_link_refunded_lines(original.pos_order_id)
        elif transaction.type == "sale":
            self._retail_link_waiting_returns(backend, transaction.uuid, order)
        if transaction.type == "return" and backend._retail_scraps(transaction.reason):
            order._retail_scrap_returned_goods(store)
        terminal._update_gaps()
        return order

    @api.model
    def _retail_original_transaction(self, backend, transaction):
        if not transaction.original_uuid:
            return self.env["retail.pos.transaction"]
        return self.env["retail.pos.transaction"].search(
            [("backend_id", "=", backend.id), ("uuid", "=", transaction.original_uuid)],
            limit=1,
        )

    @api.model
    def _retail_link_waiting_returns(self, backend, uuid, sale_order):
        """Returns can arrive before the sale they return (offline tills
        flush in any order): link them once the sale is booked."""
        returns = self.env["retail.pos.transaction"].search(
            [("backend_id", "=", backend.id), ("original_uuid", "=", uuid)]
        )
        for return_order in returns.pos_order_id:
            return_order._retail_link_refunded_lines(sale_order)

    def _retail_link_refunded_lines(self, original_order):
        """Point each returned line at the sold line of the same product, so
        Odoo's POS shows the sale as (partly) refunded."""
        self.ensure_one()
        for line in self.lines.filtered(
            lambda record: not record.refunded_orderline_id
        ):
            sold = original_order.lines.filtered(
                lambda record, product=line.product_id: record.product_id == product
                and record.qty > 0
            )[:1]
            if sold:
                line.refunded_orderline_id = sold

    def _retail_scrap_returned_goods(self, store):
        """Damaged returns come back into the store's stock like any return
        (the refund stays a standard POS return) and go straight on to
        scrap, so the store never sells them again."""
        self.ensure_one()
        location = store.pos_config_id.picking_type_id.default_location_src_id
        Scrap = self.env["stock.scrap"]
        for line in self.lines.filtered(
            lambda record: record.product_id.is_storable and record.qty < 0
        ):
            scrap = Scrap.create(
                {
                    "product_id": line.product_id.id,
                    "scrap_qty": -line.qty,
                    "product_uom_id": line.product_uom_id.id,
                    "location_id": location.id,
                    "origin": self.name,
                    "retail_pos_order_id": self.id,
                    "company_id": self.company_id.id,
                }
            )
            # do_scrap, not action_validate: the returned unit may not be
            # counted in yet when stock moves at session closing.
            scrap.do_scrap()

    @api.model
    def _retail_partner(self, backend, transaction):
        """The customer a store transaction names, by the backend's partner
        bindings (loyalty id first: it is what tills scan)."""
        Binding = self.env["retail.partner.binding"]
        for reference in (transaction.loyalty_ref, transaction.customer_ref):
            if reference:
                binding = Binding.search(
                    [("backend_id", "=", backend.id), ("external_id", "=", reference)],
                    limit=1,
                )
                if binding:
                    return binding.odoo_id
        return self.env["res.partner"]

    @api.model
    def _retail_order_values(self, backend, session, transaction, period=False):
        """The order as Odoo's POS front end sends it to ``_process_order``,
        named after the till number (and its numbering period, when the
        store's numbering restarts)."""
        currency = session.currency_id
        lines, total, tax_total = [], 0.0, 0.0
        for line in transaction.lines:
            product = self._retail_product(backend, line.sku)
            taxes = (
                backend._map("tax", line.tax_code)
                if line.tax_code
                else self.env["account.tax"]
            )
            quantity = float(line.quantity) * transaction.sign
            gross = float(line.unit_price * line.quantity)
            discount = float(line.discount) / gross * 100 if gross else 0.0
            price = float(line.unit_price) * (1 - discount / 100)
            computed = taxes.compute_all(price, currency, quantity, product=product)
            lines.append(
                Command.create(
                    {
                        "product_id": product.id,
                        "full_product_name": product.display_name,
                        "qty": quantity,
                        "price_unit": float(line.unit_price),
                        "discount": discount,
                        "tax_ids": [Command.set(taxes.ids)],
                        "price_subtotal": computed["total_excluded"],
                        "price_subtotal_incl": computed["total_included"],
                    }
                )
            )
            total += computed["total_included"]
            tax_total += computed["total_included"] - computed["total_excluded"]
        payments = [
            Command.create(
                {
                    "payment_method_id": self._retail_payment_method(
                        backend, session, payment.method
                    ).id,
                    "amount": float(payment.amount) * transaction.sign,
                    "payment_date": fields.Datetime.now(),
                    "transaction_id": payment.reference or False,
                }
            )
            for payment in transaction.payments
        ]
        paid = sum(float(payment.amount) for payment in transaction.payments)
        if currency.compare_amounts(paid, abs(total)):
            raise RetailBusinessError(
                self.env._(
                    "Transaction %(uuid)s totals %(total).2f but its payments "
                    "add up to %(paid).2f.",
                    uuid=transaction.uuid,
                    total=abs(total),
                    paid=paid,
                ),
                code="unbalanced_transaction",
            )
        moment = transaction.local_time or datetime.combine(
            transaction.business_day, time(12)
        )
        return {
            "uuid": transaction.uuid,
            "name": f"{transaction.store}/{transaction.terminal}/"
            + (f"{period}/" if period else "")
            + (
                f"{transaction.sequence:06d}"
                if transaction.sequence
                else transaction.uuid
            ),
            "session_id": session.id,
            "date_order": fields.Datetime.to_string(moment),
            "user_id": self.env.uid,
            "pricelist_id": session.config_id.pricelist_id.id,
            "fiscal_position_id": False,
            "sequence_number": transaction.sequence,
            "lines": lines,
            "payment_ids": payments,
            "amount_total": currency.round(total),
            "amount_tax": currency.round(tax_total),
            "amount_paid": currency.round(total),
            "amount_return": 0.0,
            "state": "paid",
            "to_invoice": False,
        }

    @api.model
    def _retail_product(self, backend, sku):
        company_domain = [("company_id", "in", [False, backend.company_id.id])]
        for field_name in ("default_code", "barcode"):
            product = self.env["product.product"].search(
                [(field_name, "=", sku)] + company_domain, limit=1
            )
            if product:
                return product
        raise RetailBusinessError(
            self.env._(
                "The store sold '%(sku)s', which no product has as internal "
                "reference or barcode.",
                sku=sku,
            ),
            code="unknown_sku",
        )

    @api.model
    def _retail_payment_method(self, backend, session, method):
        journal = backend._map("payment_method", method)
        methods = session.config_id.payment_method_ids
        payment_method = methods.filtered(lambda record: record.journal_id == journal)[
            :1
        ]
        if not payment_method and journal.type == "cash":
            # Odoo gives each point of sale its own cash method: a code mapped
            # to a cash journal means the store's own cash drawer.
            payment_method = methods.filtered("is_cash_count")[:1]
        if not payment_method:
            raise RetailBusinessError(
                self.env._(
                    "Point of sale %(pos)s has no payment method on journal "
                    "%(journal)s, which the code '%(method)s' is mapped to.",
                    pos=session.config_id.name,
                    journal=journal.display_name,
                    method=method,
                ),
                code="unmapped_payment_method",
            )
        return payment_method
