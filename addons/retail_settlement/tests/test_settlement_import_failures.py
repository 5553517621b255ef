# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Files that are not what a parser expects (another text encoding, JSON
nested or numbers sized to break Python, a byte PostgreSQL refuses) end
*Import failed* with the reason in words, uploaded or in a background job,
and a failed or interrupted import can be imported again."""

import json

from psycopg2.errors import LockNotAvailable

from odoo import sql_db
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import CSV_MAPPING, HEADER, SettlementCommon
from .test_parser_common import fixture_text


def line_of(text, needle):
    return text[: text.index(needle)].count("\n") + 1


@tagged("post_install", "-at_install")
class TestSettlementImportFailures(SettlementCommon):
    def setUp(self):
        super().setUp()
        # Files imported at once unless a test says otherwise, whatever the
        # database was left with.
        self.env["ir.config_parameter"].sudo().set_param(
            "retail_settlement.background_bytes", "1000000"
        )

    def _import_refused(self, content, source, name="payout"):
        """The reason an upload imported at once is refused with."""
        with self.assertRaises(UserError) as caught:
            self._import(content, name=name, source=source)
        return str(caught.exception)

    def _background(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "retail_settlement.background_bytes", "100"
        )

    def _sync_exceptions(self, settlement):
        return settlement.activity_ids.filtered(
            lambda activity: activity.activity_type_id
            == self.env.ref("retail_connector_base.mail_activity_type_sync_exception")
        )

    def _cp1252_csv(self):
        content = self._csv(
            [
                ("Sale", "ORD-1", "100.00", "-3.20", "Café crème"),
                ("Payout", "", "-96.80", "0.00"),
            ]
        )
        return content.decode().encode("cp1252")

    def test_amazon_report_in_cp1252_is_read_and_says_so(self):
        text = fixture_text("amazon_v2_settlement.tsv").replace(
            "TEA-KETTLE-1L", "THÉIÈRE-1L"
        )
        settlement = self._import(text.encode("cp1252"), "amazon.tsv", "amazon_v2")
        self.assertEqual(settlement.state, "to_review")
        self.assertEqual(settlement.file_encoding, "cp1252")
        self.assertIn("THÉIÈRE-1L", settlement.line_ids.mapped("sku"))
        self.assertIn(
            "<p>The file is not UTF-8 text: read as cp1252.</p>",
            settlement.message_ids.mapped("body"),
        )

    def test_utf8_with_and_without_bom_is_read_and_said(self):
        content = self._csv([("Sale", "ORD-1", "100.00", "-3.20", "Café crème")])
        with_bom = self._import(b"\xef\xbb\xbf" + content, "bom.csv")
        self.assertEqual(with_bom.file_encoding, "UTF-8 with BOM")
        self.assertEqual(with_bom.line_ids.description, "Café crème")
        self.assertEqual(with_bom.state, "matched")
        without = self._import(content.replace(b"PO-1", b"PO-2"), "utf8.csv")
        self.assertEqual(without.file_encoding, "UTF-8")

    def test_csv_not_in_utf8_is_refused_with_its_line_or_read_as_mapped(self):
        content = self._cp1252_csv()
        reason = self._import_refused(content, "generic_csv")
        self.assertEqual(
            reason,
            "line 2: the file is not UTF-8 text (byte 0xE9): export or save it "
            "as UTF-8",
        )
        self.provider.settlement_csv_mapping = json.dumps(
            dict(CSV_MAPPING, encoding="cp1252")
        )
        settlement = self._import(content)
        self.assertEqual(settlement.state, "matched")
        self.assertEqual(settlement.file_encoding, "cp1252")
        self.assertIn("Café crème", settlement.line_ids.mapped("description"))

    def test_mapping_encoding_must_keep_ascii(self):
        self.provider.settlement_csv_mapping = json.dumps(
            dict(CSV_MAPPING, encoding="utf-16")
        )
        self.assertIn(
            "'encoding' must name an encoding that writes ASCII as ASCII",
            self._import_refused(self._csv([]), "generic_csv"),
        )

    def test_nested_json_is_refused_in_words_with_its_line(self):
        text = fixture_text("stripe_payout_constructed.json")
        where = '"metadata": {}'
        nested = text.replace(where, '"metadata": ' + "[" * 100_000 + "]" * 100_000, 1)
        self.assertEqual(
            self._import_refused(nested.encode(), "stripe"),
            f"line {line_of(text, where)}: the JSON is nested too deeply to be read",
        )

    def test_integers_too_long_for_python_are_refused_with_their_line(self):
        text = fixture_text("stripe_payout_constructed.json")
        where = '"amount": 8000'
        huge = text.replace(where, '"amount": ' + "9" * 5000, 1)
        self.assertEqual(
            self._import_refused(huge.encode(), "stripe"),
            f"line {line_of(text, where)}: a number has more than 4300 digits",
        )

    def test_record_count_of_many_digits_is_compared_not_converted(self):
        text = fixture_text("paypal_stl_constructed.csv")
        padded = text.replace('"SC",6', '"SC",' + "0" * 4999 + "6", 1)
        settlement = self._import(padded.encode(), "STL.CSV", "paypal_stl")
        self.assertEqual(settlement.line_count, 6)

    def test_amount_no_field_can_hold_is_refused_with_its_line(self):
        huge = "9" * 400
        content = (
            f"{HEADER}\nPO-1,2026-11-20,Sale,ORD-1,T-1,{huge},0.00,{huge},"
            f"{self.currency.name},\n"
        ).encode()
        self.assertEqual(
            self._import_refused(content, "generic_csv"),
            "line 2: gross '99999999999999999999… (400 characters)' is too large "
            "for an amount",
        )

    def test_background_import_failing_unexpectedly_ends_failed_in_words(self):
        """A byte PostgreSQL refuses in text (NUL) fails the line's insert:
        no parser expects that, and the job must not leave the settlement
        Importing."""
        self._background()
        content = self._csv([("Sale", "ORD-1", "100.00", "-3.20", "Café\x00")])
        with trap_jobs() as trap:
            settlement = self._import(content)
            self.assertEqual(settlement.state, "importing")
            trap.perform_enqueued_jobs()
        self.assertEqual(settlement.state, "error")
        self.assertIn(
            "the import stopped on an unexpected error", settlement.import_error
        )
        self.assertIn("NUL", settlement.import_error)
        self.assertNotIn("Traceback", settlement.import_error)
        self.assertFalse(settlement.line_ids)
        self.assertTrue(settlement.can_import_again)
        self.assertEqual(len(self._sync_exceptions(settlement)), 1)

    def test_import_again_after_a_failed_background_import(self):
        self._background()
        with trap_jobs() as trap:
            settlement = self._import(self._cp1252_csv())
            trap.perform_enqueued_jobs()
        self.assertEqual(settlement.state, "error")
        self.assertIn("not UTF-8", settlement.import_error)
        self.assertTrue(settlement.can_import_again)
        # The cause fixed on the backend: its files are Windows exports.
        self.provider.settlement_csv_mapping = json.dumps(
            dict(CSV_MAPPING, encoding="cp1252")
        )
        with trap_jobs() as trap:
            settlement.action_import_again()
            self.assertEqual(settlement.state, "importing")
            self.assertFalse(settlement.import_error)
            trap.assert_jobs_count(1)
            trap.perform_enqueued_jobs()
        self.assertEqual(settlement.state, "matched")
        self.assertEqual(settlement.file_encoding, "cp1252")
        self.assertFalse(self._sync_exceptions(settlement))
        with self.assertRaises(UserError):
            settlement.action_import_again()

    def test_import_again_after_an_interrupted_import(self):
        """A worker that dies mid-import leaves the settlement Importing; once
        queue_job's runner has given up on the job (failed, JobFoundDead) the
        settlement is imported again, and the old job, should it ever run,
        does nothing."""
        self._background()
        content = self._csv([("Sale", "ORD-1", "100.00", "-3.20")])
        settlement = self._import(content)
        old_uuid = settlement.import_job_uuid
        job = self.env["queue.job"].search([("uuid", "=", old_uuid)])
        self.assertEqual(job.state, "pending")
        self.assertFalse(settlement.can_import_again)
        with self.assertRaises(UserError):
            settlement.action_import_again()
        with self.assertRaises(UserError) as caught:
            self._import(content)
        self.assertIn("press Import again", str(caught.exception))
        # What the runner's requeue_dead_jobs writes once the retries are spent.
        self.env.cr.execute(
            "UPDATE queue_job SET state = 'failed', exc_name = 'JobFoundDead' "
            "WHERE uuid = %s",
            (old_uuid,),
        )
        self.env.invalidate_all()
        self.assertTrue(settlement.can_import_again)
        self.env["ir.config_parameter"].sudo().set_param(
            "retail_settlement.background_bytes", "1000000"
        )
        settlement.action_import_again()
        self.assertEqual(settlement.state, "matched")
        self.assertEqual(settlement.line_count, 1)
        self.assertEqual(
            Job.load(self.env, old_uuid).perform(),
            f"nothing to do: {settlement.display_name} is matched",
        )
        self.assertEqual(settlement.line_count, 1)

    def test_lock_timeout_is_left_to_retry_not_turned_into_a_failure(self):
        """The broad catch keeps its hands off what Odoo and queue_job retry:
        a line's insert that times out waiting for a lock (another
        transaction holds the lines' table, as a migration would) propagates,
        and nothing says Import failed."""
        settlement = self.env["retail.settlement"]._create_with_file(
            self.provider,
            "generic_csv",
            self._csv([("Sale", "ORD-1", "100.00", "-3.20")]),
            "locked.csv",
            CSV_MAPPING,
        )
        other = sql_db.db_connect(self.env.cr.dbname).cursor()
        self.addCleanup(other.close)
        self.addCleanup(other.rollback)
        other.execute("SET lock_timeout = '5s'")
        other.execute("LOCK TABLE retail_settlement_line IN SHARE MODE")
        self.env.cr.execute("SET LOCAL lock_timeout = '200ms'")
        with self.assertRaises(LockNotAvailable):
            settlement._import_file()
        self.env.cr.execute("SET LOCAL lock_timeout = 0")
        self.assertEqual(settlement.state, "importing")
        self.assertFalse(settlement.import_error)
