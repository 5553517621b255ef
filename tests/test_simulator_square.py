# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The simulator's Square mode speaks Square: webhooks the suite's adapter
verifies, SearchOrders filters, sort and cursor paging, batch retrieval of
orders and catalog objects, Bearer auth, and sale and return orders the
adapter converts."""

import time
from decimal import Decimal

import pytest
import requests
from simulator import Simulator
from simulator.receiver import WebhookReceiver

from odoo.addons.retail_pos_sync.adapters import square

KEY = "square-signature-key"
LOCATION = "LSIMBREST0001"
LINES = [
    {"sku": "POS-1", "quantity": 2, "price": "24.00", "discount": "4.00"},
    {"sku": "POS-2", "quantity": 1, "price": "12.00"},
]


@pytest.fixture
def receiver():
    hooks = WebhookReceiver()
    yield hooks
    hooks.close()


@pytest.fixture
def sim(receiver):
    with Simulator(
        platform="square", target_url=receiver.url, webhook_secret=KEY
    ) as simulator:
        yield simulator


def _request(sim, token="sim-token"):
    session = requests.Session()
    session.headers.update(
        {"Authorization": f"Bearer {token}", "Square-Version": square.API_VERSION}
    )

    def request(method, path, json_body=None):
        response = session.request(method, f"{sim.url}/{path}", json=json_body)
        response.raise_for_status()
        return response.json()

    return request


def test_webhooks_are_signed_over_the_notification_url_and_body(sim, receiver):
    order = sim.create_order(lines=LINES)
    headers, body = receiver.deliveries[-1]
    assert square.verify_signature([KEY], receiver.url, headers, body) is None
    assert square.verify_signature([KEY], receiver.url + "/", headers, body)
    values = square.parse_event(body)
    assert "ignored" not in values
    assert values["subject_key"] == order["id"]
    assert square.event_order_ref(values["payload"]) == (order["id"], LOCATION)
    sim.configure(notification_url="https://odoo.example.com/retail/webhook/t")
    sim.send_webhook("order.updated", order)
    headers, body = receiver.deliveries[-1]
    assert (
        square.verify_signature(
            [KEY], "https://odoo.example.com/retail/webhook/t", headers, body
        )
        is None
    )


def test_sale_and_return_convert_to_balanced_transactions(sim):
    request = _request(sim)
    sale = sim.create_order(
        lines=LINES,
        tenders=[
            {"type": "CARD", "amount": "40.00", "tip": "1.50"},
            {"type": "CASH", "amount": "16.00"},
        ],
        customer_id="CUST-1",
    )
    refund = sim.create_refund(sale["id"], lines=[{"sku": "POS-1", "quantity": 1}])
    ids = square.catalog_object_ids(sale)
    skus = square.retrieve_skus(request, ids)
    assert sorted(skus.values()) == ["POS-1", "POS-2"]
    zones = square.location_timezones(request)
    assert zones == {LOCATION: "Europe/Paris"}
    sold = square.order_to_transaction(sale, skus, zones[LOCATION])
    assert [(p.method, p.amount) for p in sold.payments] == [
        ("CARD", Decimal("40.00")),
        ("CASH", Decimal("16.00")),
    ]
    total = sum(line.unit_price * line.quantity - line.discount for line in sold.lines)
    assert total == Decimal("56.00")
    _tenders, sources = square.refunded_tender_ids(refund)
    types = square.tender_types(square.retrieve_orders(request, sources).values())
    returned = square.order_to_transaction(refund, skus, None, types)
    assert returned.type == "return" and returned.original_uuid == sale["id"]
    assert [(line.sku, line.quantity, line.discount) for line in returned.lines] == [
        ("POS-1", Decimal(1), Decimal("2.00"))
    ]
    assert [(p.method, p.amount) for p in returned.payments] == [
        ("CARD", Decimal("22.00"))
    ]


def test_search_filters_sorts_and_pages(sim):
    request = _request(sim)
    first = sim.create_order(lines=LINES[:1])
    sim.create_order(lines=LINES[1:], state="OPEN")
    second = sim.create_order(lines=LINES[1:])
    # Stamps have millisecond resolution and the update filter is inclusive:
    # an update in the same millisecond as the second order would find both.
    time.sleep(0.005)
    sim.update_order(first["id"], note="later")
    orders, cursor = square.search_orders(request, [LOCATION], None, None, 1)
    assert [order["id"] for order in orders] == [second["id"]] and cursor
    orders, cursor = square.search_orders(request, [LOCATION], None, cursor, 1)
    assert [order["id"] for order in orders] == [first["id"]] and cursor is None
    later, _cursor = square.search_orders(
        request, [LOCATION], orders[0]["updated_at"], None, 10
    )
    assert [order["id"] for order in later] == [first["id"]]
    assert square.search_orders(request, ["LOTHER"], None)[0] == []
    found = square.retrieve_orders(request, [first["id"], "nope"])
    assert list(found) == [first["id"]] and found[first["id"]]["version"] == 5
    assert set(sim.stats()["square_versions"]) == {square.API_VERSION}


def test_square_errors_auth_and_limits(sim):
    with pytest.raises(requests.HTTPError) as error:
        square.search_orders(_request(sim, token="wrong"), [LOCATION], None)
    assert error.value.response.status_code == 401
    assert error.value.response.json()["errors"][0]["code"] == "UNAUTHORIZED"
    too_many = requests.post(
        f"{sim.url}/v2/orders/search",
        json={"location_ids": [f"L{i}" for i in range(11)]},
        headers={"Authorization": "Bearer sim-token"},
        timeout=10,
    )
    assert too_many.status_code == 400
    body = {
        "location_ids": [LOCATION],
        "query": {
            "filter": {"date_time_filter": {"updated_at": {"start_at": "2026-01-01"}}},
            "sort": {"sort_field": "CLOSED_AT"},
        },
    }
    response = requests.post(
        f"{sim.url}/v2/orders/search",
        json=body,
        headers={"Authorization": "Bearer sim-token"},
        timeout=10,
    )
    assert response.status_code == 400
