# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.modules.neutralize import neutralize_database
from odoo.tests import tagged
from odoo.tools import mute_logger

from .http_common import RetailHttpCommon

ORDER = {"id": "1001", "updated_at": "2026-11-20T10:00:00Z", "total": "12.50"}


@tagged("post_install", "-at_install")
class TestNeutralize(RetailHttpCommon):
    """A neutralized copy of the database (``odoo-bin neutralize``, or a
    database duplicated with neutralization from the database manager) must
    not talk to the channels production talks to."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend.write(
            {
                "api_key": "ak_production",
                "api_secret": "as_production",
                "access_token": "at_production",
                "webhook_secret_previous": "whsec_production_old",
                "flow_ids": [
                    (0, 0, {"flow": "orders_in", "mode": "batch"}),
                    (0, 0, {"flow": "stock_out", "mode": "realtime"}),
                ],
            }
        )

    def _suite_crons(self):
        modules = self.env["ir.module.module"].search(
            [("name", "=like", "retail\\_%"), ("state", "=", "installed")]
        )
        return (
            self.env["ir.model.data"]
            .search(
                [("model", "=", "ir.cron"), ("module", "in", modules.mapped("name"))]
            )
            .mapped(lambda data: self.env["ir.cron"].browse(data.res_id))
        )

    def test_neutralized_copy_sends_and_accepts_nothing(self):
        """Test that neutralizing switches every flow off, stops the suite's
        scheduled actions, cancels its waiting jobs, drops every credential
        and changes the webhook URL: production's URL then answers 404."""
        old_token = self.backend.webhook_token
        self.assertEqual(self._post_webhook(ORDER).status_code, 200)
        waiting = self.env["queue.job"].search(
            [("channel", "=like", f"root.retail.%.backend_{self.backend.id}")]
        )
        self.assertEqual(waiting.mapped("state"), ["pending"])
        self.assertTrue(self._suite_crons().filtered("active"))

        neutralize_database(self.env.cr)
        self.env.invalidate_all()

        self.assertEqual(set(self.backend.flow_ids.mapped("mode")), {"off"})
        self.assertFalse(self._suite_crons().filtered("active"))
        self.assertEqual(waiting.state, "cancelled")
        secrets = ("api_key", "api_secret", "access_token", "webhook_secret")
        self.assertEqual(
            [self.backend._get_secret(name) for name in secrets], [None] * 4
        )
        self.assertFalse(self.backend._get_webhook_secrets())
        self.assertNotEqual(self.backend.webhook_token, old_token)
        self.assertGreaterEqual(len(self.backend.webhook_token), 32)
        with mute_logger("odoo.addons.retail_connector_base.intake"):
            response = self.url_open(
                f"/retail/webhook/{old_token}", data=b"{}", timeout=20
            )
            self.assertEqual(response.status_code, 404)
            # Under the new URL, production's signature is no longer accepted.
            self.assertEqual(self._post_webhook(ORDER).status_code, 401)
