# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import hashlib
import hmac
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from odoo import Command
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.retail_connector_base.tests.scripted_server import ScriptedServer

from ..adapters import square
from .common import PosCommon

FIXTURES = Path(__file__).parent / "fixtures"
KEY = "square-signature-key"
URL = "https://odoo.example.com/retail/webhook/tok"
# base64(HMAC-SHA256(KEY, URL + square_event_payment_updated.json as stored)),
# computed with openssl: printf URL | cat - fixture | openssl dgst -sha256
# -hmac KEY -binary | base64
VECTOR = "lt2ukm+EaMyBBAkZ1wqJgg1OFDSI2S8AaTWOTSQG/tI="
SALE_ID = "L5tvBZ6VwJ0XBMJ0MhTmsqjeV"
RETURN_ID = "j7CWK5PozTAPsfm2XlGPKPzeV"
LOCATION = "FPYCBCHYMXFK1"
TAX = "HURXQOOAIC4IZSI2BEXQRYFY"
SKUS = {"W62UWFY35CWMYGVWK6TWJDNI": "POS-1", "AII3HW6RZB4DTRFJ7YNKEHGU": "POS-2"}
CARD_TENDER = "EnZdNAlWCmfh6Mt5FMNST1o7taB"


def raw(name):
    return (FIXTURES / f"{name}.json").read_bytes()


def load(name):
    return json.loads(raw(name))


def completed_event(order, event_id="evt-completed-1", event_type="order.updated"):
    """The documented order.updated example, about ``order`` once COMPLETED."""
    event = load("square_event_order_updated")
    summary = event["data"]["object"]["order_updated"]
    summary.update(
        order_id=order["id"],
        location_id=order["location_id"],
        state=order["state"],
        version=order["version"],
        updated_at=order["updated_at"],
    )
    event.update(event_id=event_id, type=event_type)
    event["data"]["id"] = order["id"]
    return event


@tagged("post_install", "-at_install")
class TestSquareAdapter(TransactionCase):
    """Signature, event parsing and order conversion, on documented shapes."""

    def _headers(self, signature):
        return {square.SIGNATURE_HEADER: signature}

    def test_signature_matches_the_documented_construction(self):
        body = raw("square_event_payment_updated")
        self.assertEqual(square.sign(KEY, URL, body), VECTOR)
        expected = base64.b64encode(
            hmac.new(KEY.encode(), URL.encode() + body, hashlib.sha256).digest()
        ).decode()
        self.assertEqual(expected, VECTOR)
        self.assertIsNone(
            square.verify_signature([KEY], URL, self._headers(VECTOR), body)
        )

    def test_forged_body_or_signature_is_refused(self):
        body = raw("square_event_payment_updated")
        forged = body.replace(b"4200", b"9200")
        self.assertEqual(
            square.verify_signature([KEY], URL, self._headers(VECTOR), forged),
            "signature does not match",
        )
        self.assertEqual(
            square.verify_signature([KEY], URL, self._headers("x" + VECTOR), body),
            "signature does not match",
        )
        self.assertEqual(
            square.verify_signature([KEY], URL, self._headers("é" * 44), body),
            "signature does not match",
        )
        self.assertEqual(
            square.verify_signature([KEY], URL, {}, body), "signature header missing"
        )

    def test_another_notification_url_is_refused(self):
        body = raw("square_event_payment_updated")
        for url in (URL + "/", URL.replace("https", "http"), URL + "?a=1", ""):
            self.assertIsNotNone(
                square.verify_signature([KEY], url, self._headers(VECTOR), body), url
            )

    def test_previous_key_is_accepted_during_rotation(self):
        body = raw("square_event_payment_updated")
        self.assertIsNone(
            square.verify_signature(["new-key", KEY], URL, self._headers(VECTOR), body)
        )
        self.assertEqual(
            square.verify_signature(["new-key"], URL, self._headers(VECTOR), body),
            "signature does not match",
        )
        self.assertEqual(
            square.verify_signature([], URL, self._headers(VECTOR), body),
            "no webhook secret is configured on the backend",
        )

    def test_documented_order_updated_of_an_open_order_is_ignored(self):
        values = square.parse_event(raw("square_event_order_updated"))
        self.assertEqual(
            values["dedupe_key"], "event:4b8e5c91-9f17-4cf1-900a-4a0629f81add"
        )
        self.assertEqual(values["subject_key"], "eA3vssLHKJrv9H0IdJCM3gNqfdcZY")
        self.assertIn("OPEN", values["ignored"])

    def test_completed_order_event_is_kept_by_event_id(self):
        event = completed_event(load("square_order_sale"))
        values = square.parse_event(json.dumps(event).encode())
        self.assertNotIn("ignored", values)
        self.assertEqual(values["topic"], square.TOPIC)
        self.assertEqual(values["dedupe_key"], "event:evt-completed-1")
        self.assertEqual(values["subject_key"], SALE_ID)
        self.assertEqual(square.event_order_ref(event), (SALE_ID, LOCATION))

    def test_completed_payment_names_its_order_and_other_events_are_ignored(self):
        values = square.parse_event(raw("square_event_payment_updated"))
        self.assertNotIn("ignored", values)
        self.assertEqual(values["subject_key"], SALE_ID)
        self.assertEqual(square.event_order_ref(values["payload"]), (SALE_ID, LOCATION))
        pending = load("square_event_payment_updated")
        pending["data"]["object"]["payment"]["status"] = "APPROVED"
        self.assertIn("ignored", square.parse_event(json.dumps(pending).encode()))
        other = {"event_id": "e1", "type": "customer.created", "data": {}}
        self.assertIn("ignored", square.parse_event(json.dumps(other).encode()))
        with self.assertRaises(ValueError):
            square.parse_event(b'{"type": "order.updated"}')
        with self.assertRaises(ValueError):
            square.parse_event(b"not json")

    def test_sale_converts_amounts_tax_discount_and_tenders(self):
        transaction = square.order_to_transaction(
            load("square_order_sale"), SKUS, "Europe/Paris"
        )
        self.assertEqual(transaction.uuid, SALE_ID)
        self.assertEqual(transaction.store, LOCATION)
        self.assertEqual(transaction.terminal, "Square Point of Sale")
        self.assertEqual(transaction.sequence, 0)
        self.assertEqual(transaction.type, "sale")
        self.assertEqual(transaction.customer_ref, "JDKYHBWT1D4F8MFH63DBMEN8Y4")
        # closed 23:30 UTC on the 2nd: the 3rd in Brest (UTC+1 in November)
        self.assertEqual(transaction.business_day, date(2026, 11, 3))
        self.assertEqual(
            [
                (line.sku, line.quantity, line.unit_price, line.discount, line.tax_code)
                for line in transaction.lines
            ],
            [
                ("POS-1", Decimal(2), Decimal("24.00"), Decimal("4.00"), TAX),
                ("POS-2", Decimal(1), Decimal("12.00"), Decimal("0.00"), TAX),
            ],
        )
        # the card tender's 2.00 tip is not booked
        self.assertEqual(
            [(p.method, p.amount, p.reference) for p in transaction.payments],
            [
                ("CARD", Decimal("40.00"), CARD_TENDER),
                ("CASH", Decimal("16.00"), "FnZdNAlWCmfh6Mt5FMNST1o7taC"),
            ],
        )

    def test_business_day_without_time_zone_is_the_utc_date(self):
        transaction = square.order_to_transaction(load("square_order_sale"), SKUS)
        self.assertEqual(transaction.business_day, date(2026, 11, 2))

    def test_return_links_its_sale_and_refunds_by_tender_type(self):
        order = load("square_order_return")
        transaction = square.order_to_transaction(
            order,
            SKUS,
            "Europe/Paris",
            square.tender_types([load("square_order_sale")]),
        )
        self.assertEqual(transaction.type, "return")
        self.assertEqual(transaction.original_uuid, SALE_ID)
        self.assertEqual(
            [
                (line.sku, line.quantity, line.unit_price, line.discount, line.tax_code)
                for line in transaction.lines
            ],
            [("POS-1", Decimal(1), Decimal("24.00"), Decimal("2.00"), TAX)],
        )
        self.assertEqual(
            [(p.method, p.amount) for p in transaction.payments],
            [("CARD", Decimal("22.00"))],
        )
        self.assertEqual(square.refunded_tender_ids(order), ([CARD_TENDER], [SALE_ID]))
        with self.assertRaisesRegex(ValueError, CARD_TENDER):
            square.order_to_transaction(order, SKUS, "Europe/Paris", {})
        order["refunds"][0]["status"] = "REJECTED"
        rejected = square.order_to_transaction(order, SKUS, None, {})
        self.assertEqual(rejected.payments, [])

    def test_orders_that_cannot_be_booked_say_why(self):
        sale = load("square_order_sale")
        cases = {
            "exchange": dict(sale, returns=load("square_order_return")["returns"]),
            "OPEN": dict(sale, state="OPEN"),
            "custom amount": dict(
                sale,
                line_items=[dict(sale["line_items"][0], catalog_object_id=None)],
            ),
            "service charges": dict(
                sale, total_service_charge_money={"amount": 100, "currency": "EUR"}
            ),
            "no line items": dict(sale, line_items=[]),
            "could not be read": sale,
        }
        for reason, order in cases.items():
            skus = {} if reason == "could not be read" else SKUS
            with self.assertRaisesRegex(ValueError, reason):
                square.order_to_transaction(order, skus)
        with self.assertRaisesRegex(ValueError, "time zone"):
            square.order_to_transaction(sale, SKUS, "Mars/Olympus")
        with self.assertRaisesRegex(ValueError, "has no SKU"):
            square.order_to_transaction(sale, dict(SKUS, W62UWFY35CWMYGVWK6TWJDNI=""))

    def test_several_taxes_give_one_joined_code(self):
        sale = load("square_order_sale")
        sale["taxes"].append({"uid": "t2", "name": "Eco fee", "type": "ADDITIVE"})
        sale["line_items"][1]["applied_taxes"].append({"uid": "x", "tax_uid": "t2"})
        transaction = square.order_to_transaction(sale, SKUS)
        self.assertEqual(transaction.lines[1].tax_code, f"Eco fee+{TAX}")

    def test_money_follows_the_currency_exponent(self):
        self.assertEqual(
            square.money({"amount": 1250, "currency": "EUR"}), Decimal("12.50")
        )
        self.assertEqual(
            square.money({"amount": 1250, "currency": "JPY"}), Decimal(1250)
        )
        self.assertEqual(
            square.money({"amount": 1250, "currency": "KWD"}), Decimal("1.250")
        )
        self.assertEqual(square.money(None), 0)

    def test_search_asks_for_completed_orders_by_update_time(self):
        calls = []

        def request(method, path, body):
            calls.append((method, path, body))
            return {"orders": [{"id": "o1"}], "cursor": "next"}

        orders, cursor = square.search_orders(
            request, ["L1", "L2"], "2026-11-02T00:00:00Z", "c1", 5000
        )
        self.assertEqual((orders, cursor), ([{"id": "o1"}], "next"))
        self.assertEqual(
            calls,
            [
                (
                    "POST",
                    "v2/orders/search",
                    {
                        "location_ids": ["L1", "L2"],
                        "query": {
                            "filter": {
                                "state_filter": {"states": ["COMPLETED"]},
                                "date_time_filter": {
                                    "updated_at": {"start_at": "2026-11-02T00:00:00Z"}
                                },
                            },
                            "sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"},
                        },
                        "limit": 1000,
                        "return_entries": False,
                        "cursor": "c1",
                    },
                )
            ],
        )


@tagged("post_install", "-at_install")
class TestSquareBooking(PosCommon, HttpCase):
    """Polling and webhooks of a Square backend, against a scripted Square.
    HttpCase: the outbound client's throttle commits on its own cursor,
    which only the registry's test mode keeps inside the test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.square = cls._prepare_square_backend()
        cls.square.flow_ids = [
            Command.create({"flow": "transactions_in", "mode": "batch"})
        ]
        cls.flow = cls.square.flow_ids

    def setUp(self):
        super().setUp()
        # SKUs and time zones are kept for the transaction: start afresh.
        self.env.cr.cache.pop(("retail_square", self.square.id), None)

    def _serve(self, server):
        self.square.api_url = server.url

    def _ok(self, body):
        return (200, {}, body)

    def _receive(self, event):
        body = json.dumps(event).encode()
        url = self.square.sudo().webhook_url
        headers = {
            square.SIGNATURE_HEADER: square.sign("square-signature-key", url, body)
        }
        self.assertIsNone(self.square._webhook_verify(headers, body))
        return self.square._webhook_receive(headers, body)

    def _booked(self):
        return self.env["retail.pos.transaction"].search(
            [("backend_id", "=", self.square.id)]
        )

    def _events(self):
        return self.env["retail.event"].search(
            [("backend_id", "=", self.square.id)], order="id"
        )

    def test_backend_defaults_and_request_headers(self):
        self.assertEqual(self.square.api_url, "https://connect.squareup.com")
        self.assertEqual(self.square.api_version, square.API_VERSION)
        self.assertEqual(
            self.square._get_request_headers(),
            {
                "Authorization": "Bearer square-access-token",
                "Square-Version": square.API_VERSION,
            },
        )
        with ScriptedServer() as server:
            self._serve(server)
            server.script(self._ok(load("square_locations")))
            self.square._test_connection()
        call = server.received[0]
        self.assertEqual((call["method"], call["path"]), ("GET", "/v2/locations"))
        self.assertEqual(call["headers"]["Square-Version"], square.API_VERSION)

    def test_backend_in_test_mode_defaults_to_the_sandbox(self):
        sandbox = self.env["retail.backend"].create(
            {
                "name": "Square sandbox",
                "kind": "pos",
                "platform": "square",
                "test_mode": True,
            }
        )
        self.assertEqual(sandbox.api_url, "https://connect.squareupsandbox.com")
        given = self.env["retail.backend"].create(
            {
                "name": "Square proxy",
                "kind": "pos",
                "platform": "square",
                "api_url": "https://square.example.com",
            }
        )
        self.assertEqual(given.api_url, "https://square.example.com")

    def test_poll_books_sale_and_return_through_the_inbox(self):
        sale, refund = load("square_order_sale"), load("square_order_return")
        with ScriptedServer() as server:
            self._serve(server)
            server.script(
                self._ok({"orders": [sale, refund]}),
                self._ok(load("square_catalog_batch_retrieve")),
                self._ok(load("square_locations")),
                self._ok({"orders": [sale]}),  # the tenders the return refunds
            )
            checkpoint = self.square._run_flow(self.flow)
            self.square._process_events()
        self.assertEqual(checkpoint, refund["updated_at"])
        self.assertEqual(
            [(call["method"], call["path"]) for call in server.received],
            [
                ("POST", "/v2/orders/search"),
                ("POST", "/v2/catalog/batch-retrieve"),
                ("GET", "/v2/locations"),
                ("POST", "/v2/orders/batch-retrieve"),
            ],
        )
        search = json.loads(server.received[0]["body"])
        self.assertEqual(search["location_ids"], [LOCATION])
        self.assertEqual(
            search["query"]["filter"]["state_filter"], {"states": ["COMPLETED"]}
        )
        events = self._events()
        self.assertEqual(
            events.mapped("dedupe_key"),
            [f"order:{SALE_ID}:4", f"order:{RETURN_ID}:1"],
        )
        self.assertEqual(
            events.mapped("state"), ["done", "done"], events.mapped("last_error")
        )
        booked = self._booked()
        sold = booked.filtered(lambda t: t.uuid == SALE_ID)
        returned = booked.filtered(lambda t: t.uuid == RETURN_ID)
        self.assertEqual(sold.business_day, date(2026, 11, 3))
        self.assertFalse(sold.sequence)
        self.assertEqual(sold.terminal_id.code, "Square Point of Sale")
        order = sold.pos_order_id
        self.assertEqual(order.state, "paid")
        self.assertAlmostEqual(order.amount_total, 56.0)
        self.assertAlmostEqual(order.amount_tax, 9.33)
        self.assertEqual(
            sorted((p.payment_method_id.name, p.amount) for p in order.payment_ids),
            [("Card", 40.0), ("Cash", 16.0)],
        )
        self.assertEqual(returned.type, "return")
        self.assertEqual(returned.original_uuid, SALE_ID)
        refund_order = returned.pos_order_id
        self.assertAlmostEqual(refund_order.amount_total, -22.0)
        self.assertEqual(
            [(p.payment_method_id.name, p.amount) for p in refund_order.payment_ids],
            [("Card", -22.0)],
        )
        self.assertEqual(refund_order.lines.refunded_orderline_id.order_id, order)

    def test_two_orders_of_one_register_are_both_booked(self):
        """Square numbers nothing: transactions of one register without a
        number (stored as 0) never collide."""
        sale, refund = load("square_order_sale"), load("square_order_return")
        with ScriptedServer() as server:
            self._serve(server)
            server.script(
                self._ok({"orders": [sale, refund]}),
                self._ok(load("square_catalog_batch_retrieve")),
                self._ok(load("square_locations")),
                self._ok({"orders": [sale]}),
            )
            self.square._run_flow(self.flow)
            self.square._process_events()
        self.assertEqual(len(self._booked()), 2)

    def test_poll_again_reads_from_the_checkpoint_and_stores_nothing_twice(self):
        sale = load("square_order_sale")
        with ScriptedServer() as server:
            self._serve(server)
            server.script(
                self._ok({"orders": [sale]}),
                self._ok(load("square_catalog_batch_retrieve")),
                self._ok(load("square_locations")),
                self._ok({"orders": [sale]}),
            )
            self.flow._run()
            self.flow._run()
        second = json.loads(server.received[-1]["body"])
        self.assertEqual(
            second["query"]["filter"]["date_time_filter"],
            {"updated_at": {"start_at": sale["updated_at"]}},
        )
        self.assertEqual(self.flow.checkpoint, sale["updated_at"])
        self.assertEqual(len(self._events()), 1)

    def test_webhook_then_poll_of_one_order_books_it_once(self):
        sale = load("square_order_sale")
        with ScriptedServer() as server:
            self._serve(server)
            server.script(
                self._ok({"orders": [sale]}),  # batch-retrieve of the event's order
                self._ok(load("square_catalog_batch_retrieve")),
                self._ok(load("square_locations")),
            )
            answer = self._receive(completed_event(sale))
            self.assertEqual(answer, {"status": "accepted"})
            self.assertEqual(
                self._receive(completed_event(sale)), {"status": "duplicate"}
            )
            self.square._process_events()
            server.script(self._ok({"orders": [sale]}))  # the poll's search
            self.square._run_flow(self.flow)
            self.square._process_events()
        self.assertEqual(
            [call["path"] for call in server.received],
            [
                "/v2/orders/batch-retrieve",
                "/v2/catalog/batch-retrieve",
                "/v2/locations",
                "/v2/orders/search",
            ],
        )
        events = self._events()
        self.assertEqual(
            events.mapped("dedupe_key"), ["event:evt-completed-1", f"order:{SALE_ID}:4"]
        )
        self.assertEqual(events.mapped("state"), ["done", "done"])
        booked = self._booked()
        self.assertEqual(len(booked), 1)
        self.assertEqual(len(booked.pos_order_id), 1)
        self.assertEqual(set(events.mapped("res_id")), {booked.pos_order_id.id})
        self.assertEqual(
            self.env["pos.order"].search_count([("uuid", "=", SALE_ID)]), 1
        )

    def test_poll_then_payment_webhook_books_once_without_calling_square(self):
        sale = load("square_order_sale")
        with ScriptedServer() as server:
            self._serve(server)
            server.script(
                self._ok({"orders": [sale]}),
                self._ok(load("square_catalog_batch_retrieve")),
                self._ok(load("square_locations")),
            )
            self.square._run_flow(self.flow)
            self.square._process_events()
            calls = len(server.received)
            answer = self._receive(load("square_event_payment_updated"))
            self.square._process_events()
        self.assertEqual(answer, {"status": "accepted"})
        self.assertEqual(len(server.received), calls)
        self.assertEqual(self._events().mapped("state"), ["done", "done"])
        self.assertEqual(len(self._booked()), 1)

    def test_irrelevant_events_are_acknowledged_and_not_stored(self):
        answer = self._receive(load("square_event_order_updated"))
        self.assertEqual(answer["status"], "ignored")
        self.assertFalse(self._events())

    def test_order_of_an_unknown_location_fails_naming_it(self):
        sale = dict(load("square_order_sale"), location_id="LUNKNOWN00001")
        with ScriptedServer() as server:
            self._serve(server)
            self._receive(completed_event(sale))
            self.square._process_events()
        self.assertFalse(server.received)
        event = self._events()
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.failure_code, "unknown_store")
        self.assertIn("LUNKNOWN00001", event.last_error)
        self.assertFalse(self._booked())

    def test_order_not_completed_yet_books_nothing(self):
        sale = load("square_order_sale")
        with ScriptedServer() as server:
            self._serve(server)
            server.script(self._ok({"orders": [dict(sale, state="OPEN")]}))
            self._receive(load("square_event_payment_updated"))
            self.square._process_events()
        self.assertEqual(self._events().state, "done")
        self.assertFalse(self._booked())

    def test_unbookable_order_fails_with_its_reason(self):
        sale = load("square_order_sale")
        sale["line_items"][0]["catalog_object_id"] = None
        with ScriptedServer() as server:
            self._serve(server)
            server.script(
                self._ok({"orders": [sale]}),
                self._ok(load("square_catalog_batch_retrieve")),
                self._ok(load("square_locations")),
            )
            self._receive(completed_event(sale))
            self.square._process_events()
        event = self._events()
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.failure_code, "invalid_square_order")
        self.assertIn("custom amount", event.last_error)

    def test_webhook_through_the_controller_checks_the_configured_url(self):
        sale = load("square_order_sale")
        body = json.dumps(completed_event(sale)).encode()
        path = f"/retail/webhook/{self.square.webhook_token}"
        signed = square.sign(
            "square-signature-key", self.square.sudo().webhook_url, body
        )
        wrong = square.sign(
            "square-signature-key", "https://elsewhere.example" + path, body
        )
        refused = self.url_open(
            path, data=body, headers={"X-Square-HmacSha256-Signature": wrong}
        )
        self.assertEqual(refused.status_code, 401)
        accepted = self.url_open(
            path, data=body, headers={"X-Square-HmacSha256-Signature": signed}
        )
        self.assertEqual(accepted.status_code, 200)
        self.assertEqual(accepted.json(), {"status": "accepted"})
        self.assertEqual(self._events().subject_key, SALE_ID)

    def test_webhook_replayed_under_new_headers_is_a_duplicate(self):
        """Test that a signed Square event replayed with new retry headers (not
        signed) is a duplicate, its event id being in the signed body, and
        that a non-ASCII signature gets the generic 401."""
        body = json.dumps(completed_event(load("square_order_sale"))).encode()
        path = f"/retail/webhook/{self.square.webhook_token}"
        signed = {
            "X-Square-HmacSha256-Signature": square.sign(
                "square-signature-key", self.square.sudo().webhook_url, body
            )
        }
        first = self.url_open(path, data=body, headers=signed)
        replay = self.url_open(
            path,
            data=body,
            headers=dict(
                signed, **{"Square-Retry-Number": "3", "Square-Retry-Reason": "x"}
            ),
        )
        with mute_logger("odoo.addons.retail_connector_base.intake"):
            non_ascii = self.url_open(
                path, data=body, headers={"X-Square-HmacSha256-Signature": "é" * 44}
            )
        self.assertEqual(first.json(), {"status": "accepted"})
        self.assertEqual(replay.json(), {"status": "duplicate"})
        self.assertEqual(
            (non_ascii.status_code, non_ascii.json()), (401, {"error": "unauthorized"})
        )
        self.assertEqual(len(self._events()), 1)

    def _count_day(self, *order_ids, cursor=None):
        entries = [
            {"order_id": order_id, "version": 1, "location_id": LOCATION}
            for order_id in order_ids
        ]
        return self._ok(
            {"order_entries": entries, **({"cursor": cursor} if cursor else {})}
        )

    def _poll_sale(self, server):
        server.script(
            self._ok({"orders": [load("square_order_sale")]}),
            self._ok(load("square_catalog_batch_retrieve")),
            self._ok(load("square_locations")),
        )
        self.square._run_flow(self.flow)
        self.square._process_events()

    def test_day_whose_count_differs_names_the_orders_never_received(self):
        store = self.square.pos_store_ids
        day = date(2026, 11, 3)
        with ScriptedServer() as server:
            self._serve(server)
            self._poll_sale(server)
            server.script(
                self._count_day(SALE_ID, "missing-1", cursor="page-2"),
                self._count_day("missing-2"),
            )
            missing = self.square._adapter("pos").check_day(store, day)
            self.assertEqual(missing, ["missing-1", "missing-2"])
            search = json.loads(server.received[-2]["body"])
            # The business day in the location's time zone (Paris, UTC+1).
            self.assertEqual(
                search["query"]["filter"]["date_time_filter"],
                {
                    "closed_at": {
                        "start_at": "2026-11-02T23:00:00.000+00:00",
                        "end_at": "2026-11-03T22:59:59.999+00:00",
                    }
                },
            )
            self.assertTrue(search["return_entries"])
            self.assertEqual(
                json.loads(server.received[-1]["body"])["cursor"], "page-2"
            )
            activity = store.activity_ids
            self.assertEqual(len(activity), 1)
            self.assertEqual(
                activity.retail_failure_kind, "missing_transactions:2026-11-03"
            )
            self.assertIn("3 completed orders", activity.note)
            self.assertIn("1 are booked", activity.note)
            self.assertIn("missing-1, missing-2", activity.note)
            # The count of another day does not close this one.
            server.script(self._count_day())
            self.square._adapter("pos").check_day(store, date(2026, 11, 4))
            self.assertEqual(store.activity_ids, activity)
            server.script(self._count_day(SALE_ID))
            self.assertEqual(self.square._adapter("pos").check_day(store, day), [])
        self.assertFalse(store.activity_ids, "closed once the counts agree")

    def test_closing_a_square_day_counts_it_first(self):
        with ScriptedServer() as server:
            self._serve(server)
            self._poll_sale(server)
            session = self._booked().pos_order_id.session_id
            server.script(self._count_day(SALE_ID, "missing-1"))
            session._retail_close()
            self.assertEqual(
                json.loads(server.received[-1]["body"])["query"]["sort"],
                {"sort_field": "CLOSED_AT", "sort_order": "ASC"},
            )
        self.assertEqual(session.state, "closed")
        self.assertIn("missing-1", self.square.pos_store_ids.activity_ids.note)
