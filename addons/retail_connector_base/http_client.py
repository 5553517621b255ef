# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Outbound HTTP to a channel: timeouts, a rate limit shared by every Odoo
worker, a circuit breaker, bounded retries on 429/5xx, and a masked log.

Credentials only leave over TLS (plain HTTP only to this machine), are never
sent on to where a platform redirects, and a call's answer is bounded in
size and in total time, whatever the backend's stored URL says.

State that must be shared between workers (the token bucket, the breaker) is
kept in ``retail_backend_throttle`` and changed by single SQL statements on a
cursor of its own that commits at once, so it never waits for, nor is undone
with, the job's transaction.
"""

import ipaddress
import json
import logging
import math
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import requests
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from . import retry
from .exceptions import RetailBusinessError, RetailTransientError

_logger = logging.getLogger(__name__)

# Waits longer than this are not slept through in a worker: the job is
# retried later instead.
MAX_INLINE_WAIT = 10
INLINE_RETRIES = 2
LOGGED_BODY_CHARS = 10000
# Credentials, and customers' personal data: names, addresses, phone numbers,
# postal codes, emails, birth dates, VAT numbers. Product names are masked with
# customers' ones: a log that says too little beats one that leaks. "city" and
# "vat" only as words of their own (city, shipping_city, billingCity, vat_number,
# billingVatId), not inside "capacity" or "private". An OAuth client id is
# half of a client's credentials.
SENSITIVE_KEY = re.compile(
    r"pass|secret|token|key|auth|signature|card|cvv|iban|email|phone|mobile|fax"
    r"|name|address|street|(?:^|_)city|(?-i:City)|locality|zip|postal|postcode"
    r"|birth|(?:^|_)vat|(?-i:Vat)|client_id",
    re.IGNORECASE,
)
MASK = "***"
# Larger answers are refused unread: no platform call of the suite needs more,
# and it bounds the memory a misbehaving platform can make a worker take.
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
READ_CHUNK_BYTES = 64 * 1024
# A file a platform prepared (a bulk export) is read line by line, never whole:
# a line longer than this is refused, and so is a download lasting longer.
MAX_LINE_BYTES = 1024 * 1024
MAX_DOWNLOAD_SECONDS = 30 * 60
# How much of a refusal's body an error message (shown to users) quotes.
ERROR_EXCERPT_CHARS = 200
# Long runs of token characters holding a digit: API keys, access tokens.
TOKEN_LIKE = re.compile(r"[\w\-+/=.]{20,}")
LOOPBACK_NAMES = ("localhost",)

_sessions = {}


def _session(backend_id):
    """One pooled ``requests.Session`` per backend and process."""
    session = _sessions.get(backend_id)
    if session is None:
        session = _sessions[backend_id] = requests.Session()
    return session


def mask(value):
    """A copy of a JSON-like value with sensitive keys' values masked."""
    if isinstance(value, dict):
        return {
            key: MASK if SENSITIVE_KEY.search(str(key)) else mask(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask(item) for item in value]
    return value


def mask_text(text):
    try:
        return json.dumps(mask(json.loads(text)))[:LOGGED_BODY_CHARS]
    except (TypeError, ValueError):
        return f"<{len(text or '')} characters, not JSON: not kept>"


def _mask_token_like(match):
    word = match.group()
    return MASK if any(char.isdigit() for char in word) else word


def mask_secrets(text, secrets):
    """``text`` with each of ``secrets`` and anything shaped like a token
    masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return TOKEN_LIKE.sub(_mask_token_like, text)


def excerpt(text, secrets=()):
    """The short, masked quote of a platform's refusal that an error message
    may show."""
    return mask_secrets(mask_text(text), secrets)[:ERROR_EXCERPT_CHARS]


def _sent_secrets(headers):
    """The credentials a request carries: the value of each header named like
    a credential, and its last word (the token after ``Bearer``). Other
    headers (``Accept``, an API version) are no secret and stay readable."""
    values = [
        str(value) for name, value in headers.items() if SENSITIVE_KEY.search(name)
    ]
    return values + [value.split()[-1] for value in values if value.split()]


def is_allowed_url(url):
    """Whether credentials may be sent to ``url``: over https, or in plain
    http to this machine only (the simulator, tests, the demo), so that a
    token never crosses a network unencrypted."""
    try:
        parts = urlsplit(url or "")
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return False
    if not host:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and _is_loopback(host)


def _is_loopback(host):
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def mask_url(url):
    try:
        parts = urlsplit(url)
    except ValueError:
        # A URL too broken to split is shown as such, not as a traceback.
        return "<invalid URL>"
    query = "&".join(
        f"{pair.split('=', 1)[0]}={MASK}"
        if SENSITIVE_KEY.search(pair.split("=", 1)[0])
        else pair
        for pair in parts.query.split("&")
        if pair
    )
    return urlunsplit(parts._replace(query=query))


@dataclass(frozen=True)
class OperationLimit:
    """A platform's usage plan for one of its operations, for platforms that
    limit each operation on its own (Amazon's Selling Partner API):
    ``rate`` requests a second, ``burst`` at once. ``rate_header`` names the
    answer header in which the platform states the rate it applies to the
    seller, which the bucket then follows."""

    name: str
    rate: float
    burst: int
    rate_header: str = ""


BACKEND_ROW = """
    INSERT INTO retail_backend_throttle (backend_id, tokens, refilled_at, failures)
    VALUES (%(backend)s, %(burst)s, clock_timestamp() at time zone 'UTC', 0)
    ON CONFLICT (backend_id) DO NOTHING
"""
OPERATION_ROW = """
    INSERT INTO retail_backend_operation_throttle
        (backend_id, company_id, operation, rate, burst, tokens, refilled_at)
    SELECT id, company_id, %(operation)s, %(rate)s, %(burst)s, %(burst)s,
           clock_timestamp() at time zone 'UTC'
      FROM retail_backend WHERE id = %(backend)s
    ON CONFLICT (backend_id, operation) DO NOTHING
"""
# An operation's tokens now: its last count plus what its rate added since,
# up to its burst.
OPERATION_TOKENS = """
    LEAST(burst, tokens + rate * EXTRACT(
        EPOCH FROM (clock_timestamp() at time zone 'UTC') - refilled_at))
"""
OPERATION_WHERE = """
     WHERE backend_id = %(backend)s AND operation = %(operation)s
    RETURNING tokens, rate
"""


class Throttle:
    """The backend's rate limit and circuit breaker, in PostgreSQL."""

    def __init__(self, backend):
        self.backend = backend
        self.registry = backend.env.registry

    def _execute(self, query, params, row=BACKEND_ROW):
        """Run ``query`` in a short transaction of its own, in READ COMMITTED:
        an UPDATE that waited for another worker's update then reads the row
        as that worker left it, where Odoo's REPEATABLE READ would fail to
        serialize. (Every Odoo cursor resets the connection's level when it is
        created; in test mode the shared test cursor is used as it is.)
        ``row`` first creates the state row the query updates, if missing."""
        with self.registry.cursor() as cr:
            if not self.registry.in_test_mode():
                cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
            cr.execute(row, params)
            # The cursor commits when the block ends.
            cr.execute(query, params)
            return cr.fetchone()

    def _params(self):
        backend = self.backend
        return {
            "backend": backend.id,
            "rate": backend.rate_limit,
            "burst": backend.rate_burst,
            "threshold": backend.breaker_threshold,
            "cooldown": backend.breaker_cooldown,
        }

    def check_circuit(self):
        """Raise while the breaker is open. Once the cooldown is over, one
        caller at a time is let through as a trial (half-open)."""
        row = self._execute(
            """
            WITH state AS (
                SELECT failures >= %(threshold)s AS tripped,
                       EXTRACT(
                           EPOCH FROM (clock_timestamp() at time zone 'UTC')
                                      - opened_at
                       ) AS open_for
                  FROM retail_backend_throttle
                 WHERE backend_id = %(backend)s
                   FOR UPDATE
            ), trial AS (
                UPDATE retail_backend_throttle
                   SET opened_at = clock_timestamp() at time zone 'UTC'
                 WHERE backend_id = %(backend)s
                   AND (SELECT tripped AND open_for >= %(cooldown)s FROM state)
                RETURNING 1
            )
            SELECT (SELECT tripped FROM state), (SELECT open_for FROM state),
                   EXISTS (SELECT 1 FROM trial)
            """,
            self._params(),
        )
        tripped, open_for, is_trial = row
        if tripped and not is_trial:
            wait = max(self.backend.breaker_cooldown - (open_for or 0), 1)
            raise RetailTransientError(
                f"circuit open after repeated failures; next trial in {wait:.0f} s",
                retry_after=wait,
            )

    def take_token(self):
        """Reserve the right to send one request; return how long to wait
        before sending it (the bucket may go into debt, which later callers pay
        for by waiting longer)."""
        (tokens,) = self._execute(
            """
            UPDATE retail_backend_throttle
               SET tokens = LEAST(
                       %(burst)s,
                       tokens + %(rate)s * EXTRACT(
                           EPOCH FROM (clock_timestamp() at time zone 'UTC')
                                      - refilled_at
                       )
                   ) - 1,
                   refilled_at = clock_timestamp() at time zone 'UTC'
             WHERE backend_id = %(backend)s
            RETURNING tokens
            """,
            self._params(),
        )
        return max(0.0, -tokens / self.backend.rate_limit)

    def give_back_token(self):
        self._execute(
            """
            UPDATE retail_backend_throttle SET tokens = tokens + 1
             WHERE backend_id = %(backend)s RETURNING tokens
            """,
            self._params(),
        )

    def describe(self):
        """The limit, for the message of a call that must wait for it."""
        return f"rate limit of {self.backend.rate_limit}/s"

    def record(self, success):
        self._execute(
            """
            UPDATE retail_backend_throttle
               SET failures = CASE WHEN %(success)s THEN 0 ELSE failures + 1 END,
                   opened_at = CASE
                       WHEN %(success)s THEN NULL
                       WHEN failures + 1 >= %(threshold)s
                            THEN clock_timestamp() at time zone 'UTC'
                       ELSE opened_at END
             WHERE backend_id = %(backend)s
            RETURNING failures
            """,
            dict(self._params(), success=success),
        )


class OperationThrottle(Throttle):
    """The token bucket of one operation of the backend's platform, in
    ``retail_backend_operation_throttle``: it replaces the backend's bucket
    for that operation's calls, while the circuit breaker stays the
    backend's. The row starts from the operation's documented plan; the
    rate the platform then states in its answers replaces it."""

    def __init__(self, backend, limit):
        super().__init__(backend)
        self.limit = limit
        self.rate = limit.rate

    def _operation(self, query, **values):
        params = dict(
            self._params(),
            operation=self.limit.name,
            rate=self.limit.rate,
            burst=self.limit.burst,
            **values,
        )
        return self._execute(query, params, row=OPERATION_ROW)

    def take_token(self):
        tokens, self.rate = self._operation(
            "UPDATE retail_backend_operation_throttle SET tokens = "
            + OPERATION_TOKENS
            + " - 1, refilled_at = clock_timestamp() at time zone 'UTC'"
            + OPERATION_WHERE
        )
        return max(0.0, -tokens / self.rate)

    def give_back_token(self):
        self._operation(
            "UPDATE retail_backend_operation_throttle SET tokens = tokens + 1"
            + OPERATION_WHERE
        )

    def drain(self):
        """The platform refused a call for quota (429): its bucket is empty
        whatever ours said. Empty ours too and return the seconds until it
        holds a token again."""
        tokens, self.rate = self._operation(
            "UPDATE retail_backend_operation_throttle SET tokens = LEAST(0, "
            + OPERATION_TOKENS
            + "), refilled_at = clock_timestamp() at time zone 'UTC'"
            + OPERATION_WHERE
        )
        return (1 - tokens) / self.rate

    def follow(self, response):
        """Take the rate the platform says it applies (``rate_header``)."""
        if response is None or not self.limit.rate_header:
            return
        try:
            rate = float(response.headers.get(self.limit.rate_header) or "")
        except ValueError:
            return
        if math.isfinite(rate) and rate > 0 and rate != self.rate:
            _tokens, self.rate = self._operation(
                "UPDATE retail_backend_operation_throttle SET rate = %(stated)s"
                + OPERATION_WHERE,
                stated=rate,
            )

    def describe(self):
        return f"rate limit of {self.rate}/s of {self.limit.name}"


def request(
    backend,
    method,
    path,
    json_body=None,
    params=None,
    headers=None,
    links=False,
    limit=None,
    url=None,
    form=None,
    authenticate=True,
):
    """Send one request to ``backend``'s API and return the decoded JSON, or
    with ``links`` the decoded JSON and the answer's ``Link`` header as
    ``requests`` parses it (``{"next": {"url": ...}}``), for lists paged that
    way.

    ``limit`` (an ``OperationLimit``) sends the call within that operation's
    own bucket instead of the backend's. ``url`` replaces the API base URL
    and ``path`` for a call to another host of the same platform (Amazon's
    token endpoint); ``form`` sends a form-encoded body instead of JSON;
    ``authenticate=False`` leaves out the backend's authentication headers,
    for a call that authenticates with its body.

    :raise RetailTransientError: the channel is unavailable or limiting us;
        try again later (``retry_after`` says when, if known)
    :raise RetailBusinessError: the channel refused the request (4xx), answered
        with a redirect or too much, or the URL is not one credentials may be
        sent to
    """
    throttle = OperationThrottle(backend, limit) if limit else Throttle(backend)
    base_url = url or (backend.api_url or "").rstrip("/") + "/" + path.lstrip("/")
    url = requests.Request(method, base_url, params=params).prepare().url
    # Checked here too, not only by the backend's constraint: a URL written
    # by SQL or stored before the constraint existed must not get a token.
    if not is_allowed_url(url):
        raise RetailBusinessError(
            f"{method} {mask_url(url)} was not sent: credentials go only over "
            "https://, or plain http:// to this machine (localhost, 127.0.0.1, "
            "::1). Correct the backend's API base URL.",
            code="unsafe_url",
        )
    headers = dict(
        backend._get_request_headers() if authenticate else {}, **(headers or {})
    )
    secrets = _sent_secrets(headers) + _sent_secrets(form or {})
    body = {"json": json_body, "data": form}
    for attempt in range(INLINE_RETRIES + 1):
        throttle.check_circuit()
        wait = throttle.take_token()
        if wait > MAX_INLINE_WAIT:
            throttle.give_back_token()
            raise RetailTransientError(
                f"{throttle.describe()} reached", retry_after=wait
            )
        time.sleep(wait)
        response, error, duration = _send(backend, method, url, body, headers)
        _log(
            backend, method, url, json_body or form, response, error, duration, secrets
        )
        if limit:
            throttle.follow(response)
        if isinstance(error, ResponseTooLarge):
            raise RetailBusinessError(
                f"{method} {mask_url(url)} answered more than "
                f"{MAX_RESPONSE_BYTES} bytes: the answer was refused unread.",
                code="response_too_large",
            )
        if error is not None:
            throttle.record(success=False)
            retry_after = None
            message = f"{method} {mask_url(url)} failed: {type(error).__name__}"
        elif response.status_code == 429 or response.status_code >= 500:
            # A 429 says the platform is up but wants us slower: it does not
            # count towards opening the circuit.
            if response.status_code >= 500:
                throttle.record(success=False)
            retry_after = retry.parse_retry_after(response.headers.get("Retry-After"))
            if response.status_code == 429 and limit:
                # A platform limiting per operation says no more than 429;
                # the operation's bucket knows when the next token comes.
                drained = throttle.drain()
                retry_after = drained if retry_after is None else retry_after
            message = f"{method} {mask_url(url)} answered {response.status_code}"
        else:
            throttle.record(success=True)
            if 300 <= response.status_code < 400:
                # Following would hand the credentials to wherever the
                # platform (or whoever answers in its name) points.
                raise RetailBusinessError(
                    f"{method} {mask_url(url)} was redirected "
                    f"({response.status_code}) to "
                    f"{mask_url(response.headers.get('Location', ''))}; nothing "
                    "was sent there. Set the API base URL to the platform's "
                    "actual address if that is it.",
                    code=f"http_{response.status_code}",
                )
            if response.status_code >= 400:
                raise RetailBusinessError(
                    f"{method} {mask_url(url)} was refused with "
                    f"{response.status_code}: {excerpt(response.text, secrets)}",
                    code=f"http_{response.status_code}",
                )
            body_json = response.json() if response.content else None
            return (body_json, response.links) if links else body_json
        delay = retry_after if retry_after is not None else 2**attempt
        if attempt == INLINE_RETRIES or delay > MAX_INLINE_WAIT:
            raise RetailTransientError(message, retry_after=retry_after)
        time.sleep(delay)


def download_lines(backend, url):
    """The lines of the file at ``url``, yielded (as bytes, blank lines left
    out) as they arrive: a result a platform prepared and names by a signed,
    expiring address (Shopify's bulk operations). The backend's credentials
    are not sent: the address carries its own signature and names a storage
    host, not the platform. Only over https (or http to this machine), no
    redirect followed, each read bounded by the backend's timeout and the
    whole download by ``MAX_DOWNLOAD_SECONDS``; a line over
    ``MAX_LINE_BYTES`` is refused. The download is kept in the request log,
    without its body.

    :raise RetailTransientError: the host did not answer, or answered 429/5xx
    :raise RetailBusinessError: the address is not allowed, redirects, or is
        refused (an expired address answers 403)
    """
    if not is_allowed_url(url):
        raise RetailBusinessError(
            f"GET {mask_url(url)} was not sent: files are read only over "
            "https://, or plain http:// to this machine.",
            code="unsafe_url",
        )
    started = time.monotonic()
    response = error = None
    try:
        response = requests.get(
            url,
            stream=True,
            allow_redirects=False,
            timeout=backend.request_timeout,
            headers={"Accept-Encoding": "gzip"},
        )
        if response.status_code == 429 or response.status_code >= 500:
            raise RetailTransientError(
                f"GET {mask_url(url)} answered {response.status_code}",
                retry_after=retry.parse_retry_after(
                    response.headers.get("Retry-After")
                ),
            )
        if response.status_code >= 300:
            raise RetailBusinessError(
                f"GET {mask_url(url)} answered {response.status_code}: the file "
                "was not read (an expired address is refused).",
                code=f"http_{response.status_code}",
            )
        yield from _lines(response, started + MAX_DOWNLOAD_SECONDS, url)
    except (
        requests.ConnectionError,
        requests.Timeout,
        requests.exceptions.ChunkedEncodingError,
    ) as failure:
        error = failure
        raise RetailTransientError(
            f"GET {mask_url(url)} failed: {type(failure).__name__}"
        ) from failure
    finally:
        if response is not None:
            response.close()
        _log_download(backend, url, response, error, time.monotonic() - started)


def _lines(response, deadline, url):
    pending = b""
    for chunk in response.iter_content(READ_CHUNK_BYTES):
        if time.monotonic() > deadline:
            raise RetailTransientError(
                f"GET {mask_url(url)} took longer than {MAX_DOWNLOAD_SECONDS} s"
            )
        *lines, pending = (pending + chunk).split(b"\n")
        if len(pending) > MAX_LINE_BYTES:
            raise RetailBusinessError(
                f"GET {mask_url(url)} holds a line longer than {MAX_LINE_BYTES} "
                "bytes: the file was not read further.",
                code="response_too_large",
            )
        yield from (line for line in lines if line.strip())
    if pending.strip():
        yield pending


def _log_download(backend, url, response, error, duration):
    with backend.env.registry.cursor() as cr:
        backend.env(cr=cr, su=True)["retail.request.log"].create(
            {
                "backend_id": backend.id,
                "method": "GET",
                "url": mask_url(url),
                "status": response.status_code if response is not None else 0,
                "duration_ms": int(duration * 1000),
                "error": type(error).__name__ if error is not None else False,
            }
        )


class ResponseTooLarge(Exception):
    """The answer is longer than ``MAX_RESPONSE_BYTES``."""


class _Download(threading.Thread):
    """One request and its whole answer, in a thread of its own so that the
    caller can give up at a deadline: ``requests``' timeout bounds each
    socket read, not how long a platform dripping bytes holds a worker."""

    def __init__(self, session, timeout, **request):
        super().__init__(name="retail-http-client", daemon=True)
        self.session = session
        self.request = dict(
            request, timeout=timeout, stream=True, allow_redirects=False
        )
        self.cancelled = threading.Event()
        self.response = self.error = self.unexpected = None

    def run(self):
        try:
            with self.session.request(**self.request) as response:
                body = self._read(response)
            # The body is read once, bounded; the response then serves it as
            # if requests had read it (text, json()).
            response._content = body
            self.response = response
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            ResponseTooLarge,
        ) as error:
            self.error = error
        except Exception as error:  # noqa: BLE001 - raised in the caller
            self.unexpected = error

    def _read(self, response):
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
            raise ResponseTooLarge()
        body = bytearray()
        for chunk in response.iter_content(READ_CHUNK_BYTES):
            if self.cancelled.is_set():
                raise requests.Timeout("abandoned by the caller")
            body += chunk
            if len(body) > MAX_RESPONSE_BYTES:
                raise ResponseTooLarge()
        return bytes(body)


def _send(backend, method, url, body, headers):
    """Send one request and read its answer within the backend's timeout, from
    connecting to the last byte: ``(response, error, duration)``. ``body``
    holds ``json`` and ``data`` (a form), as ``requests`` takes them."""
    started = time.monotonic()
    download = _Download(
        _session(backend.id),
        backend.request_timeout,
        method=method,
        url=url,
        headers=headers,
        **body,
    )
    download.start()
    download.join(backend.request_timeout)
    duration = time.monotonic() - started
    if download.is_alive():
        download.cancelled.set()
        error = requests.Timeout(f"no whole answer in {backend.request_timeout} s")
        return None, error, duration
    if download.unexpected is not None:
        raise download.unexpected
    return download.response, download.error, duration


def _log(backend, method, url, json_body, response, error, duration, secrets):
    values = {
        "backend_id": backend.id,
        "method": method,
        "url": mask_url(url),
        "status": response.status_code if response is not None else 0,
        "duration_ms": int(duration * 1000),
        "error": type(error).__name__ if error is not None else False,
    }
    if backend.log_bodies:
        values["request_body"] = (
            json.dumps(mask(json_body)) if json_body is not None else False
        )
        values["response_body"] = (
            mask_secrets(mask_text(response.text), secrets)
            if response is not None
            else False
        )
    with backend.env.registry.cursor() as cr:
        backend.env(cr=cr, su=True)["retail.request.log"].create(values)
