# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from .common import RetailCommon


class TestExceptionActivity(RetailCommon):
    """The one exception-activity service every module raises its sync
    failures through."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.service = cls.env["retail.exception.activity"]
        cls.first, cls.second = cls.env["res.partner"].create(
            [{"name": "Failing first"}, {"name": "Failing second"}]
        )

    def _raise(self, records, kind="unknown_sku", note="Unknown SKU ABC-1"):
        return self.service._raise(self.backend, records, kind, "Sync exception", note)

    def test_one_activity_per_records_and_kind_with_the_note_kept_current(self):
        """Test that a failure raised again, on the same records or on a set
        holding one of them, updates its activity's note instead of adding
        another, and that it goes to the backend's responsible."""
        activity = self._raise(self.first)
        self.assertEqual(activity.res_id, self.first.id)
        self.assertEqual(activity.retail_failure_kind, "unknown_sku")
        self.assertEqual(activity.user_id, self.retail_manager)
        again = self._raise(self.second | self.first, note="Unknown SKU ABC-2")
        self.assertEqual(again, activity)
        self.assertIn("ABC-2", str(activity.note))
        self.assertEqual(self.service._open(self.first | self.second), activity)

    def test_another_kind_gets_its_own_activity(self):
        """Test that another failure of the same record is another activity,
        and that resolving one kind leaves the other open."""
        sku = self._raise(self.first)
        tax = self._raise(self.first, kind="unmapped_tax", note="No tax mapping")
        self.assertNotEqual(sku, tax)
        self.assertEqual(self.service._open(self.first), sku | tax)
        self.assertEqual(self.service._resolve(self.first, kind="unknown_sku"), sku)
        self.assertEqual(self.service._open(self.first), tax)

    def test_resolve_closes_the_activity(self):
        """Test that resolving marks the activity done with its feedback, and
        that the failure raised again afterwards gets a new activity."""
        activity = self._raise(self.first)
        self.assertEqual(
            self.service._resolve(self.first, feedback="SKU added"), activity
        )
        # Done activities are deleted, or archived when their type keeps them.
        self.assertFalse(activity.exists() and activity.active)
        self.assertFalse(self.service._open(self.first))
        self.assertIn("SKU added", self.first.message_ids[0].body)
        self.assertTrue(self._raise(self.first))

    def test_nothing_to_raise_on_deleted_records(self):
        """Test that records gone meanwhile get no activity."""
        gone = self.env["res.partner"].create({"name": "Gone"})
        gone.unlink()
        self.assertFalse(self._raise(gone))
