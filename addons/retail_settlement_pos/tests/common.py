# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.addons.retail_pos_sync.tests.common import PosCommon
from odoo.addons.retail_settlement.tests.common import SettlementCommon


class PosSettlementCommon(PosCommon, SettlementCommon):
    """The store of ``retail_pos_sync``'s tests, its card method leaving the
    day's card payments on their own outstanding account, and the payment
    provider of ``retail_settlement``'s tests paying them out."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card_outstanding = cls.env["account.account"].create(
            {
                "code": "512900",
                "name": "Store card payments to collect",
                "account_type": "asset_current",
                "reconcile": True,
            }
        )
        cls.card_method.outstanding_account_id = cls.card_outstanding

    def _sale(self, sequence, card, reference, **kw):
        """The 60.00 sale of the POS tests, ``card`` of it paid by card with
        the till's transaction ``reference``, the rest in cash."""
        payments = [{"method": "card", "amount": card, "reference": reference}]
        cash = 60 - float(card)
        if cash:
            payments.append({"method": "cash", "amount": f"{cash:.2f}"})
        return self._transaction(sequence, payments=payments, **kw)

    def _card_return(self, sequence, reference, original_uuid="T1-2026-11-02-1"):
        """One shirt (24.00) brought back and paid back on the card."""
        return self._transaction(
            sequence,
            type="return",
            original_uuid=original_uuid,
            lines=[{"sku": "POS-1", "quantity": 1, "unit_price": "24.00"}],
            payments=[{"method": "card", "amount": "24.00", "reference": reference}],
        )

    def _store_day(self, transactions, close=True):
        """Book ``transactions`` through the tills' inbox; close their
        session, which posts the day's card payments as outstanding."""
        self._push(transactions)
        session = self._booked().pos_order_id.session_id
        if close:
            session._retail_close()
        return session

    def _payment(self, reference):
        return self.env["pos.payment"].search([("transaction_id", "=", reference)])

    def _balance(self, account, moves=None):
        domain = [("account_id", "=", account.id), ("parent_state", "=", "posted")]
        if moves is not None:
            domain.append(("move_id", "in", moves.ids))
        lines = self.env["account.move.line"].search(domain)
        return round(sum(lines.mapped("balance")), 2)
