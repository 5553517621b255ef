# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import Command

from odoo.addons.retail_connector_base.tests.common import RetailCommon


class PosCommon(RetailCommon):
    """A POS backend with one store booked by its own point of sale (cash and
    card), a 20 % tax included in prices, and two products."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pos_backend = cls._prepare_backend(
            kind="pos", webhook_secret=cls.webhook_secret
        )
        company = cls.env.company
        cls.tax = cls.env["account.tax"].create(
            {
                "name": "Store VAT 20%",
                "amount": 20,
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            }
        )
        Journal = cls.env["account.journal"]
        cls.cash_journal = Journal.create(
            {"name": "Store cash", "type": "cash", "code": "SCSH"}
        )
        cls.card_journal = Journal.create(
            {"name": "Store card", "type": "bank", "code": "SCRD"}
        )
        PaymentMethod = cls.env["pos.payment.method"]
        cls.cash_method = PaymentMethod.create(
            {"name": "Cash", "journal_id": cls.cash_journal.id, "is_cash_count": True}
        )
        cls.card_method = PaymentMethod.create(
            {"name": "Card", "journal_id": cls.card_journal.id}
        )
        cls.pos_config = cls.env["pos.config"].create(
            {
                "name": "Brest store",
                "company_id": company.id,
                "payment_method_ids": [
                    Command.set((cls.cash_method | cls.card_method).ids)
                ],
            }
        )
        cls.store = cls.env["retail.pos.store"].create(
            {
                "backend_id": cls.pos_backend.id,
                "code": "BREST",
                "name": "Brest",
                "pos_config_id": cls.pos_config.id,
            }
        )
        Product = cls.env["product.product"]
        cls.shirt = Product.create(
            {
                "name": "Store shirt",
                "default_code": "POS-1",
                "is_storable": True,
                "available_in_pos": True,
                "taxes_id": [Command.set(cls.tax.ids)],
            }
        )
        cls.mug = Product.create(
            {
                "name": "Store mug",
                "default_code": "POS-2",
                "is_storable": True,
                "available_in_pos": True,
                "taxes_id": [Command.set(cls.tax.ids)],
            }
        )
        cls.pos_backend.mapping_ids = [
            Command.create(
                {
                    "mapping_type": "tax",
                    "external_code": "VAT20",
                    "odoo_ref": f"account.tax,{cls.tax.id}",
                }
            ),
            Command.create(
                {
                    "mapping_type": "payment_method",
                    "external_code": "cash",
                    "odoo_ref": f"account.journal,{cls.cash_journal.id}",
                }
            ),
            Command.create(
                {
                    "mapping_type": "payment_method",
                    "external_code": "card",
                    "odoo_ref": f"account.journal,{cls.card_journal.id}",
                }
            ),
        ]

    @staticmethod
    def _transaction(sequence, day="2026-11-02", terminal="T1", **kw):
        """A sale of 2 shirts at 24.00 and a mug at 12.00, tax included,
        paid 40.00 by card and 20.00 in cash."""
        transaction = {
            "uuid": f"{terminal}-{day}-{sequence}",
            "store": "BREST",
            "terminal": terminal,
            "sequence": sequence,
            "business_day": day,
            "local_time": f"{day}T10:{sequence % 60:02d}:00Z",
            "type": "sale",
            "lines": [
                {
                    "sku": "POS-1",
                    "quantity": 2,
                    "unit_price": "24.00",
                    "tax_code": "VAT20",
                },
                {
                    "sku": "POS-2",
                    "quantity": 1,
                    "unit_price": "12.00",
                    "tax_code": "VAT20",
                },
            ],
            "payments": [
                {"method": "card", "amount": "40.00", "reference": "auth-1"},
                {"method": "cash", "amount": "20.00"},
            ],
        }
        transaction.update(kw)
        return transaction

    def _push(self, transactions, batch_id="b1"):
        """Store a batch as the webhook would, then run the inbox job."""
        body = json.dumps({"batch_id": batch_id, "transactions": transactions})
        answer = self.pos_backend._webhook_receive({}, body.encode())
        self.pos_backend._process_events()
        return answer

    def _booked(self):
        return self.env["retail.pos.transaction"].search(
            [("backend_id", "=", self.pos_backend.id)]
        )

    @classmethod
    def _prepare_square_backend(
        cls,
        location="FPYCBCHYMXFK1",
        tax_code="HURXQOOAIC4IZSI2BEXQRYFY",
        **values,
    ):
        """A Square backend booking ``location`` with its own point of sale
        (its own cash method, the store's card method), its VAT catalog tax
        mapped to the 20 % included tax, and tender types CARD and CASH
        mapped."""
        backend = cls._prepare_backend(
            kind="pos",
            platform="square",
            webhook_secret="square-signature-key",
            access_token="square-access-token",
            **values,
        )
        # Odoo gives each point of sale its own cash method.
        cash_journal = cls.env["account.journal"].create(
            {"name": "Square store cash", "type": "cash", "code": "SQCSH"}
        )
        cash_method = cls.env["pos.payment.method"].create(
            {"name": "Cash", "journal_id": cash_journal.id, "is_cash_count": True}
        )
        config = cls.env["pos.config"].create(
            {
                "name": "Square store",
                "company_id": cls.env.company.id,
                "payment_method_ids": [
                    Command.set((cash_method | cls.card_method).ids)
                ],
            }
        )
        cls.env["retail.pos.store"].create(
            {
                "backend_id": backend.id,
                "code": location,
                "name": "Square Brest",
                "pos_config_id": config.id,
            }
        )
        backend.mapping_ids = [
            Command.create(
                {
                    "mapping_type": "tax",
                    "external_code": tax_code,
                    "odoo_ref": f"account.tax,{cls.tax.id}",
                }
            ),
            Command.create(
                {
                    "mapping_type": "payment_method",
                    "external_code": "CASH",
                    "odoo_ref": f"account.journal,{cash_journal.id}",
                }
            ),
            Command.create(
                {
                    "mapping_type": "payment_method",
                    "external_code": "CARD",
                    "odoo_ref": f"account.journal,{cls.card_journal.id}",
                }
            ),
        ]
        return backend
