# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Waiting for a running server to get somewhere, for the end-to-end tests."""

import time


def wait_for(condition, timeout, what, interval=0.5, explain=None):
    """The first truthy result of ``condition()``; AssertionError naming
    ``what``, and what ``explain()`` says of the state left, when ``timeout``
    seconds pass without one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    message = f"timed out after {timeout}s waiting for {what}"
    if explain:
        message += f"\n{explain()}"
    raise AssertionError(message)


def inbox_state(committed_env, backend_ids):
    """The pending events of ``backend_ids`` and the unfinished jobs (counts,
    and the first 20 of each), in words, for a test that timed out waiting
    for them."""
    pending = [("backend_id", "in", backend_ids), ("state", "=", "pending")]
    unfinished = [("state", "not in", ["done", "cancelled"])]
    with committed_env() as env:
        Event, Job = env["retail.event"], env["queue.job"]
        return "\n".join(
            [f"pending events: {Event.search_count(pending)}"]
            + [
                f"  {event.id} {event.backend_id.name} {event.topic} "
                f"attempts={event.attempts} conflicts={event.conflicts} "
                f"next={event.next_attempt_at} error={(event.last_error or '')[:200]}"
                for event in Event.search(pending, limit=20)
            ]
            + [f"unfinished jobs: {Job.search_count(unfinished)}"]
            + [
                f"  {job.uuid} {job.state} {job.channel} {job.method_name} "
                f"eta={job.eta} {job.identity_key or ''} {(job.exc_info or '')[-200:]}"
                for job in Job.search(unfinished, limit=20)
            ]
        )
