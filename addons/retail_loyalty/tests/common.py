# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from contextlib import contextmanager
from decimal import Decimal
from unittest.mock import patch

from odoo import Command

from odoo.addons.retail_connector_base.exceptions import RetailBusinessError
from odoo.addons.retail_connector_base.tests.common import RetailCommon

# Every call an engine adapter makes goes through this method.
ENGINE_SEND = "odoo.addons.retail_loyalty.adapters.common.LoyaltyAdapter.send"


class FakeEngine:
    """The generic loyalty protocol's engine, answering the adapter's ``send`` in
    process (unit tests make no network call): balances per member, and
    idempotency keys honoured."""

    def __init__(self):
        self.balances = {}
        self.calls = []
        self.answers = {}
        self.refuse = None

    def __call__(self, method, path, json_body=None, params=None, headers=None):
        self.calls.append((method, path, json_body, dict(headers or {})))
        if method == "POST":
            key = headers["Idempotency-Key"]
            if key in self.answers:
                return self.answers[key]
            if self.refuse:
                raise RetailBusinessError(self.refuse, code="http_422")
            member = path.split("/")[-2]
            points = Decimal(str(json_body["points"]))
            self.balances[member] = self.balances.get(member, Decimal(0)) + points
            answer = {"id": f"LT-{len(self.answers) + 1}", "member_id": member}
            self.answers[key] = answer
            return answer
        return {
            "members": [
                {"member_id": member, "balance": str(balance)}
                for member, balance in self.balances.items()
            ],
            "next_cursor": None,
        }


class LoyaltyCommon(RetailCommon):
    """A loyalty program earning one point per currency unit, kept with a
    loyalty engine on the generic protocol, and a customer bound on the
    engine (member ``M-ANN``) and on a channel (``C-ANN``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.program = cls.env["loyalty.program"].create(
            {
                "name": "Retail points",
                "program_type": "loyalty",
                "trigger": "auto",
                "applies_on": "both",
                "rule_ids": [
                    Command.clear(),
                    Command.create(
                        {"reward_point_mode": "money", "reward_point_amount": 1}
                    ),
                ],
            }
        )
        cls.loyalty_backend = cls._prepare_backend(
            kind="loyalty",
            api_url="https://engine.invalid",
            access_token="sim-token",
            webhook_secret=cls.webhook_secret,
            loyalty_program_id=cls.program.id,
        )
        cls.ann = cls.env["res.partner"].create(
            {"name": "Ann Martin", "email": "ann@example.com", "phone": "+33612345678"}
        )
        Binding = cls.env["retail.partner.binding"]
        Binding.create(
            {
                "backend_id": cls.loyalty_backend.id,
                "odoo_id": cls.ann.id,
                "external_id": "M-ANN",
            }
        )
        Binding.create(
            {
                "backend_id": cls.backend.id,
                "odoo_id": cls.ann.id,
                "external_id": "C-ANN",
            }
        )
        cls.Ledger = cls.env["retail.loyalty.ledger"]

    def _entries(self, domain=()):
        """The ledger entries of the test program (entries other tests
        committed stay out of sight)."""
        return self.Ledger.search([("program_id", "=", self.program.id), *domain])

    def _card(self, partner=None):
        return self.env["loyalty.card"]._retail_card_for(
            self.program, partner or self.ann
        )

    def _post(self, points, transaction_id, kind="accrual", partner=None, **kw):
        entry, _created = self.Ledger._post(
            self.loyalty_backend,
            self._card(partner),
            kind,
            points,
            transaction_id,
            kw.pop("origin", "channel"),
            **kw,
        )
        return entry

    def assertLedgerMatchesCards(self):
        cards = self.env["loyalty.card"].search([("program_id", "=", self.program.id)])
        self.assertFalse(cards._retail_check_ledger(), "card points == ledger sum")

    @contextmanager
    def _engine(self):
        """Route the engine adapter's calls to a ``FakeEngine``."""
        engine = FakeEngine()
        with patch(ENGINE_SEND, side_effect=engine, autospec=False):
            yield engine

    def _receive(self, backend, topic, payload, key):
        event = self.env["retail.event"]._receive(
            backend, topic, key, json.dumps(payload)
        )
        backend._process_events()
        return event
