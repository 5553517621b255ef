# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Where every job of the suite runs (its lane, ``route``) and enqueueing the
job that drains a queue of work (an inbox, points waiting for the engine) so
that no committed work is left without a job."""

import logging

from odoo import api
from odoo.modules.registry import Registry

from odoo.addons.queue_job.job import Job

from .db import execute_prepared, outside_transaction

_logger = logging.getLogger(__name__)

# Lanes, most urgent first, with their job priority (queue_job runs the lowest
# first among jobs competing for a channel's capacity). Each lane is a channel
# of its own under root.retail, so a capacity set on root.retail.<lane> bounds
# the lane across every kind of backend: a catalog export of 50,000 SKUs fills
# the batch lane, never the one orders come in by.
LANES = {
    # Orders, cancellations and refunds coming in (the inbox).
    "intake": 0,
    # What a shopper or a store sees within minutes: fast movers' stock,
    # shipments, loyalty points.
    "realtime": 5,
    # Price, catalog and full stock synchronisation.
    "batch": 20,
    # Reports, reconciliations, closings and imported files.
    "report": 30,
}
# The lane of each flow or job (a batch flow's code, or the job's method).
FLOW_LANES = {
    "_process_events": "intake",
    "orders_in": "intake",
    "transactions_in": "intake",
    # What a person did in Odoo to an order the customer is waiting on.
    "_retail_cancel_order": "intake",
    "_retail_push_refund": "intake",
    "_retail_push_return": "intake",
    # Reading a notification queue brings orders in.
    "_retail_read_notifications": "intake",
    "_retail_publish_fast_movers": "realtime",
    "_retail_export_shipments": "realtime",
    "fulfilment_out": "realtime",
    "_loyalty_push": "realtime",
    # A promotion's prices start and end at their hour, not after a batch.
    "_retail_publish_promotions": "realtime",
    "loyalty_sync": "realtime",
    "stock_out": "batch",
    "prices_out": "batch",
    "catalog_out": "batch",
    "_retail_archive_listing": "batch",
    "_retail_sync_webhooks": "batch",
    "settlements_in": "report",
    "_loyalty_reconcile": "report",
    "_retail_reconcile_stock": "report",
    "_retail_close": "report",
    "_import_and_match_job": "report",
}
# A flow nobody placed yet waits behind orders and real-time work.
DEFAULT_LANE = "batch"


def route(kind, backend_id, flow=None):
    """``with_delay`` options (channel, priority) of ``flow`` for a backend of
    ``kind``: root.retail.<lane>.<kind>.backend_<id>, lane first so that one
    capacity bounds a lane whatever the kind."""
    lane = FLOW_LANES.get(flow, DEFAULT_LANE)
    return {
        "channel": f"root.retail.{lane}.{kind}.backend_{backend_id}",
        "priority": LANES[lane],
    }


# queue_job's own test for a job of an identity key that has not started
# (Job.job_record_with_same_identity_key), served by its partial index.
WAITING_JOB = """
    SELECT 1 FROM queue_job
     WHERE identity_key = %(identity_key)s
       AND state IN ('pending', 'enqueued', 'wait_dependencies')
     LIMIT 1
"""


def delay_drain(records, method_name, identity_key, job_waits=False, **job_options):
    """Enqueue ``records.<method_name>()`` as a job unless a job of
    ``identity_key`` waits to run, and return the job (None when the caller
    says, by ``job_waits``, that it saw the waiting job in this transaction).

    queue_job looks for the waiting job in this transaction's snapshot. That
    job may have started since, in a transaction that cannot see what this one
    is about to commit, and would then end leaving the new work behind with no
    job. So when a waiting job is reused, it is looked for again once this
    transaction has committed; if it has started meanwhile, the enqueue is
    made again: a job waiting then starts after the commit and sees the work.
    """
    job = None
    if not job_waits:
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
    own_cr = records.env.cr
    dbname, uid, context = own_cr.dbname, records.env.uid, records.env.context
    model, ids = records._name, records.ids

    def enqueue_again():
        try:
            if _job_waits_after_commit(own_cr, identity_key):
                return
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


def _job_waits_after_commit(cr, identity_key):
    """Whether a job of ``identity_key`` waits to run, as committed now.

    Asked on the committed cursor's own connection (a webhook's answer waits
    for this, and the job has mostly not started, so no connection is
    borrowed for nothing), in one statement outside any transaction.
    """
    with outside_transaction(cr):
        execute_prepared(
            cr,
            "retail_waiting_job",
            WAITING_JOB,
            {"identity_key": identity_key},
            {"identity_key": "varchar"},
        )
        return bool(cr.fetchone())
