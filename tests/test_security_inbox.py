# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The inbox against a real server: a connector user or manager cannot make
Odoo book what a platform never signed, by rewriting or making up an event
over XML-RPC, and reads no customer's data in it unless a manager; Retry
books exactly what was received. The server's log keeps webhook tokens out."""

import json
import random

import pytest
import requests
from rpc import PASSWORD, Rpc, create_user
from simulator import Simulator
from store import (
    ACCESS_TOKEN,
    SECRET,
    bookings,
    compact,
    create_store,
    inbox_settled,
    jobs_idle,
    order_spec,
    signed_headers,
)
from waiting import wait_for


@pytest.fixture
def inbox(committed_env):
    """A committed backend on the simulator, a connector user and a
    manager: ``(sim, backend_id, skus, currency, token, logins)``."""
    with committed_env() as env:
        currency = env.company.currency_id.name
    with Simulator(api_token=ACCESS_TOKEN, webhook_secret=SECRET) as sim:
        with committed_env() as env:
            backend, skus = create_store(env, sim)
            logins = {}
            for role in ("user", "manager"):
                logins[role] = f"inbox-{role}-{backend.id}"
                create_user(
                    env,
                    logins[role],
                    f"retail_connector_base.retail_connector_group_{role}",
                )
            backend_id, token = backend.id, backend.webhook_token
        yield sim, backend_id, skus, currency, token, logins


def _settled(committed_env, backend_id):
    with committed_env() as env:
        return inbox_settled(env, backend_id) and jobs_idle(env, backend_id)


def _event(committed_env, backend_id):
    with committed_env() as env:
        event = env["retail.event"].search([("backend_id", "=", backend_id)])
        return {
            "id": event.id,
            "topic": event.topic,
            "dedupe_key": event.dedupe_key,
            "state": event.state,
            "failure_code": event.failure_code,
            "payload": event.payload,
            "last_error": event.last_error,
        }


def test_rewritten_events_are_refused_and_retry_books_what_was_signed(
    odoo_server, inbox, committed_env
):
    """Test that an order which failed for a missing tax mapping cannot be
    rewritten (payload, topic, dedupe key, state) nor made up by a connector
    user or a manager over XML-RPC, that the user cannot read its payload,
    and that the user's Retry, once the mapping exists, books exactly the
    signed order."""
    sim, backend_id, skus, currency, token, logins = inbox
    tax_code = f"INBOX-TAX-{backend_id}"
    spec = order_spec(random.Random(15), skus, currency)
    spec["lines"][0]["tax_code"] = tax_code
    order = sim.create_order(**spec, customer={"id": "c-1", "name": "Ann Signed"})
    body = compact(order)
    response = requests.post(
        f"{odoo_server}/retail/webhook/{token}",
        data=body,
        headers=signed_headers(body, "inbox-1"),
        timeout=30,
    )
    assert response.json() == {"status": "accepted"}
    wait_for(lambda: _settled(committed_env, backend_id), 120, "the import")
    received = _event(committed_env, backend_id)
    assert (received["state"], received["failure_code"]) == ("failed", "unmapped_tax")

    forged = dict(order, total="0.01", lines=[dict(order["lines"][0], quantity=99)])
    rewrites = [
        {"payload": json.dumps(forged)},
        {"topic": "orders/cancelled"},
        {"dedupe_key": "inbox-2"},
        {"state": "pending"},
        {"state": "done"},
        {"state": "pending", "payload": json.dumps(forged)},
    ]
    made_up = {
        "backend_id": backend_id,
        "topic": "orders/create",
        "dedupe_key": "inbox-forged",
        "payload": json.dumps(forged),
    }
    for role in ("user", "manager"):
        rpc = Rpc(odoo_server, logins[role], PASSWORD)
        for vals in rewrites:
            rpc.refused("retail.event", "write", [received["id"]], vals)
        rpc.refused("retail.event", "create", made_up)
        rpc.refused("retail.event", "copy", received["id"], {"dedupe_key": "x"})
    assert _event(committed_env, backend_id) == received

    user = Rpc(odoo_server, logins["user"], PASSWORD)
    manager = Rpc(odoo_server, logins["manager"], PASSWORD)
    assert "payload" in user.refused(
        "retail.event", "read", [received["id"]], ["payload"]
    )
    (as_manager,) = manager("retail.event", "read", [received["id"]], ["payload"])
    assert json.loads(as_manager["payload"]) == order
    # Giving up on an order is a manager's decision.
    user.refused("retail.event", "action_cancel", [received["id"]])

    with committed_env() as env:
        backend = env["retail.backend"].browse(backend_id)
        zero = env["account.tax"].create(
            {"name": f"Inbox zero {backend_id}", "amount": 0, "type_tax_use": "sale"}
        )
        backend.mapping_ids = [
            (
                0,
                0,
                {
                    "mapping_type": "tax",
                    "external_code": tax_code,
                    "odoo_ref": f"account.tax,{zero.id}",
                },
            )
        ]
    user("retail.event", "action_retry", [received["id"]])
    wait_for(lambda: _settled(committed_env, backend_id), 120, "the retry")
    assert _event(committed_env, backend_id)["state"] == "done"
    with committed_env() as env:
        (sale,) = bookings(env, backend_id)["sales"]
        assert f"{sale.amount_total:.2f}" == order["total"]
        assert sale.partner_id.name == "Ann Signed"
        booked = sorted(
            (line.product_id.default_code, line.product_uom_qty, line.price_unit)
            for line in sale.order_line
            if line.product_id.default_code in skus
        )
        signed = sorted(
            (line["sku"], line["quantity"], float(line["unit_price"]))
            for line in order["lines"]
        )
        assert booked == signed


def test_server_log_masks_webhook_tokens(odoo_server, inbox, tmp_path_factory):
    """Test that the server's request log line of a delivery shows the start
    of the backend's webhook token, never the token."""
    sim, backend_id, skus, currency, token, logins = inbox
    body = compact({"id": "log-1"})
    response = requests.post(
        f"{odoo_server}/retail/webhook/{token}",
        data=body,
        headers=signed_headers(body, "log-1", secret="wrong"),
        timeout=30,
    )
    assert response.status_code == 401
    logs = sorted(tmp_path_factory.getbasetemp().glob("odoo-server*/odoo.log"))

    def logged():
        text = "\n".join(path.read_text(errors="replace") for path in logs)
        return text if f"/retail/webhook/{token[:4]}***" in text else None

    text = wait_for(logged, 30, "the request's log line")
    assert token not in text
