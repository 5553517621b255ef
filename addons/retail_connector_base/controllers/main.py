# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from werkzeug.exceptions import abort

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
        # the public user up with a query of its own on every request; it is
        # set below from the cached XML id instead.
        auth="none",
        # Odoo's default for auth="none": it would first try the request in
        # a read-only transaction, fail at the INSERT and start over.
        readonly=False,
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def retail_webhook(self, token, **kwargs):
        request.update_env(
            user=request.env["ir.model.data"]._xmlid_to_res_id("base.public_user")
        )
        return intake.answer(request, token)

    @classmethod
    def _read_delivery(cls, token):
        """``intake.read_delivery``, for ``ir.http._pre_dispatch``: before
        Odoo's dispatcher parses a form body into the request's parameters,
        an unknown URL or an oversized body is refused before anything
        reads it.

        :raise werkzeug.exceptions.HTTPException: carrying the 404 or 413
        """
        try:
            return intake.read_delivery(request, token)
        except intake.Refused as refused:
            abort(refused.response)
