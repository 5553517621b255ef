# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo.tests import tagged

from .common import MarketplaceCommon


@tagged("post_install", "-at_install")
class TestOrderImport(MarketplaceCommon):
    def test_order_becomes_a_confirmed_invoiced_paid_sale_order(self):
        event = self._deliver(self._order_payload())
        sale = self._sale()
        self.assertEqual(event.state, "done", event.last_error)
        self.assertEqual(event.res_id, sale.id)
        self.assertEqual(sale.state, "sale")
        self.assertEqual(sale.amount_total, 72.0)
        self.assertEqual(sale.amount_tax, 12.0)
        self.assertEqual(sale.client_order_ref, "#5001")
        self.assertEqual(sale.partner_id.email, "ann@example.com")
        self.assertEqual(sale.partner_shipping_id.parent_id, sale.partner_id)
        self.assertEqual(sale.partner_shipping_id.type, "delivery")
        self.assertEqual(sale.partner_shipping_id.city, "Brest")
        lines = sale.order_line
        self.assertEqual(
            sorted(lines.filtered("retail_external_line_id").mapped("product_id.id")),
            sorted((self.product_a | self.product_b).ids),
        )
        shipping = lines.filtered("is_delivery")
        self.assertEqual(shipping.price_unit, 5.0)
        self.assertEqual(shipping.tax_id, self.tax_excluded)
        self.assertEqual(
            lines.filtered(lambda line: line.product_id == self.product_a).tax_id,
            self.tax_excluded,
        )
        self.assertEqual(len(sale.picking_ids), 1)
        invoice = sale.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_total, 72.0)
        self.assertEqual(invoice.payment_state, "paid")
        binding = self.env["retail.order.binding"]._find(self.backend, "5001")
        self.assertEqual(binding._get_record(), sale)

    def test_webhook_and_poll_copies_import_one_order(self):
        payload = self._order_payload()
        self._deliver(payload, key="webhook-delivery-1")
        self._deliver(payload, topic="orders/updated", key="poll:order:5001:v1")
        self._deliver(payload, key="webhook-delivery-1")
        self.assertEqual(len(self._sale()), 1)
        self.assertEqual(len(self._sale().invoice_ids), 1)

    def test_older_version_never_rolls_back_a_cancellation(self):
        self.backend.write({"auto_invoice": False})
        self._deliver(self._order_payload(updated_at="2026-11-01T10:00:00Z"))
        self._deliver(
            self._order_payload(updated_at="2026-11-01T12:00:00Z", status="cancelled"),
            topic="orders/updated",
        )
        late = self._deliver(
            self._order_payload(
                updated_at="2026-11-01T11:00:00Z",
                shipping_address={"name": "Ann", "city": "Paris", "country_code": "FR"},
            ),
            topic="orders/updated",
        )
        sale = self._sale()
        self.assertEqual(late.state, "done")
        self.assertEqual(sale.state, "cancel")
        self.assertEqual(sale.picking_ids.mapped("state"), ["cancel"])
        self.assertEqual(sale.partner_shipping_id.city, "Brest")

    def test_unknown_sku_fails_naming_it_and_goes_again_once_the_product_exists(self):
        payload = self._order_payload()
        payload["lines"][1]["sku"] = "SKU-NEW"
        event = self._deliver(payload)
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.failure_code, "unknown_sku")
        self.assertIn("'SKU-NEW'", event.last_error)
        self.assertFalse(self._sale())
        activity = self.backend.activity_ids | event.activity_ids
        self.assertTrue(activity, "a person is told")
        self.env["product.product"].create(
            {
                "name": "New bag",
                "default_code": "SKU-NEW",
                "is_storable": True,
                "invoice_policy": "order",
            }
        )
        self.assertEqual(event.state, "pending")
        self.backend._process_events()
        self.assertEqual(event.state, "done", event.last_error)
        self.assertEqual(self._sale().amount_total, 72.0)

    def test_product_found_by_barcode_then_bound(self):
        payload = self._order_payload()
        payload["lines"] = [
            {
                "id": "L1",
                "sku": "",
                "barcode": "4006381333931",
                "quantity": 1,
                "unit_price": "12.50",
            }
        ]
        payload.update(shipping="0", total="12.50")
        event = self._deliver(payload)
        self.assertEqual(event.state, "done", event.last_error)
        self.assertEqual(self._sale().order_line.product_id, self.product_a)

    def test_totals_that_differ_fail_showing_both(self):
        event = self._deliver(self._order_payload(total="71.00"))
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.failure_code, "total_mismatch")
        self.assertIn("71.00", event.last_error)
        self.assertIn("72.00", event.last_error)
        self.assertFalse(self._sale(), "nothing of the order is kept")

    def test_tax_included_prices_need_a_tax_included_mapping(self):
        payload = self._order_payload(tax_included=True, total="60.00")
        event = self._deliver(payload)
        self.assertEqual(event.failure_code, "tax_basis")
        for line in payload["lines"]:
            line["tax_code"] = "VAT20-INC"
        payload.update(shipping_tax_code="VAT20-INC", updated_at="2026-11-01T10:05:00Z")
        event = self._deliver(payload, topic="orders/updated")
        self.assertEqual(event.state, "done", event.last_error)
        sale = self._sale()
        self.assertEqual(sale.amount_total, 60.0)
        self.assertEqual(sale.amount_tax, 10.0)

    def test_guest_checkouts_share_the_customer_found_by_email(self):
        existing = self.env["res.partner"].create(
            {"name": "Ann (shop)", "email": "  Ann@Example.COM "}
        )
        first = self._order_payload(customer={"email": "ann@example.com"})
        second = self._order_payload(
            order_id="5002", customer={"email": "ANN@example.com"}
        )
        self._deliver(first)
        self._deliver(second)
        self.assertEqual(self._sale().partner_id, existing)
        self.assertEqual(self._sale("5002").partner_id, existing)
        self.assertFalse(
            self.env["retail.partner.binding"].search(
                [("backend_id", "=", self.backend.id)]
            ),
            "a guest has no channel id to bind",
        )

    def test_customer_found_by_binding_before_email(self):
        self._deliver(self._order_payload())
        customer = self._sale().partner_id
        self._deliver(
            self._order_payload(
                order_id="5002",
                customer={"id": "cust-1", "email": "new-address@example.com"},
            )
        )
        self.assertEqual(self._sale("5002").partner_id, customer)

    def test_discounts_keep_every_cent(self):
        payload = self._order_payload(
            lines=[
                {
                    "id": "L1",
                    "sku": "SKU-1",
                    "quantity": 3,
                    "unit_price": "19.99",
                    "discount": "5.00",
                    "tax_code": "VAT20",
                },
                {
                    "id": "L2",
                    "sku": "SKU-2",
                    "quantity": 7,
                    "unit_price": "333.33",
                    "discount": "0.07",
                    "tax_code": "VAT20",
                },
            ],
            discounts=[{"title": "WELCOME", "amount": "10.00", "tax_code": "VAT20"}],
        )
        # 54.97 + 2333.24 - 10.00 + 5.00 shipping = 2383.21; tax per line
        # 10.99 + 466.65 - 2.00 + 1.00 = 476.64
        payload["total"] = "2859.85"
        event = self._deliver(payload)
        self.assertEqual(event.state, "done", event.last_error)
        sale = self._sale()
        self.assertEqual(sale.amount_total, 2859.85)
        shirt = sale.order_line.filtered(lambda line: line.product_id == self.product_a)
        self.assertEqual(shirt.discount, 8.34, "small discounts stay on the line")
        self.assertEqual(
            len(
                sale.order_line.filtered(
                    lambda line: line.product_id == self.discount_product
                )
            ),
            2,
            "a discount a percentage cannot hold exactly, and the order's own",
        )

    def test_gift_card_and_card_payments_each_in_their_journal(self):
        payload = self._order_payload(
            payments=[
                {"method": "gift_card", "kind": "gift_card", "amount": "20.00"},
                {"method": "card", "amount": "52.00", "reference": "ch_1"},
            ],
            fees=[{"title": "Commission", "amount": "7.20"}],
        )
        self._deliver(payload)
        sale = self._sale()
        self.assertEqual(sale.retail_channel_fee, 7.2)
        invoice = sale.invoice_ids
        self.assertEqual(invoice.payment_state, "paid")
        payments = self.env["account.payment"].search(
            [("partner_id", "=", sale.partner_id.id)]
        )
        self.assertEqual(
            sorted((p.journal_id.code, p.amount) for p in payments),
            [("CHPAY", 52.0), ("GIFT", 20.0)],
        )

    def test_unpaid_orders_are_not_paid_in_odoo(self):
        self._deliver(self._order_payload(status="pending"))
        self.assertEqual(self._sale().invoice_ids.payment_state, "not_paid")

    def test_cancellation_before_shipment_cancels_order_and_picking(self):
        self.backend.auto_invoice = False
        self._deliver(self._order_payload())
        self._deliver(
            self._order_payload(updated_at="2026-11-02T08:00:00Z", status="cancelled"),
            topic="orders/cancelled",
        )
        sale = self._sale()
        self.assertEqual(sale.state, "cancel")
        self.assertEqual(sale.picking_ids.state, "cancel")

    def test_cancellation_after_shipment_goes_to_a_person(self):
        self._deliver(self._order_payload())
        sale = self._sale()
        picking = sale.picking_ids
        picking.move_ids.quantity = 0
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        event = self._deliver(
            self._order_payload(updated_at="2026-11-02T08:00:00Z", status="cancelled"),
            topic="orders/cancelled",
        )
        self.assertEqual(event.failure_code, "cancel_after_shipment")
        self.assertIn(picking.name, event.last_error)
        self.assertEqual(sale.state, "sale")

    def test_address_change_before_shipment_moves_the_delivery(self):
        self.backend.auto_invoice = False
        self._deliver(self._order_payload())
        new_address = {
            "name": "Ann Smith",
            "street": "9 Rue Neuve",
            "city": "Quimper",
            "zip": "29000",
            "country_code": "FR",
        }
        self._deliver(
            self._order_payload(
                updated_at="2026-11-01T11:00:00Z", shipping_address=new_address
            ),
            topic="orders/updated",
        )
        sale = self._sale()
        self.assertEqual(sale.partner_shipping_id.city, "Quimper")
        self.assertEqual(sale.picking_ids.partner_id.city, "Quimper")

    def test_malformed_order_is_a_clear_failure(self):
        event = self._receive_event(payload=json.dumps({"id": "9"}), key="bad")
        self.backend._process_events()
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.failure_code, "malformed_order")

    def test_non_finite_amounts_and_negative_quantities_are_malformed(self):
        """Test that NaN, infinities (JSON parsers read them, as numbers or
        strings) and a negative quantity fail the order at once as malformed,
        with no retry and no sale order."""
        lines = self._order_payload()["lines"]
        wrong = {
            "negative quantity": {
                "lines": [dict(lines[0], quantity=-2)],
                "total": "-24.00",
            },
            "NaN quantity": {"lines": [dict(lines[0], quantity=float("nan"))]},
            "infinite quantity": {"lines": [dict(lines[0], quantity="Infinity")]},
            "NaN price": {"lines": [dict(lines[0], unit_price="NaN")]},
            "infinite total": {"total": float("-inf")},
            "NaN shipping": {"shipping": "nan"},
        }
        for number, (case, values) in enumerate(wrong.items()):
            with self.subTest(case):
                order_id = f"bad-{number}"
                event = self._deliver(self._order_payload(order_id=order_id, **values))
                self.assertEqual(event.state, "failed")
                self.assertEqual(event.failure_code, "malformed_order")
                self.assertFalse(event.next_attempt_at, "no retry is planned")
                self.assertFalse(self._sale(order_id))

    def test_blocked_summary_speaks_of_orders_and_value(self):
        """Test that the failed versions of one order count once, at their
        total as the channel sent it (stored when the message failed)."""
        first = self._deliver(self._order_payload(total="71.00"))
        self._deliver(
            self._order_payload(total="70.00", updated_at="2026-11-01T11:00:00Z")
        )
        self.assertEqual(first.retail_order_total, 71.0)
        self.backend.invalidate_recordset()
        self.assertEqual(
            self.backend.blocked_summary, "1 orders (71.00) wait for a fix"
        )
