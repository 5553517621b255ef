# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import json

from odoo import Command, fields

from odoo.addons.retail_connector_base.tests.common import RetailCommon

from ..parsers import generic_csv

CSV_MAPPING = generic_csv.EXAMPLE_OPTIONS
HEADER = "Payout,Date,Type,Order,Transaction,Gross,Fee,Net,Currency,Description"


class SettlementCommon(RetailCommon):
    """A payment-provider backend with its settlement accounts, and customer
    invoices bound as the channel's orders (a channel invoicing directly)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Account = cls.env["account.account"]

        def account(code, name, account_type):
            return Account.create(
                {"code": code, "name": name, "account_type": account_type}
            )

        cls.fee_account = account("627100", "Provider fees", "expense")
        cls.dispute_fee_account = account("627200", "Dispute fees", "expense")
        cls.chargeback_account = account("658100", "Chargebacks", "expense")
        cls.reserve_account = account("467100", "Provider reserve", "asset_current")
        cls.writeoff_account = account("658900", "Settlement write-off", "expense")
        cls.clearing_account = account("580100", "Provider clearing", "asset_cash")
        cls.journal = cls.env["account.journal"].create(
            {
                "name": "Provider payouts",
                "code": "PPAY",
                "type": "bank",
                "default_account_id": cls.clearing_account.id,
            }
        )
        cls.provider = cls._prepare_backend(
            kind="payment",
            settlement_journal_id=cls.journal.id,
            settlement_fee_account_id=cls.fee_account.id,
            settlement_chargeback_account_id=cls.chargeback_account.id,
            settlement_reserve_account_id=cls.reserve_account.id,
            settlement_other_account_id=cls.writeoff_account.id,
            settlement_writeoff_account_id=cls.writeoff_account.id,
            settlement_tolerance=0.01,
            settlement_writeoff_limit=5.0,
            settlement_csv_mapping=json.dumps(CSV_MAPPING),
            settlement_fee_mapping_ids=[
                Command.create(
                    {
                        "fee_code": "dispute_fee",
                        "account_id": cls.dispute_fee_account.id,
                    }
                )
            ],
        )
        cls.currency = cls.env.company.currency_id
        cls.customer = cls.env["res.partner"].create({"name": "Settled customer"})
        cls.product = cls.env["product.product"].create(
            {"name": "Settled product", "taxes_id": [Command.clear()]}
        )
        cls.invoices = {
            ref: cls._bound_invoice(ref, amount)
            for ref, amount in (("ORD-1", 100.0), ("ORD-2", 50.0), ("ORD-3", 30.0))
        }

    @classmethod
    def _bound_invoice(cls, ref, amount):
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer.id,
                "invoice_date": fields.Date.today(),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        cls.env["retail.order.binding"].create(
            {
                "backend_id": cls.provider.id,
                "external_id": ref,
                "res_model": invoice._name,
                "res_id": invoice.id,
            }
        )
        return invoice

    @classmethod
    def _credit_note(cls, invoice, amount):
        reversal = (
            cls.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "return"})
        )
        credit_note = cls.env["account.move"].browse(reversal.refund_moves()["res_id"])
        credit_note.invoice_line_ids.price_unit = amount
        credit_note.action_post()
        return credit_note

    @classmethod
    def _csv(cls, rows, payout="PO-1"):
        lines = [HEADER]
        for row in rows:
            kind, order, gross, fee = row[:4]
            try:
                net = f"{float(gross) + float(fee):.2f}"
            except ValueError:
                net = gross  # a malformed row, kept malformed
            description = row[4] if len(row) > 4 else ""
            lines.append(
                f"{payout},2026-11-20,{kind},{order},T-{len(lines)},{gross},{fee},"
                f"{net},{cls.currency.name},{description}"
            )
        return ("\n".join(lines) + "\n").encode()

    def _import(self, content, name="payout.csv", source="generic_csv"):
        wizard = self.env["retail.settlement.import"].create(
            {
                "backend_id": self.provider.id,
                "file": base64.b64encode(content),
                "file_name": name,
                "source": source,
            }
        )
        action = wizard.action_import()
        return self.env["retail.settlement"].browse(action["res_id"])

    def _lines(self, settlement, **criteria):
        return settlement.line_ids.filtered(
            lambda line: all(line[key] == value for key, value in criteria.items())
        )
