# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

ACTIVITY_TYPE = "retail_connector_base.mail_activity_type_sync_exception"


class RetailExceptionActivity(models.AbstractModel):
    """The one way every module keeps a sync failure in sight: one *Sync
    exception* activity per record and failure kind, for the backend's
    responsible person, its note updated while the failure lasts and marked
    done once the cause is gone."""

    _name = "retail.exception.activity"
    _description = "Retail Sync Exception Activities"

    @api.model
    def _raise(self, backend, records, kind, summary, note):
        """Keep the failure ``kind`` of ``records`` in sight and return its
        activity. Several records failing for one cause (versions of one
        order, say) share one activity: an open one on any of them is
        updated, else one is scheduled on the first."""
        records = records.exists()
        if not records:
            return self.env["mail.activity"]
        activity = self._open(records, kind)[:1]
        if activity:
            activity.sudo().note = note
            return activity
        activity = (
            records[0]
            .sudo()
            .activity_schedule(
                ACTIVITY_TYPE,
                summary=summary,
                note=note,
                user_id=(backend.user_id or self.env.user).id,
            )
        )
        activity.retail_failure_kind = kind
        return activity

    @api.model
    def _resolve(self, records, kind=None, feedback=None):
        """Mark done the open activities of ``records`` for ``kind`` (all
        kinds when None): their cause is gone."""
        activities = self._open(records, kind)
        if activities:
            activities.sudo().action_feedback(
                feedback=feedback or self.env._("Resolved.")
            )
        return activities

    @api.model
    def _open(self, records, kind=None):
        domain = [
            ("res_model", "=", records._name),
            ("res_id", "in", records.ids),
            ("activity_type_id", "=", self.env.ref(ACTIVITY_TYPE).id),
        ]
        if kind is not None:
            domain.append(("retail_failure_kind", "=", kind))
        return self.env["mail.activity"].sudo().search(domain)
