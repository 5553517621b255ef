# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError

from .. import http_client
from ..exceptions import RetailBusinessError
from .common import RetailCommon

SIGNED = json.dumps({"id": "5001", "total": "72.00", "customer": {"name": "Ann"}})
FORGED = json.dumps({"id": "5001", "total": "0.01", "customer": {"name": "Eve"}})


class TestInboxIsAppendOnly(RetailCommon):
    """What a channel sent, and how it was processed, change through no ORM
    write: the job books events as the superuser."""

    def setUp(self):
        super().setUp()
        self.event = self._receive_event(payload=SIGNED, subject="5001")
        self.event._fail("business", "unknown_sku", "Unknown SKU 'SKU-NEW'")

    def _received(self):
        event = self.event.sudo()
        event.invalidate_recordset()
        return (
            event.backend_id,
            event.topic,
            event.dedupe_key,
            event.subject_key,
            event.payload,
            event.received_at,
            event.state,
            event.attempts,
        )

    def test_nobody_rewrites_an_event(self):
        """Test that a connector user, a manager and sudo code alike are
        refused every write of what was received or of the state."""
        other = self._prepare_backend(name="Other backend")
        before = self._received()
        attempts = [
            {"payload": FORGED},
            {"topic": "orders/cancelled"},
            {"dedupe_key": "evt-2"},
            {"subject_key": "5002"},
            {"backend_id": other.id},
            {"received_at": fields.Datetime.now()},
            {"state": "pending"},
            {"state": "done"},
            {"attempts": 0, "next_attempt_at": False},
            {"res_model": "res.partner", "res_id": 1},
        ]
        for event in (
            self.event.with_user(self.retail_user),
            self.event.with_user(self.retail_manager),
            self.event.sudo(),
        ):
            for vals in attempts:
                with self.subTest(user=event.env.user.login, vals=vals):
                    with self.assertRaises(AccessError):
                        event.write(vals)
        with self.assertRaises(AccessError):
            self.backend.with_user(self.retail_manager).write(
                {"event_ids": [(1, self.event.id, {"payload": FORGED})]}
            )
        self.assertEqual(self._received(), before)

    def test_users_and_managers_create_no_event(self):
        """Test that an event cannot be made up through the ORM either: only
        the webhook and the polls store them, after their checks."""
        values = {
            "backend_id": self.backend.id,
            "topic": "orders/create",
            "dedupe_key": "forged-1",
            "payload": FORGED,
        }
        for user in (self.retail_user, self.retail_manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["retail.event"].with_user(user).create(values)
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.event.with_user(user).copy({"dedupe_key": "copied-1"})

    def test_users_still_discuss_events(self):
        """Test that a connector user may still comment an event and follow
        it: chatter fields stay writable."""
        event = self.event.with_user(self.retail_user)
        event.message_post(body="Asked the shop about this SKU.")
        event.message_subscribe(partner_ids=self.retail_user.partner_id.ids)
        self.assertIn("Asked the shop", self.event.message_ids[0].body)

    def test_retry_processes_the_bytes_received(self):
        """Test that Retry puts the event back exactly as received, and the
        handler is given the signed payload."""
        self.event.with_user(self.retail_user).action_retry()
        self.assertEqual(self.event.state, "pending")
        seen = []
        with patch.object(
            type(self.env["retail.event"]),
            "_get_event_handler",
            lambda event: lambda event: seen.append(event.payload),
        ):
            self.backend._process_events()
        self.assertEqual(seen, [SIGNED])
        self.assertEqual(self.event.state, "done")

    def test_cancel_is_for_managers(self):
        """Test that a connector user may not cancel a failed event; a manager
        may, which closes its activity and leaves it out of processing."""
        with self.assertRaises(AccessError):
            self.event.with_user(self.retail_user).action_cancel()
        self.assertEqual(self.event.state, "failed")
        self.assertTrue(self.event.activity_ids)
        self.event.with_user(self.retail_manager).action_cancel()
        self.assertEqual(self.event.state, "cancelled")
        self.assertFalse(self.event.activity_ids)
        self.event.with_user(self.retail_manager).action_retry()
        self.assertEqual(self.event.state, "cancelled")

    def test_actions_check_their_group(self):
        """Test that the buttons refuse a caller outside the connector groups
        even when the records reach it in sudo."""
        event = self.event.with_user(self.internal_user).sudo()
        for action in ("action_retry", "action_dry_run", "action_cancel"):
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(event, action)()
        self.assertEqual(self.event.state, "failed")

    def test_dry_run_is_for_managers_and_reads_the_payload(self):
        """Test that a connector user may not dry-run an event (what it would
        book is read from the payload, which users may not see), and that a
        manager's dry run gives the handler the payload."""

        def handler(event):
            raise RetailBusinessError(f"would book {json.loads(event.payload)['id']}")

        with patch.object(
            type(self.env["retail.event"]), "_get_event_handler", lambda e: handler
        ):
            with self.assertRaises(AccessError):
                self.event.with_user(self.retail_user).action_dry_run()
            action = self.event.with_user(self.retail_manager).action_dry_run()
        result = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(result.error, "would book 5001")


class TestPersonalData(RetailCommon):
    def test_payload_is_for_managers_only(self):
        """Test that a connector user reads events but not their payload, and
        still opens the event form; a manager reads the payload."""
        event = self._receive_event(payload=SIGNED)
        as_user = event.with_user(self.retail_user)
        with self.assertRaises(AccessError):
            as_user.read(["payload"])
        with self.assertRaises(AccessError):
            as_user.search_read([("payload", "ilike", "Ann")], ["topic"])
        views = as_user.get_views([(False, "form"), (False, "list")])
        fields_shown = views["models"]["retail.event"]["fields"]
        self.assertNotIn("payload", fields_shown)
        opened = as_user.web_read({name: {} for name in fields_shown})
        self.assertEqual(opened[0]["topic"], "orders/create")
        self.assertEqual(event.with_user(self.retail_manager).payload, SIGNED)

    def test_request_log_bodies_are_for_managers_only(self):
        """Test that request log bodies, masked yet about orders and
        customers, are for managers only."""
        log = self.env["retail.request.log"].create(
            {
                "backend_id": self.backend.id,
                "method": "GET",
                "url": "https://shop.example.com/orders",
                "response_body": '{"id": 1}',
            }
        )
        with self.assertRaises(AccessError):
            log.with_user(self.retail_user).read(["response_body"])
        (as_user,) = log.with_user(self.retail_user).read(["url"])
        self.assertEqual(as_user["url"], log.url)
        self.assertEqual(log.with_user(self.retail_manager).response_body, '{"id": 1}')

    def test_old_processed_payloads_are_emptied(self):
        """Test that the scheduled purge empties the payloads of events done or
        cancelled past the backend's retention, and keeps recent ones, failed
        and waiting ones whatever their age, and those of a backend that
        keeps them for ever."""
        self.assertEqual(self.backend.payload_retention_days, 90)
        keeper = self._prepare_backend(name="Keeps all", payload_retention_days=0)
        long_ago = fields.Datetime.now() - timedelta(days=91)
        events = {
            name: self._receive_event(key=name, payload=SIGNED)
            for name in ("done_old", "done_recent", "cancelled_old", "failed_old")
            + ("pending_old",)
        }
        events["kept_old"] = self._receive_event(keeper, key="kept", payload=SIGNED)
        for name in ("done_old", "kept_old"):
            events[name]._write_outcome({"state": "done", "processed_at": long_ago})
        events["done_recent"]._write_outcome(
            {"state": "done", "processed_at": fields.Datetime.now()}
        )
        events["cancelled_old"]._write_outcome({"state": "cancelled"})
        events["cancelled_recently"] = self._receive_event(key="c2", payload=SIGNED)
        events["failed_old"]._write_outcome({"state": "failed"})
        for event in events.values():
            self._set_received_at(event, long_ago)
        # Cancelled today, received long ago: its retention starts today.
        events["cancelled_recently"]._write_outcome({"state": "failed"})
        events["cancelled_recently"].with_user(self.retail_manager).action_cancel()
        cron = self.env.ref("retail_connector_base.ir_cron_retail_purge_event_payloads")
        cron.method_direct_trigger()
        emptied = {name for name, event in events.items() if not event.sudo().payload}
        self.assertEqual(emptied, {"done_old", "cancelled_old"})
        self.assertTrue(events["done_old"].payload_purged_at)
        self.assertFalse(events["failed_old"].payload_purged_at)


class TestRequestLogMasking(RetailCommon):
    def test_names_addresses_phones_and_postal_codes_are_masked(self):
        """Test that the request log masks the personal data its help text
        promises, in every spelling platforms use, and keeps the rest."""
        body = {
            "sku": "SKU-1",
            "quantity": 3,
            "capacity": 10,
            "customer": {
                "first_name": "Ann",
                "last_name": "Smith",
                "name": "Ann Smith",
                "phone": "+33 6 12 34 56 78",
                "email": "ann@example.com",
            },
            "billing": {
                "address_1": "1 Quay Street",
                "street": "1 Quay Street",
                "city": "Brest",
                "postcode": "29200",
                "mobile": "+33 6 00 00 00 00",
            },
            "shipping_address": {"zip": "29200"},
            "recipient": {
                "givenName": "Ann",
                "postalCode": "29200",
                "billingCity": "Brest",
                "locality": "Brest",
                "phoneNumber": "+33 6 12 34 56 78",
                "date_of_birth": "1990-01-01",
                "zip": "29200",
            },
        }
        masked = json.loads(http_client.mask_text(json.dumps(body)))
        text = json.dumps(masked)
        for personal in ("Ann", "Smith", "Quay", "Brest", "29200", "+33", "1990"):
            self.assertNotIn(personal, text)
        self.assertEqual(
            (masked["sku"], masked["quantity"], masked["capacity"]),
            ("SKU-1", 3, 10),
        )


class TestWebhookTokenLogging(RetailCommon):
    def test_request_log_line_masks_the_token(self):
        """Test that a request line as werkzeug logs it for every request a
        server serves shows the start of the webhook token, never the token
        (tests/test_security_inbox.py checks a real server's log)."""
        token = self.backend.webhook_token
        request_line = f"POST /retail/webhook/{token} HTTP/1.1"
        logger = logging.getLogger("werkzeug")
        args = (request_line, 200, "-")
        record = logger.makeRecord(
            logger.name, logging.INFO, __file__, 0, '"%s" %s %s', args, None
        )
        self.assertTrue(logger.filter(record))
        message = record.getMessage()
        self.assertIn(f"/retail/webhook/{token[:4]}*** HTTP/1.1", message)
        self.assertNotIn(token, message)
