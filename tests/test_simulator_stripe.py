# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The simulator's Stripe mode speaks Stripe as the settlement fetch reads it:
paid payouts by creation time, the balance transactions of an automatic
payout with their sources expanded, cursor pagination, Bearer auth, and
documents the Stripe parser imports whole; and disputes as the settlement
module's webhook and disputes adapters read them."""

import json
import time
from decimal import Decimal

import pytest
import requests
from payouts import read_payout, simulated
from simulator import Simulator
from simulator.receiver import WebhookReceiver

from odoo.addons.retail_settlement.adapters.stripe import (
    DEFAULT_VERSION,
    StripeConnection,
    StripeDisputes,
    StripePayouts,
    verify_signature,
)
from odoo.addons.retail_settlement.parsers import stripe as stripe_parser

TOKEN = "sk_test_simulator"


@pytest.fixture
def sim():
    with Simulator(platform="stripe", currency="usd") as simulator:
        yield simulator


def _request(sim, token=TOKEN, session=None):
    session = session or requests.Session()
    headers = StripeConnection.headers(token, DEFAULT_VERSION)

    def request(path, params, links=False):
        response = session.get(f"{sim.url}/{path}", params=params, headers=headers)
        response.raise_for_status()
        return response.json()

    return request


def _charges(*orders):
    return [
        {"order": order, "amount": amount, "fee": fee, "fee_tax": tax}
        for order, amount, fee, tax in orders
    ]


def test_payout_document_parses_and_adds_up(sim):
    payout = sim.platform.create_payout(
        charges=_charges(("S1", "80.00", "2.20", "0.42"), ("S2", "45.99", "1.63", "")),
        refunds=[{"order": "S1", "amount": "20.00"}],
        fees=[{"amount": "2.00", "description": "Radar"}],
    )
    assert payout["amount"] == 8000 - 262 + 4599 - 163 - 2000 - 200
    assert payout["status"] == "paid" and payout["automatic"] is True
    raw = simulated(StripePayouts, _request(sim)).payout_document(payout, limit=2)
    header, lines = read_payout(stripe_parser, raw)
    assert header.external_id == payout["id"]
    assert header.currency == "USD"
    assert header.declared_total == Decimal("99.74")
    assert sorted(line.line_type for line in lines) == [
        "fee",
        "order",
        "order",
        "payout",
        "refund",
    ]
    by_order = {line.order_ref: line for line in lines if line.line_type == "order"}
    assert by_order["S1"].amount_fee == Decimal("-2.62")
    assert sorted(code for code, _amount in by_order["S1"].fees) == [
        "stripe:stripe_fee",
        "stripe:tax",
    ]


def test_payouts_are_filtered_by_status_and_creation_and_paged(sim):
    now = 1_760_000_000
    made = [
        sim.platform.create_payout(charges=_charges(("S1", "10.00", "", "")), created=t)
        for t in (now, now + 10, now + 20)
    ]
    sim.platform.create_payout(created=now + 30, status="in_transit")
    request = _request(sim)
    page = request("v1/payouts", {"limit": 2, "status": "paid"})
    assert page["object"] == "list" and page["url"] == "/v1/payouts"
    assert [p["id"] for p in page["data"]] == [made[2]["id"], made[1]["id"]]
    assert page["has_more"] is True
    rest = request(
        "v1/payouts", {"limit": 2, "status": "paid", "starting_after": made[1]["id"]}
    )
    assert [p["id"] for p in rest["data"]] == [made[0]["id"]]
    assert rest["has_more"] is False
    adapter = simulated(StripePayouts, request)
    listed = adapter.list_payouts(now + 10, limit=1)
    assert [p["id"] for p in listed] == [made[1]["id"], made[2]["id"]]
    assert len(adapter.list_payouts(None)) == 3
    assert sim.stats()["stripe_versions"][-1] == DEFAULT_VERSION


def test_balance_transactions_expand_sources_only_when_asked(sim):
    payout = sim.platform.create_payout(charges=_charges(("S1", "10.00", "0.50", "")))
    request = _request(sim)
    plain = request("v1/balance_transactions", {"payout": payout["id"]})
    assert all(isinstance(t["source"], str) for t in plain["data"])
    expanded = request(
        "v1/balance_transactions", {"payout": payout["id"], "expand[]": "data.source"}
    )
    charge = next(t for t in expanded["data"] if t["type"] == "charge")
    assert charge["source"]["metadata"] == {"order_id": "S1"}
    assert charge["net"] == charge["amount"] - charge["fee"] == 950
    paid = next(t for t in expanded["data"] if t["type"] == "payout")
    assert paid["amount"] == -payout["amount"]


def test_errors_have_stripe_shapes(sim):
    manual = sim.platform.create_payout(automatic=False)
    with pytest.raises(requests.HTTPError) as refused:
        _request(sim)("v1/balance_transactions", {"payout": manual["id"]})
    assert refused.value.response.status_code == 400
    assert refused.value.response.json()["error"]["type"] == "invalid_request_error"
    with pytest.raises(requests.HTTPError) as unknown:
        _request(sim)("v1/payouts", {"starting_after": "po_unknown"})
    assert unknown.value.response.json()["error"]["param"] == "starting_after"
    with pytest.raises(requests.HTTPError) as bad_limit:
        _request(sim)("v1/payouts", {"limit": 101})
    assert bad_limit.value.response.status_code == 400
    sim.configure(failing_payouts={manual["id"]: 503})
    sim.platform.payouts[manual["id"]]["automatic"] = True
    with pytest.raises(requests.HTTPError) as failing:
        _request(sim)("v1/balance_transactions", {"payout": manual["id"]})
    assert failing.value.response.status_code == 503


def test_wrong_key_is_401_and_the_connection_stays_usable(sim):
    session = requests.Session()
    refused = session.post(
        f"{sim.url}/v1/payouts",
        data=b"x" * 300,
        headers={"Authorization": "Bearer sk_test_wrong"},
    )
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "api_key_invalid"
    # The refused request's body was read: the kept-alive connection serves
    # the next request as a request.
    answer = _request(sim, session=session)("v1/payouts", {"limit": 1})
    assert answer["data"] == []
    sim.set_faults(fail_next=1, fail_status=500)
    failed = session.post(
        f"{sim.url}/v1/payouts",
        data=b"y" * 300,
        headers=StripeConnection.headers(TOKEN, DEFAULT_VERSION),
    )
    assert failed.status_code == 500
    assert failed.json()["error"]["type"] == "api_error"
    assert _request(sim, session=session)("v1/payouts", {})["object"] == "list"


class Disputes(StripeDisputes):
    def __init__(self):
        # No backend: parsing reads the payload only.
        pass


def test_disputes_are_signed_events_and_payout_lines_naming_them():
    receiver = WebhookReceiver()
    try:
        with Simulator(
            platform="stripe",
            currency="usd",
            target_url=receiver.url,
            webhook_secret="whsec_sim",
        ) as sim:
            charge = sim.platform.create_charge("S1", "80.00")
            dispute = sim.platform.create_dispute(charge["id"])
            sim.platform.close_dispute(dispute["id"], "lost")
            answer = _request(sim)(f"v1/charges/{charge['id']}", {})
            assert answer["metadata"] == {"order_id": "S1"} and answer["disputed"]
            with pytest.raises(requests.HTTPError) as missing:
                _request(sim)("v1/charges/ch_unknown", {})
            assert missing.value.response.json()["error"]["code"] == "resource_missing"
            payout = sim.platform.create_payout(
                disputes=[{"dispute": dispute["id"], "fee": "15.00"}]
            )
            raw = simulated(StripePayouts, _request(sim)).payout_document(payout)
    finally:
        receiver.close()
    topics = []
    for headers, body in receiver.deliveries:
        assert (
            verify_signature(
                ["whsec_sim"], headers["Stripe-Signature"], body, 300, now=time.time()
            )
            is None
        )
        event = json.loads(body)
        topics.append(event["type"])
        read = Disputes().parse(event)
        assert (read.external_id, read.transaction_ref) == (dispute["id"], charge["id"])
        assert read.amount == Decimal("80.00") and read.currency == "USD"
    assert topics == ["charge.dispute.created", "charge.dispute.closed"]
    assert read.state == "lost" and read.closed_at
    _header, lines = read_payout(stripe_parser, raw)
    withdrawn = next(line for line in lines if line.line_type == "chargeback")
    assert (withdrawn.dispute_ref, withdrawn.original_transaction_ref) == (
        dispute["id"],
        charge["id"],
    )
    assert withdrawn.amount_net == Decimal("-95.00")
