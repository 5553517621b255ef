# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import MarketplaceCommon


@tagged("post_install", "-at_install")
class TestB2BOrders(MarketplaceCommon):
    """A business buyer's VAT number reaches its company partner, and
    Odoo's fiscal position rules map the channel's taxes (EU reverse charge)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_up_reverse_charge(cls.tax_excluded | cls.tax_included)

    def _b2b_payload(self, order_id="7001", **kw):
        """The common order bought by Acme GmbH in Berlin with its VAT number:
        the channel applied reverse charge, so its total has no tax (60.00),
        while its lines still name their tax code."""
        address = {
            "name": "Jens Meyer",
            "company": "Acme GmbH",
            "street": "Unter den Linden 1",
            "city": "Berlin",
            "zip": "10117",
            "country_code": "DE",
        }
        values = {
            "customer": {
                "id": "cust-acme-1",
                "email": "jens@acme.example",
                "name": "Jens Meyer",
                "company": "Acme GmbH",
                "vat": "DE 123456789",
            },
            "billing_address": address,
            "shipping_address": address,
            "total": "60.00",
        }
        values.update(kw)
        return self._order_payload(order_id, **values)

    def test_eu_b2b_order_gets_reverse_charge(self):
        event = self._deliver(self._b2b_payload())
        self.assertEqual(event.state, "done", event.last_error)
        sale = self._sale("7001")
        self.assertEqual(sale.fiscal_position_id, self.reverse_charge)
        self.assertEqual(set(sale.order_line.mapped("tax_id")), {self.tax_intra_eu})
        self.assertEqual((sale.amount_untaxed, sale.amount_tax), (60.0, 0.0))
        company = sale.partner_id.commercial_partner_id
        self.assertEqual(sale.partner_id.name, "Jens Meyer")
        self.assertEqual(
            (company.name, company.is_company, company.vat),
            ("Acme GmbH", True, "DE123456789"),
        )
        self.assertEqual(company.country_id.code, "DE")
        invoice = sale.invoice_ids
        self.assertEqual(invoice.commercial_partner_id, company)
        self.assertEqual(invoice.fiscal_position_id, self.reverse_charge)
        self.assertEqual(invoice.amount_total, 60.0)
        self.assertEqual(invoice.payment_state, "paid")

    def test_reverse_charge_on_a_channel_pricing_tax_included(self):
        """Test a shop whose prices include VAT: it charged the business
        buyer the prices without it, and its VAT maps to the zero
        reverse-charge tax whatever that tax's price basis."""
        payload = self._b2b_payload(
            "7005", tax_included=True, shipping_tax_code="VAT20-INC"
        )
        for line in payload["lines"]:
            line["tax_code"] = "VAT20-INC"
        event = self._deliver(payload)
        self.assertEqual(event.state, "done", event.last_error)
        sale = self._sale("7005")
        self.assertEqual(set(sale.order_line.mapped("tax_id")), {self.tax_intra_eu})
        self.assertEqual((sale.amount_total, sale.amount_tax), (60.0, 0.0))

    def test_colleague_of_a_known_company_joins_it(self):
        self._deliver(self._b2b_payload())
        payload = self._b2b_payload("7002")
        payload["customer"] = dict(
            payload["customer"], id="cust-acme-2", email="eva@acme.example", name="Eva"
        )
        self._deliver(payload)
        first, second = self._sale("7001"), self._sale("7002")
        self.assertNotEqual(first.partner_id, second.partner_id)
        self.assertEqual(
            first.partner_id.commercial_partner_id,
            second.partner_id.commercial_partner_id,
        )
        self.assertEqual(second.fiscal_position_id, self.reverse_charge)

    def test_consumer_in_the_eu_pays_the_channel_vat(self):
        """Test that without a VAT number the position (VAT required) does
        not apply: the channel's tax stays, and a company name alone is only
        noted on the contact."""
        payload = self._b2b_payload("7003", total="72.00")
        del payload["customer"]["vat"]
        event = self._deliver(payload)
        self.assertEqual(event.state, "done", event.last_error)
        sale = self._sale("7003")
        self.assertFalse(sale.fiscal_position_id)
        self.assertEqual(sale.amount_tax, 12.0)
        self.assertFalse(sale.partner_id.parent_id)
        self.assertEqual(sale.partner_id.company_name, "Acme GmbH")

    def test_channel_charging_vat_to_a_reverse_charge_buyer_fails_on_the_total(self):
        """Test that Odoo's rules win over a channel that still charged VAT:
        the order fails on its total rather than book a tax nobody owes."""
        event = self._deliver(self._b2b_payload("7004", total="72.00"))
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.failure_code, "total_mismatch")
