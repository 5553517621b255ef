# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The simulator: a generic REST API, signed webhooks, fault injection and
counters, served by the standard library's threading HTTP server. The
``platform`` modes (shopify.py, woocommerce.py) replace the API, the answers
and the webhooks with a real platform's."""

import hashlib
import hmac
import itertools
import json
import math
import random
import re
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests

from . import amazon, loyalty, shopify, square, stripe, woocommerce
from .common import GenericAnswers

MAX_BATCH = 250
PLATFORMS = {
    "amazon": amazon.Amazon,
    "shopify": shopify.Shopify,
    "woocommerce": woocommerce.WooCommerce,
    "square": square.Square,
    "loyalty": loyalty.LoyaltyEngine,
    "talon_one": loyalty.TalonOne,
    "stripe": stripe.Stripe,
}


def _now_iso():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sign(secret, timestamp, topic, event_id, body):
    """The generic protocol's signature: HMAC-SHA256 of the timestamp, the
    topic, the event id and the body, joined by line feeds."""
    message = f"{timestamp}\n{topic}\n{event_id}\n".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class Simulator:
    """A platform on ``http://127.0.0.1:<port>``; ``port=0`` picks a free one.
    ``platform`` is ``generic`` (this module's protocol) or one of
    ``PLATFORMS``."""

    def __init__(self, port=0, platform="generic", **config):
        if platform != "generic" and platform not in PLATFORMS:
            raise ValueError(f"unknown platform {platform!r}")
        self.lock = threading.Lock()
        self.config = {
            "api_token": "sim-token",
            "webhook_secret": "sim-secret",
            "target_url": None,
            "rate_per_second": 10.0,
            "burst": 20,
            "rate_limit_enabled": True,
            "webhook_retries": 3,
            "webhook_retry_delay": 0.2,
        }
        shape = PLATFORMS.get(platform)
        self.config.update(shape.DEFAULTS if shape else {})
        self.config.update(config)
        self.platform_name = platform
        self.platform = shape(self) if shape else None
        self.reset()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.sim = self
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = None

    # --- life cycle ---
    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- control (also served under /_sim/) ---
    def configure(self, **config):
        with self.lock:
            self.config.update(config)
            return dict(self.config)

    def reset(self):
        with self.lock:
            self.orders, self.products, self.stock = {}, {}, {}
            self.order_ids = itertools.count(1001)
            self.faults = {}
            self.stats_counter = Counter()
            self.deliveries = []
            self.stock_updates = []
            self.fulfillments = []
            self.product_updates = []
            self.tokens = float(self.config["burst"])
            self.refilled = time.monotonic()
            if self.platform:
                self.platform.reset()

    def set_faults(self, **faults):
        """``latency_ms``; ``fail_next`` answers with ``fail_status`` (and
        ``retry_after`` when given); ``timeout_next`` requests are held for
        ``timeout_seconds`` and dropped. They apply to the REST API only."""
        with self.lock:
            self.faults.update(faults)
            return dict(self.faults)

    def clear_faults(self):
        with self.lock:
            self.faults = {}

    def stats(self):
        with self.lock:
            return {
                "requests": dict(self.stats_counter),
                "deliveries": list(self.deliveries),
                "stock_updates": list(self.stock_updates),
                "fulfillments": list(self.fulfillments),
                "product_updates": list(self.product_updates),
                **(self.platform.stats() if self.platform else {}),
            }

    def create_order(self, **fields):
        """Add an order (defaults filled in) and announce it by webhook when a
        target URL is configured. A platform mode builds its own order from
        the compact spec described in README.md."""
        if self.platform:
            return self.platform.create_order(**fields)
        with self.lock:
            order_id = str(next(self.order_ids))
            now = _now_iso()
            order = {
                "id": order_id,
                "number": f"#{order_id}",
                "created_at": now,
                "updated_at": now,
                "currency": "EUR",
                "status": "paid",
                "customer": {"id": "c1", "email": "ann@example.com", "name": "Ann"},
                "lines": [{"sku": "SKU-1", "quantity": 1, "unit_price": "12.50"}],
                "shipping": "4.90",
                "total": "17.40",
            }
            order.update(fields)
            self.orders[order["id"]] = order
        if self.config["target_url"]:
            self.send_webhook("orders/create", order)
        return order

    def update_order(self, order_id, **changes):
        """Platform modes: change an order and send the platform's topic."""
        return self._platform_helper("update_order")(order_id, **changes)

    def create_refund(self, order_id, lines=(), shipping=None, **options):
        """Platform modes: refund order lines and shipping (README.md)."""
        helper = self._platform_helper("create_refund")
        return helper(order_id, lines=lines, shipping=shipping, **options)

    def add_product(
        self, sku, price="12.50", quantity=0, title=None, barcode="", **options
    ):
        """Platform modes: seed the catalog with a stocked product (Amazon
        takes ``fulfillment="AFN"`` too)."""
        helper = self._platform_helper("add_product")
        return helper(
            sku, price=price, quantity=quantity, title=title, barcode=barcode, **options
        )

    def ping_webhook(self):
        """WooCommerce mode: send the webhook creation ping; its status."""
        return self._platform_helper("ping_webhook")()

    def _platform_helper(self, name):
        helper = getattr(self.platform, name, None)
        if helper is None:
            raise ValueError(f"{name} is not offered in {self.platform_name} mode")
        return helper

    def send_webhook(
        self, topic, payload, event_id=None, duplicates=1, timestamp=None, secret=None
    ):
        """Deliver one event ``duplicates`` times (same event id); return the
        HTTP status of each delivery's last attempt."""
        event_id = event_id or str(uuid.uuid4())
        if self.platform:
            return self.platform.send(
                topic, payload, event_id, duplicates, timestamp, secret
            )
        return [
            self._deliver(topic, payload, event_id, timestamp, secret)
            for _copy in range(duplicates)
        ]

    def send_webhooks(self, events, order="reverse", seed=0):
        """Deliver several ``(topic, payload)`` events out of order."""
        events = list(events)
        if order == "reverse":
            events.reverse()
        elif order == "shuffle":
            random.Random(seed).shuffle(events)
        return [self.send_webhook(topic, payload)[0] for topic, payload in events]

    def _deliver(self, topic, payload, event_id, timestamp, secret):
        body = json.dumps(payload, separators=(",", ":")).encode()

        def signed_headers():
            stamp = str(timestamp if timestamp is not None else int(time.time()))
            return {
                "Content-Type": "application/json",
                "X-Retail-Topic": topic,
                "X-Retail-Event-Id": event_id,
                "X-Retail-Timestamp": stamp,
                "X-Retail-Signature": "v2="
                + sign(
                    secret or self.config["webhook_secret"],
                    stamp,
                    topic,
                    event_id,
                    body,
                ),
            }

        return self._post_with_retries(topic, event_id, body, signed_headers)

    def _post_with_retries(self, topic, event_id, body, headers_for_attempt, url=None):
        """Post until a 2xx, at most ``webhook_retries`` more times; the last
        attempt's status."""
        status = 0
        for _attempt in range(self.config["webhook_retries"] + 1):
            status = self._post_webhook(
                topic, event_id, body, headers_for_attempt(), url=url
            )
            if 200 <= status < 300:
                break
            time.sleep(self.config["webhook_retry_delay"])
        return status

    def _post_webhook(self, topic, event_id, body, headers, url=None):
        """One delivery attempt to ``url`` (default: the target URL),
        recorded; its status, 0 when unanswered."""
        try:
            status = requests.post(
                url or self.config["target_url"], data=body, headers=headers, timeout=30
            ).status_code
        except requests.RequestException:
            status = 0
        with self.lock:
            self.deliveries.append(
                {"event_id": event_id, "topic": topic, "status": status}
            )
        return status

    # --- REST API helpers ---
    def _take_token(self):
        """Token bucket: None when allowed, else the seconds to wait."""
        with self.lock:
            if not self.config["rate_limit_enabled"]:
                return None
            rate, burst = self.config["rate_per_second"], self.config["burst"]
            now = time.monotonic()
            self.tokens = min(burst, self.tokens + (now - self.refilled) * rate)
            self.refilled = now
            if self.tokens >= 1:
                self.tokens -= 1
                return None
            return (1 - self.tokens) / rate

    def _bucket_used(self):
        """How full the token bucket is, in calls (Shopify's call limit)."""
        with self.lock:
            return math.ceil(self.config["burst"] - self.tokens)

    def _take_fault(self):
        with self.lock:
            faults = self.faults
            if faults.get("timeout_next", 0) > 0:
                faults["timeout_next"] -= 1
                return ("timeout", faults.get("timeout_seconds", 5))
            if faults.get("fail_next", 0) > 0:
                faults["fail_next"] -= 1
                return ("fail", faults.get("fail_status", 500))
            return None


def _page(records, query, key):
    """Records changed since ``updated_since``, oldest first, a page at a time."""
    since = query.get("updated_since", [""])[0]
    limit = int(query.get("limit", ["50"])[0])
    start = int(query.get("cursor", ["0"])[0] or 0)
    selected = sorted(
        (record for record in records if record.get("updated_at", "") > since),
        key=lambda record: (record.get("updated_at", ""), record.get(key, "")),
    )
    page = selected[start : start + limit]
    following = start + limit
    return page, (str(following) if following < len(selected) else None)


class _GenericAnswers(GenericAnswers):
    def __init__(self, sim):
        self.config = sim.config


class _Handler(BaseHTTPRequestHandler):
    """Serves the REST and control APIs of the simulator in ``server.sim``."""

    @property
    def sim(self):
        return self.server.sim

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _reply(self, status, body, headers=None):
        # A 204 has no body (Talon.One's add_points answers one).
        payload = b"" if status == 204 else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
        with self.sim.lock:
            self.sim.stats_counter[f"status {status}"] += 1

    def _file(self, path):
        """A result file a platform names by a signed address (Shopify's bulk
        operations): no credentials, 403 once unknown, as an expired signed
        URL answers."""
        token = path.rsplit("/", 1)[-1].partition(".")[0]
        content = getattr(self.sim.platform, "file", lambda _token: None)(token)
        if content is None:
            return self._reply(403, {"error": "ExpiredToken"})
        self.send_response(200)
        self.send_header("Content-Type", "application/jsonl")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        for start in range(0, len(content), 1 << 16):
            self.wfile.write(content[start : start + (1 << 16)])
        with self.sim.lock:
            self.sim.stats_counter["status 200"] += 1
        return None

    def _body(self):
        """The JSON body, or a form's fields (Login with Amazon's token
        request is a form)."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        content_type = self.headers.get("Content-Type") or ""
        if content_type.startswith("application/x-www-form-urlencoded"):
            return {key: values[0] for key, values in parse_qs(raw.decode()).items()}
        return json.loads(raw)

    def _discard_body(self):
        """Read the body of a request refused before it is looked at (401,
        429, injected fault): left unread, it would be taken for the start
        of the next request on the kept-alive connection."""
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)

    def _route(self):
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        template = re.sub(
            r"/api/v1/(orders|products|stock)/[^/]+$",
            r"/api/v1/\1/<id>",
            parts.path,
        )
        if parts.path.startswith("/api/v1/stock/batch"):
            template = "/api/v1/stock/batch"
        if re.fullmatch(r"/api/v1/orders/[^/]+/fulfillments", parts.path):
            template = "/api/v1/orders/<id>/fulfillments"
        if self.sim.platform and not parts.path.startswith("/_sim/"):
            template = self.sim.platform.template(parts.path)
        if parts.path.startswith("/_files/"):
            template = "/_files/<name>"
        with self.sim.lock:
            self.sim.stats_counter[f"{self.command} {template}"] += 1
        if parts.path.startswith("/_sim/"):
            return self._control(parts.path, template)
        if template == "/_files/<name>":
            return self._file(parts.path)
        return self._api(parts.path, template, query)

    do_GET = do_POST = do_PUT = do_DELETE = _route

    def _control(self, path, template):
        body = self._body() if self.command in ("POST", "PUT") else {}
        if path == "/_sim/config":
            return self._reply(
                200,
                self.sim.configure(**body) if body else self.sim.config,
            )
        if path == "/_sim/faults":
            if self.command == "DELETE":
                self.sim.clear_faults()
                return self._reply(200, {})
            return self._reply(200, self.sim.set_faults(**body))
        if path == "/_sim/orders":
            return self._reply(201, self.sim.create_order(**body))
        if path == "/_sim/products" and not self.sim.platform:
            product = dict(body, updated_at=body.get("updated_at") or _now_iso())
            with self.sim.lock:
                self.sim.products[product["sku"]] = product
            return self._reply(201, product)
        if path == "/_sim/stock":
            with self.sim.lock:
                self.sim.stock.update(
                    {item["sku"]: item["quantity"] for item in body["items"]}
                )
            return self._reply(200, {"updated": len(body["items"])})
        if path == "/_sim/webhooks":
            topic, payload = body.pop("topic"), body.pop("payload")
            return self._reply(
                200, {"statuses": self.sim.send_webhook(topic, payload, **body)}
            )
        if path == "/_sim/stats":
            return self._reply(200, self.sim.stats())
        if path == "/_sim/reset":
            self.sim.reset()
            return self._reply(200, {})
        return self._control_helpers(path, body)

    def _control_helpers(self, path, body):
        """The platform modes' helpers: ``POST /_sim/products``,
        ``/_sim/orders/<id>`` (update), ``/_sim/refunds``, ``/_sim/ping``."""
        sim = self.sim
        helpers = {
            "/_sim/products": lambda: (201, sim.add_product(**body)),
            "/_sim/refunds": lambda: (201, sim.create_refund(**body)),
            "/_sim/ping": lambda: (200, {"status": sim.ping_webhook()}),
        }
        order = re.fullmatch(r"/_sim/orders/(\d+)", path)
        if order:
            helpers[path] = lambda: (200, sim.update_order(order[1], **body))
        if path not in helpers:
            return self._reply(404, {"error": "not_found"})
        try:
            return self._reply(*helpers[path]())
        except LookupError as error:
            return self._reply(404, {"error": str(error)})
        except (TypeError, ValueError) as error:
            return self._reply(400, {"error": str(error)})

    def _api(self, path, template, query):
        answers = self.sim.platform or _GenericAnswers(self.sim)
        if not answers.authorized(self.headers, query):
            self._discard_body()
            return self._reply(*answers.unauthorized())
        wait = self.sim._take_token()
        if wait is not None:
            with self.sim.lock:
                self.sim.stats_counter["rate limited"] += 1
            self._discard_body()
            return self._reply(*answers.throttled(wait))
        latency = self.sim.faults.get("latency_ms", 0)
        if latency:
            time.sleep(latency / 1000)
        fault = self.sim._take_fault()
        if fault and fault[0] == "timeout":
            time.sleep(fault[1])
            self.close_connection = True
            return None
        if fault:
            retry_after = self.sim.faults.get("retry_after")
            self._discard_body()
            return self._reply(*answers.failed(fault[1], retry_after))
        if self.sim.platform:
            return self._reply(
                *self.sim.platform.handle(self.command, path, query, self._body())
            )
        return self._resource(path, template, query)

    def _resource(self, path, template, query):
        key = path.rsplit("/", 1)[-1]
        if template == "/api/v1/orders/<id>/fulfillments" and self.command == "POST":
            return self._fulfil(path.split("/")[4], self._body())
        if template == "/api/v1/products/<id>" and self.command == "PUT":
            product = dict(self._body(), sku=key, updated_at=_now_iso())
            with self.sim.lock:
                self.sim.products[key] = dict(self.sim.products.get(key, {}), **product)
                self.sim.product_updates.append(product)
            return self._reply(200, self.sim.products[key])
        if template == "/api/v1/ping":
            return self._reply(200, {"ok": True})
        if template in ("/api/v1/orders", "/api/v1/products"):
            records = self.sim.orders if "orders" in template else self.sim.products
            page, following = _page(list(records.values()), query, "id")
            name = template.rsplit("/", 1)[-1]
            return self._reply(200, {name: page, "next_cursor": following})
        if template in ("/api/v1/orders/<id>", "/api/v1/products/<id>"):
            records = self.sim.orders if "orders" in template else self.sim.products
            if key not in records:
                return self._reply(404, {"error": "not_found"})
            return self._reply(200, records[key])
        if template == "/api/v1/stock" and self.command == "GET":
            stock = [
                {"sku": sku, "quantity": qty} for sku, qty in self.sim.stock.items()
            ]
            return self._reply(200, {"stock": stock})
        if template == "/api/v1/stock/<id>" and self.command == "PUT":
            return self._reply(200, self._set_stock([dict(self._body(), sku=key)])[0])
        if template == "/api/v1/stock/batch" and self.command == "POST":
            items = self._body().get("items", [])
            if len(items) > MAX_BATCH:
                return self._reply(400, {"error": f"at most {MAX_BATCH} items"})
            return self._reply(200, {"updated": len(self._set_stock(items))})
        return self._reply(404, {"error": "not_found"})

    def _fulfil(self, order_id, body):
        with self.sim.lock:
            if order_id not in self.sim.orders:
                return self._reply(404, {"error": "not_found"})
            fulfillment = dict(
                body, id=f"F-{len(self.sim.fulfillments) + 1}", order_id=order_id
            )
            self.sim.fulfillments.append(fulfillment)
        return self._reply(201, fulfillment)

    def _set_stock(self, items):
        with self.sim.lock:
            for item in items:
                self.sim.stock[item["sku"]] = int(item["quantity"])
                self.sim.stock_updates.append(
                    {"sku": item["sku"], "quantity": int(item["quantity"])}
                )
        return [
            {"sku": item["sku"], "quantity": int(item["quantity"])} for item in items
        ]
