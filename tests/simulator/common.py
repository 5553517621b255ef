# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the Shopify and WooCommerce modes share: the compact order spec and
its tax arithmetic, a clock, and routing by path template."""

import copy
import re
import threading
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from http import HTTPStatus

CENT = Decimal("0.01")
ZERO = Decimal("0")

# The keys create_order understands; any other keyword overrides the field of
# the same name on the built order.
SPEC_KEYS = {
    "lines",
    "shipping",
    "tax_rate",
    "taxes_included",
    "customer",
    "email",
    "financial_status",
    "gateway",
    "currency",
    "discount_code",
    "shipping_address",
    "billing_address",
}

DEFAULT_CUSTOMER = {
    "email": "ann@example.com",
    "first_name": "Ann",
    "last_name": "Martin",
    "phone": "+33612345678",
}
DEFAULT_ADDRESS = {
    "address1": "12 Rue de la Paix",
    "address2": "",
    "city": "Paris",
    "province": "",
    "zip": "75002",
    "country_code": "FR",
    "company": "",
}


def round_cents(amount):
    return Decimal(amount).quantize(CENT, ROUND_HALF_UP)


def money(amount):
    """A decimal string with two decimals, as both platforms write money."""
    return str(round_cents(amount))


def tax_on(amount, rate, included):
    """The tax of one line, rounded per line: Shopify and Odoo's per-line
    rounding then agree on every total."""
    if included:
        return round_cents(amount - amount / (1 + rate))
    return round_cents(amount * rate)


def share(amount, part, whole):
    """``amount`` prorated to ``part`` of ``whole``, rounded to the cent."""
    return round_cents(amount * Decimal(part) / Decimal(whole)) if whole else ZERO


def parse_spec(spec):
    """The compact order spec with defaults and the arithmetic done: amounts
    are Decimals, each line has ``gross`` (price x quantity), ``net`` (after
    its discount) and their taxes; ``extra`` holds the field overrides."""
    rate = Decimal(str(spec.get("tax_rate", "0.20")))
    included = bool(spec.get("taxes_included", False))
    lines = []
    for line in spec.get("lines") or [{"sku": "SKU-1", "quantity": 1}]:
        price = Decimal(str(line.get("price", "12.50")))
        quantity = int(line.get("quantity", 1))
        discount = Decimal(str(line.get("discount", "0")))
        gross = price * quantity
        net = gross - discount
        lines.append(
            dict(
                line,
                price=price,
                quantity=quantity,
                discount=discount,
                gross=gross,
                net=net,
                tax=tax_on(net, rate, included),
                gross_tax=tax_on(gross, rate, included),
            )
        )
    shipping = spec.get("shipping", "4.90")
    shipping = None if shipping is None else Decimal(str(shipping))
    shipping_tax = tax_on(shipping, rate, included) if shipping else ZERO
    total_tax = sum((line["tax"] for line in lines), ZERO) + shipping_tax
    subtotal = sum((line["net"] for line in lines), ZERO)
    customer = spec.get("customer", DEFAULT_CUSTOMER)
    return {
        "rate": rate,
        "included": included,
        "lines": lines,
        "shipping": shipping,
        "shipping_tax": shipping_tax,
        "subtotal": subtotal,
        "discount": sum((line["discount"] for line in lines), ZERO),
        "total_tax": total_tax,
        "total": subtotal + (shipping or ZERO) + (ZERO if included else total_tax),
        "customer": customer,
        "email": spec.get("email")
        or (customer or {}).get("email")
        or "guest@example.com",
        "financial_status": spec.get("financial_status", "paid"),
        "gateway": spec.get("gateway"),
        "currency": spec.get("currency"),
        "discount_code": spec.get("discount_code"),
        "shipping_address": spec.get("shipping_address") or {},
        "billing_address": spec.get("billing_address") or {},
        "extra": {key: value for key, value in spec.items() if key not in SPEC_KEYS},
    }


def merge(record, changes):
    """Apply ``changes`` to ``record``; a dict value (an address) is merged
    into the dict it replaces, as both platforms do for partial updates."""
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(record.get(key), dict):
            record[key].update(value)
        else:
            record[key] = value


def parse_time(value):
    """An aware datetime from an ISO 8601 string; no zone designator is UTC."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def param(query, name, default=None):
    return query.get(name, [default])[0]


def id_list(value):
    return [int(item) for item in (value or "").split(",") if item.strip()]


def phrase(status):
    return HTTPStatus(status).phrase


class GenericAnswers:
    """How the generic protocol answers what every mode checks first; the
    platform modes answer the same questions in their platform's shapes."""

    def authorized(self, headers, query):
        return headers.get("Authorization") == f"Bearer {self.config['api_token']}"

    def unauthorized(self):
        return 401, {"error": "unauthorized"}

    def throttled(self, wait):
        return 429, {"error": "rate_limited"}, {"Retry-After": f"{max(1, round(wait))}"}

    def failed(self, status, retry_after):
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return status, {"error": "injected"}, headers


class Platform:
    """A platform mode of the simulator. Subclasses list their ``ROUTES`` as
    ``(method, path template, method name)``; ``<v>`` in a template is the
    API version, ``<id>`` a numeric id and ``<key>`` a text id (Stripe's
    ``ch_...``), passed to the method."""

    DEFAULTS = {}
    ROUTES = ()

    def __init__(self, sim):
        self.sim = sim
        self.config = sim.config
        # Webhooks of changes made through the API, sent once the call's
        # change is made (outside the simulator's lock), before its answer.
        self.echoes = []
        self.routes = [
            (method, template, _pattern(template), name)
            for method, template, name in self.ROUTES
        ]

    @staticmethod
    def moment(previous=None):
        """Now in UTC, to the second like the platforms; given the version
        a record had, at least a second after it, so that two changes in one
        second still make two versions, which Odoo (storing seconds) must
        tell apart."""
        now = datetime.now(timezone.utc).replace(microsecond=0)
        if previous:
            now = max(now, parse_time(previous) + timedelta(seconds=1))
        return now

    def stats(self):
        """Platform-specific additions to ``Simulator.stats()``."""
        return {}

    def handle(self, method, path, query, body):
        return self.dispatch(method, path, query, body)

    def echo(self, topic, payload):
        """Queue the webhook ``topic`` of a change made through the API
        (under the simulator's lock), with the record as it is now."""
        self.echoes.append((topic, copy.deepcopy(payload)))

    def send_echoes(self, announce):
        """Send the queued webhooks with ``announce(topic, payload)``: at
        once, before the call is answered, or with config ``echo_delay``
        (seconds) from a thread of their own after it, as the platform
        does (a server whose workers are all busy with the calls that
        caused them must not wait for its own webhooks)."""
        with self.sim.lock:
            echoes, self.echoes = self.echoes, []
        if not echoes:
            return

        def deliver():
            for topic, payload in echoes:
                announce(topic, payload)

        delay = self.config.get("echo_delay")
        if delay is None:
            deliver()
            return
        threading.Timer(delay, deliver).start()

    def template(self, path):
        """The route template of ``path``, for the request counters."""
        for _method, template, pattern, _name in self.routes:
            if pattern.match(path):
                return template
        return path

    def dispatch(self, method, path, query, body):
        """``(status, body, headers)`` from the matching route, which runs
        under the simulator's lock and answers ``(status, body[, headers])``;
        the body is copied so that it is serialized unchanged."""
        for route_method, _template, pattern, name in self.routes:
            match = pattern.match(path)
            if match and route_method == method:
                ids = [
                    int(value) if value.isdigit() else value for value in match.groups()
                ]
                with self.sim.lock:
                    self.request_path = path  # for the links a page names
                    try:
                        answer = getattr(self, name)(query, body, *ids)
                    except (KeyError, TypeError, ValueError) as error:
                        answer = self.bad_request(f"malformed request: {error}")
                    status, reply, *headers = answer
                    return status, copy.deepcopy(reply), (headers or [{}])[0]
        return (*self.not_found(), {})


def _pattern(template):
    pattern = (
        re.escape(template)
        .replace("<v>", "[^/]+")
        .replace("<id>", r"(\d+)")
        .replace("<key>", r"(\w+)")
    )
    return re.compile(pattern + "$")
