# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Security against a real server: signatures, bodies and payloads an
attacker controls, access over the web client's RPC, and where secrets and
personal data must not end up (a database dump, the server log).

The controller's unit tests (addons/retail_connector_base/tests/
test_webhook_controller.py) already check each refusal once in process; these
check what a real deployment does with them end to end."""

import json
import random
import subprocess
import threading
import time

import pytest
import requests
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

import odoo

API_KEY = "ak_fault_suite_93be10"
API_SECRET = "as_fault_suite_d41c77"
CARD = "4111111111111111"
EMAIL = "jane.private.b7@example.org"
PASSWORD = "Fault-suite-pass-1"
SCRIPT = "<script>alert('xss')</script>"
IMG = '<img src=x onerror="alert(1)">'
SQL = "Robert'); DROP TABLE sale_order; --"


@pytest.fixture
def store(committed_env):
    """The simulator (generic protocol) and a committed backend on it with
    every credential set: ``(sim, backend_id, skus, currency, token)``."""
    with committed_env() as env:
        currency = env.company.currency_id.name
    with Simulator(
        webhook_retry_delay=0.05, api_token=ACCESS_TOKEN, webhook_secret=SECRET
    ) as sim:
        with committed_env() as env:
            backend, skus = create_store(
                env, sim, api_key=API_KEY, api_secret=API_SECRET, log_bodies=True
            )
            backend_id, token = backend.id, backend.webhook_token
        yield sim, backend_id, skus, currency, token


def _settled(committed_env, backend_id):
    with committed_env() as env:
        return inbox_settled(env, backend_id) and jobs_idle(env, backend_id)


def _events(committed_env, backend_id):
    with committed_env() as env:
        events = env["retail.event"].search([("backend_id", "=", backend_id)])
        return [(event.dedupe_key, event.state) for event in events]


def test_forged_missing_tampered_and_replayed_signatures(
    odoo_server, store, committed_env
):
    """Test that over real HTTP only the genuine delivery is stored: forged,
    missing and tampered signatures and stale or future timestamps get 401
    and store nothing, and replaying the genuine request within the window
    is answered as a duplicate and books nothing more."""
    sim, backend_id, skus, currency, token = store
    url = f"{odoo_server}/retail/webhook/{token}"
    order = sim.create_order(**order_spec(random.Random(3), skus, currency))
    body = compact(order)
    genuine = signed_headers(body, "sig-1")

    def post(data, headers):
        response = requests.post(url, data=data, headers=headers, timeout=30)
        return response.status_code, response.json()

    now = int(time.time())
    missing_signature = dict(genuine)
    del missing_signature["X-Retail-Signature"]
    missing_timestamp = dict(genuine)
    del missing_timestamp["X-Retail-Timestamp"]
    tampered = body.replace(order["total"].encode(), b"0.01")
    refusals = {
        "forged": post(body, signed_headers(body, "sig-1", secret="guessed")),
        "missing signature": post(body, missing_signature),
        "missing timestamp": post(body, missing_timestamp),
        "unsigned scheme": post(
            body,
            dict(genuine, **{"X-Retail-Signature": genuine["X-Retail-Signature"][3:]}),
        ),
        "tampered body": post(tampered, genuine),
        "stale replay": post(body, signed_headers(body, "sig-1", stamp=now - 3600)),
        "future timestamp": post(body, signed_headers(body, "sig-1", stamp=now + 3600)),
    }
    for what, (status, answer) in refusals.items():
        assert (what, status, answer["error"]) == (what, 401, "unauthorized")
        assert SECRET not in json.dumps(answer)
    assert _events(committed_env, backend_id) == []

    assert post(body, genuine) == (200, {"status": "accepted"})
    # The same request captured and replayed while its timestamp is fresh.
    assert post(body, genuine) == (200, {"status": "duplicate"})
    assert post(body, signed_headers(body, "sig-1")) == (200, {"status": "duplicate"})
    wait_for(lambda: _settled(committed_env, backend_id), 120, "the import")
    assert _events(committed_env, backend_id) == [("sig-1", "done")]
    with committed_env() as env:
        booked = bookings(env, backend_id)
        assert list(booked["per_order"]) == [str(order["id"])]
        assert len(booked["sales"]) == 1
        assert f"{booked['sales'].amount_total:.2f}" == order["total"]


def test_oversized_and_malformed_bodies(odoo_server, store, committed_env):
    """Test that bodies over the backend's limit are refused with 413 whether
    they announce their length or stream it chunked, that signed bodies which
    are not JSON objects get 400, and that a well-formed JSON order with a
    wrong shape is stored but fails as a business error (no sale order, an
    activity), leaving the server serving."""
    sim, backend_id, skus, currency, token = store
    url = f"{odoo_server}/retail/webhook/{token}"
    with committed_env() as env:
        env["retail.backend"].browse(backend_id).webhook_max_bytes = 4096
    big = compact({"id": "9", "note": "x" * 8192})
    response = requests.post(url, data=big, headers=signed_headers(big, "big-1"))
    assert (response.status_code, response.json()["error"]) == (
        413,
        "payload_too_large",
    )

    def chunks():
        for _index in range(64):
            yield b"x" * 1024

    response = requests.post(
        url, data=chunks(), headers=signed_headers(big, "big-2"), timeout=30
    )
    assert response.status_code == 413
    for index, body in enumerate([b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe{"]):
        response = requests.post(
            url, data=body, headers=signed_headers(body, f"bad-{index}"), timeout=30
        )
        assert (response.status_code, response.json()["error"]) == (
            400,
            "bad_request",
        ), body
    assert _events(committed_env, backend_id) == []

    shapeless = compact({"id": "77", "currency": currency, "lines": "none"})
    response = requests.post(
        url, data=shapeless, headers=signed_headers(shapeless, "shape-1"), timeout=30
    )
    assert response.json() == {"status": "accepted"}
    wait_for(lambda: _settled(committed_env, backend_id), 120, "the processing")
    with committed_env() as env:
        event = env["retail.event"].search([("backend_id", "=", backend_id)])
        assert (event.state, event.failure_code) == ("failed", "malformed_order")
        assert event.activity_ids
        assert not bookings(env, backend_id)["sales"]
    assert requests.get(f"{odoo_server}/web/login", timeout=30).status_code == 200


def _login(base_url, db_name, login, password):
    session = requests.Session()
    response = session.post(
        f"{base_url}/web/session/authenticate",
        json={
            "jsonrpc": "2.0",
            "params": {"db": db_name, "login": login, "password": password},
        },
        timeout=30,
    )
    assert response.json().get("result", {}).get("uid"), response.text[:500]
    return session


def _call(session, base_url, model, method, *args, **kwargs):
    """JSON-RPC call_kw as the web client makes it: ``(result, error)``."""
    response = session.post(
        f"{base_url}/web/dataset/call_kw/{model}/{method}",
        json={
            "jsonrpc": "2.0",
            "params": {
                "model": model,
                "method": method,
                "args": list(args),
                "kwargs": kwargs,
            },
        },
        timeout=30,
    )
    answer = response.json()
    return answer.get("result"), answer.get("error")


def test_payload_html_and_sql_are_data_rendered_escaped(
    odoo_server, store, committed_env
):
    """Test that HTML, JavaScript and SQL fragments in an order's fields are
    stored verbatim as data (no table dropped, the inbox keeps the payload),
    and that the sale order's printed page shows them escaped, never as
    markup."""
    sim, backend_id, skus, currency, token = store
    spec = order_spec(random.Random(8), skus, currency)
    spec["lines"][0]["title"] = f"{IMG} {SQL}"
    order = sim.create_order(
        **spec,
        number=f"#1{SCRIPT}",
        customer={"id": "c-xss", "email": EMAIL, "name": f"{SCRIPT} {SQL}"},
        note=f"<b onmouseover=\"alert('note')\">gift</b> {SQL}",
    )
    sim.configure(target_url=f"{odoo_server}/retail/webhook/{token}")
    assert sim.send_webhook("orders/create", order, event_id="xss-1") == [200]
    wait_for(lambda: _settled(committed_env, backend_id), 120, "the import")
    login = f"fault-sales-{backend_id}"
    with committed_env() as env:
        event = env["retail.event"].search([("backend_id", "=", backend_id)])
        assert event.state == "done", event.last_error
        assert json.loads(event.payload)["customer"]["name"] == f"{SCRIPT} {SQL}"
        (sale,) = bookings(env, backend_id)["sales"]
        assert sale.partner_id.name == f"{SCRIPT} {SQL}"
        assert sale.client_order_ref == f"#1{SCRIPT}"
        assert sale.order_line[0].name == f"{IMG} {SQL}"
        assert "onmouseover" not in (sale.note or "")  # an HTML field: sanitized
        env.cr.execute("SELECT count(*) FROM sale_order")
        assert env.cr.fetchone()[0] >= 1
        env["res.users"].with_context(no_reset_password=True).create(
            {
                "name": "Fault suite salesman",
                "login": login,
                "password": PASSWORD,
                "groups_id": [
                    (4, env.ref("sales_team.group_sale_manager").id),
                    (4, env.ref("account.group_account_invoice").id),
                ],
            }
        )
        sale_id = sale.id
    session = _login(odoo_server, odoo.tools.config["db_name"], login, PASSWORD)
    page = session.get(
        f"{odoo_server}/report/html/sale.report_saleorder/{sale_id}", timeout=120
    )
    assert page.status_code == 200
    html = page.text
    assert "Robert&#39;); DROP TABLE sale_order; --" in html or (
        "Robert'); DROP TABLE sale_order; --" in html
    )
    for raw in (SCRIPT, IMG, "onmouseover"):
        assert raw not in html, raw
    assert "&lt;script&gt;alert(" in html
    assert "&lt;img src=x onerror=" in html


def test_non_manager_sees_no_credentials_nor_other_companies(
    odoo_server, store, committed_env
):
    """Test that over the web client's RPC a connector user (not manager)
    sees their company's backends without any credential, ciphertext or
    webhook token, and neither the backends nor the events of another
    company, even by id."""
    sim, backend_id, skus, currency, token = store
    login = f"fault-user-{backend_id}"
    with committed_env() as env:
        company = env.company
        other = env["res.company"].create({"name": f"Other retailer {backend_id}"})
        foreign = env["retail.backend"].create(
            {
                "name": "Foreign store",
                "kind": "marketplace",
                "company_id": other.id,
                "webhook_secret": "whsec_foreign_company_0e1d",
                "access_token": "tok_foreign_company_77aa",
            }
        )
        foreign_event = env["retail.event"]._receive(
            foreign, "orders/create", "foreign-1", json.dumps({"id": "1"})
        )
        env["res.users"].with_context(no_reset_password=True).create(
            {
                "name": "Fault suite connector user",
                "login": login,
                "password": PASSWORD,
                "company_id": company.id,
                "company_ids": [(6, 0, company.ids)],
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            env.ref("base.group_user").id,
                            env.ref(
                                "retail_connector_base.retail_connector_group_user"
                            ).id,
                        ],
                    )
                ],
            }
        )
        foreign_id, foreign_event_id = foreign.id, foreign_event.id
    session = _login(odoo_server, odoo.tools.config["db_name"], login, PASSWORD)

    found, error = _call(session, odoo_server, "retail.backend", "search_read", [])
    assert error is None, error
    ids = {record["id"] for record in found}
    assert backend_id in ids
    assert foreign_id not in ids
    text = json.dumps(found)
    for value in (SECRET, ACCESS_TOKEN, API_KEY, API_SECRET, token):
        assert value not in text
    assert not [key for record in found for key in record if "secret" in key]
    for fields in (["webhook_secret"], ["access_token_encrypted"], ["webhook_token"]):
        result, error = _call(
            session, odoo_server, "retail.backend", "read", [backend_id], fields
        )
        assert result is None and "AccessError" in error["data"]["name"], fields
    result, error = _call(
        session, odoo_server, "retail.backend", "read", [foreign_id], ["name"]
    )
    assert result is None and "AccessError" in error["data"]["name"]
    result, error = _call(
        session, odoo_server, "retail.event", "read", [foreign_event_id], ["payload"]
    )
    assert result is None and "AccessError" in error["data"]["name"]
    result, error = _call(
        session,
        odoo_server,
        "retail.backend",
        "write",
        [backend_id],
        {"webhook_secret": "stolen"},
    )
    assert result is None and "AccessError" in error["data"]["name"]


def test_duplicate_storm_with_personal_data(odoo_server, store, committed_env):
    """Test that a concurrent storm of one delivery carrying an email address
    and a card number is stored once (it feeds the log check that follows:
    lost races must not write the payload to the log)."""
    sim, backend_id, skus, currency, token = store
    url = f"{odoo_server}/retail/webhook/{token}"
    spec = order_spec(random.Random(9), skus, currency)
    order = sim.create_order(
        **spec,
        customer={"id": "c-pii", "email": EMAIL, "name": "Jane Private"},
        payment_details={"card_number": CARD, "holder": "Jane Private"},
    )
    body = compact(order)
    headers = signed_headers(body, "pii-storm")
    start = threading.Barrier(20)
    statuses = []

    def post():
        with requests.Session() as session:
            start.wait()
            statuses.append(session.post(url, data=body, headers=headers).status_code)

    threads = [threading.Thread(target=post) for _copy in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 20
    # Failing paths that log: a forged copy and an order for an unknown SKU.
    forged = signed_headers(body, "pii-forged", secret="guessed")
    assert requests.post(url, data=body, headers=forged).status_code == 401
    unknown = dict(order, id="pii-2", lines=[dict(order["lines"][0], sku="NOPE-1")])
    unknown_body = compact(unknown)
    response = requests.post(
        url, data=unknown_body, headers=signed_headers(unknown_body, "pii-2")
    )
    assert response.status_code == 200
    wait_for(lambda: _settled(committed_env, backend_id), 120, "the processing")
    with committed_env() as env:
        states = dict(_events(committed_env, backend_id))
        assert states == {"pii-storm": "done", "pii-2": "failed"}
        assert len(bookings(env, backend_id)["sales"]) == 1
        # An outbound call with bodies logged: masked in the request log.
        backend = env["retail.backend"].browse(backend_id)
        backend._request(
            "PUT", "api/v1/stock/X", json_body={"quantity": 1, "email": EMAIL}
        )
    with committed_env() as env:  # the request log commits on its own cursor
        log = env["retail.request.log"].search(
            [("backend_id", "=", backend_id), ("method", "=", "PUT")]
        )
        assert len(log) == 1
        assert "quantity" in log.request_body
        assert EMAIL not in log.request_body


def _dump(db_name):
    config = odoo.tools.config
    command = ["pg_dump", "--no-owner", db_name]
    for option, key in (("--host", "db_host"), ("--port", "db_port")):
        if config.get(key):
            command.append(f"{option}={config[key]}")
    if config.get("db_user"):
        command.append(f"--username={config['db_user']}")
    env = {"PATH": "/usr/bin:/bin"}
    if config.get("db_password"):
        env["PGPASSWORD"] = config["db_password"]
    return subprocess.run(command, env=env, capture_output=True, check=True).stdout


def test_database_dump_holds_no_plaintext_secret(store, committed_env):
    """Test that a full dump of the database holds none of the backends'
    credentials in plaintext, nor the encryption key, while the encrypted
    columns are filled."""
    sim, backend_id, skus, currency, token = store
    with committed_env() as env:
        backend = env["retail.backend"].browse(backend_id)
        backend.webhook_secret_previous = "whsec_previous_fault_suite_2b"
        assert backend._get_secret("webhook_secret") == SECRET
        assert backend._get_secret("access_token") == ACCESS_TOKEN
    dump = _dump(odoo.tools.config["db_name"])
    assert b"COPY public.retail_backend" in dump
    secrets = [
        SECRET,
        ACCESS_TOKEN,
        API_KEY,
        API_SECRET,
        "whsec_previous_fault_suite_2b",
    ]
    secrets += ["whsec_foreign_company_0e1d", "tok_foreign_company_77aa"]
    for secret in secrets:
        assert secret.encode() not in dump, secret
    from odoo.addons.retail_connector_base import crypto

    for key in crypto._configured_keys():
        assert key.encode() not in dump
    with committed_env() as env:
        env.cr.execute(
            "SELECT webhook_secret_encrypted, access_token_encrypted"
            " FROM retail_backend WHERE id = %s",
            (backend_id,),
        )
        assert all(env.cr.fetchone())


def test_server_log_holds_no_secret_card_or_email(odoo_server, tmp_path_factory):
    """Test that the server's log, after every test above (webhooks refused
    and accepted, storms, failures, outbound calls), holds no credential, no
    card number and no customer email address."""
    logs = sorted(tmp_path_factory.getbasetemp().glob("odoo-server*/odoo.log"))
    assert logs, "the server's log file was not found"
    text = "\n".join(path.read_text(errors="replace") for path in logs)
    assert "/retail/webhook/" in text  # the log is the server's, with requests
    from odoo.addons.retail_connector_base import crypto

    forbidden = [SECRET, ACCESS_TOKEN, API_KEY, API_SECRET, CARD, EMAIL]
    forbidden += crypto._configured_keys()
    for value in forbidden:
        lines = [line[:300] for line in text.splitlines() if value in line]
        assert not lines, (value, lines[:5])
