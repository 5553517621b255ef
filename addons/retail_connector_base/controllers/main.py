# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.http import request

from .. import intake


class RetailWebhookController(http.Controller):
    """Receives every channel's webhooks (``intake``). A worker that has
    loaded the module answers them before Odoo's routing (``intake.serve``);
    this route serves them until then."""

    _webhook_url = "/retail/webhook/<string:token>"

    @http.route(
        _webhook_url,
        type="http",
        # The signature authenticates a delivery. "public" would also look
        # the public user up with a query of its own on every request;
        # ``intake.answer`` sets it from the cached XML id instead.
        auth="none",
        # Odoo's default for auth="none": it would first try the request in
        # a read-only transaction, fail at the INSERT and start over.
        readonly=False,
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def retail_webhook(self, token, **kwargs):
        return intake.answer(request, token)
