# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from unittest.mock import patch

from odoo.tests import BaseCase

from .. import retry


class TestRetry(BaseCase):
    """The suite's one retry policy."""

    def test_delay_grows_from_the_first_delay_with_its_spread(self):
        """Test that the delay doubles at each attempt, within ±20 %."""
        for attempt, base in ((1, 30), (2, 60), (3, 120), (4, 240)):
            for _draw in range(20):
                wait = retry.delay(attempt, 30)
                self.assertTrue(base * 0.8 <= wait <= base * 1.2, (attempt, wait))
        with patch.object(retry.random, "uniform", lambda low, high: 1.0):
            self.assertEqual(
                [retry.delay(attempt, 10) for attempt in (1, 2, 3)], [10, 20, 40]
            )

    def test_delay_honours_retry_after_and_the_longest_delay(self):
        """Test that the platform's Retry-After wins over a shorter delay, and
        that no delay exceeds MAX_DELAY, whatever the attempt or Retry-After."""
        self.assertGreaterEqual(retry.delay(1, 30, retry_after=600), 600)
        self.assertLessEqual(retry.delay(1, 30, retry_after=10), 36)
        self.assertEqual(retry.delay(30, 30), retry.MAX_DELAY)
        self.assertEqual(retry.delay(1, 30, retry_after=86400), retry.MAX_DELAY)

    def test_exhausted_after_max_attempts(self):
        """Test that attempts are spent at max_attempts, and at least one is
        made whatever the setting."""
        self.assertFalse(retry.exhausted(2, 3))
        self.assertTrue(retry.exhausted(3, 3))
        self.assertTrue(retry.exhausted(1, 0))

    def test_parse_retry_after(self):
        """Test Retry-After in seconds, as an HTTP date, and neither."""
        now = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
        in_two_minutes = format_datetime(now + timedelta(minutes=2), usegmt=True)
        self.assertEqual(retry.parse_retry_after("120"), 120)
        self.assertEqual(retry.parse_retry_after(" 1.5 "), 1.5)
        self.assertEqual(retry.parse_retry_after(in_two_minutes, now=now), 120)
        self.assertEqual(
            retry.parse_retry_after("Sun, 06 Dec 2026 11:00:00 GMT", now=now), 0
        )
        for value in ("soon", "inf", "-inf", "nan", "", None):
            self.assertIsNone(retry.parse_retry_after(value), value)
        self.assertEqual(retry.parse_retry_after("-5"), 0)
