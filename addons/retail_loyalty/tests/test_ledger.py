# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import LoyaltyCommon


class TestLedger(LoyaltyCommon):
    def test_entry_moves_the_card_by_its_points(self):
        """Test that a ledger entry lands on the customer's loyalty card."""
        self._post(30, "t-1")
        self._post(-12.5, "t-2", kind="redemption")
        card = self._card()
        self.assertEqual(card.points, 17.5)
        self.assertEqual(card.retail_ledger_balance, 17.5)
        self.assertEqual(sorted(card.history_ids.mapped("issued")), [0.0, 30.0])
        self.assertLedgerMatchesCards()

    def test_replayed_transaction_counts_once(self):
        """Test that a transaction id already written changes nothing."""
        first = self._post(30, "t-1")
        entry, created = self.Ledger._post(
            self.loyalty_backend, self._card(), "accrual", 30, "t-1", "channel"
        )
        self.assertFalse(created)
        self.assertEqual(entry, first)
        self.assertEqual(self._card().points, 30)

    def test_ledger_is_append_only(self):
        """Test that entries cannot be changed nor deleted, only followed."""
        entry = self._post(30, "t-1")
        with self.assertRaises(UserError):
            entry.points = 300
        with self.assertRaises(UserError):
            entry.unlink()
        entry.engine_state = "sent"
        self.assertEqual(entry.engine_state, "sent")

    def test_odoo_change_of_a_card_is_recorded(self):
        """Test that points moved by Odoo's own flows (the balance wizard)
        become a ledger adjustment, so the card still equals its ledger."""
        self._post(30, "t-1")
        wizard = self.env["loyalty.card.update.balance"].create(
            {"card_id": self._card().id, "new_balance": 50, "description": "Gift"}
        )
        wizard.action_update_card_point()
        adjustment = self._entries([("origin", "=", "odoo")])
        self.assertEqual(adjustment.points, 20)
        self.assertEqual(adjustment.engine_state, "pending")
        self.assertLedgerMatchesCards()

    def test_check_finds_a_card_changed_behind_the_ledger(self):
        """Test that the balance check names a card whose points no longer
        equal its ledger's sum."""
        self._post(30, "t-1")
        card = self._card()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE loyalty_card SET points = 31 WHERE id = %s", (card.id,)
        )
        card.invalidate_recordset()
        self.assertEqual(card._retail_check_ledger(), card)

    def test_one_card_per_customer_and_program(self):
        """Test that the customer's card is found again, not created twice."""
        self.assertEqual(self._card(), self._card())


@tagged("post_install", "-at_install")
class TestLedgerOverRpc(LoyaltyCommon, HttpCase):
    """What a person who may edit loyalty cards can do over the web client's
    RPC, where they choose the context."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.loyalty_backend.loyalty_push_mode = "off"
        card_writers = cls.env["res.groups"].create({"name": "Card writers"})
        # As Odoo's sale_loyalty and pos_loyalty give their users: the
        # loyalty models readable, cards writable.
        cls.env["ir.model.access"].create(
            [
                {
                    "name": "card writers",
                    "model_id": model.id,
                    "group_id": card_writers.id,
                    "perm_read": True,
                    "perm_write": model.model == "loyalty.card",
                }
                for model in cls.env["ir.model"].search(
                    [("model", "=like", "loyalty.%")]
                )
            ]
        )
        cls.card_writer = cls._create_retail_user("card_writer", "base.group_user")
        cls.card_writer.write(
            {"password": "card_writer", "groups_id": [Command.link(card_writers.id)]}
        )

    def test_context_key_does_not_skip_the_ledger(self):
        """Test that a card writer passing the ledger's old context key over
        JSON-RPC still gets their change recorded as a ledger entry."""
        self._post(30, "t-1")
        card = self._card()
        self.authenticate("card_writer", "card_writer")
        self.make_jsonrpc_request(
            "/web/dataset/call_kw/loyalty.card/write",
            {
                "model": "loyalty.card",
                "method": "write",
                "args": [card.ids, {"points": 500}],
                "kwargs": {"context": {"retail_loyalty_ledger": True}},
            },
        )
        self.env.invalidate_all()
        self.assertEqual(card.points, 500)
        adjustment = self._entries([("origin", "=", "odoo")])
        self.assertEqual(adjustment.points, 470)
        self.assertEqual(adjustment.create_uid, self.card_writer)
        self.assertLedgerMatchesCards()
