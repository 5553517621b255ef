# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from unittest.mock import patch

from odoo.exceptions import UserError, ValidationError

from .. import http_client
from ..exceptions import RetailBusinessError, RetailTransientError
from .http_common import RetailHttpCommon
from .scripted_server import ScriptedServer


class TestHttpClient(RetailHttpCommon):
    def setUp(self):
        super().setUp()
        self.server = self.enterContext(ScriptedServer())
        self.backend.write(
            {
                "api_url": self.server.url,
                "access_token": "tok_secret_value",
                "rate_limit": 100,
                "rate_burst": 100,
                "breaker_threshold": 2,
                "breaker_cooldown": 60,
            }
        )
        # Inline retries wait a second or two; the tests need not.
        self.enterContext(patch.object(http_client.time, "sleep"))

    def _expect_transient(self, path="api/v1/ping"):
        """Call and return the transient error. Not assertRaises: Odoo's rolls
        back to a savepoint, which would also undo the throttle's state."""
        try:
            self.backend._request("GET", path)
        except RetailTransientError as error:
            return error
        self.fail("the call did not fail transiently")

    def _logs(self):
        return self.env["retail.request.log"].search(
            [("backend_id", "=", self.backend.id)], order="id"
        )

    def test_success_returns_json_and_is_logged(self):
        """Test that a call authenticates, returns the JSON and is logged."""
        self.server.script((200, {}, {"ok": True}))
        result = self.backend._request("GET", "api/v1/ping", params={"token": "x"})
        self.assertEqual(result, {"ok": True})
        sent = self.server.received[0]
        self.assertEqual(sent["headers"]["Authorization"], "Bearer tok_secret_value")
        log = self._logs()
        self.assertEqual((log.method, log.status), ("GET", 200))
        self.assertIn("token=***", log.url)
        self.assertNotIn("tok_secret_value", log.url)

    def test_links_come_with_the_json_when_asked(self):
        """Test that a list paged by its Link header hands back the next page."""
        next_url = f"{self.server.url}/api/v1/items?page_info=abc&limit=2"
        self.server.script(
            (200, {"Link": f'<{next_url}>; rel="next"'}, {"items": [1, 2]}),
            (200, {}, {"items": [3]}),
        )
        body, links = http_client.request(
            self.backend, "GET", "api/v1/items", params={"limit": 2}, links=True
        )
        self.assertEqual(body, {"items": [1, 2]})
        self.assertEqual(links["next"]["url"], next_url)
        self.assertEqual(
            http_client.request(self.backend, "GET", "api/v1/items", links=True),
            ({"items": [3]}, {}),
        )

    def test_refusal_is_a_business_error(self):
        """Test that a 4xx answer stops with a business error naming the status."""
        self.server.script((404, {}, {"error": "no such order"}))
        with self.assertRaises(RetailBusinessError) as caught:
            self.backend._request("GET", "api/v1/orders/9")
        self.assertEqual(caught.exception.code, "http_404")

    def test_server_errors_are_retried_then_succeed(self):
        """Test that 5xx answers are retried a couple of times within the call."""
        self.backend.breaker_threshold = 5
        self.server.script((503, {}, {}), (502, {}, {}), (200, {}, {"ok": 1}))
        self.assertEqual(self.backend._request("GET", "api/v1/ping"), {"ok": 1})
        self.assertEqual(self._logs().mapped("status"), [503, 502, 200])
        self.assertEqual(self.backend.circuit_state, "closed")

    def test_long_retry_after_is_handed_to_the_job(self):
        """Test that a 429 with a long Retry-After is not slept through."""
        self.server.script((429, {"Retry-After": "120"}, {}))
        self.assertEqual(self._expect_transient().retry_after, 120)
        self.assertEqual(len(self.server.received), 1)

    def test_retry_after_as_an_http_date_is_honoured(self):
        """Test that a Retry-After given as an HTTP date (RFC 9110) is turned
        into the seconds until then, handed to the job."""
        when = format_datetime(
            datetime.now(timezone.utc) + timedelta(minutes=10), usegmt=True
        )
        self.server.script((503, {"Retry-After": when}, {}))
        retry_after = self._expect_transient().retry_after
        self.assertTrue(580 <= retry_after <= 600, retry_after)
        self.assertEqual(len(self.server.received), 1)

    def test_breaker_opens_then_recovers(self):
        """Test that repeated failures open the circuit, calls then wait without
        reaching the platform, and a successful trial after the pause closes it."""
        self.server.script((500, {}, {}), (500, {}, {}))
        self._expect_transient()
        self.assertEqual(self.backend.circuit_state, "open")
        calls = len(self.server.received)
        self.assertIn("circuit open", str(self._expect_transient()))
        self.assertEqual(len(self.server.received), calls)
        self.env.cr.execute(
            "UPDATE retail_backend_throttle SET opened_at = opened_at - interval "
            "'61 seconds' WHERE backend_id = %s",
            (self.backend.id,),
        )
        self.env.invalidate_all()
        self.assertEqual(self.backend.circuit_state, "half_open")
        self.server.script((200, {}, {"ok": True}))
        self.assertEqual(self.backend._request("GET", "api/v1/ping"), {"ok": True})
        self.env.invalidate_all()
        self.assertEqual(self.backend.circuit_state, "closed")

    def test_token_bucket_allows_the_burst_then_spaces_calls(self):
        """Test that the shared bucket lets a burst through, then asks to wait."""
        self.backend.write({"rate_limit": 2, "rate_burst": 3})
        throttle = http_client.Throttle(self.backend)
        waits = [throttle.take_token() for _ in range(5)]
        self.assertEqual(waits[:3], [0, 0, 0])
        self.assertAlmostEqual(waits[3], 0.5, delta=0.05)
        self.assertAlmostEqual(waits[4], 1.0, delta=0.05)

    # === BUCKETS PER OPERATION === #
    def _operation_row(self, name):
        self.env.cr.execute(
            "SELECT rate, burst, tokens FROM retail_backend_operation_throttle "
            "WHERE backend_id = %s AND operation = %s",
            (self.backend.id, name),
        )
        return self.env.cr.fetchone()

    def test_each_operation_has_its_own_bucket(self):
        """Test that calls naming an operation spend that operation's bucket,
        seeded from its plan, and leave the backend's and other operations'
        alone."""
        orders = http_client.OperationLimit("getOrders", 0.5, 2)
        items = http_client.OperationLimit("getOrderItems", 5, 30)
        for limit in (orders, orders, items):
            self.server.script((200, {}, {"ok": True}))
            http_client.request(self.backend, "GET", "api/v1/ping", limit=limit)
        self.assertEqual(self._operation_row("getOrders")[:2], (0.5, 2))
        self.assertAlmostEqual(self._operation_row("getOrders")[2], 0, delta=0.1)
        self.assertAlmostEqual(self._operation_row("getOrderItems")[2], 29, delta=0.1)
        error = self._expect_transient_with(orders, calls=3)
        self.assertIn("rate limit of 0.5/s of getOrders", str(error))
        self.assertAlmostEqual(error.retry_after, 2, delta=0.5)
        self.env.cr.execute(
            "SELECT count(*) FROM retail_backend_throttle WHERE backend_id = %s",
            (self.backend.id,),
        )
        self.assertEqual(self.env.cr.fetchone()[0], 1, "the breaker's row only")
        self.env.invalidate_all()
        self.assertEqual(
            self.backend.operation_throttle_ids.mapped("operation"),
            ["getOrderItems", "getOrders"],
        )

    def _expect_transient_with(self, limit, calls):
        """The transient error of a call within ``limit`` that must wait
        longer than a worker sleeps (MAX_INLINE_WAIT is lowered for it)."""
        with patch.object(http_client, "MAX_INLINE_WAIT", 1):
            try:
                http_client.request(self.backend, "GET", "api/v1/ping", limit=limit)
            except RetailTransientError as error:
                self.assertEqual(len(self.server.received), calls)
                return error
        self.fail("the call did not wait for its bucket")

    def test_operation_follows_the_rate_the_platform_states(self):
        """Test that the rate stated in the operation's rate header replaces
        the plan's, and that an unreadable one is ignored."""
        limit = http_client.OperationLimit("getOrderItems", 0.5, 30, "x-rate")
        for stated in ("2.5", "fast", "-1"):
            self.server.script((200, {"x-rate": stated}, {}))
            http_client.request(self.backend, "GET", "api/v1/ping", limit=limit)
        self.assertEqual(self._operation_row("getOrderItems")[0], 2.5)

    def test_quota_refusal_empties_the_operation_bucket(self):
        """Test that a 429 without Retry-After of an operation limited on its
        own empties its bucket: the next try waits for one token (slept
        through when short), and a long wait goes to the job with the time
        until the next token."""
        short = http_client.OperationLimit("confirmShipment", 2, 10)
        self.server.script((429, {}, {}), (204, {}, b""))
        http_client.request(self.backend, "POST", "api/v1/ping", limit=short)
        self.assertEqual(self._logs().mapped("status"), [429, 204])
        self.assertLessEqual(self._operation_row("confirmShipment")[2], 0)
        slow = http_client.OperationLimit("getOrders", 0.0167, 20)
        self.server.script((429, {}, {}))
        error = self._expect_transient_with(slow, calls=3)
        self.assertAlmostEqual(error.retry_after, 1 / 0.0167, delta=1)
        self.assertEqual(self.backend.circuit_state, "closed")

    def test_form_call_to_another_host_of_the_platform(self):
        """Test that a call may go to an absolute URL with a form body and
        without the backend's authentication, and that the form's secrets
        are masked in the log and in the error quoting the refusal."""
        self.backend.log_bodies = True
        form = {
            "grant_type": "refresh_token",
            "refresh_token": "Atzr|refresh-secret-1",
            "client_id": "amzn1.client.id-7",
            "client_secret": "client-secret-2",
        }
        self.server.script((400, {}, {"error": "invalid_grant", "echo": form}))
        try:
            http_client.request(
                self.backend,
                "POST",
                "",
                url=f"{self.server.url}/auth/o2/token",
                form=form,
                authenticate=False,
            )
        except RetailBusinessError as error:
            refusal = str(error)
        sent = self.server.received[0]
        self.assertEqual(sent["path"], "/auth/o2/token")
        self.assertNotIn("Authorization", sent["headers"])
        self.assertIn("grant_type=refresh_token", sent["body"])
        self.assertIn("invalid_grant", refusal)
        log = self._logs()
        for secret in form.values():
            if secret != "refresh_token":
                self.assertNotIn(secret, refusal)
                self.assertNotIn(secret, log.request_body)
                self.assertNotIn(secret, log.response_body)

    def test_bodies_are_logged_masked(self):
        """Test that logged bodies never hold secrets or personal data."""
        self.backend.log_bodies = True
        customer = {"id": "c-7", "email": "a@b.c", "name": "Ann", "vat": "DE1234"}
        self.server.script((200, {}, {"customer": customer}))
        self.backend._request("POST", "api/v1/orders", json_body={"api_key": "k-1"})
        log = self._logs()
        self.assertNotIn("k-1", log.request_body)
        self.assertNotIn("a@b.c", log.response_body)
        self.assertNotIn("Ann", log.response_body)
        self.assertNotIn("DE1234", log.response_body)
        self.assertIn("c-7", log.response_body)

    def test_test_connection_button(self):
        """Test that Test connection calls the platform and reports success."""
        self.server.script((200, {}, {"ok": True}))
        action = self.backend.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self.server.received[0]["path"], "/api/v1/ping")

    # === OUTBOUND SAFETY === #
    def _expect_business(self, path="api/v1/ping", headers=None):
        try:
            http_client.request(self.backend, "GET", path, headers=headers)
        except RetailBusinessError as error:
            return error
        self.fail("the call did not fail as refused")

    def test_redirect_is_not_followed_with_credentials(self):
        """Test that a redirect, even to another port of the same host, is an
        error and the credentials (a Shopify-style header included, which
        requests would forward) never reach where it points."""
        with ScriptedServer() as elsewhere:
            for status in (301, 302, 307, 308):
                self.server.script(
                    (status, {"Location": f"{elsewhere.url}/api/v1/ping"}, {})
                )
                error = self._expect_business(
                    headers={"X-Shopify-Access-Token": "shpat_redirected_1"}
                )
                self.assertEqual(error.code, f"http_{status}")
                self.assertIn("redirected", str(error))
                self.assertIn("nothing was sent there", str(error))
            self.assertEqual(elsewhere.received, [])
        sent = self.server.received[0]["headers"]
        self.assertEqual(sent["X-Shopify-Access-Token"], "shpat_redirected_1")

    def test_plain_http_only_to_this_machine(self):
        """Test that the API URL must be https, or plain http to a loopback
        host: refused by the backend's constraint and, for a URL that got in
        by SQL, by the client before anything is sent."""
        for url in (
            "https://shop.example.com/api",
            "http://127.0.0.1:8099",
            "http://127.8.9.10",
            "http://localhost:8069/x",
            "http://[::1]:8080",
        ):
            self.backend.api_url = url
        for url in (
            "http://shop.example.com/api",
            "http://127.0.0.1.example.com",
            "http://localhost.example.com",
            "http://127.0.0.1@shop.example.com",
            "ftp://127.0.0.1",
            "shop.example.com",
            "https://",
            "http://[::1/x",  # too broken to split: a message, not a traceback
        ):
            with self.assertRaises(ValidationError, msg=url):
                self.backend.api_url = url
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE retail_backend SET api_url = %s WHERE id = %s",
            ("http://shop.example.invalid", self.backend.id),
        )
        self.backend.invalidate_recordset(["api_url"])
        error = self._expect_business()
        self.assertEqual(error.code, "unsafe_url")
        self.assertFalse(self._logs(), "nothing was sent")

    def test_oversized_answer_is_refused(self):
        """Test that an answer over the size limit is refused, whether its
        length is announced or it runs until the connection closes."""
        big = {"items": list(range(1000))}
        self.server.script((200, {}, big), (200, {"Content-Length": None}, big))
        # create: so that this fails, not errors, on a client without a limit
        with patch.object(http_client, "MAX_RESPONSE_BYTES", 1000, create=True):
            for _announced in (True, False):
                error = self._expect_business()
                self.assertEqual(error.code, "response_too_large")
        self.assertEqual(len(self.server.received), 2)

    def test_slow_drip_is_stopped_by_the_total_deadline(self):
        """Test that an answer dripped a byte at a time, each byte well within
        the socket timeout, is given up once the whole call exceeds the
        backend's timeout."""
        self.backend.write({"request_timeout": 1, "breaker_threshold": 10})
        drip = (200, {}, {"ok": "slowly, one byte at a time"}, 0.1)
        self.server.script(drip, drip, drip)
        started = time.monotonic()
        error = self._expect_transient()
        elapsed = time.monotonic() - started
        self.assertIn("Timeout", str(error))
        # Three attempts of one second each, where reading would take 3.5 s.
        self.assertLess(elapsed, 3 * 1 + 1.5)

    def test_refusal_quotes_a_short_masked_excerpt(self):
        """Test that a refused call's error quotes only a short excerpt of the
        answer, without the credential it was sent nor anything token-like."""
        self.backend.log_bodies = True
        message = (
            "[API] Invalid API key or access token: tok_secret_value, "
            "shpat_0123456789abcdef0123 "
        )
        self.server.script((401, {}, {"errors": message + "x" * 5000}))
        error = self._expect_business()
        self.assertEqual(error.code, "http_401")
        text = str(error)
        self.assertIn("Invalid API key", text)
        for secret in ("tok_secret_value", "shpat_0123456789abcdef0123", "x" * 300):
            self.assertNotIn(secret, text)
        self.assertLess(len(text), 400)
        self.assertNotIn("tok_secret_value", self._logs().response_body)

    def test_test_connection_reports_no_answer_in_words(self):
        """Test that Test connection on a platform that keeps failing says so
        as a user error, not a traceback."""
        self.server.script((503, {}, {}), (503, {}, {}), (503, {}, {}))
        with self.assertRaisesRegex(UserError, "did not answer: circuit open"):
            self.backend.action_test_connection()

    def test_file_is_read_line_by_line_without_credentials(self):
        """Test that a file a platform names is read as lines, blank ones
        left out and a last line without a newline kept, that the backend's
        credentials are not sent with it, and that it is logged masked."""
        body = b'{"id": 1}\n\n{"id": 2}\n{"id": 3}'
        self.server.script((200, {"Content-Type": "application/jsonl"}, body))
        url = f"{self.server.url}/bulk/result.jsonl?X-Goog-Signature=s1gn3d"
        lines = list(http_client.download_lines(self.backend, url))
        self.assertEqual(lines, [b'{"id": 1}', b'{"id": 2}', b'{"id": 3}'])
        headers = self.server.received[0]["headers"]
        self.assertNotIn("Authorization", headers)
        log = self._logs()
        self.assertEqual((log.method, log.status), ("GET", 200))
        self.assertNotIn("s1gn3d", log.url)

    def test_file_refusals(self):
        """Test that an expired address (403) and a redirect are business
        errors, a 503 is transient, a line over the limit is refused, and a
        plain http address elsewhere is not read at all."""
        self.server.script(
            (403, {}, b"<Error>ExpiredToken</Error>"),
            (302, {"Location": "https://elsewhere.example.com/f"}, b""),
            (503, {}, b""),
            (200, {}, b"x" * 3000 + b"\n"),
        )
        url = f"{self.server.url}/bulk/result.jsonl"
        for code in ("http_403", "http_302"):
            with self.assertRaises(RetailBusinessError) as caught:
                list(http_client.download_lines(self.backend, url))
            self.assertEqual(caught.exception.code, code)
        with self.assertRaises(RetailTransientError):
            list(http_client.download_lines(self.backend, url))
        with (
            patch.object(http_client, "MAX_LINE_BYTES", 1000),
            patch.object(http_client, "READ_CHUNK_BYTES", 512),
            self.assertRaises(RetailBusinessError) as caught,
        ):
            list(http_client.download_lines(self.backend, url))
        self.assertEqual(caught.exception.code, "response_too_large")
        with self.assertRaises(RetailBusinessError) as caught:
            list(http_client.download_lines(self.backend, "http://example.com/f"))
        self.assertEqual(caught.exception.code, "unsafe_url")
        self.assertEqual(len(self.server.received), 4)
