# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A loopback HTTP server that answers with scripted responses and records
what it received, for the outbound client's tests."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ScriptedServer:
    def __init__(self):
        self.responses = []
        self.received = []
        self.closing = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                server.received.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length).decode(),
                        "received_at": time.monotonic(),
                    }
                )
                status, headers, body, *drip = (
                    server.responses.pop(0) if server.responses else (200, {}, {})
                )
                payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                headers = dict(
                    {
                        "Content-Type": "application/json",
                        "Content-Length": str(len(payload)),
                    },
                    **headers,
                )
                self.send_response(status)
                for name, value in headers.items():
                    # None leaves the header out: a body that runs until the
                    # connection closes.
                    if value is not None:
                        self.send_header(name, value)
                self.end_headers()
                if not drip:
                    self.wfile.write(payload)
                    return
                for byte in payload:
                    # Not time.sleep, which the client's tests patch away.
                    if server.closing.wait(drip[0]):
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def script(self, *responses):
        """Queue responses, answered in order: (status, headers, body) tuples,
        the body JSON or raw bytes, or (status, headers, body, seconds) to
        send the body a byte every ``seconds``."""
        self.responses.extend(responses)
