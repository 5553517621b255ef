# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Webhook intake: checking a delivery, storing it in the inbox, answering.

One implementation, reached two ways: ``serve``, which ``post_load`` puts in
front of Odoo's routing so that a delivery skips what a webhook has no use
for (a second cursor to check the registry, URL routing, authentication,
the dispatcher; in a prefork worker, a pooled connection reset for each
delivery), and the ``/retail/webhook/<token>`` route (``controllers/main.py``),
which serves while a worker has not loaded the module yet. Both make the
same checks in the same order and store before they answer 200.
"""

import atexit
import json
import logging
import re
import threading
import time
from functools import partial

import psycopg2

import odoo
from odoo import api, http
from odoo.modules.registry import Registry
from odoo.service import model as service_model

from .db import PREPARED, outside_transaction
from .exceptions import BackendChanged

_logger = logging.getLogger(__name__)

READ_CHUNK = 64 * 1024
WEBHOOK_PATH = re.compile(r"/retail/webhook/([^/]+)")
BACKEND_KEY = "retail.webhook_backend_id"
REGISTRY_CHECK_INTERVAL = 1.0  # seconds
WEBHOOK_FIELDS = [
    "webhook_max_bytes",
    "webhook_tolerance",
    "webhook_secret_encrypted",
    "webhook_secret_previous_encrypted",
    "platform",
    "kind",
    "name",
    "company_id",
]


def _memory(env):
    """What this worker remembers of each backend a webhook token names:
    ``{token: (backend id, row version, values of WEBHOOK_FIELDS)}``. A
    delivery then reads nothing of its backend: the statement that stores it
    checks the row version (PostgreSQL's xmin, ``retail.event._receive``),
    and any other answer is given again on a fresh read (``answer``), so
    that a change committed by another process, signalled or not, is never
    missed. Held in Odoo's cache, it is emptied with it (cache signalling,
    tests)."""
    return env["retail.backend"]._webhook_memory()


def _forget(request, token, backend):
    """Forget what this worker knew of ``token``'s backend, for the request
    to read it again."""
    _memory(request.env).pop(token, None)
    request.httprequest.environ.pop(BACKEND_KEY, None)
    backend.invalidate_recordset(WEBHOOK_FIELDS)


class Refused(Exception):
    """A delivery answered before its body is read (unknown URL, too big)."""

    def __init__(self, response):
        super().__init__(response.status)
        self.response = response


def reply(http_status, **body):
    return http.Response(
        json.dumps(body),
        headers=[("Content-Type", "application/json")],
        status=http_status,
    )


def _read_at_most(stream, size):
    """Up to ``size`` bytes of ``stream``: a chunked body announces no length,
    and a raw stream's read may return less than asked before its end."""
    parts, read = [], 0
    while read < size:
        part = stream.read(min(READ_CHUNK, size - read))
        if not part:
            break
        parts.append(part)
        read += len(part)
    return b"".join(parts)


def _backend(request, token):
    """The backend ``token`` names, with WEBHOOK_FIELDS in the cache, from
    what this worker knows (its context then carries the version to check,
    ``retail_backend_version``), else from the database.

    :raise Refused: carrying the 404
    """
    env = request.env
    backends = env["retail.backend"].sudo()
    memory = _memory(env)
    known = memory.get(token)
    length = request.httprequest.content_length
    # A body that may be refused for its size is checked against the limit
    # as it is now (which may have been raised), never as remembered.
    if known and length is not None and length <= known[2]["webhook_max_bytes"]:
        backend_id, version, values = known
        backend = backends.browse(backend_id)
        for name, value in values.items():
            env.cache.insert_missing(backend, backends._fields[name], [value])
        return backend.with_context(retail_backend_version=version)
    # In the query that finds it, what checking and storing the delivery
    # read of the backend.
    backend = backends.search_fetch(
        [("webhook_token", "=", token)], WEBHOOK_FIELDS, limit=1
    )
    if not backend:
        # Same answer for unknown and archived backends: reveal nothing. An
        # unknown token is not remembered: the next delivery reads again.
        raise Refused(reply(404, error="not_found"))
    env.cr.execute("SELECT xmin::text FROM retail_backend WHERE id = %s", [backend.id])
    fields = backends._fields
    values = {name: env.cache.get(backend, fields[name]) for name in WEBHOOK_FIELDS}
    memory[token] = (backend.id, env.cr.fetchone()[0], values)
    return backend


def read_delivery(request, token):
    """The backend ``token`` names and the delivery's raw body, of which
    never more than the backend's limit is read. Called again for the same
    request (the route's ``ir.http._pre_dispatch``, a request replayed after
    a serialization failure), it returns what the first call found.

    :raise Refused: carrying the 404 or 413
    """
    environ = request.httprequest.environ
    if BACKEND_KEY in environ:
        backend_id, version = environ[BACKEND_KEY]
        backend = request.env["retail.backend"].sudo().browse(backend_id)
        if version:
            backend = backend.with_context(retail_backend_version=version)
    else:
        backend = _backend(request, token)
        environ[BACKEND_KEY] = (
            backend.id,
            backend.env.context.get("retail_backend_version"),
        )
    # Odoo's request wrapper hides werkzeug's input stream; the bus module
    # reaches past it in the same way (odoo/addons/bus/websocket.py).
    raw = request.httprequest._HTTPRequest__wrapped
    body = getattr(raw, "_cached_data", None)
    if body is None:
        limit = backend.webhook_max_bytes
        if (raw.content_length or 0) <= limit:
            body = _read_at_most(raw.stream, limit + 1)
        if body is None or len(body) > limit:
            _logger.warning(
                "Webhook refused for backend %s: body over its %s bytes",
                backend.id,
                limit,
            )
            raise Refused(reply(413, error="payload_too_large"))
        # werkzeug's own cache of get_data(), which its form parser reads
        # too: whatever parses the body later parses these bytes.
        raw._cached_data = body
    return backend, body


def answer(request, token):
    """Check the delivery, store it, and only then answer 200. The platform
    retries whatever did not get a 200, so a 200 must mean the message is
    safely stored."""
    # The signature authenticates a delivery; the platform, not a person,
    # sends it. The public user comes from its cached XML id, not a query.
    request.update_env(
        user=request.env["ir.model.data"]._xmlid_to_res_id("base.public_user")
    )
    try:
        backend, body = read_delivery(request, token)
    except Refused as refused:
        return refused.response
    try:
        response, stored = _check_and_store(request, backend, body)
    except BackendChanged:
        # Changed since this worker remembered it, or deleted since it was
        # read (a statement alone sees what committed meanwhile).
        response, stored = None, False
    if response is None or (
        not stored and backend.env.context.get("retail_backend_version")
    ):
        # Checked against what this worker remembered of the backend: only
        # the statement that stores a delivery checks that it is still so
        # (``retail.event._receive``). Any other answer, a refusal, a ping,
        # a delivery ignored, is given again on the backend as it is now.
        request.env.cr.rollback()
        _forget(request, token, backend)
        return answer(request, token)
    return response


def _check_and_store(request, backend, body):
    """The answer to a delivery, and whether it went through the storing
    statement (accepted or duplicate)."""
    headers = request.httprequest.headers
    if backend._webhook_is_ping(headers, body):
        return reply(200, status="ping"), False
    try:
        reason = backend._webhook_verify(headers, body)
        if reason:
            # The reason is for the administrator; the caller, maybe
            # probing, learns nothing from the answer.
            _logger.warning("Webhook refused for backend %s: %s", backend.id, reason)
            return reply(401, error="unauthorized"), False
        try:
            stored = backend._webhook_receive(headers, body)
        except ValueError as error:
            return reply(400, error="bad_request", detail=str(error)), False
    except (BackendChanged, psycopg2.OperationalError):
        # OperationalError: a copy of this delivery committed while we ran
        # (REPEATABLE READ turns that into a serialization failure): the
        # request is replayed, and then finds the copy and answers
        # "duplicate".
        raise
    except Exception:
        # Nothing half-stored: the platform will deliver again.
        request.env.cr.rollback()
        _logger.exception("Webhook for backend %s could not be stored", backend.id)
        return reply(500, error="internal_error"), False
    # An accepted delivery is in the inbox and the access log has its 200: a
    # line of its own is for debugging; the others tell why nothing new was
    # stored.
    _logger.log(
        logging.DEBUG if stored.get("status") == "accepted" else logging.INFO,
        "Webhook for backend %s: %s",
        backend.id,
        stored,
    )
    return reply(200, **stored), stored.get("status") in ("accepted", "duplicate")


class _HeldCursor:
    """The cursor a prefork worker keeps from one delivery to the next.

    Odoo lends a cursor per request from its pool, which resets the
    connection first (``DISCARD ALL``: one more round trip, and PostgreSQL
    plans the inbox's foreign-key checks again for every delivery). A
    prefork worker serves one request at a time, so it can keep the
    connection instead, between transactions, for one database, and the
    statements a delivery waits on are prepared on it once
    (``db.execute_prepared``). A threaded or evented server (requests at
    once), and a database in test mode (the test's own cursor), borrow one
    per request as Odoo does.
    """

    def __init__(self):
        self.cursor = None
        self.checked_at = float("-inf")

    def borrow(self, registry):
        """A cursor on ``registry``'s database, and whether it is kept."""
        if not odoo.tools.config["workers"] or odoo.evented or registry.in_test_mode():
            return registry.cursor(readonly=False), False
        cr = self.cursor
        if cr is None or cr.closed or cr.dbname != registry.db_name:
            self.drop()
            cr = self.cursor = registry.cursor(readonly=False)
            setattr(cr, PREPARED, set())
            self.checked_at = float("-inf")
        # A new transaction object per delivery: it holds the registry its
        # environments use, which a registry reload replaces.
        cr.transaction = None
        return cr, True

    def check_registry(self, registry, cr, kept):
        """``registry``, reloaded if another process signalled a change.

        Odoo checks this for every request; on a kept cursor it is checked
        at most every REGISTRY_CHECK_INTERVAL, so that a worker busy with
        deliveries does not spend a query on each (Odoo's signaling query
        is planned anew every time). It risks nothing the intake relies
        on: what a worker remembers of a backend is checked by the statement
        that stores a delivery (its row version), not by this signalling.
        """
        now = time.monotonic()
        if kept and now - self.checked_at < REGISTRY_CHECK_INTERVAL:
            return registry
        with outside_transaction(cr):
            registry = registry.check_signaling(cr)
        if kept:
            self.checked_at = now
        return registry

    def give_back(self, cr, kept):
        """Close a borrowed cursor; roll a kept one back, so that nothing of
        a failed delivery carries over to the next, and drop it if its
        connection was lost (the database restarted, an administrator ended
        it): the next delivery gets a fresh one."""
        if not kept:
            cr.close()
            return
        try:
            cr.rollback()
        except psycopg2.Error:
            _logger.info("Webhook intake: its kept connection was lost")
        if cr.closed:
            self.drop()

    def drop(self):
        """Close the kept cursor (a connection that failed, another
        database, the worker leaving)."""
        cr, self.cursor = self.cursor, None
        if cr is not None and not cr.closed:
            try:
                cr.close()
            except psycopg2.Error:
                _logger.debug("Closing the intake's cursor failed", exc_info=True)


_held = _HeldCursor()
atexit.register(_held.drop)


def serve(request):
    """The answer to a webhook delivery, or None for any other request (and
    for a database without the module), which Odoo then serves as usual.

    It does what Odoo's ``_serve_db`` does for the route, less what a
    webhook does not use: the registry is checked for changes in one
    statement on the cursor that then stores the delivery (a prefork
    worker's kept cursor, ``_HeldCursor``), and the request is retried on a
    serialization failure and committed as Odoo does (``retrying``).
    """
    httprequest = request.httprequest
    match = WEBHOOK_PATH.fullmatch(httprequest.path)
    if not match or httprequest.method != "POST":
        return None
    try:
        registry = Registry(request.db)
        cr, kept = _held.borrow(registry)
    except (AttributeError, psycopg2.OperationalError, psycopg2.ProgrammingError):
        # Odoo's own path reports an unusable database its way.
        return None
    try:
        try:
            registry = _held.check_registry(registry, cr, kept)
        except psycopg2.Error:
            # Odoo's path serves this delivery, on a fresh connection if the
            # kept one was lost.
            return None
        if "retail.backend" not in registry:
            return None
        request.registry = registry
        threading.current_thread().dbname = registry.db_name
        request.env = api.Environment(cr, api.SUPERUSER_ID, {})
        try:
            return service_model.retrying(
                partial(answer, request, match.group(1)), request.env
            )
        except Exception:
            if kept and cr.closed:
                # The kept connection was lost: Odoo's path serves the delivery
                # on a fresh one. Stored or not before the loss, it is stored
                # once: the storing statement ignores a copy.
                return None
            # Out of retries after serialization failures, or the database
            # gone: nothing is stored and the platform delivers again.
            _logger.exception("Webhook could not be stored")
            return reply(500, error="internal_error")
    finally:
        _held.give_back(cr, kept)


def post_load():
    """Put ``serve`` in front of Odoo's routing, in every worker: Odoo calls
    a module's ``post_load`` when it first loads the module, which in a
    prefork server is in the parent, before the workers start."""
    serve_db = http.Request._serve_db
    if getattr(serve_db, "retail_intake", False):
        return

    def _serve_db(self):
        response = serve(self)
        return serve_db(self) if response is None else response

    _serve_db.retail_intake = True
    _serve_db.odoo_serve_db = serve_db
    http.Request._serve_db = _serve_db
