# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from werkzeug.exceptions import abort

from odoo import models
from odoo.http import request

from .. import intake
from ..controllers.main import RetailWebhookController


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        # EXTENDS base: Odoo's dispatcher parses form and multipart bodies into
        # the request's parameters before it calls a type="http" route, up to
        # its own upload limit and whatever the URL. A webhook's body is read
        # here first, at most up to its backend's limit and only for a known
        # backend; the parser then reads these bytes.
        # An unknown URL or an oversized body is refused before anything reads
        # it; the route reads again what this found (``intake.read_delivery``).
        if rule.rule == RetailWebhookController._webhook_url:
            try:
                intake.read_delivery(request, args["token"])
            except intake.Refused as refused:
                abort(refused.response)
        return super()._pre_dispatch(rule, args)
