# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The simulator's loyalty engines keep balances, honour idempotency keys,
page their members, announce engine-side changes by signed webhooks, and
speak the protocols the suite's loyalty adapters (generic and Talon.One)
expect."""

import pytest
import requests
from simulator import Simulator
from simulator.receiver import WebhookReceiver

from odoo.addons.retail_connector_base.adapters import simulator as generic
from odoo.addons.retail_loyalty.adapters import simulator as adapter
from odoo.addons.retail_loyalty.adapters import talon_one
from odoo.addons.retail_loyalty.adapters.common import PointsPush

SECRET = "engine-secret"


class Refused(Exception):
    def __init__(self, status, body):
        super().__init__(f"{status}: {body}")
        self.status = status


@pytest.fixture
def receiver():
    hooks = WebhookReceiver()
    yield hooks
    hooks.close()


def _send(sim, token="Bearer sim-token"):
    """What the backend's rate-limited client is to the adapters."""

    def send(method, path, json_body=None, params=None, headers=None):
        response = requests.request(
            method,
            f"{sim.url}/{path}",
            json=json_body,
            params=params,
            headers={"Authorization": token, **(headers or {})},
            timeout=10,
        )
        if response.status_code >= 400:
            raise Refused(response.status_code, response.text)
        return response.json() if response.content else None

    return send


def test_generic_engine_counts_each_idempotency_key_once(receiver):
    with Simulator(platform="loyalty", webhook_secret=SECRET) as sim:
        send = _send(sim)
        earn = PointsPush("pos.order:u1:earn", "M-1", "accrual", 30.5)
        first = adapter.push(send, earn)
        assert adapter.push(send, earn) == first
        adapter.push(send, PointsPush("redeem:1:R1", "M-1", "redemption", -10))
        assert adapter.balances(send, None) == {"M-1": 20.5}
        assert sim.stats()["idempotent_replays"] == 1
        with pytest.raises(Refused) as short:
            adapter.push(send, PointsPush("redeem:1:R2", "M-1", "redemption", -99))
        assert short.value.status == 422
        with pytest.raises(Refused) as keyless:
            send("POST", "api/v1/loyalty/members/M-1/transactions", {"points": 1})
        assert keyless.value.status == 400
        with pytest.raises(Refused) as unauthorized:
            adapter.balances(_send(sim, "Bearer wrong"), None)
        assert unauthorized.value.status == 401


def test_generic_engine_pages_its_members():
    with Simulator(platform="loyalty") as sim:
        for index in range(1203):
            sim.platform.set_balance(f"M-{index:04d}", index)
        balances = adapter.balances(_send(sim), None)
        assert len(balances) == 1203
        assert balances["M-1202"] == 1202
        assert adapter.balances(_send(sim), {"M-0007"}) == {"M-0007": 7}


def test_engine_side_changes_are_signed_webhooks(receiver):
    with Simulator(
        platform="loyalty", target_url=receiver.url, webhook_secret=SECRET
    ) as sim:
        sim.platform.set_balance("M-1", 10)
        sim.platform.adjust("M-1", 5, reason="bonus", duplicates=2)
        sim.platform.adjust("M-1", -3, kind="expiry")
        assert sim.platform.balance("M-1") == 12
        deliveries = receiver.deliveries
        assert len(deliveries) == 3
        (h1, b1), (h2, b2), (_h3, b3) = deliveries
        assert generic.verify_signature([SECRET], h1, b1, 300) is None
        assert h1[generic.EVENT_ID_HEADER] == h2[generic.EVENT_ID_HEADER]
        assert h1[generic.TOPIC_HEADER] == "loyalty/adjustment"
        (change,) = adapter.parse_changes(generic.parse_event(h1, b1)["payload"])
        assert (change.member_id, change.points, change.kind) == (
            "M-1",
            5,
            "adjustment",
        )
        (expiry,) = adapter.parse_changes(generic.parse_event(h1, b3)["payload"])
        assert (expiry.points, expiry.kind, expiry.balance_after) == (-3, "expiry", 12)


def test_talon_one_mode_speaks_talon_one(receiver):
    with Simulator(
        platform="talon_one", target_url=receiver.url, webhook_secret=SECRET
    ) as sim:
        management = _send(sim, "ManagementKey-v1 sim-management-key")
        integration_key = "sim-integration-key"

        def send(method, path, json_body=None, params=None, headers=None):
            return _send(sim, headers.pop("Authorization"))(
                method, path, json_body, params, headers
            )

        earn = PointsPush("pos.order:u1:earn", "42", "accrual", 25)
        talon_one.push(send, "7", earn, "sim-management-key")
        talon_one.push(send, "7", earn, "sim-management-key")
        talon_one.push(
            send,
            "7",
            PointsPush("redeem:1:R1", "42", "redemption", -5),
            "sim-management-key",
        )
        assert talon_one.balance(send, "7", "42", integration_key) == 20
        assert talon_one.find_transaction(
            send, "7", "42", "pos.order:u1:earn", integration_key
        )
        assert not talon_one.find_transaction(send, "7", "42", "nope", integration_key)
        with pytest.raises(Refused) as unauthorized:
            management("GET", "v1/loyalty_programs/7/profile/42/balances")
        assert unauthorized.value.status == 401
        with pytest.raises(Refused) as short:
            talon_one.push(
                send,
                "7",
                PointsPush("redeem:1:R2", "42", "redemption", -500),
                "sim-management-key",
            )
        assert short.value.status == 400
        sim.platform.adjust("42", 7, reason="Goodwill")
        headers, body = receiver.deliveries[-1]
        assert generic.verify_signature([SECRET], headers, body, 300) is None
        payload = generic.parse_event(headers, body)["payload"]
        (change,) = talon_one.parse_changes(payload, "7", "n-1")
        assert (change.member_id, change.points, change.idempotency_key) == (
            "42",
            7,
            "",
        )
