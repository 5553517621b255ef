# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Till numbers a signed POS batch may carry, against a real server: one
out of range is refused as malformed, and one near the range's end costs
the gap check and the store-day screen no more than any other; the same for
the numbers a batch's manifest names."""

import uuid

import pytest
from simulator import Simulator
from store import inbox_settled
from test_security import PASSWORD, _call, _login
from waiting import inbox_state, wait_for

import odoo

from odoo.addons.retail_pos_sync.adapters.pos_batch import MAX_SEQUENCE

SECRET = "pos-security-secret"
HUGE = 2_000_000_000


@pytest.fixture
def till(committed_env):
    """A committed POS backend with one store selling one product for cash,
    the simulator to post its batches, and a connector user's login:
    ``(sim, backend_id, store code, login)``."""
    suffix = uuid.uuid4().hex[:6].upper()
    with Simulator(webhook_secret=SECRET) as sim, committed_env() as env:
        journal = env["account.journal"].create(
            {"name": f"Till cash {suffix}", "type": "cash", "code": f"T{suffix[:4]}"}
        )
        method = env["pos.payment.method"].create(
            {"name": f"Cash {suffix}", "journal_id": journal.id, "is_cash_count": True}
        )
        env["product.product"].create(
            {"name": "Till item", "default_code": f"TILL-{suffix}"}
        )
        backend = env["retail.backend"].create(
            {
                "name": f"Till security {suffix}",
                "kind": "pos",
                "webhook_secret": SECRET,
                "mapping_ids": [
                    (
                        0,
                        0,
                        {
                            "mapping_type": "payment_method",
                            "external_code": "cash",
                            "odoo_ref": f"account.journal,{journal.id}",
                        },
                    )
                ],
            }
        )
        config = env["pos.config"].create(
            {"name": f"Till {suffix}", "payment_method_ids": [(6, 0, method.ids)]}
        )
        env["retail.pos.store"].create(
            {
                "backend_id": backend.id,
                "code": suffix,
                "name": suffix,
                "pos_config_id": config.id,
            }
        )
        login = f"till-reader-{suffix.lower()}"
        env["res.users"].with_context(no_reset_password=True).create(
            {
                "name": "Till reader",
                "login": login,
                "password": PASSWORD,
                "groups_id": [
                    (
                        4,
                        env.ref("retail_connector_base.retail_connector_group_user").id,
                    )
                ],
            }
        )
        env.cr.commit()
        yield sim, backend.id, suffix, login


def _sale(store, sequence, sku):
    return {
        "uuid": f"{store}-{sequence}",
        "store": store,
        "terminal": "T1",
        "sequence": sequence,
        "business_day": "2026-11-02",
        "type": "sale",
        "lines": [{"sku": sku, "quantity": 1, "unit_price": "3.00"}],
        "payments": [{"method": "cash", "amount": "3.00"}],
    }


def test_till_numbers_are_bounded_and_gaps_cost_what_they_are(
    odoo_server, till, committed_env
):
    """Test that over real HTTP a transaction numbered past 2**31 - 1 fails
    at once as malformed with no retry, and that one numbered two billion
    is booked and its gap named on the till and counted on the store-day
    screen a connector user reads over JSON-RPC. Counting that gap number by
    number would keep the booking job and the screen busy for hours."""
    sim, backend_id, store, login = till
    with committed_env() as env:
        token = env["retail.backend"].browse(backend_id).webhook_token
    sim.configure(target_url=f"{odoo_server}/retail/webhook/{token}")
    sku = f"TILL-{store}"
    sales = [_sale(store, n, sku) for n in (1, 2, 5, HUGE, MAX_SEQUENCE + 1)]
    payload = {"batch_id": f"{store}-1", "transactions": sales}
    assert sim.send_webhook("pos/batch", payload, event_id=f"{store}-1") == [200]

    def settled():
        with committed_env() as env:
            return inbox_settled(env, backend_id)

    def left():
        return inbox_state(committed_env, [backend_id])

    wait_for(settled, 300, "the batch", explain=left)
    with committed_env() as env:
        events = env["retail.event"].search([("backend_id", "=", backend_id)])
        states = {event.subject_key: event for event in events}
        refused = states[f"{store}-{MAX_SEQUENCE + 1}"]
        assert refused.state == "failed"
        assert refused.failure_code == "invalid_transaction"
        assert not refused.next_attempt_at, "no retry is planned"
        assert {states[f"{store}-{n}"].state for n in (1, 2, 5, HUGE)} == {"done"}
        terminal = env["retail.pos.terminal"].search([("backend_id", "=", backend_id)])
        assert terminal.missing_sequences == f"3-4, 6-{HUGE - 1}"
        assert terminal.missing_count == HUGE - 4
    session = _login(odoo_server, odoo.tools.config["db_name"], login, PASSWORD)
    days, error = _call(
        session,
        odoo_server,
        "retail.pos.store.day",
        "search_read",
        [("backend_id", "=", backend_id)],
        ["received_count", "missing_count", "expected_count"],
    )
    assert not error, error
    assert [
        (day["received_count"], day["missing_count"], day["expected_count"])
        for day in days
    ] == [(4, HUGE - 4, HUGE)]


def test_manifest_numbers_are_bounded_and_cost_what_they_are(
    odoo_server, till, committed_env
):
    """Test that over real HTTP a batch whose manifest names a number past
    2**31 - 1 is refused whole (400, nothing stored), and that one naming
    the last possible number has the numbers after the last one received
    named on the till and counted on the store-day screen as one range, not
    number by number."""
    sim, backend_id, store, login = till
    with committed_env() as env:
        token = env["retail.backend"].browse(backend_id).webhook_token
    sim.configure(target_url=f"{odoo_server}/retail/webhook/{token}")
    sku = f"TILL-{store}"
    entry = {
        "store": store,
        "terminal": "T1",
        "count": 2,
        "first_sequence": 1,
        "last_sequence": MAX_SEQUENCE + 1,
    }
    bad = {
        "batch_id": f"{store}-bad",
        "transactions": [_sale(store, 1, sku)],
        "manifest": [entry],
    }
    assert sim.send_webhook("pos/batch", bad, event_id=f"{store}-bad") == [400]
    with committed_env() as env:
        assert not env["retail.event"].search_count([("backend_id", "=", backend_id)])
    good = dict(
        bad, batch_id=f"{store}-2", manifest=[dict(entry, last_sequence=MAX_SEQUENCE)]
    )
    assert sim.send_webhook("pos/batch", good, event_id=f"{store}-2") == [200]

    def settled():
        with committed_env() as env:
            return inbox_settled(env, backend_id)

    wait_for(
        settled,
        300,
        "the batch",
        explain=lambda: inbox_state(committed_env, [backend_id]),
    )
    with committed_env() as env:
        terminal = env["retail.pos.terminal"].search([("backend_id", "=", backend_id)])
        assert terminal.missing_sequences == f"2-{MAX_SEQUENCE}"
        assert terminal.missing_count == MAX_SEQUENCE - 1
        assert f"{store}-2 announced 2 transactions" in terminal.activity_ids.note
    session = _login(odoo_server, odoo.tools.config["db_name"], login, PASSWORD)
    days, error = _call(
        session,
        odoo_server,
        "retail.pos.store.day",
        "search_read",
        [("backend_id", "=", backend_id)],
        ["received_count", "missing_count", "expected_count"],
    )
    assert not error, error
    assert [
        (day["received_count"], day["missing_count"], day["expected_count"])
        for day in days
    ] == [(1, MAX_SEQUENCE - 1, MAX_SEQUENCE)]
