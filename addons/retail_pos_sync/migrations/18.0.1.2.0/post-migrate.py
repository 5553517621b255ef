# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A till's open missing-numbers activity, scheduled before the suite's
exception-activity service, gets its failure kind: the service finds it,
updates it and closes it, instead of scheduling a second one."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE mail_activity activity
           SET retail_failure_kind = 'missing_transactions'
          FROM ir_model_data data
         WHERE activity.res_model = 'retail.pos.terminal'
           AND activity.retail_failure_kind IS NULL
           AND data.module = 'retail_connector_base'
           AND data.name = 'mail_activity_type_sync_exception'
           AND activity.activity_type_id = data.res_id
        """
    )
