# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The 18.0.1.3.1 migration: Shopify backends that followed the default
API version keep the one they spoke."""

from pathlib import Path

from odoo.tests import TransactionCase, tagged

from .common import migration_function

MIGRATION = (
    Path(__file__).resolve().parents[1] / "migrations/18.0.1.3.1/post-migrate.py"
)


@tagged("post_install", "-at_install")
class TestApiVersionMigration(TransactionCase):
    def test_shopify_backends_following_the_default_keep_2025_10(self):
        """Test that a Shopify backend with no API version is pinned to
        2025-10 (the default it spoke), while one pinned keeps its own and
        another platform's stays empty."""
        Backend = self.env["retail.backend"]

        def backend(name, **values):
            return Backend.create(
                dict(name=name, kind="marketplace", platform="simulator", **values)
            )

        unpinned = backend("Unpinned")
        pinned = backend("Pinned", api_version="2026-04")
        other = backend("Other")
        (unpinned | other).write({"api_version": False})
        self.env.flush_all()
        # In SQL, as the migration reads them: the platform "shopify" is
        # added by the modules above this one, which may not be installed.
        self.env.cr.execute(
            "UPDATE retail_backend SET platform = 'shopify' WHERE id IN %s",
            ((unpinned | pinned)._ids,),
        )
        migration_function(MIGRATION)(self.env.cr, "18.0.1.3.0")
        self.env.invalidate_all()
        self.assertEqual(
            (unpinned.api_version, pinned.api_version, other.api_version),
            ("2025-10", "2026-04", False),
        )
