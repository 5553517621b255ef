# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The 18.0.1.2.0 migration: *Fetch payouts from* becomes the backend's
platform and *Fetch payouts*, and a Shopify token moves to *Access token*."""

import importlib.util
from pathlib import Path

from odoo.tests import TransactionCase, tagged

MIGRATION = (
    Path(__file__).resolve().parents[1] / "migrations/18.0.1.2.0/post-migrate.py"
)


def post_migrate():
    spec = importlib.util.spec_from_file_location("post_migrate", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.migrate


@tagged("post_install", "-at_install")
class TestMigration(TransactionCase):
    def _backend(self, name, source, **values):
        backend = self.env["retail.backend"].create(
            dict({"name": name, "kind": "payment"}, **values)
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE retail_backend SET settlement_api_source = %s WHERE id = %s",
            (source, backend.id),
        )
        return backend

    def test_payout_sources_become_platforms_and_the_shopify_token_moves(self):
        # The column of 18.0.1.1.0, back for this test (rolled back with it).
        self.env.cr.execute(
            "ALTER TABLE retail_backend "
            "ADD COLUMN IF NOT EXISTS settlement_api_source varchar"
        )
        stripe = self._backend("Stripe", "stripe", api_secret="sk_test_old")
        shop = self._backend("Shop", "shopify_payments", api_secret="shpat_old")
        both = self._backend(
            "Both",
            "shopify_payments",
            api_secret="other",
            access_token="shpat_kept",
        )
        uploads = self._backend("Uploads", None, api_secret="kept")
        web_store = self._backend(
            "Web store", "shopify_payments", kind="marketplace", api_secret="shpat_web"
        )
        old_activity = shop.activity_schedule(
            "retail_connector_base.mail_activity_type_sync_exception",
            summary="Shop: payouts could not be fetched",
        )
        self.env.flush_all()
        post_migrate()(self.env.cr, "18.0.1.1.0")
        self.env.invalidate_all()
        self.assertEqual(
            [
                (b.platform, b.settlement_fetch)
                for b in (stripe, shop, both, uploads, web_store)
            ],
            [
                ("stripe", True),
                ("shopify", True),
                ("shopify", True),
                ("simulator", False),
                # Its orders come from its platform, which it keeps.
                ("simulator", True),
            ],
        )
        self.assertEqual(web_store._get_secret("access_token"), "shpat_web")
        self.assertEqual(stripe._get_secret("api_secret"), "sk_test_old")
        self.assertEqual(shop._get_secret("access_token"), "shpat_old")
        self.assertFalse(shop._get_secret("api_secret"))
        self.assertEqual(both._get_secret("access_token"), "shpat_kept")
        self.assertEqual(both._get_secret("api_secret"), "other")
        self.assertEqual(uploads._get_secret("api_secret"), "kept")
        self.assertEqual(old_activity.retail_failure_kind, "payout_fetch")
        self.assertEqual(shop._adapter("payouts").source, "shopify_payments")
