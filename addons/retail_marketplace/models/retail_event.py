# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import api, fields, models


class RetailEvent(models.Model):
    _inherit = "retail.event"

    retail_order_total = fields.Float(
        "Blocked order total",
        compute="_compute_retail_blocked_order",
        store=True,
        readonly=True,
        digits="Account",
        help="The channel's total of the order a failed order message holds, "
        "for the backend's dashboard: read from the message once, when it "
        "fails, so the dashboard sums it without parsing messages.",
    )
    retail_blocked_order = fields.Boolean(
        compute="_compute_retail_blocked_order",
        store=True,
        readonly=True,
        help="A failed message holding a readable order: the dashboard counts "
        "it among the orders that wait for a fix.",
    )

    @api.depends("state")
    def _compute_retail_blocked_order(self):
        for event in self:
            total = event._retail_failed_order_total()
            event.retail_blocked_order = total is not None
            event.retail_order_total = total or 0.0

    def _retail_failed_order_total(self):
        """The order total of a failed marketplace order message, else None:
        a malformed order has no total to speak of, and the dashboard counts
        only the orders it can name."""
        self.ensure_one()
        backend = self.backend_id
        if (
            self.state != "failed"
            or self.kind != "marketplace"
            or not backend._has_adapter("marketplace")
        ):
            return None
        adapter = backend._adapter("marketplace")
        if adapter.event_kind(self.topic) != "order":
            return None
        try:
            return float(adapter.parse_order(json.loads(self.payload or "{}")).total)
        except ValueError:
            return None

    def _get_event_handler(self):
        # EXTENDS retail_connector_base: orders and refunds of marketplaces
        if self.kind == "marketplace":
            kind = self.backend_id._adapter("marketplace").event_kind(self.topic)
            if kind == "order":
                return self.env["sale.order"]._retail_import_order_event
            if kind == "refund":
                return self.env["account.move"]._retail_import_refund_event
        return super()._get_event_handler()
