# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
from urllib.parse import urlencode

import psycopg2

from odoo import http
from odoo.http import request

_logger = logging.getLogger(__name__)


class RetailWebhookController(http.Controller):
    """Receives every channel's webhooks: checks them in a fixed order, stores
    them in the inbox, and only then answers 200. The platform retries whatever
    did not get a 200, so a 200 must mean the message is safely stored."""

    _webhook_url = "/retail/webhook/<string:token>"

    @http.route(
        _webhook_url,
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def retail_webhook(self, token, **kwargs):
        httprequest = request.httprequest
        backend = (
            request.env["retail.backend"]
            .sudo()
            .search([("webhook_token", "=", token)], limit=1)
        )
        if not backend:
            # Same answer for unknown and archived backends: reveal nothing.
            return self._reply(404, error="not_found")
        limit = backend.webhook_max_bytes
        if (httprequest.content_length or 0) > limit:
            return self._reply(413, error="payload_too_large", limit=limit)
        body = httprequest.get_data(cache=True)
        if not body and httprequest.form:
            # Odoo has already parsed a form-encoded body (WooCommerce's ping):
            # rebuild it; platforms that sign their raw body send JSON.
            body = urlencode(list(httprequest.form.items(multi=True))).encode()
        if len(body) > limit:
            return self._reply(413, error="payload_too_large", limit=limit)
        if backend._webhook_is_ping(httprequest.headers, body):
            return self._reply(200, status="ping")
        try:
            reason = backend._webhook_verify(httprequest.headers, body)
            if reason:
                _logger.warning(
                    "Webhook refused for backend %s: %s", backend.id, reason
                )
                return self._reply(401, error="unauthorized", detail=reason)
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
        _logger.info("Webhook for backend %s: %s", backend.id, answer)
        return self._reply(200, **answer)

    @staticmethod
    def _reply(http_status, **body):
        return request.make_response(
            json.dumps(body),
            headers=[("Content-Type", "application/json")],
            status=http_status,
        )
