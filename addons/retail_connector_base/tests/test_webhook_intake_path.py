# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo import http
from odoo.tests import tagged

from ..controllers.main import RetailWebhookController
from ..exceptions import BackendChanged
from .http_common import RetailHttpCommon

ORDER = {"id": "1001", "updated_at": "2026-11-20T10:00:00Z", "total": "12.50"}


@tagged("post_install", "-at_install")
class TestWebhookIntakePath(RetailHttpCommon):
    """The intake answers before Odoo's routing and remembers backends per
    worker; neither may change what is stored or refused."""

    def _memory(self):
        return self.env["retail.backend"]._webhook_memory()

    def _key(self):
        return self.backend.webhook_token

    def _events(self):
        return self.env["retail.event"].search([("backend_id", "=", self.backend.id)])

    def _remembered(self, **values):
        """Change what the worker remembers of the backend, as if the backend
        had been changed since by another process."""
        backend_id, version, known = self._memory()[self._key()]
        version = values.pop("version", version)
        self._memory()[self._key()] = (backend_id, version, {**known, **values})

    def test_deliveries_are_answered_before_odoo_routing(self):
        """Test that a delivery is stored and acknowledged without the route,
        which serves only a worker that has not loaded the module yet."""
        with patch.object(
            RetailWebhookController,
            "retail_webhook",
            side_effect=AssertionError("routed"),
        ):
            response = self._post_webhook(ORDER)
        self.assertEqual(response.json(), {"status": "accepted"})
        self.assertEqual(len(self._events()), 1)

    def test_the_route_stores_the_same_way(self):
        """Test that a worker without the intake in front of Odoo's routing
        stores and refuses as the intake does."""
        with patch.object(
            http.Request, "_serve_db", http.Request._serve_db.odoo_serve_db
        ):
            accepted = self._post_webhook(ORDER)
            refused = self._post_webhook(ORDER, secret="not-the-secret")
        self.assertEqual(accepted.json(), {"status": "accepted"})
        self.assertEqual(refused.status_code, 401)
        self.assertEqual(len(self._events()), 1)

    def test_a_remembered_backend_is_not_read_again(self):
        """Test that the second delivery reads nothing of its backend."""
        self._post_webhook(ORDER)
        self.assertIn(self._key(), self._memory())
        Backend = type(self.env["retail.backend"])
        with patch.object(
            Backend, "search_fetch", side_effect=AssertionError("read again")
        ):
            response = self._post_webhook(ORDER, event_id="evt-2")
        self.assertEqual(response.json(), {"status": "accepted"})
        self.assertEqual(len(self._events()), 2)

    def test_a_backend_changed_since_is_read_again_before_storing(self):
        """Test that a delivery checked against a backend that has changed
        since the worker read it is stored with the backend as it is now."""
        # Created first: a new company empties Odoo's caches, this memory too.
        other = self.env["res.company"].create({"name": "Other retail company"})
        self._post_webhook(ORDER)
        self._remembered(version="0", company_id=other.id)
        response = self._post_webhook(ORDER, event_id="evt-2")
        self.assertEqual(response.json(), {"status": "accepted"})
        event = self._events().filtered(lambda event: event.dedupe_key == "evt-2")
        self.assertEqual(event.company_id, self.backend.company_id)
        self.assertNotEqual(self._memory()[self._key()][1], "0")

    def test_a_delivery_is_not_refused_for_what_the_backend_was(self):
        """Test that a delivery the remembered backend would read as another
        kind's (and refuse as malformed) is read as the backend's kind now."""
        self._post_webhook(ORDER)
        self._remembered(kind="pos")
        response = self._post_webhook(ORDER, event_id="evt-2")
        self.assertEqual(response.json(), {"status": "accepted"})

    def test_a_refusal_is_decided_on_the_backend_as_it_is_now(self):
        """Test that a delivery signed with a secret the worker does not know
        yet is accepted once the backend is read again."""
        self._post_webhook(ORDER)
        self._remembered(webhook_secret_encrypted=False)
        response = self._post_webhook(ORDER, event_id="evt-2")
        self.assertEqual(response.json(), {"status": "accepted"})
        self.assertEqual(len(self._events()), 2)

    def test_a_body_is_measured_against_the_limit_as_it_is_now(self):
        """Test that a limit remembered lower than the backend's is not the
        one a delivery is refused by."""
        self._post_webhook(ORDER)
        self._remembered(webhook_max_bytes=10)
        response = self._post_webhook(ORDER, event_id="evt-2")
        self.assertEqual(response.json(), {"status": "accepted"})

    def test_a_rotated_secret_refuses_the_old_one_at_once(self):
        """Test that a secret changed in the same transaction as the worker
        read the backend (its row version unchanged yet) is in force."""
        self._post_webhook(ORDER)
        self.backend.webhook_secret = "whsec_rotated"
        refused = self._post_webhook(ORDER, event_id="evt-2")
        self.assertEqual(refused.status_code, 401)
        accepted = self._post_webhook(ORDER, event_id="evt-3", secret="whsec_rotated")
        self.assertEqual(accepted.json(), {"status": "accepted"})

    def test_an_archived_backend_is_not_found(self):
        """Test that a remembered backend archived since answers 404."""
        self._post_webhook(ORDER)
        self.backend.active = False
        self.assertEqual(self._post_webhook(ORDER, event_id="evt-2").status_code, 404)

    def test_a_backend_gone_from_the_storing_statement_is_read_again(self):
        """Test that a delivery whose storing statement no longer finds the
        backend it read (deleted meanwhile), with nothing remembered, is
        answered on the backend read again, through the route as well."""
        Event = type(self.env["retail.event"])
        receive = Event._receive
        calls = []

        def backend_gone_once(event_model, backend, *args, **kwargs):
            calls.append(backend.id)
            if len(calls) == 1:
                raise BackendChanged()
            return receive(event_model, backend, *args, **kwargs)

        with (
            patch.object(Event, "_receive", backend_gone_once),
            patch.object(
                http.Request, "_serve_db", http.Request._serve_db.odoo_serve_db
            ),
        ):
            response = self._post_webhook(ORDER)
        self.assertEqual(response.json(), {"status": "accepted"})
        self.assertEqual(len(calls), 2)
