# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

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
        if rule.rule == RetailWebhookController._webhook_url:
            rule.endpoint.func.__self__._read_delivery(args["token"])
        return super()._pre_dispatch(rule, args)
