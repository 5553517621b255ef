# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import Command

from odoo.addons.retail_connector_base.tests.common import RetailCommon


class MarketplaceCommon(RetailCommon):
    """A marketplace backend on the simulator's generic protocol with tax,
    payment and product set-up, and an order payload builder."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        Tax = cls.env["account.tax"]
        cls.tax_excluded = Tax.create(
            {
                "name": "Channel VAT 20%",
                "amount": 20,
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
            }
        )
        cls.tax_included = Tax.create(
            {
                "name": "Channel VAT 20% incl.",
                "amount": 20,
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            }
        )
        Journal = cls.env["account.journal"]
        cls.bank_journal = Journal.create(
            {"name": "Channel payouts", "type": "bank", "code": "CHPAY"}
        )
        cls.gift_card_journal = Journal.create(
            {"name": "Gift cards", "type": "cash", "code": "GIFT"}
        )
        Product = cls.env["product.product"]
        cls.product_a = Product.create(
            {
                "name": "Linen shirt",
                "default_code": "SKU-1",
                "barcode": "4006381333931",
                "is_storable": True,
                "invoice_policy": "order",
                "list_price": 12.5,
            }
        )
        cls.product_b = Product.create(
            {
                "name": "Canvas bag",
                "default_code": "SKU-2",
                "is_storable": True,
                "invoice_policy": "order",
                "list_price": 30,
            }
        )
        service = {"type": "service", "invoice_policy": "order", "taxes_id": False}
        cls.shipping_product = Product.create(dict(service, name="Channel shipping"))
        cls.discount_product = Product.create(dict(service, name="Channel discount"))
        for product in cls.product_a | cls.product_b:
            cls.env["stock.quant"]._update_available_quantity(
                product, cls.warehouse.lot_stock_id, 50
            )
        cls.backend.write(
            {
                "warehouse_id": cls.warehouse.id,
                "shipping_product_id": cls.shipping_product.id,
                "discount_product_id": cls.discount_product.id,
                "payment_journal_id": cls.bank_journal.id,
                "auto_confirm": True,
                "auto_invoice": True,
                "auto_payment": True,
                "flow_ids": [
                    Command.create({"flow": "orders_in", "mode": "realtime"}),
                    Command.create({"flow": "stock_out", "mode": "batch"}),
                    Command.create({"flow": "fulfilment_out", "mode": "realtime"}),
                ],
                "mapping_ids": [
                    Command.create(
                        {
                            "mapping_type": "tax",
                            "external_code": "VAT20",
                            "odoo_ref": f"account.tax,{cls.tax_excluded.id}",
                        }
                    ),
                    Command.create(
                        {
                            "mapping_type": "tax",
                            "external_code": "VAT20-INC",
                            "odoo_ref": f"account.tax,{cls.tax_included.id}",
                        }
                    ),
                    Command.create(
                        {
                            "mapping_type": "payment_method",
                            "external_code": "gift_card",
                            "odoo_ref": f"account.journal,{cls.gift_card_journal.id}",
                        }
                    ),
                ],
            }
        )
        cls.currency = cls.company.currency_id.name

    @classmethod
    def _bind_products(cls):
        """Product A listed as SKU-1 and product B as SKU-2 on the backend."""
        Binding = cls.env["retail.product.binding"]
        cls.binding_a = Binding._bind(cls.backend, "SKU-1", cls.product_a)
        cls.binding_b = Binding._bind(cls.backend, "SKU-2", cls.product_b)

    @classmethod
    def _use_shopify(cls, location_ref):
        """The backend on Shopify (the simulator's API version, no throttle
        worth the name), publishing stock to ``location_ref``."""
        cls.backend.write(
            {
                "platform": "shopify",
                "api_version": "2025-10",
                "access_token": "sim-token",
                "rate_limit": 1000,
                "rate_burst": 1000,
                "location_ref": str(location_ref),
            }
        )

    @classmethod
    def _set_up_gift_cards(cls):
        """Gift cards sold on the backend credit a liability account, and
        the gift card journal's redemptions debit it."""
        cls.gift_card_account = cls.env["account.account"].create(
            {
                "name": "Gift cards outstanding",
                "code": "2191GC",
                "account_type": "liability_current",
            }
        )
        cls.gift_card_product = cls.env["product.product"].create(
            {
                "name": "Channel gift card",
                "type": "service",
                "invoice_policy": "order",
                "taxes_id": False,
            }
        )
        cls.gift_card_journal.inbound_payment_method_line_ids[
            :1
        ].payment_account_id = cls.gift_card_account
        cls.backend.write(
            {
                "gift_card_account_id": cls.gift_card_account.id,
                "gift_card_product_id": cls.gift_card_product.id,
            }
        )

    @classmethod
    def _set_up_reverse_charge(cls, taxes):
        """A French company whose auto-applied EU B2B position maps
        ``taxes`` to a 0 % intra-community tax for buyers with a VAT
        number."""
        cls.company.partner_id.vat = "FR40303265045"
        cls.tax_intra_eu = cls.env["account.tax"].create(
            {
                "name": "EU intra-community 0%",
                "amount": 0,
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
            }
        )
        cls.reverse_charge = cls.env["account.fiscal.position"].create(
            {
                "name": "EU B2B (reverse charge)",
                "auto_apply": True,
                "vat_required": True,
                "country_group_id": cls.env.ref("base.europe").id,
                "tax_ids": [
                    Command.create(
                        {"tax_src_id": tax.id, "tax_dest_id": cls.tax_intra_eu.id}
                    )
                    for tax in taxes
                ],
            }
        )

    @classmethod
    def _order_payload(cls, order_id="5001", updated_at="2026-11-01T10:00:00Z", **kw):
        """A generic-protocol order: 2 x SKU-1 at 12.50 and 1 x SKU-2 at 30.00,
        tax excluded at 20%, shipping 5.00 taxed: 55.00 + 5.00 + 12.00 tax."""
        payload = {
            "id": order_id,
            "number": f"#{order_id}",
            "created_at": "2026-11-01T09:59:00Z",
            "updated_at": updated_at,
            "currency": cls.currency,
            "status": "paid",
            "tax_included": False,
            "customer": {"id": "cust-1", "email": "ann@example.com", "name": "Ann"},
            "shipping_address": {
                "name": "Ann Smith",
                "street": "1 Quay Street",
                "city": "Brest",
                "zip": "29200",
                "country_code": "FR",
            },
            "lines": [
                {
                    "id": "L1",
                    "sku": "SKU-1",
                    "quantity": 2,
                    "unit_price": "12.50",
                    "tax_code": "VAT20",
                },
                {
                    "id": "L2",
                    "sku": "SKU-2",
                    "quantity": 1,
                    "unit_price": "30.00",
                    "tax_code": "VAT20",
                },
            ],
            "shipping": "5.00",
            "shipping_tax_code": "VAT20",
            "total": "72.00",
        }
        payload.update(kw)
        return payload

    def _deliver(self, payload, topic="orders/create", key=None):
        """Store a message as a webhook would, then run the inbox job."""
        key = key or f"{topic}:{payload['id']}:{payload.get('updated_at')}"
        event = self.env["retail.event"]._receive(
            self.backend,
            topic,
            key,
            json.dumps(payload),
            subject=str(payload.get("order_id") or payload["id"]),
        )
        self.backend._process_events()
        return event

    def _sale(self, order_id="5001"):
        return self.env["sale.order"].search(
            [
                ("retail_backend_id", "=", self.backend.id),
                ("retail_external_id", "=", order_id),
            ]
        )
