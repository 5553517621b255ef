# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The backbone against the simulator over real HTTP: webhooks into a real
server, the circuit breaker, and the polling flow."""

import time

import pytest
from simulator import Simulator

from odoo.addons.retail_connector_base.exceptions import RetailTransientError

SECRET = "sim-secret"


@pytest.fixture
def sim_backend(committed_env):
    """A simulator and a committed backend pointed at it."""
    with Simulator(webhook_retry_delay=0.05) as sim, committed_env() as env:
        backend = env["retail.backend"].create(
            {
                "name": "Simulated store",
                "kind": "marketplace",
                "api_url": sim.url,
                "access_token": "sim-token",
                "webhook_secret": SECRET,
                "rate_limit": 50,
                "rate_burst": 50,
                "breaker_threshold": 3,
                "breaker_cooldown": 2,
            }
        )
        env.cr.commit()
        yield sim, backend


def test_simulator_webhooks_are_stored_once(odoo_server, sim_backend, committed_env):
    """Test that webhooks sent by the simulator reach the inbox once each, and
    that a forged one is refused."""
    sim, backend = sim_backend
    sim.configure(target_url=f"{odoo_server}/retail/webhook/{backend.webhook_token}")
    order = sim.create_order()
    assert sim.send_webhook("orders/updated", order, duplicates=3) == [200] * 3
    assert sim.send_webhook("orders/updated", order, secret="forged") == [401]
    with committed_env() as env:
        events = env["retail.event"].search([("backend_id", "=", backend.id)])
        assert sorted(events.mapped("topic")) == ["orders/create", "orders/updated"]
        assert set(events.mapped("subject_key")) == {order["id"]}


def test_breaker_opens_and_recovers(sim_backend, committed_env):
    """Test that repeated 500s open the circuit, calls then stop reaching the
    platform, and a trial after the pause closes it again."""
    sim, backend = sim_backend

    def call():
        with committed_env() as env:
            return (
                env["retail.backend"].browse(backend.id)._request("GET", "api/v1/ping")
            )

    def circuit_state():
        # A fresh transaction: the throttle commits on its own cursor.
        with committed_env() as env:
            return env["retail.backend"].browse(backend.id).circuit_state

    sim.set_faults(fail_next=10, fail_status=500)
    with pytest.raises(RetailTransientError):
        call()
    assert circuit_state() == "open"
    with pytest.raises(RetailTransientError, match="circuit open"):
        call()
    assert sim.stats()["requests"]["GET /api/v1/ping"] == 3
    sim.clear_faults()
    time.sleep(2.2)
    assert circuit_state() == "half_open"
    assert call() == {"ok": True}
    assert circuit_state() == "closed"


def test_polling_flow_pulls_new_orders_from_its_checkpoint(sim_backend, committed_env):
    """Test that the batch flow stores each new order version once, and moves
    its checkpoint so the next run fetches only later changes."""
    sim, backend = sim_backend
    first = [sim.create_order() for _order in range(3)]
    with committed_env() as env:
        flow = env["retail.backend.flow"].create(
            {"backend_id": backend.id, "flow": "orders_in", "mode": "batch"}
        )
        flow._run()
        assert flow.checkpoint == first[-1]["updated_at"]
        flow._run()
        later = sim.create_order()
        flow._run()
        events = env["retail.event"].search([("backend_id", "=", backend.id)])
        assert sorted(events.mapped("subject_key")) == sorted(
            order["id"] for order in first + [later]
        )
        assert flow.checkpoint == later["updated_at"]
