# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    retail_failure_kind = fields.Char(
        "Sync failure",
        index="btree_not_null",
        readonly=True,
        help="The failure this sync exception stands for: one activity per "
        "record and failure, closed when the failure is gone.",
    )
