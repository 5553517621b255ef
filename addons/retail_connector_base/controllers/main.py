# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging

import psycopg2
from werkzeug.exceptions import abort

from odoo import http
from odoo.http import request

_logger = logging.getLogger(__name__)

READ_CHUNK = 64 * 1024
BACKEND_KEY = "retail.webhook_backend_id"
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


class RetailWebhookController(http.Controller):
    """Receives every channel's webhooks: checks them in a fixed order, stores
    them in the inbox, and only then answers 200. The platform retries whatever
    did not get a 200, so a 200 must mean the message is safely stored."""

    _webhook_url = "/retail/webhook/<string:token>"

    @http.route(
        _webhook_url,
        type="http",
        # The signature authenticates a delivery. "public" would also look
        # the public user up with a query of its own on every request; it is
        # set below from the cached XML id instead.
        auth="none",
        # Odoo's default for auth="none": it would first try the request in
        # a read-only transaction, fail at the INSERT and start over.
        readonly=False,
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def retail_webhook(self, token, **kwargs):
        request.update_env(
            user=request.env["ir.model.data"]._xmlid_to_res_id("base.public_user")
        )
        backend, body = self._read_delivery(token)
        httprequest = request.httprequest
        if backend._webhook_is_ping(httprequest.headers, body):
            return self._reply(200, status="ping")
        try:
            reason = backend._webhook_verify(httprequest.headers, body)
            if reason:
                # The reason is for the administrator; the caller, maybe
                # probing, learns nothing from the answer.
                _logger.warning(
                    "Webhook refused for backend %s: %s", backend.id, reason
                )
                return self._reply(401, error="unauthorized")
            try:
                answer = backend._webhook_receive(httprequest.headers, body)
            except ValueError as error:
                return self._reply(400, error="bad_request", detail=str(error))
        except psycopg2.OperationalError:
            # A copy of this delivery committed while we ran (REPEATABLE READ
            # turns that into a serialization failure): Odoo replays the
            # request, which then finds the copy and answers "duplicate".
            raise
        except Exception:
            # Nothing half-stored: the platform will deliver again.
            request.env.cr.rollback()
            _logger.exception("Webhook for backend %s could not be stored", backend.id)
            return self._reply(500, error="internal_error")
        # An accepted delivery is in the inbox and Odoo's access log has its
        # 200: a line of its own is for debugging; the others tell why
        # nothing new was stored.
        _logger.log(
            logging.DEBUG if answer.get("status") == "accepted" else logging.INFO,
            "Webhook for backend %s: %s",
            backend.id,
            answer,
        )
        return self._reply(200, **answer)

    @classmethod
    def _read_delivery(cls, token):
        """The backend ``token`` names and the delivery's raw body, of which
        never more than the backend's limit is read. ``ir.http._pre_dispatch``
        calls it before Odoo's dispatcher parses a form body into the
        request's parameters, so an unknown URL or an oversized body is
        refused before anything reads it; the controller calls it again
        (and a request replayed after a serialization failure too), and gets
        the body read the first time.

        :raise werkzeug.exceptions.HTTPException: carrying the 404 or 413
        """
        backends = request.env["retail.backend"].sudo()
        environ = request.httprequest.environ
        if BACKEND_KEY in environ:
            # Found once per request: the second call (and a replay) reuses it.
            backend = backends.browse(environ[BACKEND_KEY])
        else:
            # In the query that finds it, what checking and storing the
            # delivery read of the backend: one round trip, not two.
            backend = backends.search_fetch(
                [("webhook_token", "=", token)], WEBHOOK_FIELDS, limit=1
            )
            if not backend:
                # Same answer for unknown and archived backends: reveal nothing.
                abort(cls._reply(404, error="not_found"))
            environ[BACKEND_KEY] = backend.id
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
                abort(cls._reply(413, error="payload_too_large"))
            # werkzeug's own cache of get_data(), which its form parser reads
            # too: whatever parses the body later parses these bytes.
            raw._cached_data = body
        return backend, body

    @staticmethod
    def _reply(http_status, **body):
        return request.make_response(
            json.dumps(body),
            headers=[("Content-Type", "application/json")],
            status=http_status,
        )
