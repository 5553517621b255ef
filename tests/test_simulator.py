# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The simulator keeps the generic protocol and injects the faults it promises."""

import json

import pytest
import requests
from simulator import Simulator
from simulator.receiver import WebhookReceiver

from odoo.addons.retail_connector_base.adapters import simulator as adapter


@pytest.fixture
def receiver():
    hooks = WebhookReceiver()
    yield hooks
    hooks.close()


@pytest.fixture
def sim(receiver):
    with Simulator(target_url=receiver.url, webhook_retry_delay=0.01) as simulator:
        yield simulator


def _get(sim, path, token="sim-token", **params):
    return requests.get(
        f"{sim.url}{path}",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )


def test_webhook_signature_verifies_with_the_suite_adapter(sim, receiver):
    """Test that the suite's adapter accepts the simulator's signed webhooks."""
    order = sim.create_order(total="99.00")
    headers, body = receiver.deliveries[0]
    assert json.loads(body)["id"] == order["id"]
    assert adapter.verify_signature(["sim-secret"], headers, body, 300) is None
    assert adapter.verify_signature(["other"], headers, body, 300) is not None
    assert adapter.parse_event(headers, body)["topic"] == "orders/create"


def test_duplicates_share_the_event_id_and_reorder_is_seeded(sim, receiver):
    """Test that copies reuse one event id and shuffled order is reproducible."""
    sim.send_webhook("orders/updated", {"id": "1"}, duplicates=3)
    ids = {headers["X-Retail-Event-Id"] for headers, _body in receiver.deliveries}
    assert len(receiver.deliveries) == 3 and len(ids) == 1
    events = [("orders/updated", {"id": str(number)}) for number in range(6)]

    def delivered_order():
        receiver.deliveries.clear()
        sim.send_webhooks(events, order="shuffle", seed=7)
        return [json.loads(body)["id"] for _headers, body in receiver.deliveries]

    first = delivered_order()
    assert first == delivered_order()
    assert first != [str(number) for number in range(6)]


def test_failed_delivery_is_retried_with_the_same_event_id(sim, receiver):
    """Test that a delivery answered 500 is retried until it gets a 2xx."""
    receiver.statuses = [500, 503]
    assert sim.send_webhook("orders/create", {"id": "9"}) == [200]
    assert [d["status"] for d in sim.stats()["deliveries"]] == [500, 503, 200]
    assert len({h["X-Retail-Event-Id"] for h, _b in receiver.deliveries}) == 1


def test_api_requires_the_token_and_pages_by_update_time(sim):
    """Test authentication, updated_since filtering and cursor paging."""
    sim.configure(target_url=None)
    assert _get(sim, "/api/v1/orders", token="wrong").status_code == 401
    orders = [sim.create_order() for _order in range(3)]
    first = _get(sim, "/api/v1/orders", limit=2).json()
    assert [o["id"] for o in first["orders"]] == [orders[0]["id"], orders[1]["id"]]
    rest = _get(sim, "/api/v1/orders", limit=2, cursor=first["next_cursor"]).json()
    assert [o["id"] for o in rest["orders"]] == [orders[2]["id"]]
    assert rest["next_cursor"] is None
    since = _get(sim, "/api/v1/orders", updated_since=orders[1]["updated_at"]).json()
    assert [o["id"] for o in since["orders"]] == [orders[2]["id"]]


def test_rate_limit_answers_429_with_retry_after(sim):
    """Test that calls beyond the burst get 429 with Retry-After."""
    sim.configure(rate_per_second=1, burst=2)
    sim.reset()
    statuses = [_get(sim, "/api/v1/ping") for _call in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert int(statuses[2].headers["Retry-After"]) >= 1


def test_injected_failures_and_timeouts(sim):
    """Test that exactly N requests fail, and that a timeout fault times out."""
    sim.set_faults(fail_next=2, fail_status=503, retry_after=3)
    answers = [_get(sim, "/api/v1/ping") for _call in range(3)]
    assert [r.status_code for r in answers] == [503, 503, 200]
    assert answers[0].headers["Retry-After"] == "3"
    sim.set_faults(timeout_next=1, timeout_seconds=1)
    with pytest.raises(requests.Timeout):
        requests.get(
            f"{sim.url}/api/v1/ping",
            headers={"Authorization": "Bearer sim-token"},
            timeout=0.3,
        )


def test_stock_updates_are_counted_and_reset_clears(sim):
    """Test that stock writes are recorded and reset clears everything."""
    headers = {"Authorization": "Bearer sim-token"}
    put = requests.put(
        f"{sim.url}/api/v1/stock/SKU-1",
        json={"quantity": 4},
        headers=headers,
        timeout=5,
    )
    assert put.json() == {"sku": "SKU-1", "quantity": 4}
    too_many = {"items": [{"sku": str(n), "quantity": 1} for n in range(251)]}
    batch = requests.post(
        f"{sim.url}/api/v1/stock/batch", json=too_many, headers=headers, timeout=5
    )
    assert batch.status_code == 400
    assert sim.stats()["stock_updates"] == [{"sku": "SKU-1", "quantity": 4}]
    sim.reset()
    assert sim.stats()["stock_updates"] == []
