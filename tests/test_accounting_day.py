# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The accounting day (issue 20, "Done when"): a mixed day booked through the
suite's own entry points (channel webhooks and POS batches through the inbox,
a payout file through the settlement import), then the tax report and the
receivable, gift card liability, store card and settlement clearing balances
compared with figures this test works out from the inputs alone; the
chargeback's dispute ends lost on its order.

It runs in-process (a TransactionCase, rolled back) in the database with
every module and bridge installed; it uses none of the real-server fixtures
of tests/conftest.py."""

import json

from odoo import Command

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_marketplace.tests.common import MarketplaceCommon
from odoo.addons.retail_settlement_pos.tests.common import PosSettlementCommon

DAY_1, DAY_2 = "2026-11-02", "2026-11-03"


class TestAccountingDay(PosSettlementCommon, MarketplaceCommon):
    """The channel backend of the marketplace tests (taxes excluded), the
    store and payment provider of the store card payout tests (store tax
    20 % included), with a 10 % channel tax, gift cards and an EU reverse
    charge fiscal position added."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax_10 = cls.env["account.tax"].create(
            {
                "name": "Channel VAT 10%",
                "amount": 10,
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
            }
        )
        cls._set_up_reverse_charge(cls.tax_excluded | cls.tax_10)
        cls._set_up_gift_cards()
        cls.backend.mapping_ids = [
            Command.create(
                {
                    "mapping_type": "tax",
                    "external_code": "VAT10",
                    "odoo_ref": f"account.tax,{cls.tax_10.id}",
                }
            )
        ]
        # The provider's payouts settle the channel's orders too (chargebacks).
        cls.provider.settlement_order_backend_ids = cls.backend
        cls.store.numbering_reset = "business_day"

    # Channel side -------------------------------------------------------

    @staticmethod
    def _order_lines(*specs):
        """Order lines L1, L2... from ``(sku, quantity, unit price, tax)``."""
        return [
            dict(
                zip(("sku", "quantity", "unit_price", "tax_code"), spec, strict=True),
                id=f"L{index}",
            )
            for index, spec in enumerate(specs, 1)
        ]

    def _channel_order(self, order_id, lines, total, **kw):
        event = self._deliver(
            self._order_payload(
                order_id,
                currency=self.currency.name,
                lines=lines,
                total=total,
                **kw,
            )
        )
        self.assertEqual(event.state, "done", event.last_error)
        sale = self._channel_sale(order_id)
        self.assertEqual(sale.invoice_ids.payment_state, "paid")
        return sale

    def _channel_sale(self, order_id):
        # _sale is the store card payout tests' POS sale builder here.
        return MarketplaceCommon._sale(self, order_id)

    def _channel_refund(self, refund_id, order_id, amount, **kw):
        refund = {
            "id": refund_id,
            "order_id": order_id,
            "created_at": "2026-11-03T10:00:00Z",
            "amount": amount,
            "lines": [],
            **kw,
        }
        event = self._deliver(refund, topic="refunds/create")
        self.assertEqual(event.state, "done", event.last_error)
        credit_note = self.env["account.move"].browse(event.res_id)
        self.assertEqual(credit_note.payment_state, "paid", "money went back")
        return credit_note

    # Books ----------------------------------------------------------------

    def _posted(self, domain):
        return self.env["account.move.line"].search(
            [("parent_state", "=", "posted"), *domain]
        )

    def _tax_report(self, tax):
        """``(base, tax)`` of ``tax`` from the posted journal items (the
        test's taxes carry no report tags): base from the lines taxed by it,
        tax from its tax lines; credits positive (sales), debits negative
        (credit notes)."""
        base = -sum(self._posted([("tax_ids", "in", tax.ids)]).mapped("balance"))
        amount = -sum(self._posted([("tax_line_id", "=", tax.id)]).mapped("balance"))
        return round(base, 2), round(amount, 2)

    def _receivable(self):
        lines = self._posted([("account_id.account_type", "=", "asset_receivable")])
        return round(sum(lines.mapped("balance")), 2)

    def test_mixed_day_books_what_finance_computes(self):
        receivable_before = self._receivable()

        # Two tax rates. 2 shirts at 12.50 and shipping 5.00 at 20 %
        # (base 30.00, tax 6.00), a bag at 30.00 at 10 % (base 30.00,
        # tax 3.00): 69.00.
        self._channel_order(
            "5101",
            self._order_lines(
                ("SKU-1", 2, "12.50", "VAT20"), ("SKU-2", 1, "30.00", "VAT10")
            ),
            "69.00",
        )
        # Goodwill of 23.00, no line: split across the two equal bases,
        # x * 1.20 + x * 1.10 = 23.00, so x = 10.00: base 10.00 (tax 2.00)
        # at 20 % and base 10.00 (tax 1.00) at 10 %.
        goodwill = self._channel_refund("R5101", "5101", "23.00")
        self.assertEqual((goodwill.amount_total, goodwill.amount_tax), (23.0, 3.0))

        # A shirt and shipping at 20 %: base 17.50, tax 3.50, 21.00; its
        # shipping refunded, 6.00 with tax: base 5.00, tax 1.00.
        self._channel_order(
            "5102", self._order_lines(("SKU-1", 1, "12.50", "VAT20")), "21.00"
        )
        shipping_refund = self._channel_refund("R5102", "5102", "6.00", shipping="6.00")
        self.assertEqual(shipping_refund.amount_tax, 1.0)

        # A 50.00 gift card (untaxed, a liability) and a shirt at 20 %
        # (base 12.50, tax 2.50): 65.00.
        gift_lines = [
            {
                "id": "G1",
                "sku": "",
                "title": "Gift card 50",
                "quantity": 1,
                "unit_price": "50.00",
                "gift_card": True,
            },
            *self._order_lines(("SKU-1", 1, "12.50", "VAT20")),
        ]
        self._channel_order("5103", gift_lines, "65.00", shipping="0")
        # Redeemed for 40.00 of the next order: a bag and shipping at 20 %
        # (base 35.00, tax 7.00), 42.00, paid 40.00 by the gift card, 2.00 by
        # bank card.
        self._channel_order(
            "5104",
            self._order_lines(("SKU-2", 1, "30.00", "VAT20")),
            "42.00",
            payments=[
                {"method": "gift_card", "kind": "gift_card", "amount": "40.00"},
                {"method": "card", "amount": "2.00"},
            ],
        )

        # An EU business buyer (Berlin, VAT number): the whole order (base
        # 60.00, both rates and shipping) reverse charged at 0 %: 60.00.
        address = {
            "name": "Jens Meyer",
            "company": "Acme GmbH",
            "street": "Unter den Linden 1",
            "city": "Berlin",
            "zip": "10117",
            "country_code": "DE",
        }
        b2b = self._channel_order(
            "5105",
            self._order_lines(
                ("SKU-1", 2, "12.50", "VAT20"), ("SKU-2", 1, "30.00", "VAT10")
            ),
            "60.00",
            customer={
                "id": "cust-acme-1",
                "email": "jens@acme.example",
                "name": "Jens Meyer",
                "company": "Acme GmbH",
                "vat": "DE 123456789",
            },
            billing_address=address,
            shipping_address=address,
        )
        self.assertEqual(b2b.fiscal_position_id, self.reverse_charge)

        # The store: a till restarting at #1 each business day, two days of
        # two 60.00 sales each (tax included: base 50.00, tax 10.00 each).
        # Card: 40.00 + 60.00 on day 1, 40.00 on day 2; the rest in cash.
        self._push(
            [
                self._sale(1, "40.00", "ch_store_d1_1", day=DAY_1),
                self._sale(2, "60.00", "ch_store_d1_2", day=DAY_1),
            ]
        )
        self._push(
            [
                self._sale(1, "40.00", "ch_store_d2_1", day=DAY_2),
                self._transaction(
                    2, day=DAY_2, payments=[{"method": "cash", "amount": "60.00"}]
                ),
            ],
            batch_id="b2",
        )
        booked = self._booked()
        self.assertEqual(len(booked), 4, "day 2's #1 and #2 do not hit day 1's")
        sessions = booked.pos_order_id.session_id
        self.assertEqual(len(sessions), 2, "one session per business day")
        # Closed as in production: the scheduled action enqueues one job per
        # business day past its grace period, each job closes its session.
        # (Not sessions._retail_close() on both at once: Odoo's cached cash
        # difference then books the second day's cash as a counting loss.)
        # Only this store's jobs run: a database holding other stores' open
        # days (the end-to-end tests' committed data) enqueues theirs too.
        with trap_jobs() as trap:
            self.env["pos.session"]._cron_close_business_days()
        jobs = [job for job in trap.enqueued_jobs if job.recordset <= sessions]
        self.assertEqual(len(jobs), 2)
        for job in jobs:
            job.perform()
        self.assertEqual(set(sessions.mapped("state")), {"closed"})
        # Cash counted as received: 20.00 on day 1, 20.00 + 60.00 on day 2.
        self.assertEqual(self._balance(self.cash_journal.default_account_id), 100.0)
        # 40.00 + 60.00 + 40.00 card sales to collect from the provider.
        self.assertEqual(self._balance(self.card_outstanding), 140.0)

        # The provider's payout: the three store card sales less their fees
        # and a chargeback of order 5102 (21.00) with its 15.00 fee.
        # Net: 39.30 + 59.00 + 39.30 - 36.00 = 101.60.
        settlement = self._import(
            self._csv(
                [
                    ("Sale", "ch_store_d1_1", "40.00", "-0.70"),
                    ("Sale", "ch_store_d1_2", "60.00", "-1.00"),
                    ("Sale", "ch_store_d2_1", "40.00", "-0.70"),
                    ("Chargeback", "5102", "-21.00", "-15.00"),
                    ("Payout", "", "-101.60", "0.00"),
                ]
            )
        )
        self.assertEqual(settlement.state, "matched")
        chargeback = self._lines(settlement, line_type="chargeback")
        disputed = self._channel_sale("5102")
        self.assertEqual(chargeback.order_ref_id, disputed)
        settlement.action_post()
        self.assertEqual(settlement.state, "posted")
        # The payout opened the order's dispute; the provider's message
        # closes it lost, through the inbox.
        dispute = chargeback.dispute_id
        self.assertEqual((dispute.state, dispute.order_ref_id), ("opened", disputed))
        event = self.env["retail.event"]._receive(
            self.provider,
            "disputes/update",
            "dp-5102:lost",
            json.dumps(
                {
                    "id": "dp-5102",
                    "order_id": "5102",
                    "status": "lost",
                    "amount": "21.00",
                    "currency": self.currency.name,
                    "reason": "fraudulent",
                }
            ),
            subject="dp-5102",
        )
        self.provider._process_events()
        self.assertEqual(event.state, "done", event.last_error)
        self.assertEqual(disputed.retail_dispute_ids, dispute)
        self.assertEqual((dispute.external_id, dispute.state), ("dp-5102", "lost"))
        self.assertIn("lost", disputed.message_ids[0].body)

        # The tax report, per tax: (base, tax).
        # 20 %: orders 30.00 + 17.50 + 12.50 + 35.00 = 95.00, less the
        # goodwill 10.00 and the shipping 5.00 = 80.00; tax 6.00 + 3.50 +
        # 2.50 + 7.00 - 2.00 - 1.00 = 16.00.
        self.assertEqual(self._tax_report(self.tax_excluded), (80.0, 16.0))
        # 10 %: 30.00 less the goodwill 10.00 = 20.00; 3.00 - 1.00 = 2.00.
        self.assertEqual(self._tax_report(self.tax_10), (20.0, 2.0))
        # 0 % reverse charge: the B2B order's 60.00, no tax.
        self.assertEqual(self._tax_report(self.tax_intra_eu), (60.0, 0.0))
        # Store 20 % included: 4 x 50.00 = 200.00; 4 x 10.00 = 40.00.
        self.assertEqual(self._tax_report(self.tax), (200.0, 40.0))
        # Nothing else was taxed today with the channel's mapped taxes.
        self.assertEqual(self._tax_report(self.tax_included), (0.0, 0.0))

        # Every invoice was paid when imported, every credit note paid
        # back, the store's orders paid at the till, and a lost chargeback
        # is an expense, not a debt: the receivables are where they were.
        self.assertEqual(self._receivable(), receivable_before)
        # Owed to gift card holders: 50.00 sold - 40.00 redeemed = 10.00.
        self.assertEqual(self._balance(self.gift_card_account), -10.0)
        # The store's card sales, 140.00, all paid out: nothing to collect.
        self.assertEqual(self._balance(self.card_outstanding), 0.0)
        # The payout waiting in the provider's clearing account: 101.60.
        self.assertEqual(self._balance(self.clearing_account), 101.6)
        # The chargeback lost, 21.00, expensed; fees 0.70 + 1.00 + 0.70 +
        # 15.00 = 17.40.
        self.assertEqual(self._balance(self.chargeback_account), 21.0)
        self.assertEqual(self._balance(self.fee_account), 17.4)
