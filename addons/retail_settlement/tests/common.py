# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import json

from odoo import Command, fields

from odoo.addons.retail_connector_base.tests.common import (
    RetailCommon,
    simulator_class,
)

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


class SettlementFetchCommon(SettlementCommon):
    """The provider, a ``PLATFORM`` backend, fetching its payouts with
    ``TOKEN`` in its ``CREDENTIAL`` field, against the simulator's
    ``PLATFORM`` mode over loopback HTTP; ``flow`` is its Settlements in
    flow. Test classes add HttpCase: the outbound client's throttle commits
    on its own cursor, which only the registry's test mode keeps inside the
    test."""

    PLATFORM = TOKEN = CREDENTIAL = ""
    CREDENTIAL_LABEL = ""  # as errors name the credential
    PAYOUTS_PATH = ""  # in the URL of a payouts list request

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider.write(
            {
                "platform": cls.PLATFORM,
                "settlement_fetch": True,
                cls.CREDENTIAL: cls.TOKEN,
                "rate_limit": 1000,
                "rate_burst": 1000,
                "breaker_threshold": 100,
            }
        )
        cls.flow = cls.provider.flow_ids.filtered(lambda f: f.flow == "settlements_in")

    def setUp(self):
        super().setUp()
        simulator = simulator_class()(
            platform=self.PLATFORM,
            api_token=self.TOKEN,
            currency=self.currency.name,
            rate_limit_enabled=False,
        )
        self.sim = simulator.start()
        self.addCleanup(self.sim.stop)
        self.provider.api_url = self.sim.url

    def _settlements(self):
        return self.env["retail.settlement"].search(
            [("backend_id", "=", self.provider.id)], order="id"
        )

    def _calls(self, template):
        return self.sim.stats()["requests"].get(f"GET {template}", 0)

    def _payout_list_urls(self):
        return (
            self.env["retail.request.log"]
            .search([("backend_id", "=", self.provider.id)], order="id")
            .filtered(lambda log: self.PAYOUTS_PATH in log.url)
            .mapped("url")
        )

    def _assert_refused_once(self, provider):
        """Two runs with a refused key: the flow's error names it, nothing
        is kept, and the backend's responsible has one exception activity."""
        for _run in range(2):
            result = self.flow._run()
        self.assertTrue(result.startswith("failed:"), result)
        self.assertIn(
            f"{provider} refused the {self.CREDENTIAL_LABEL}", self.flow.last_error
        )
        self.assertIn("401", self.flow.last_error)
        self.assertFalse(self.flow.checkpoint)
        self.assertFalse(self._settlements())
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "retail.backend"), ("res_id", "=", self.provider.id)]
        )
        self.assertEqual(len(activities), 1)
        self.assertEqual(
            activities.activity_type_id,
            self.env.ref("retail_connector_base.mail_activity_type_sync_exception"),
        )
        self.assertIn("payouts could not be fetched", activities.summary)
        self.assertEqual(activities.user_id, self.provider.user_id)
        self.assertIn(self.CREDENTIAL_LABEL, str(activities.note))
