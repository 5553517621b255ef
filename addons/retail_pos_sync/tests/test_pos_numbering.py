# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from datetime import date

from odoo.tests import tagged

from .common import PosCommon

DAY_1, DAY_2 = "2026-11-02", "2026-11-03"


@tagged("post_install", "-at_install")
class TestPosNumbering(PosCommon):
    """Tills restarting their numbers per business day or shift, and batch
    manifests naming what was sent."""

    def _terminal(self, code="T1"):
        return self.store.terminal_ids.filtered(lambda t: t.code == code)

    def _days(self):
        self.env.flush_all()
        return [
            (day.business_day, day.received_count, day.missing_count)
            for day in self.env["retail.pos.store.day"].search(
                [("store_id", "=", self.store.id)], order="business_day"
            )
        ]

    def test_till_restarting_every_day_books_each_day_from_one(self):
        self.store.numbering_reset = "business_day"
        self._push([self._transaction(n, day=DAY_1) for n in (1, 2, 3)])
        self._push([self._transaction(n, day=DAY_2) for n in (1, 2)], batch_id="b2")
        booked = self._booked()
        self.assertEqual(len(booked), 5, "day 2's numbers do not hit day 1's")
        self.assertFalse(
            self.env["retail.event"].search(
                [("backend_id", "=", self.pos_backend.id), ("state", "=", "failed")]
            )
        )
        self.assertEqual(
            sorted(booked.mapped("numbering_period")), [DAY_1] * 3 + [DAY_2] * 2
        )
        self.assertEqual(
            len(set(booked.pos_order_id.mapped("name"))), 5, "orders named apart"
        )
        terminal = self._terminal()
        self.assertEqual(terminal.missing_count, 0, "no false gap")
        self.assertFalse(terminal.missing_sequences)
        self.assertFalse(terminal.activity_ids)
        self.assertEqual(terminal.last_sequence, 2, "day 2's last number")
        self.assertEqual(
            self._days(), [(date(2026, 11, 2), 3, 0), (date(2026, 11, 3), 2, 0)]
        )

    def test_gap_inside_a_day_is_named_for_that_day_only(self):
        self.store.numbering_reset = "business_day"
        self._push(
            [self._transaction(n, day=DAY_1) for n in (1, 2, 3)]
            + [self._transaction(n, day=DAY_2) for n in (2, 4)]
        )
        terminal = self._terminal()
        self.assertEqual(terminal.missing_sequences, f"{DAY_2}: 1, 3")
        self.assertEqual(terminal.missing_count, 2)
        self.assertIn(f"{DAY_2}: 1, 3", terminal.activity_ids.note)
        self.assertEqual(
            self._days(), [(date(2026, 11, 2), 3, 0), (date(2026, 11, 3), 2, 2)]
        )
        self._push([self._transaction(n, day=DAY_2) for n in (1, 3)], batch_id="filled")
        self.assertEqual(terminal.missing_count, 0)
        self.assertFalse(terminal.activity_ids, "the exception closed itself")

    def test_till_restarting_every_shift_numbers_within_its_shift(self):
        self.store.numbering_reset = "shift"
        self._push(
            [
                self._transaction(1, shift="morning"),
                self._transaction(2, shift="morning"),
                self._transaction(1, day=DAY_1, terminal="T1", uuid="x", shift="eve"),
                self._transaction(3, shift="eve"),
            ]
        )
        self.assertEqual(len(self._booked()), 4)
        terminal = self._terminal()
        self.assertEqual(terminal.missing_sequences, "eve: 2")
        without_shift = self._transaction(9, uuid="no-shift")
        self._push([without_shift], batch_id="b2")
        event = self.env["retail.event"].search(
            [("backend_id", "=", self.pos_backend.id), ("subject_key", "=", "no-shift")]
        )
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.failure_code, "invalid_transaction")
        self.assertIn("shift", event.last_error)

    def test_manifest_names_the_numbers_after_the_last_received(self):
        manifest = [
            {
                "store": "BREST",
                "terminal": "T1",
                "count": 5,
                "first_sequence": 1,
                "last_sequence": 5,
            }
        ]
        self._push_with_manifest(
            [self._transaction(n) for n in (1, 2, 3)], manifest, "b7"
        )
        terminal = self._terminal()
        self.assertEqual(terminal.missing_sequences, "4-5")
        self.assertEqual(terminal.missing_count, 2)
        note = terminal.activity_ids.note
        self.assertIn("4-5", note)
        self.assertIn("Batch b7 announced 5 transactions numbered 1-5", note)
        self.assertIn("3 arrived", note)
        self.assertEqual(self._days(), [(date(2026, 11, 2), 3, 2)])
        self._push([self._transaction(4)], batch_id="b8")
        self.assertEqual(terminal.missing_sequences, "5")
        self.assertIn("4 arrived", terminal.activity_ids.note)
        self._push([self._transaction(5)], batch_id="b9")
        self.assertEqual(terminal.missing_count, 0)
        self.assertFalse(terminal.activity_ids, "resolved when they arrive")
        manifest = self.env["retail.pos.manifest"].search(
            [("terminal_id", "=", terminal.id)]
        )
        self.assertTrue(manifest.done, "no longer checked once all arrived")

    def test_manifest_of_a_resetting_store_is_per_day(self):
        self.store.numbering_reset = "business_day"
        self._push([self._transaction(n, day=DAY_1) for n in (1, 2)])
        manifest = [
            {
                "store": "BREST",
                "terminal": "T1",
                "business_day": DAY_2,
                "count": 3,
                "first_sequence": 1,
                "last_sequence": 3,
            }
        ]
        # The batch brings nothing for day 2 (lost in transit): the till is
        # checked on receipt.
        self._push_with_manifest([], manifest, "b2")
        terminal = self._terminal()
        self.assertEqual(terminal.missing_sequences, f"{DAY_2}: 1-3")
        self.assertIn("(2026-11-03); 0 arrived", terminal.activity_ids.note)
        replay = [self._transaction(n, day=DAY_2) for n in (1, 2, 3)]
        self._push_with_manifest(replay, manifest, "b2")
        self.assertEqual(terminal.missing_count, 0)
        self.assertFalse(terminal.activity_ids)
        self.assertEqual(
            len(
                self.env["retail.pos.manifest"].search(
                    [("terminal_id", "=", terminal.id)]
                )
            ),
            1,
            "a replayed batch updates its manifest",
        )

    def test_manifest_names_only_stores_of_its_own_backend(self):
        other = self._prepare_backend(kind="pos", name="Other chain")
        self.env["retail.pos.store"].create(
            {
                "backend_id": other.id,
                "code": "ELSEWHERE",
                "name": "Elsewhere",
                "pos_config_id": self.pos_config.id,
            }
        )
        manifest = [
            {
                "store": "ELSEWHERE",
                "terminal": "T1",
                "count": 3,
                "first_sequence": 1,
                "last_sequence": 3,
            }
        ]
        self._push_with_manifest([self._transaction(1)], manifest, "b1")
        self.assertFalse(self.env["retail.pos.manifest"].search([]))
        self.assertFalse(
            self.env["retail.pos.terminal"].search([("backend_id", "=", other.id)])
        )

    def test_malformed_manifest_refuses_the_batch(self):
        for manifest in (
            {"store": "BREST"},
            [{"store": "BREST", "terminal": "T1", "count": 1}],
            [
                {
                    "store": "BREST",
                    "terminal": "T1",
                    "count": 1,
                    "first_sequence": 4,
                    "last_sequence": 2,
                }
            ],
        ):
            with self.assertRaises(ValueError):
                self._push_with_manifest([self._transaction(1)], manifest, "bad")
        self.store.numbering_reset = "business_day"
        dayless = [
            {
                "store": "BREST",
                "terminal": "T1",
                "count": 1,
                "first_sequence": 1,
                "last_sequence": 1,
            }
        ]
        with self.assertRaises(ValueError):
            self._push_with_manifest([self._transaction(1)], dayless, "bad")
        self.assertFalse(
            self.env["retail.event"].search([("backend_id", "=", self.pos_backend.id)])
        )

    def _push_with_manifest(self, transactions, manifest, batch_id):
        body = json.dumps(
            {"batch_id": batch_id, "transactions": transactions, "manifest": manifest}
        )
        answer = self.pos_backend._webhook_receive({}, body.encode())
        self.pos_backend._process_events()
        return answer
