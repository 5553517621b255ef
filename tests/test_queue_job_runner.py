# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import time

import requests

JOB_TIMEOUT = 60


def test_login_page_is_served(odoo_server):
    """Test that the server started by the fixture serves Odoo's login page."""
    response = requests.get(f"{odoo_server}/web/login", timeout=10)
    assert response.status_code == 200
    assert 'name="login"' in response.text


def test_enqueued_job_is_done_by_the_runner(odoo_server, committed_env):
    """Test that a job enqueued through the ORM is run by the server's job runner."""
    with committed_env() as env:
        partner = env["res.partner"].create({"name": "Job runner probe"})
        job = partner.with_delay(channel="root.retail").write(
            {"comment": "written by a job"}
        )
        job_uuid, partner_id = job.uuid, partner.id

    deadline = time.monotonic() + JOB_TIMEOUT
    state = None
    while time.monotonic() < deadline:
        with committed_env() as env:
            state = env["queue.job"].search([("uuid", "=", job_uuid)]).state
            comment = env["res.partner"].browse(partner_id).comment
        if state in ("done", "failed"):
            break
        time.sleep(0.5)

    assert state == "done", f"job {job_uuid} is {state!r} after {JOB_TIMEOUT}s"
    assert "written by a job" in (comment or "")
