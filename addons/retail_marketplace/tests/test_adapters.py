# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64

from odoo.tests import tagged

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

    def test_shopify_dedupes_on_shop_topic_and_event_id(self):
        """Test that the dedupe key is (shop, topic, event id) and the webhook
        id is kept as the delivery id."""
        values = shopify.parse_event(
            {
                shopify.TOPIC_HEADER: "orders/create",
                shopify.SHOP_HEADER: "demo.myshopify.com",
                shopify.EVENT_ID_HEADER: "98880550-7158-44d4-b7cd-2c97c8a091b5",
                shopify.WEBHOOK_ID_HEADER: "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
            },
            SHOPIFY_BODY,
        )
        self.assertEqual(
            values["dedupe_key"],
            "demo.myshopify.com:orders/create:98880550-7158-44d4-b7cd-2c97c8a091b5",
        )
        self.assertEqual(values["delivery_id"], "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
        self.assertEqual(values["subject_key"], "820982911946154508")

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

    def test_shopify_webhook_through_the_controller(self):
        """Test a Shopify delivery end to end: stored once, forgeries refused."""
        backend = self._backend("shopify", SHOPIFY_SECRET)
        headers = {
            "Content-Type": "application/json",
            shopify.TOPIC_HEADER: "orders/create",
            shopify.SHOP_HEADER: "demo.myshopify.com",
            shopify.EVENT_ID_HEADER: "evt-1",
            shopify.WEBHOOK_ID_HEADER: "wh-1",
            shopify.SIGNATURE_HEADER: SHOPIFY_SIGNATURE,
        }
        first = self._post_webhook(SHOPIFY_BODY, headers=headers, backend=backend)
        retry = self._post_webhook(
            SHOPIFY_BODY,
            headers=dict(headers, **{shopify.WEBHOOK_ID_HEADER: "wh-2"}),
            backend=backend,
        )
        forged = dict(
            headers, **{shopify.SIGNATURE_HEADER: base64.b64encode(b"x" * 32).decode()}
        )
        refused = self._post_webhook(SHOPIFY_BODY, headers=forged, backend=backend)
        self.assertEqual(first.json(), {"status": "accepted"})
        self.assertEqual(retry.json(), {"status": "duplicate"})
        self.assertEqual(refused.status_code, 401)
        event = self._events(backend)
        self.assertEqual(len(event), 1)
        self.assertEqual(event.delivery_id, "wh-1")

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
        headers = {
            "Content-Type": "application/json",
            woocommerce.TOPIC_HEADER: "order.updated",
            woocommerce.WEBHOOK_ID_HEADER: "12",
            woocommerce.DELIVERY_ID_HEADER: "d41d8cd98f",
            woocommerce.SIGNATURE_HEADER: WC_SIGNATURE,
        }
        response = self._post_webhook(WC_BODY, headers=headers, backend=backend)
        self.assertEqual(response.json(), {"status": "accepted"})
        event = self._events(backend)
        self.assertEqual((event.topic, event.subject_key), ("order.updated", "727"))
        self.assertEqual(event.delivery_id, "d41d8cd98f")

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
