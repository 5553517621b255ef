# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The simulator's Shopify mode speaks Shopify Payments as the settlement
fetch reads it, through the GraphQL Admin API: paid payouts from a date, the
balance transactions of a payout, cursor paging, the access token and the
access scope, and documents the Shopify Payments parser imports whole."""

from decimal import Decimal

import pytest
import requests
from payouts import read_payout
from simulator import Simulator

from odoo.addons.retail_connector_base.adapters.shopify import (
    API_VERSION,
    TOKEN_HEADER,
)
from odoo.addons.retail_connector_base.exceptions import RetailBusinessError
from odoo.addons.retail_settlement.adapters.shopify_payments import ShopifyPayouts
from odoo.addons.retail_settlement.parsers import shopify_payments as parser

TOKEN = "shpat_simulator"
PAYOUTS = "ShopifyPaymentsPayouts"
TRANSACTIONS = "ShopifyPaymentsBalanceTransactions"


@pytest.fixture
def sim():
    with Simulator(platform="shopify", api_token=TOKEN, currency="USD") as simulator:
        yield simulator


def _adapter(sim, token=TOKEN):
    """The settlement's Shopify Payments adapter posting its GraphQL to the
    simulator over plain HTTP instead of a backend's connector client: its
    own queries, paging and documents, with no database (so no shared cost
    bucket)."""
    session = requests.Session()

    class Simulated(ShopifyPayouts):
        backend = None
        api_version = API_VERSION

        def __init__(self):
            pass

        def request(self, method, path, json_body=None, params=None, **options):
            response = session.request(
                method,
                f"{sim.url}/{path}",
                json=json_body,
                headers={TOKEN_HEADER: token},
            )
            response.raise_for_status()
            return response.json()

    return Simulated()


def _calls(sim, operation):
    return sim.stats()["graphql"].get(operation, 0)


def _order(sim, total):
    return sim.create_order(
        lines=[{"sku": "SKU-1", "quantity": 1, "price": total}],
        shipping=None,
        tax_rate="0",
    )


def test_payout_document_parses_and_adds_up(sim):
    first, second = _order(sim, "80.00"), _order(sim, "45.99")
    payout = sim.platform.create_payout(
        charges=[
            {"order": first["id"], "fee": "2.62"},
            {"order": second["id"], "fee": "1.63"},
        ],
        refunds=[{"order": first["id"], "amount": "20.00"}],
        disputes=[{"order": second["id"], "amount": "45.99"}],
        adjustments=[{"amount": "-2.00", "reason": "tax_adjustment"}],
    )
    adapter = _adapter(sim)
    (listed,) = adapter.list_payouts(None)
    assert (listed["id"], listed["amount"], listed["status"]) == (
        payout["id"],
        "38.75",
        "paid",
    )
    summary = listed["summary"]
    assert summary["charges_gross_amount"] == "125.99"
    assert summary["adjustments_gross_amount"] == "-47.99"
    assert summary["adjustments_fee_amount"] == "15.00"
    raw = adapter.payout_document(listed, limit=2)
    # Five transactions two at a time.
    assert _calls(sim, TRANSACTIONS) == 3
    header, lines = read_payout(parser, raw)
    assert header.external_id == str(payout["id"])
    assert header.currency == "USD"
    assert header.declared_total == Decimal("38.75")
    assert sorted(line.line_type for line in lines) == [
        "adjustment",
        "chargeback",
        "order",
        "order",
        "payout",
        "refund",
    ]
    by_order = {line.order_ref: line for line in lines if line.line_type == "order"}
    assert by_order[str(first["id"])].amount_fee == Decimal("-2.62")
    assert by_order[str(first["id"])].transaction_ref == str(
        sim.platform.sale_transactions[first["id"]]
    )
    (adjustment,) = [line for line in lines if line.line_type == "adjustment"]
    assert adjustment.description == "tax_adjustment"


def test_paid_payouts_from_a_date_page_by_cursor(sim):
    order = _order(sim, "10.00")
    made = [
        sim.platform.create_payout(
            charges=[{"order": order["id"]}], payout_date=f"2026-03-0{day}"
        )
        for day in (1, 2, 3)
    ]
    scheduled = sim.platform.create_payout(payout_date="2026-03-04", status="scheduled")
    adapter = _adapter(sim)
    since = adapter.payout_created(made[1])
    listed = adapter.list_payouts(since, limit=1)
    assert [p["id"] for p in listed] == [made[1]["id"], made[2]["id"]]
    assert _calls(sim, PAYOUTS) == 2
    searches = [call["variables"]["query"] for call in sim.platform.graphql_calls]
    assert searches == ["status:paid issued_at:>=2026-03-02"] * 2
    assert [p["id"] for p in adapter.list_payouts(None)] == [p["id"] for p in made]
    sim.platform.set_payout_status(scheduled["id"], "paid")
    assert len(adapter.list_payouts(None)) == 4


def test_balance_transactions_of_one_payout(sim):
    order = _order(sim, "10.00")
    paid = sim.platform.create_payout(charges=[{"order": order["id"], "fee": "0.59"}])
    sim.platform.create_payout(charges=[{"order": order["id"]}], status="in_transit")
    (charge,) = _adapter(sim).balance_transactions(paid["id"])
    assert charge["type"] == "charge" and charge["payout_status"] == "paid"
    assert charge["payout_id"] == paid["id"]
    assert (Decimal(charge["amount"]), Decimal(charge["fee"])) == (
        Decimal("10.00"),
        Decimal("0.59"),
    )
    assert Decimal(charge["net"]) == Decimal("9.41")
    assert charge["source_order_id"] == order["id"]
    with pytest.raises(LookupError):
        sim.platform.create_payout(charges=[{"order": 1}])


def test_token_scope_and_failures_have_shopify_shapes(sim):
    payout = sim.platform.create_payout()
    with pytest.raises(requests.HTTPError) as wrong:
        _adapter(sim, token="shpat_wrong").list_payouts(None)
    assert wrong.value.response.status_code == 401
    assert "Invalid API key or access token" in wrong.value.response.json()["errors"]
    sim.configure(failing_payouts={payout["id"]: 503})
    with pytest.raises(requests.HTTPError) as failing:
        _adapter(sim).balance_transactions(payout["id"])
    assert failing.value.response.status_code == 503
    assert failing.value.response.headers["X-Shopify-Shop-Api-Call-Limit"]
    sim.configure(access_scopes=["read_orders"])
    with pytest.raises(RetailBusinessError, match="read_shopify_payments_payouts"):
        _adapter(sim).list_payouts(None)


def test_rate_limit_answers_429_with_retry_after():
    with Simulator(
        platform="shopify", api_token=TOKEN, rate_per_second=0.01, burst=1
    ) as sim:
        assert _adapter(sim).list_payouts(None) == []
        with pytest.raises(requests.HTTPError) as throttled:
            _adapter(sim).list_payouts(None)
    assert throttled.value.response.status_code == 429
    assert throttled.value.response.headers["Retry-After"] == "2.0"
