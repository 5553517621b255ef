# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import time

from odoo.tests import HttpCase

from ..adapters import simulator
from .common import RetailCommon


class RetailHttpCommon(RetailCommon, HttpCase):
    """For controller tests only: requests go through the real HTTP stack."""

    def _webhook_url(self, backend=None):
        return f"/retail/webhook/{(backend or self.backend).webhook_token}"

    def _signed_headers(self, body, secret=None, timestamp=None, event_id="evt-1"):
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = simulator.sign(secret or self.webhook_secret, timestamp, body)
        return {
            "Content-Type": "application/json",
            simulator.TOPIC_HEADER: "orders/create",
            simulator.EVENT_ID_HEADER: event_id,
            simulator.TIMESTAMP_HEADER: timestamp,
            simulator.SIGNATURE_HEADER: f"v1={signature}",
        }

    def _post_webhook(self, body, headers=None, backend=None, **sign_kwargs):
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        if headers is None:
            headers = self._signed_headers(body, **sign_kwargs)
        return self.url_open(
            self._webhook_url(backend), data=body, headers=headers, timeout=20
        )
