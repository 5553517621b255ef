# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Enqueueing the job that drains a queue of work (an inbox, points waiting
for the engine) so that no committed work is left without a job."""

import logging

from odoo import api
from odoo.modules.registry import Registry

from odoo.addons.queue_job.job import Job

_logger = logging.getLogger(__name__)


def delay_drain(records, method_name, identity_key, **job_options):
    """Enqueue ``records.<method_name>()`` as a job unless a job of
    ``identity_key`` waits to run, and return the job.

    queue_job looks for the waiting job in this transaction's snapshot. That
    job may have started since, in a transaction that cannot see what this one
    is about to commit, and would then end leaving the new work behind with no
    job. So when a waiting job is reused, the same enqueue is made again once
    this transaction has committed, on a cursor of its own: a job still
    waiting there starts after the commit and sees the work.
    """
    job = getattr(
        records.with_delay(identity_key=identity_key, **job_options), method_name
    )()
    if isinstance(job, Job):
        return job
    again = records.env.cr.postcommit.data.setdefault("retail_delay_drain", {})
    if identity_key not in again:
        again[identity_key] = True
        records.env.cr.postcommit.add(
            _after_commit(records, method_name, identity_key, job_options)
        )
    return job


def _after_commit(records, method_name, identity_key, job_options):
    dbname, uid, context = records.env.cr.dbname, records.env.uid, records.env.context
    model, ids = records._name, records.ids

    def enqueue_again():
        try:
            with Registry(dbname).cursor() as cr:
                fresh = api.Environment(cr, uid, dict(context))[model].browse(ids)
                getattr(
                    fresh.with_delay(identity_key=identity_key, **job_options),
                    method_name,
                )()
        except Exception:
            # The work is committed and the scheduled actions pick it up
            # later; the caller, already answered, must not fail now.
            _logger.exception("could not enqueue %s after commit", identity_key)

    return enqueue_again
