# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Webhook intake against a real server, as an attacker who captured a
genuine delivery or knows a webhook URL would try it: replays under fresh
(unsigned) header ids, another shop's deliveries, stale trigger times,
non-ASCII signatures, deeply nested JSON, bodies too large to read, and what
the refusals say.

Each platform's genuine delivery is sent by the simulator, so these tests
also check that it signs as the platform (or the suite's relay) does."""

import json
import time
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
import requests
from simulator import Simulator
from simulator import shopify as sim_shopify
from simulator import woocommerce as sim_woocommerce
from store import (
    ACCESS_TOKEN,
    SECRET,
    bookings,
    compact,
    create_store,
    inbox_settled,
    jobs_idle,
    signed_headers,
)
from waiting import wait_for

from odoo.addons.retail_connector_base.adapters import simulator as protocol
from odoo.addons.retail_connector_base.tests.http_common import post_without_the_body

UNAUTHORIZED = (401, {"error": "unauthorized"})
TOO_LARGE = (413, {"error": "payload_too_large"})
NON_ASCII = "é" * 44
# Shopify's shop domain is the host of the backend's API base URL: the
# simulator's, on loopback.
SIM_SHOP = "127.0.0.1"


@contextmanager
def _store(odoo_server, committed_env, platform="generic", **backend_values):
    """A simulator in ``platform`` mode and a committed backend for it (no
    scheduled flow, so that only webhooks fill the inbox): ``(sim,
    backend_id, skus, webhook url)``."""
    with committed_env() as env:
        currency = env.company.currency_id.name
    config = {"webhook_retry_delay": 0.05, "webhook_secret": SECRET}
    if platform == "generic":
        config["api_token"] = ACCESS_TOKEN
    else:
        backend_values["platform"] = platform
        config.update(currency=currency, rate_per_second=100, burst=100)
        if platform == "shopify":
            config.update(api_token=ACCESS_TOKEN, shop_domain=SIM_SHOP)
            backend_values.setdefault("api_version", "2025-01")
        else:
            backend_values.setdefault("api_key", "ck_sim")
            backend_values.setdefault("api_secret", "cs_sim")
    with Simulator(platform=platform, **config) as sim:
        with committed_env() as env:
            backend, skus = create_store(env, sim, flow_ids=[], **backend_values)
            # WooCommerce backends always poll as well; not while this runs.
            backend.flow_ids.unlink()
            backend_id, token = backend.id, backend.webhook_token
        yield sim, backend_id, skus, _url(odoo_server, token)


def _url(odoo_server, token):
    return f"{odoo_server}/retail/webhook/{token}"


def _post(url, body, headers):
    response = requests.post(url, data=body, headers=headers, timeout=30)
    return response.status_code, response.json()


def _settled(committed_env, backend_id):
    with committed_env() as env:
        return inbox_settled(env, backend_id) and jobs_idle(env, backend_id)


def _event_count(committed_env, backend_id):
    with committed_env() as env:
        return env["retail.event"].search_count([("backend_id", "=", backend_id)])


def _booked_once(committed_env, backend_id, order_id):
    """Wait for the inbox, then check the order became one sale order."""
    wait_for(lambda: _settled(committed_env, backend_id), 120, "the import")
    with committed_env() as env:
        booked = bookings(env, backend_id)
        assert list(booked["per_order"]) == [str(order_id)]
        assert len(booked["sales"]) == 1


def _delivered_order(sim, skus, url, topic):
    """A one-line untaxed order made on a platform simulator and delivered
    to ``url`` by it, as the platform would."""
    order = sim.create_order(
        lines=[{"sku": skus[0], "quantity": 1, "price": "10.00"}],
        shipping=None,
        tax_rate="0",
    )
    sim.configure(target_url=url)
    assert sim.send_webhook(topic, order, event_id="genuine-1") == [200]
    return order


def _triggered_at(when):
    stamp = datetime.fromtimestamp(when, timezone.utc).isoformat(
        timespec="milliseconds"
    )
    return stamp.replace("+00:00", "Z")


def _generic_order(skus, currency, order_id="GEN-1"):
    return {
        "id": order_id,
        "currency": currency,
        "status": "paid",
        "updated_at": "2026-11-20T10:00:00Z",
        "lines": [{"id": "L1", "sku": skus[0], "quantity": 1, "unit_price": "10.00"}],
        "shipping": "0",
        "total": "10.00",
    }


def test_generic_replay_with_fresh_ids_books_nothing_new(odoo_server, committed_env):
    """Test that a captured generic delivery replayed within the tolerance
    under a new event id, without one or under another topic is refused (the
    signature covers them), that a v1 signature (timestamp and body only) is
    refused, and that the genuine request again is a duplicate: one sale
    order. A non-ASCII signature gets 401, not a server error."""
    with _store(odoo_server, committed_env) as store:
        sim, backend_id, skus, url = store
        with committed_env() as env:
            currency = env.company.currency_id.name
        order = _generic_order(skus, currency)
        sim.configure(target_url=url)
        assert sim.send_webhook("orders/create", order, event_id="gen-1") == [200]
        body = compact(order)
        genuine = signed_headers(body, "gen-1")
        signature = genuine[protocol.SIGNATURE_HEADER]
        for header, value in (
            (protocol.EVENT_ID_HEADER, "gen-2"),
            (protocol.EVENT_ID_HEADER, ""),
            (protocol.TOPIC_HEADER, "orders/updated"),
            (protocol.SIGNATURE_HEADER, "v1=" + signature[3:]),
            (protocol.SIGNATURE_HEADER, "v2=" + NON_ASCII),
            (protocol.TIMESTAMP_HEADER, "²"),
        ):
            replay = dict(genuine, **{header: value})
            assert _post(url, body, replay) == UNAUTHORIZED, header
        assert _post(url, body, genuine) == (200, {"status": "duplicate"})
        _booked_once(committed_env, backend_id, order["id"])
        assert _event_count(committed_env, backend_id) == 1


def test_shopify_replays_other_shops_and_stale_deliveries(odoo_server, committed_env):
    """Test that a Shopify order delivered by the simulator is booked once
    although its body is replayed with fresh event and webhook ids, under
    another order topic and with a fresh trigger time; that the same signed
    body naming another shop of the app, triggered an hour ago, or not
    saying when, gets 401, as does a non-ASCII signature."""
    with _store(odoo_server, committed_env, "shopify") as store:
        sim, backend_id, skus, url = store
        order = _delivered_order(sim, skus, url, "orders/create")
        body = json.dumps(order, separators=(",", ":"), ensure_ascii=False).encode()
        genuine = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": sim_shopify.sign(SECRET, body),
            "X-Shopify-Shop-Domain": SIM_SHOP,
            "X-Shopify-Event-Id": "genuine-1",
            "X-Shopify-Webhook-Id": "wh-1",
            "X-Shopify-Triggered-At": _triggered_at(time.time()),
        }
        for index, topic in enumerate(
            ("orders/create", "orders/paid", "orders/updated")
        ):
            replay = dict(
                genuine,
                **{
                    "X-Shopify-Topic": topic,
                    "X-Shopify-Event-Id": f"shp-new-{index}",
                    "X-Shopify-Webhook-Id": f"wh-new-{index}",
                    "X-Shopify-Triggered-At": _triggered_at(time.time()),
                },
            )
            assert _post(url, body, replay) == (200, {"status": "duplicate"}), topic
        for header, value in (
            ("X-Shopify-Shop-Domain", "another-shop.myshopify.com"),
            ("X-Shopify-Triggered-At", _triggered_at(time.time() - 3600)),
            ("X-Shopify-Triggered-At", ""),
            ("X-Shopify-Hmac-Sha256", NON_ASCII),
        ):
            assert _post(url, body, dict(genuine, **{header: value})) == (
                UNAUTHORIZED
            ), header
        _booked_once(committed_env, backend_id, order["id"])
        assert _event_count(committed_env, backend_id) == 1


def test_woocommerce_replay_with_fresh_headers_books_nothing_new(
    odoo_server, committed_env
):
    """Test that a WooCommerce order delivered by the simulator is booked
    once although its signed body is replayed under another webhook id,
    delivery id and topic (none of them signed), and that a non-ASCII
    signature gets 401."""
    with _store(odoo_server, committed_env, "woocommerce") as store:
        sim, backend_id, skus, url = store
        order = _delivered_order(sim, skus, url, "order.created")
        body = sim_woocommerce.wp_json(order)
        genuine = {
            "Content-Type": "application/json",
            "X-WC-Webhook-Topic": "order.created",
            "X-WC-Webhook-Signature": sim_woocommerce.sign(SECRET, body),
            "X-WC-Webhook-ID": "17",
            "X-WC-Webhook-Delivery-ID": "d-1",
        }
        replay = dict(
            genuine,
            **{
                "X-WC-Webhook-Topic": "order.updated",
                "X-WC-Webhook-ID": "18",
                "X-WC-Webhook-Delivery-ID": "d-2",
            },
        )
        assert _post(url, body, replay) == (200, {"status": "duplicate"})
        non_ascii = dict(genuine, **{"X-WC-Webhook-Signature": NON_ASCII})
        assert _post(url, body, non_ascii) == UNAUTHORIZED
        _booked_once(committed_env, backend_id, order["id"])
        assert _event_count(committed_env, backend_id) == 1


@pytest.fixture
def talon_one(committed_env):
    """A committed Talon.One backend whose program's member M-ANN is bound
    to a customer: ``(backend_id, token, partner_id, program_id)``."""
    with committed_env() as env:
        program = env["loyalty.program"].create(
            {"name": "Replay suite points", "program_type": "loyalty"}
        )
        partner = env["res.partner"].create({"name": "Replay suite customer"})
        backend = env["retail.backend"].create(
            {
                "name": "Replay suite Talon.One",
                "kind": "loyalty",
                "platform": "talon_one",
                "api_url": "https://example.talon.one",
                "webhook_secret": SECRET,
                "retry_delay": 1,
                "loyalty_program_id": program.id,
                "loyalty_engine_program": "7",
            }
        )
        env["retail.partner.binding"].create(
            {"backend_id": backend.id, "odoo_id": partner.id, "external_id": "M-ANN"}
        )
        ids = (backend.id, backend.webhook_token, partner.id, program.id)
    yield ids
    with committed_env() as env:
        env["retail.backend"].browse(ids[0]).active = False


def test_talon_one_replay_with_fresh_uuid_credits_once(
    odoo_server, talon_one, committed_env
):
    """Test that a relayed Talon.One notification replayed within the
    tolerance with a fresh x-uuid is a duplicate and one under a fresh event
    id gets 401, so the points are credited once; a non-ASCII signature
    gets 401."""
    backend_id, token, partner_id, program_id = talon_one
    url = _url(odoo_server, token)
    body = compact(
        {
            "NotificationType": "LoyaltyAddedDeductedPointsNotification",
            "Data": [
                {
                    "ProfileIntegrationID": "M-ANN",
                    "LoyaltyProgramID": 7,
                    "Amount": 25,
                    "Operation": "addition",
                    "TypeOfChange": "Campaign Manager",
                    "Reason": "Goodwill",
                }
            ],
        }
    )
    genuine = dict(
        {"Content-Type": "application/json", "x-uuid": "t-1"},
        **protocol.signed_headers(
            SECRET, int(time.time()), "loyalty/adjustment", "t-1", body
        ),
    )
    assert _post(url, body, genuine) == (200, {"status": "accepted"})
    assert _post(url, body, dict(genuine, **{"x-uuid": "t-2"})) == (
        200,
        {"status": "duplicate"},
    )
    assert _post(url, body, dict(genuine, **{protocol.EVENT_ID_HEADER: "t-2"})) == (
        UNAUTHORIZED
    )
    non_ascii = dict(genuine, **{protocol.SIGNATURE_HEADER: "v2=" + NON_ASCII})
    assert _post(url, body, non_ascii) == UNAUTHORIZED
    wait_for(lambda: _inbox_settled(committed_env, backend_id), 120, "the points")
    assert _event_count(committed_env, backend_id) == 1
    with committed_env() as env:
        card = env["loyalty.card"]._retail_card_for(
            env["loyalty.program"].browse(program_id),
            env["res.partner"].browse(partner_id),
        )
        assert card.points == 25


def _inbox_settled(committed_env, backend_id):
    with committed_env() as env:
        return inbox_settled(env, backend_id)


def test_nested_json_and_generic_replies(odoo_server, committed_env):
    """Test that signed JSON nested deeper than any parser should recurse
    gets 400, and that refusals answer generically: a backend without a
    secret and a bad signature both get the same 401 body, an oversized
    body a 413 that does not echo the limit."""
    with _store(odoo_server, committed_env, webhook_max_bytes=4096) as store:
        sim, backend_id, skus, url = store
        for depth in (2000, 100):
            body = b'{"a":' + b"[" * depth + b"]" * depth + b"}"
            status, answer = _post(url, body, signed_headers(body, f"deep-{depth}"))
            assert (status, answer["error"]) == (400, "bad_request"), depth
        body = compact({"id": "1"})
        forged = _post(url, body, signed_headers(body, "f-1", secret="guessed"))
        big = compact({"id": "2", "note": "x" * 8192})
        assert _post(url, big, signed_headers(big, "big-1")) == TOO_LARGE
        with committed_env() as env:
            env["retail.backend"].browse(backend_id).webhook_secret = False
        no_secret = _post(url, body, signed_headers(body, "f-2"))
        assert forged == no_secret == UNAUTHORIZED
        assert _event_count(committed_env, backend_id) == 0


def test_oversized_bodies_are_refused_before_they_are_read(odoo_server, committed_env):
    """Test that a form body announced over the backend's limit, or posted to
    an unknown URL, is answered at once while its body is still being sent
    (Odoo would otherwise parse the whole form before the route runs), and
    that a chunked body is read no further than the limit."""
    with _store(odoo_server, committed_env, webhook_max_bytes=4096) as store:
        sim, backend_id, skus, url = store
        form = {
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": "100000000",
        }
        part = b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n'
        assert post_without_the_body(url, form, part) == TOO_LARGE
        unknown = _url(odoo_server, "not-a-token")
        assert post_without_the_body(unknown, form, part) == (
            404,
            {"error": "not_found"},
        )
        chunked = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
        chunk = b"2000\r\n" + b"x" * 8192 + b"\r\n"
        assert post_without_the_body(url, chunked, chunk) == TOO_LARGE
        assert _event_count(committed_env, backend_id) == 0
    assert requests.get(f"{odoo_server}/web/login", timeout=30).status_code == 200
