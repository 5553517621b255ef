# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import hmac
import json
import time

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..adapters import simulator
from .http_common import RetailHttpCommon, post_without_the_body

ORDER = {"id": "1001", "updated_at": "2026-11-20T10:00:00Z", "total": "12.50"}
INTAKE_LOGGER = "odoo.addons.retail_connector_base.intake"


@tagged("post_install", "-at_install")
class TestWebhookController(RetailHttpCommon):
    def _events(self):
        return self.env["retail.event"].search([("backend_id", "=", self.backend.id)])

    def _jobs(self):
        return self.env["queue.job"].search(
            [("identity_key", "=", f"retail_process_events_{self.backend.id}")]
        )

    def test_valid_delivery_is_stored_then_acknowledged(self):
        """Test that a signed delivery is stored in the inbox and gets a 200."""
        response = self._post_webhook(ORDER)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "accepted"})
        event = self._events()
        self.assertEqual(len(event), 1)
        self.assertEqual(event.topic, "orders/create")
        self.assertEqual(event.dedupe_key, "evt-1")
        self.assertEqual(event.subject_key, "1001")
        self.assertEqual(event.state, "pending")
        self.assertEqual(str(event.external_updated_at), "2026-11-20 10:00:00")
        job = self._jobs()
        self.assertEqual(len(job), 1)
        self.assertEqual(
            job.channel, f"root.retail.intake.marketplace.backend_{self.backend.id}"
        )
        self.assertEqual(job.priority, 0, "orders come in before any other work")

    def test_duplicate_storm_gives_one_event_and_one_job(self):
        """Test that the same delivery posted 20 times is stored and queued once."""
        statuses = [self._post_webhook(ORDER).json()["status"] for _ in range(20)]
        self.assertEqual(statuses, ["accepted"] + ["duplicate"] * 19)
        self.assertEqual(len(self._events()), 1)
        self.assertEqual(len(self._jobs()), 1)

    def test_an_inbox_job_started_meanwhile_gets_a_successor_after_commit(self):
        """Test that a delivery stored while its inbox job looked waiting, when
        that job had in fact started on an older snapshot, gets a new job once
        committed; while the job really waits, it gets none."""
        self._post_webhook(ORDER)
        waiting = self._jobs()
        self.backend._enqueue_event_processing()
        self.env.cr.postcommit.run()  # what a real commit runs
        self.assertEqual(self._jobs(), waiting)

        self.backend._enqueue_event_processing()
        self.assertEqual(self._jobs(), waiting)
        # The runner starts the job after this transaction's snapshot was taken.
        self.env.cr.execute(
            "UPDATE queue_job SET state = 'started' WHERE id = %s", waiting.ids
        )
        self.env["queue.job"].invalidate_model(["state"])
        self.env.cr.postcommit.run()
        successor = self._jobs() - waiting
        self.assertEqual(len(successor), 1)
        self.assertEqual(successor.state, "pending")
        self.assertEqual(successor.method_name, "_process_events")

    def test_unknown_and_archived_backends_get_404(self):
        """Test that unknown tokens and archived backends look the same: 404."""
        response = self.url_open("/retail/webhook/not-a-token", data=b"{}")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json(), {"error": "not_found"})
        self.backend.active = False
        response = self._post_webhook(ORDER)
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self._events())

    def test_oversized_body_gets_413(self):
        """Test that a body over the backend's limit is refused with 413, the
        limit logged and not answered."""
        self.backend.webhook_max_bytes = 100
        with self.assertLogs(INTAKE_LOGGER, "WARNING") as logs:
            response = self._post_webhook({"id": "1", "note": "x" * 200})
        self.assertEqual(response.status_code, 413)
        self.assertEqual(response.json(), {"error": "payload_too_large"})
        self.assertIn("100 bytes", logs.output[0])
        self.assertFalse(self._events())

    @mute_logger(INTAKE_LOGGER)
    def test_oversized_bodies_are_refused_before_they_are_read(self):
        """Test that a form body announced over the backend's limit, or sent
        to an unknown URL, is answered at once without being read (Odoo's
        dispatcher would parse a form before calling the route, waiting for
        all of it), and that a chunked body is read no further than the
        limit."""
        self.backend.webhook_max_bytes = 100
        self.env.flush_all()  # the server reads the limit from the database
        url = self.base_url() + self._webhook_url()
        form = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": "50000000",
        }
        self.assertEqual(
            post_without_the_body(url, form, b"webhook_id=1&padding="),
            (413, {"error": "payload_too_large"}),
        )
        unknown = self.base_url() + "/retail/webhook/not-a-token"
        self.assertEqual(
            post_without_the_body(unknown, form, b"webhook_id=1&padding="),
            (404, {"error": "not_found"}),
        )
        chunked = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
        self.assertEqual(
            post_without_the_body(url, chunked, b"c8\r\n" + b"x" * 200 + b"\r\n"),
            (413, {"error": "payload_too_large"}),
        )
        self.assertFalse(self._events())

    @mute_logger("odoo.addons.retail_connector_base.intake")
    def test_missing_signature_gets_401(self):
        """Test that a delivery without signature headers is refused with 401."""
        body = b'{"id": "1"}'
        headers = self._signed_headers(body)
        del headers[simulator.SIGNATURE_HEADER]
        response = self._post_webhook(body, headers=headers)
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self._events())

    def test_wrong_signature_gets_401(self):
        """Test that a delivery signed with another secret is refused with 401,
        the reason logged and not answered."""
        with self.assertLogs(INTAKE_LOGGER, "WARNING") as logs:
            response = self._post_webhook(ORDER, secret="forged-secret")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json(), {"error": "unauthorized"})
        self.assertIn("signature does not match", logs.output[0])
        self.assertFalse(self._events())

    def test_replayed_old_delivery_gets_401(self):
        """Test that a correctly signed but old delivery is refused as a replay."""
        with self.assertLogs(INTAKE_LOGGER, "WARNING") as logs:
            response = self._post_webhook(ORDER, timestamp=int(time.time()) - 3600)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json(), {"error": "unauthorized"})
        self.assertIn("replay", logs.output[0])
        self.assertFalse(self._events())

    def test_no_secret_is_not_told_to_the_caller(self):
        """Test that a backend without a webhook secret answers the generic
        401, the reason going to the log only."""
        self.backend.webhook_secret = False
        with self.assertLogs(INTAKE_LOGGER, "WARNING") as logs:
            response = self._post_webhook(ORDER)
        self.assertEqual(response.json(), {"error": "unauthorized"})
        self.assertIn("no webhook secret", logs.output[0])

    @mute_logger(INTAKE_LOGGER)
    def test_fresh_event_id_or_topic_breaks_the_signature(self):
        """Test that a captured delivery replayed within the tolerance under a
        new event id or another topic is refused (both are signed), and the
        same request again is a duplicate: one event."""
        body = json.dumps(ORDER).encode()
        genuine = self._signed_headers(body, event_id="evt-1")
        self.assertEqual(self._post_webhook(body, headers=genuine).status_code, 200)
        for header, value in (
            (simulator.EVENT_ID_HEADER, "evt-2"),
            (simulator.EVENT_ID_HEADER, ""),
            (simulator.TOPIC_HEADER, "orders/updated"),
        ):
            replay = self._post_webhook(body, headers=dict(genuine, **{header: value}))
            self.assertEqual(
                (replay.status_code, replay.json()), (401, {"error": "unauthorized"})
            )
        again = self._post_webhook(body, headers=genuine)
        self.assertEqual(again.json(), {"status": "duplicate"})
        self.assertEqual(self._events().mapped("dedupe_key"), ["evt-1"])

    @mute_logger(INTAKE_LOGGER)
    def test_v1_signature_of_timestamp_and_body_is_refused(self):
        """Test that the former scheme, which signed neither topic nor event
        id, is no longer accepted."""
        body = json.dumps(ORDER).encode()
        headers = self._signed_headers(body)
        stamp = headers[simulator.TIMESTAMP_HEADER]
        v1 = hmac.new(
            self.webhook_secret.encode(),
            f"{stamp}.".encode() + body,
            hashlib.sha256,
        ).hexdigest()
        headers[simulator.SIGNATURE_HEADER] = f"v1={v1}"
        self.assertEqual(self._post_webhook(body, headers=headers).status_code, 401)
        self.assertFalse(self._events())

    @mute_logger(INTAKE_LOGGER)
    def test_non_ascii_signature_or_timestamp_gets_401(self):
        """Test that signature and timestamp headers holding non-ASCII
        characters are refused with 401, not a server error."""
        body = json.dumps(ORDER).encode()
        signed = self._signed_headers(body)
        for header, value in (
            (simulator.SIGNATURE_HEADER, "v2=" + "é" * 64),
            (simulator.SIGNATURE_HEADER, "é"),
            (simulator.TIMESTAMP_HEADER, "²"),
        ):
            headers = dict(signed, **{header: value.encode().decode("latin-1")})
            response = self._post_webhook(body, headers=headers)
            self.assertEqual(
                (response.status_code, response.json()),
                (401, {"error": "unauthorized"}),
                header,
            )
        # A digit int() refuses, even correctly signed.
        response = self._post_webhook(body, timestamp="²")
        self.assertEqual(response.json(), {"error": "unauthorized"})
        self.assertFalse(self._events())

    def test_deeply_nested_json_gets_400(self):
        """Test that signed JSON nested past what a parser or the storing can
        recurse through gets a 400, as does JSON deeper than the cap."""
        for depth in (100000, 65):
            body = b'{"a":' + b"[" * depth + b"]" * depth + b"}"
            response = self._post_webhook(body)
            self.assertEqual(response.status_code, 400, depth)
            self.assertEqual(response.json()["error"], "bad_request")
        shallow = b'{"id": "7", "a":' + b"[" * 62 + b"]" * 62 + b"}"
        self.assertEqual(self._post_webhook(shallow).json(), {"status": "accepted"})

    def test_previous_secret_still_accepted_during_rotation(self):
        """Test that both the new and the previous secret verify during rotation."""
        self.backend.write(
            {"webhook_secret": "whsec_new", "webhook_secret_previous": "whsec_old"}
        )
        old = self._post_webhook(ORDER, secret="whsec_old", event_id="a")
        new = self._post_webhook(ORDER, secret="whsec_new", event_id="b")
        self.assertEqual((old.status_code, new.status_code), (200, 200))
        self.assertEqual(len(self._events()), 2)

    def test_malformed_body_gets_400(self):
        """Test that a signed body that is not a JSON object gets a 400."""
        for body in (b"{not json", b"[1, 2]"):
            response = self._post_webhook(body)
            self.assertEqual(response.status_code, 400)
            self.assertEqual(response.json()["error"], "bad_request")
        self.assertFalse(self._events())

    def test_get_is_not_allowed(self):
        """Test that the webhook route answers POST only."""
        response = self.url_open(self._webhook_url())
        self.assertEqual(response.status_code, 405)
