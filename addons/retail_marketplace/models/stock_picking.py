# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import uuid
from decimal import Decimal

from odoo import fields, models
from odoo.exceptions import UserError

from ..adapters.channel_model import ReturnLine, ReturnRequest, Shipment
from .retail_backend import RETURN_FAILURE

REFUSED_FAILURE = "shipment_refused"


class StockPicking(models.Model):
    _inherit = "stock.picking"

    retail_fulfilment_ref = fields.Char(
        "Channel fulfilment id",
        readonly=True,
        copy=False,
        help="Set once the shipment is reported to the channel.",
    )
    retail_report_backend_id = fields.Many2one(
        "retail.backend",
        "Shipment to report to",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Set while the validated delivery waits to be reported to this "
        "channel; the backend's shipment job reports all of them.",
    )

    retail_return_reason_id = fields.Many2one(
        "retail.return.reason",
        "Return reason",
        copy=False,
        help="Why the customer sent the goods back; reported with the return "
        "to a channel that takes returns.",
    )
    retail_return_key = fields.Char(
        "Channel return key",
        readonly=True,
        copy=False,
        help="Sent with the return, so that the channel's return made by an "
        "earlier attempt is recognised instead of made twice.",
    )
    retail_return_ref = fields.Char(
        "Channel return id",
        readonly=True,
        copy=False,
        help="Set once the return is reported to the channel.",
    )

    def _action_done(self):
        result = super()._action_done()
        to_report = self._retail_to_report()
        for picking in to_report:
            picking.retail_report_backend_id = picking.sale_id.retail_backend_id
        to_report.retail_report_backend_id._retail_enqueue_shipments()
        self._retail_send_returns()
        return result

    def _retail_send_returns(self):
        """Enqueue the report of each received return of a channel order
        to its channel, when the backend lets Odoo send order changes and
        the platform takes returns (the others are told nothing: a return
        there is the channel's own matter)."""
        for picking in self.filtered(
            lambda picking: picking.state == "done"
            and picking.picking_type_code == "incoming"
            and picking.return_id
            and picking.sale_id.retail_backend_id
            and not picking.retail_return_key
        ):
            # Whoever receives a return need not be a connector user.
            backend = picking.sale_id.retail_backend_id.sudo()
            if not backend._retail_sends_order_changes():
                continue
            if not backend._adapter("marketplace").reports_returns:
                continue
            picking.retail_return_key = str(uuid.uuid4())
            backend._retail_delay_as_system(
                "_retail_push_return", f"retail_push_return_{picking.id}", picking.id
            )

    def _retail_return_request(self, backend):
        """The channel's view of this return, its reason in the channel's
        code (the backend's Return reason mapping; none mapped: the channel
        hears ``None`` and the reason's name). Note: self.ensure_one"""
        self.ensure_one()
        reason = self.retail_return_reason_id
        mapping = backend.mapping_ids.filtered(
            lambda mapping: mapping.mapping_type == "return_reason"
            and mapping.odoo_ref == reason
        )[:1]
        returned = {}
        for move in self.move_ids.filtered(lambda move: move.state == "done"):
            ref = move.sale_line_id.retail_external_line_id
            if ref:
                returned[ref] = returned.get(ref, 0) + move.quantity
        return ReturnRequest(
            order_external_id=self.sale_id.retail_external_id,
            key=self.retail_return_key,
            reference=self.name,
            reason_code=mapping.external_code or None,
            reason_note=reason.name or "",
            lines=[
                ReturnLine(external_line_id=ref, quantity=Decimal(str(qty)))
                for ref, qty in returned.items()
            ],
        )

    def _retail_return_confirmed(self, reference, answer):
        """The channel holds the return as ``reference``: said in the sale
        order's chatter. Note: self.ensure_one"""
        self.ensure_one()
        self.retail_return_ref = reference
        self.sale_id.message_post(body=answer)
        self.env["retail.exception.activity"]._resolve(self, RETURN_FAILURE)

    def _retail_to_report(self):
        return self.filtered(
            lambda picking: picking.state == "done"
            and picking.picking_type_code == "outgoing"
            and picking.sale_id.retail_backend_id
            and picking.sale_id.retail_backend_id._get_flow_mode("fulfilment_out")
            != "off"
            and not picking.retail_fulfilment_ref
            # The channel shipped it and knows.
            and not picking.sale_id.retail_fulfilled_by_channel
        )

    def _retail_shipment(self):
        """The channel's view of this delivery. Note: self.ensure_one"""
        self.ensure_one()
        shipped = {}
        for move in self.move_ids.filtered(lambda move: move.state == "done"):
            ref = move.sale_line_id.retail_external_line_id
            if ref:
                shipped[ref] = shipped.get(ref, 0) + int(move.quantity)
        backend = self.retail_report_backend_id or self.sale_id.retail_backend_id
        carrier_mapping = backend.mapping_ids.filtered(
            lambda mapping: mapping.mapping_type == "carrier"
            and mapping.odoo_ref == self.carrier_id
        )[:1]
        return Shipment(
            order_external_id=self.sale_id.retail_external_id,
            lines=list(shipped.items()),
            carrier=self.carrier_id.name or "",
            carrier_code=carrier_mapping.external_code or "",
            shipped_at=self.date_done,
            package_ref=str(self.id),
            tracking_numbers=[
                number.strip()
                for number in (self.carrier_tracking_ref or "").split(",")
                if number.strip()
            ],
            tracking_url=self.carrier_tracking_url or "",
        )

    def _retail_export_shipment(self):
        """Send the carrier and tracking numbers of a validated delivery to
        the channel, once (``retail.backend._retail_export_shipments``, the
        job, calls it for each waiting delivery). A delivery the channel
        refuses stops waiting and gets an exception activity; the channel
        being unavailable raises, for the job to retry.

        Note: self.ensure_one
        """
        self.ensure_one()
        backend = self.retail_report_backend_id or self.sale_id.retail_backend_id
        if self.retail_fulfilment_ref:
            self.retail_report_backend_id = False
            return self.retail_fulfilment_ref
        try:
            with self.env.cr.savepoint():
                reference = backend._adapter("marketplace").push_shipment(
                    self._retail_shipment()
                )
        except UserError as error:
            self.retail_report_backend_id = False
            self.env["retail.exception.activity"]._raise(
                backend,
                self,
                REFUSED_FAILURE,
                self.env._("Shipment refused by %(name)s", name=backend.name),
                str(error),
            )
            return False
        self.write(
            {"retail_fulfilment_ref": reference, "retail_report_backend_id": False}
        )
        self.message_post(
            body=self.env._(
                "Shipment reported to %(backend)s (%(reference)s).",
                backend=backend.name,
                reference=reference,
            )
        )
        return reference
