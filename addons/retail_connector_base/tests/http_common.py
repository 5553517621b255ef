# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import socket
import time
from urllib.parse import urlsplit

from odoo.tests import HttpCase

from ..adapters import simulator
from .common import RetailCommon


class RetailHttpCommon(RetailCommon, HttpCase):
    """For controller tests only: requests go through the real HTTP stack."""

    def _webhook_url(self, backend=None):
        return f"/retail/webhook/{(backend or self.backend).webhook_token}"

    def _signed_headers(self, body, secret=None, timestamp=None, event_id="evt-1"):
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        return {
            "Content-Type": "application/json",
            **simulator.signed_headers(
                secret or self.webhook_secret,
                timestamp,
                "orders/create",
                event_id,
                body,
            ),
        }

    def _post_webhook(self, body, headers=None, backend=None, **sign_kwargs):
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        if headers is None:
            headers = self._signed_headers(body, **sign_kwargs)
        return self.url_open(
            self._webhook_url(backend), data=body, headers=headers, timeout=20
        )


def post_without_the_body(url, headers, sent=b"", timeout=10):
    """``(status, body)`` of the answer to a POST announcing a body of which
    only ``sent`` is sent, the connection kept open: a server that reads the
    body before answering does not answer before ``timeout`` (socket.timeout).
    ``headers`` give the announced length (``Content-Length``) or
    ``Transfer-Encoding: chunked``."""
    parts = urlsplit(url)
    head = "".join(
        [f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"]
        + [f"{name}: {value}\r\n" for name, value in headers.items()]
        + ["\r\n"]
    )
    with socket.create_connection((parts.hostname, parts.port), timeout) as conn:
        conn.sendall(head.encode() + sent)
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += _received(conn)
        status_line, _, rest = answer.partition(b"\r\n")
        header_block, _, body = rest.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in header_block.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(body) < length:
            body += _received(conn)
        return int(status_line.split()[1]), json.loads(body)


def _received(conn):
    data = conn.recv(65536)
    if not data:
        raise ConnectionError("the server closed the connection without answering")
    return data
