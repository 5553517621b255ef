# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The simulator's Shopify mode speaks Shopify Payments as the settlement
fetch reads it: payouts by status and date, the balance transactions of a
payout, ``since_id`` and ``Link`` header paging, the access-token header, and
documents the Shopify Payments parser imports whole."""

from decimal import Decimal

import pytest
import requests
from payouts import read_payout, simulated
from simulator import Simulator

from odoo.addons.retail_settlement.adapters.shopify_payments import (
    DEFAULT_VERSION,
    ShopifyPayouts,
)
from odoo.addons.retail_settlement.parsers import shopify_payments as parser

TOKEN = "shpat_simulator"
PAYOUTS = "shopify_payments/payouts.json"
TRANSACTIONS = "shopify_payments/balance/transactions.json"


@pytest.fixture
def sim():
    with Simulator(platform="shopify", api_token=TOKEN, currency="USD") as simulator:
        yield simulator


def _request(sim, token=TOKEN, session=None):
    """The settlement fetch's ``request`` over plain HTTP."""
    session = session or requests.Session()
    headers = ShopifyPayouts.headers(token)
    prefix = ShopifyPayouts.path_prefix.format(version=DEFAULT_VERSION)

    def request(path, params, links=False):
        response = session.get(
            f"{sim.url}/{prefix}{path}", params=params, headers=headers
        )
        response.raise_for_status()
        return (response.json(), response.links) if links else response.json()

    return request


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
    assert payout["amount"] == "38.75"
    summary = payout["summary"]
    assert summary["charges_gross_amount"] == "125.99"
    assert summary["adjustments_gross_amount"] == "-47.99"
    assert summary["adjustments_fee_amount"] == "15.00"
    raw = simulated(ShopifyPayouts, _request(sim)).payout_document(payout, limit=2)
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


def test_payouts_are_filtered_by_status_and_date_and_paged(sim):
    order = _order(sim, "10.00")
    made = [
        sim.platform.create_payout(
            charges=[{"order": order["id"]}], payout_date=f"2026-03-0{day}"
        )
        for day in (1, 2, 3)
    ]
    scheduled = sim.platform.create_payout(payout_date="2026-03-04", status="scheduled")
    request = _request(sim)
    newest_first = request(PAYOUTS, {"status": "paid"})["payouts"]
    assert [p["id"] for p in newest_first] == [p["id"] for p in reversed(made)]
    page = request(PAYOUTS, {"status": "paid", "limit": 2, "since_id": 1})
    assert [p["id"] for p in page["payouts"]] == [made[0]["id"], made[1]["id"]]
    rest = request(PAYOUTS, {"limit": 2, "since_id": made[1]["id"]})
    assert [p["id"] for p in rest["payouts"]] == [made[2]["id"], scheduled["id"]]
    dated = request(PAYOUTS, {"date_min": "2026-03-02", "date_max": "2026-03-03"})
    assert [p["id"] for p in dated["payouts"]] == [made[2]["id"], made[1]["id"]]
    adapter = simulated(ShopifyPayouts, request)
    since = adapter.payout_created(made[1])
    listed = adapter.list_payouts(since, limit=1)
    assert [p["id"] for p in listed] == [made[1]["id"], made[2]["id"]]
    assert len(adapter.list_payouts(None)) == 3
    assert sim.stats()["requests"][f"GET /admin/api/<v>/{PAYOUTS}"] == 7
    sim.platform.set_payout_status(scheduled["id"], "paid")
    assert len(adapter.list_payouts(None)) == 4


def test_balance_transactions_of_one_payout_by_status(sim):
    order = _order(sim, "10.00")
    paid = sim.platform.create_payout(charges=[{"order": order["id"], "fee": "0.59"}])
    sim.platform.create_payout(charges=[{"order": order["id"]}], status="in_transit")
    request = _request(sim)
    (charge,) = request(TRANSACTIONS, {"payout_id": paid["id"]})["transactions"]
    assert charge["type"] == "charge" and charge["payout_status"] == "paid"
    assert (charge["amount"], charge["fee"], charge["net"]) == ("10.00", "0.59", "9.41")
    assert charge["source_order_id"] == order["id"]
    pending = request(TRANSACTIONS, {"payout_status": "in_transit"})["transactions"]
    assert len(pending) == 1 and pending[0]["payout_id"] != paid["id"]
    assert len(request(TRANSACTIONS, {})["transactions"]) == 2
    with pytest.raises(LookupError):
        sim.platform.create_payout(charges=[{"order": 1}])


def test_errors_have_shopify_shapes(sim):
    payout = sim.platform.create_payout()
    wrong = requests.get(
        f"{sim.url}/admin/api/2025-01/{PAYOUTS}",
        headers=ShopifyPayouts.headers("shpat_wrong"),
    )
    assert wrong.status_code == 401
    assert "Invalid API key or access token" in wrong.json()["errors"]
    with pytest.raises(requests.HTTPError) as bad_status:
        _request(sim)(PAYOUTS, {"status": "sent"})
    assert bad_status.value.response.status_code == 400
    with pytest.raises(requests.HTTPError) as bad_date:
        _request(sim)(PAYOUTS, {"date_min": "yesterday"})
    assert bad_date.value.response.status_code == 400
    found = _request(sim)(f"shopify_payments/payouts/{payout['id']}.json", {})
    assert found["payout"]["id"] == payout["id"]
    sim.configure(failing_payouts={payout["id"]: 503})
    with pytest.raises(requests.HTTPError) as failing:
        _request(sim)(TRANSACTIONS, {"payout_id": payout["id"]})
    assert failing.value.response.status_code == 503
    assert failing.value.response.headers["X-Shopify-Shop-Api-Call-Limit"]


def test_rate_limit_answers_429_with_retry_after():
    with Simulator(
        platform="shopify", api_token=TOKEN, rate_per_second=0.01, burst=1
    ) as sim:
        assert _request(sim)(PAYOUTS, {})["payouts"] == []
        throttled = requests.get(
            f"{sim.url}/admin/api/2025-01/{PAYOUTS}",
            headers=ShopifyPayouts.headers(TOKEN),
        )
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "2.0"


def test_link_header_pages_keep_the_filters_in_the_cursor(sim):
    made = [
        sim.platform.create_payout(payout_date=f"2026-04-0{day}") for day in (1, 2, 3)
    ]
    sim.platform.create_payout(payout_date="2026-04-04", status="scheduled")
    request = _request(sim)
    first, links = request(PAYOUTS, {"status": "paid", "limit": 2}, links=True)
    assert [p["id"] for p in first["payouts"]] == [made[2]["id"], made[1]["id"]]
    assert set(links) == {"next"}
    cursor = links["next"]["url"].split("page_info=")[1]
    second, links = request(PAYOUTS, {"limit": 2, "page_info": cursor}, links=True)
    assert [p["id"] for p in second["payouts"]] == [made[0]["id"]]
    assert set(links) == {"previous"}
    with pytest.raises(requests.HTTPError) as mixed:
        request(PAYOUTS, {"status": "paid", "page_info": cursor})
    assert mixed.value.response.status_code == 400
    assert "page_info cannot be sent with status" in mixed.value.response.text


def test_a_next_link_without_page_info_stops_the_fetch():
    answers = iter([({"payouts": [{"id": 9}]}, {"next": {"url": "https://x/p.json"}})])
    with pytest.raises(ValueError, match="next page without page_info"):
        simulated(
            ShopifyPayouts, lambda path, params, links: next(answers)
        ).list_payouts(None, 1)
