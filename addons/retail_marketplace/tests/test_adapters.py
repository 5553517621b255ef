# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import hashlib
import time
from datetime import datetime, timezone

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.retail_connector_base.tests.http_common import RetailHttpCommon

from ..adapters import shopify, woocommerce

# Vectors derived from the documented algorithms (platform-specs.md, marked
# [D]: computed with Python hmac and checked with openssl; not vendor-published).
SHOPIFY_SECRET = "shpss_test_secret"
SHOPIFY_BODY = (
    b'{"id":820982911946154508,"admin_graphql_api_id":'
    b'"gid://shopify/Order/820982911946154508","name":"#1001","currency":"EUR"}'
)
SHOPIFY_SIGNATURE = "u0YmrNbpf3H2Yr5QsckJDHnDRabITUSxwUswS8Gqlk0="
WC_SECRET = "wc_webhook_secret"
WC_BODY = (
    b'{"id":727,"status":"processing","currency":"EUR","total":"29.35",'
    b'"_links":{"self":[{"href":"https:\\/\\/example.com\\/wp-json\\/wc\\/v3\\/orders\\/727"}]}}'
)
WC_SIGNATURE = "+rkfUNJHoftZtqXOqyf/n4n29NHo5/3IOaiXyfOYPlg="
INTAKE_LOGGER = "odoo.addons.retail_connector_base.intake"
WC_HEADERS = {
    "Content-Type": "application/json",
    woocommerce.TOPIC_HEADER: "order.updated",
    woocommerce.WEBHOOK_ID_HEADER: "12",
    woocommerce.DELIVERY_ID_HEADER: "d41d8cd98f",
    woocommerce.SIGNATURE_HEADER: WC_SIGNATURE,
}


def _triggered_at(when):
    """``X-Shopify-Triggered-At`` as Shopify writes it."""
    stamp = datetime.fromtimestamp(when, timezone.utc).isoformat(
        timespec="milliseconds"
    )
    return stamp.replace("+00:00", "Z")


@tagged("post_install", "-at_install")
class TestAdapters(RetailHttpCommon):
    def test_shopify_signature_vector(self):
        """Test Shopify's base64 HMAC of the raw body, and that one extra byte fails."""
        headers = {shopify.SIGNATURE_HEADER: SHOPIFY_SIGNATURE}
        self.assertEqual(shopify.sign(SHOPIFY_SECRET, SHOPIFY_BODY), SHOPIFY_SIGNATURE)
        self.assertIsNone(
            shopify.verify_signature([SHOPIFY_SECRET], headers, SHOPIFY_BODY)
        )
        self.assertEqual(
            shopify.verify_signature([SHOPIFY_SECRET], headers, SHOPIFY_BODY + b"\n"),
            "signature does not match",
        )
        self.assertEqual(
            shopify.verify_signature([SHOPIFY_SECRET], {}, SHOPIFY_BODY),
            "signature header missing",
        )

    def test_shopify_dedupes_on_the_signed_body(self):
        """Test that the dedupe key comes from the signed body only (resource
        id and hash): other event ids, topics or shops in the unsigned headers
        give the same key, another body another one; the webhook id is kept
        as the delivery id."""
        headers = {
            shopify.TOPIC_HEADER: "orders/create",
            shopify.SHOP_HEADER: "demo.myshopify.com",
            shopify.EVENT_ID_HEADER: "98880550-7158-44d4-b7cd-2c97c8a091b5",
            shopify.WEBHOOK_ID_HEADER: "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        }
        values = shopify.parse_event(headers, SHOPIFY_BODY)
        self.assertEqual(
            values["dedupe_key"],
            f"820982911946154508:{hashlib.sha256(SHOPIFY_BODY).hexdigest()}",
        )
        self.assertEqual(values["delivery_id"], "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
        self.assertEqual(values["subject_key"], "820982911946154508")
        for header, value in (
            (shopify.EVENT_ID_HEADER, "another-event"),
            (shopify.TOPIC_HEADER, "orders/paid"),
            (shopify.SHOP_HEADER, "other.myshopify.com"),
            (shopify.WEBHOOK_ID_HEADER, "another-webhook"),
        ):
            replay = shopify.parse_event(dict(headers, **{header: value}), SHOPIFY_BODY)
            self.assertEqual(replay["dedupe_key"], values["dedupe_key"], header)
        changed = SHOPIFY_BODY.replace(b"#1001", b"#1002")
        self.assertNotEqual(
            shopify.parse_event(headers, changed)["dedupe_key"], values["dedupe_key"]
        )

    def test_shopify_shop_and_trigger_time_are_checked(self):
        """Test that a delivery signed with the app's secret is refused when it
        names another shop, or was triggered outside the tolerance, or says
        not when; and that non-ASCII signatures are refused, not raised."""
        now = time.time()
        headers = {
            shopify.SIGNATURE_HEADER: SHOPIFY_SIGNATURE,
            shopify.SHOP_HEADER: "Demo.myshopify.com",
            shopify.TRIGGERED_AT_HEADER: _triggered_at(now - 10),
        }

        def verify(**changes):
            return shopify.verify_signature(
                [SHOPIFY_SECRET],
                dict(headers, **changes),
                SHOPIFY_BODY,
                shop_domain="demo.myshopify.com",
                tolerance=300,
                now=now,
            )

        self.assertIsNone(verify())
        self.assertIn(
            "another shop", verify(**{shopify.SHOP_HEADER: "other.myshopify.com"})
        )
        self.assertIn("another shop", verify(**{shopify.SHOP_HEADER: ""}))
        for stamp in (_triggered_at(now - 3600), _triggered_at(now + 3600)):
            self.assertIn("replay", verify(**{shopify.TRIGGERED_AT_HEADER: stamp}))
        for stamp in ("", "yesterday", "2026-11-20T10:00:00", "²"):
            self.assertTrue(verify(**{shopify.TRIGGERED_AT_HEADER: stamp}), stamp)
        self.assertEqual(
            verify(**{shopify.SIGNATURE_HEADER: "é" * 44}), "signature does not match"
        )

    def test_woocommerce_signature_vector_and_decoded_secret(self):
        """Test WooCommerce's signature on the escaped body, with the secret
        HTML-entity-decoded as WooCommerce does."""
        headers = {woocommerce.SIGNATURE_HEADER: WC_SIGNATURE}
        self.assertEqual(woocommerce.sign(WC_SECRET, WC_BODY), WC_SIGNATURE)
        self.assertIsNone(woocommerce.verify_signature([WC_SECRET], headers, WC_BODY))
        self.assertEqual(
            woocommerce.sign("a&amp;b", WC_BODY), woocommerce.sign("a&b", WC_BODY)
        )

    def test_woocommerce_ping_is_recognised(self):
        """Test that the unsigned creation ping is told apart from events."""
        self.assertTrue(woocommerce.is_ping({}, b"webhook_id=12"))
        self.assertFalse(woocommerce.is_ping({}, WC_BODY))
        signed = {woocommerce.SIGNATURE_HEADER: WC_SIGNATURE}
        self.assertFalse(woocommerce.is_ping(signed, b"webhook_id=12"))

    def _backend(self, platform, secret):
        return self._prepare_backend(platform=platform, webhook_secret=secret)

    def _events(self, backend):
        return self.env["retail.event"].search([("backend_id", "=", backend.id)])

    @mute_logger(INTAKE_LOGGER)
    def test_shopify_webhook_through_the_controller(self):
        """Test a Shopify delivery end to end: stored once, whatever unsigned
        headers a replay changes (event id, webhook id, topic); forgeries,
        another shop's deliveries and stale ones refused with the generic
        401."""
        backend = self._backend("shopify", SHOPIFY_SECRET)
        backend.api_url = "https://demo.myshopify.com"
        headers = {
            "Content-Type": "application/json",
            shopify.TOPIC_HEADER: "orders/create",
            shopify.SHOP_HEADER: "demo.myshopify.com",
            shopify.EVENT_ID_HEADER: "evt-1",
            shopify.WEBHOOK_ID_HEADER: "wh-1",
            shopify.TRIGGERED_AT_HEADER: _triggered_at(time.time()),
            shopify.SIGNATURE_HEADER: SHOPIFY_SIGNATURE,
        }

        def post(**changes):
            return self._post_webhook(
                SHOPIFY_BODY, headers=dict(headers, **changes), backend=backend
            )

        first = post()
        retry = post(**{shopify.WEBHOOK_ID_HEADER: "wh-2"})
        replays = [
            post(
                **{
                    shopify.EVENT_ID_HEADER: f"evt-new-{index}",
                    shopify.WEBHOOK_ID_HEADER: f"wh-new-{index}",
                    shopify.TOPIC_HEADER: topic,
                }
            )
            for index, topic in enumerate(["orders/create", "orders/paid"])
        ]
        refusals = [
            post(**{shopify.SIGNATURE_HEADER: base64.b64encode(b"x" * 32).decode()}),
            post(**{shopify.SIGNATURE_HEADER: "é" * 44}),
            post(**{shopify.SHOP_HEADER: "other-shop.myshopify.com"}),
            post(**{shopify.TRIGGERED_AT_HEADER: _triggered_at(time.time() - 3600)}),
            post(**{shopify.TRIGGERED_AT_HEADER: ""}),
        ]
        self.assertEqual(first.json(), {"status": "accepted"})
        self.assertEqual(retry.json(), {"status": "duplicate"})
        self.assertEqual([r.json() for r in replays], [{"status": "duplicate"}] * 2)
        self.assertEqual(
            [(r.status_code, r.json()) for r in refusals],
            [(401, {"error": "unauthorized"})] * len(refusals),
        )
        event = self._events(backend)
        self.assertEqual(len(event), 1)
        self.assertEqual((event.delivery_id, event.topic), ("wh-1", "orders/create"))

    @mute_logger(INTAKE_LOGGER)
    def test_shopify_backend_without_shop_address_refuses(self):
        """Test that a Shopify backend with no API base URL, so no shop to
        check deliveries against, refuses them."""
        backend = self._backend("shopify", SHOPIFY_SECRET)
        backend.api_url = False
        response = self._post_webhook(
            SHOPIFY_BODY,
            headers={
                shopify.TOPIC_HEADER: "orders/create",
                shopify.SHOP_HEADER: "",
                shopify.TRIGGERED_AT_HEADER: _triggered_at(time.time()),
                shopify.SIGNATURE_HEADER: SHOPIFY_SIGNATURE,
            },
            backend=backend,
        )
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self._events(backend))

    def test_woocommerce_webhook_and_ping_through_the_controller(self):
        """Test that WooCommerce's ping gets 200 without being stored, and a
        signed delivery is stored."""
        backend = self._backend("woocommerce", WC_SECRET)
        ping = self.url_open(
            self._webhook_url(backend),
            data=b"webhook_id=12",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        self.assertEqual((ping.status_code, ping.json()), (200, {"status": "ping"}))
        self.assertFalse(self._events(backend))
        headers = WC_HEADERS
        response = self._post_webhook(WC_BODY, headers=headers, backend=backend)
        self.assertEqual(response.json(), {"status": "accepted"})
        event = self._events(backend)
        self.assertEqual((event.topic, event.subject_key), ("order.updated", "727"))
        self.assertEqual(event.delivery_id, "d41d8cd98f")

    @mute_logger(INTAKE_LOGGER)
    def test_woocommerce_replay_under_new_headers_stores_nothing(self):
        """Test that the same signed body replayed under another webhook id,
        delivery id or topic (none of them signed) is a duplicate, and that a
        non-ASCII signature gets 401."""
        backend = self._backend("woocommerce", WC_SECRET)
        headers = WC_HEADERS
        first = self._post_webhook(WC_BODY, headers=headers, backend=backend)
        replay = self._post_webhook(
            WC_BODY,
            headers=dict(
                headers,
                **{
                    woocommerce.WEBHOOK_ID_HEADER: "13",
                    woocommerce.DELIVERY_ID_HEADER: "ffff",
                    woocommerce.TOPIC_HEADER: "order.created",
                },
            ),
            backend=backend,
        )
        non_ascii = self._post_webhook(
            WC_BODY,
            headers=dict(headers, **{woocommerce.SIGNATURE_HEADER: "é" * 44}),
            backend=backend,
        )
        self.assertEqual(first.json(), {"status": "accepted"})
        self.assertEqual(replay.json(), {"status": "duplicate"})
        self.assertEqual(
            (non_ascii.status_code, non_ascii.json()), (401, {"error": "unauthorized"})
        )
        self.assertEqual(len(self._events(backend)), 1)

    def test_platform_request_headers(self):
        """Test each platform's authentication headers."""
        shop = self._prepare_backend(platform="shopify", access_token="shpat_1")
        self.assertEqual(
            shop._get_request_headers(), {"X-Shopify-Access-Token": "shpat_1"}
        )
        woo = self._prepare_backend(
            platform="woocommerce", api_key="ck_1", api_secret="cs_1"
        )
        expected = base64.b64encode(b"ck_1:cs_1").decode()
        self.assertEqual(
            woo._get_request_headers(), {"Authorization": f"Basic {expected}"}
        )
