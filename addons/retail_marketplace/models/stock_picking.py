# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.retail_connector_base.exceptions import RetailTransientError

from ..adapters.channel_model import Shipment


class StockPicking(models.Model):
    _inherit = "stock.picking"

    retail_fulfilment_ref = fields.Char(
        "Channel fulfilment id",
        readonly=True,
        copy=False,
        help="Set once the shipment is reported to the channel.",
    )

    def _action_done(self):
        result = super()._action_done()
        for picking in self._retail_to_report():
            backend = picking.sale_id.retail_backend_id
            picking.with_delay(
                channel=backend._get_queue_channel(),
                identity_key=f"retail_shipment_{picking.id}",
                description=self.env._(
                    "Report %(picking)s to %(backend)s",
                    picking=picking.name,
                    backend=backend.name,
                ),
            )._retail_export_shipment()
        return result

    def _retail_to_report(self):
        return self.filtered(
            lambda picking: picking.state == "done"
            and picking.picking_type_code == "outgoing"
            and picking.sale_id.retail_backend_id
            and picking.sale_id.retail_backend_id._get_flow_mode("fulfilment_out")
            != "off"
            and not picking.retail_fulfilment_ref
        )

    def _retail_shipment(self):
        """The channel's view of this delivery. Note: self.ensure_one"""
        self.ensure_one()
        shipped = {}
        for move in self.move_ids.filtered(lambda move: move.state == "done"):
            ref = move.sale_line_id.retail_external_line_id
            if ref:
                shipped[ref] = shipped.get(ref, 0) + int(move.quantity)
        return Shipment(
            order_external_id=self.sale_id.retail_external_id,
            lines=list(shipped.items()),
            carrier=self.carrier_id.name or "",
            tracking_numbers=[
                number.strip()
                for number in (self.carrier_tracking_ref or "").split(",")
                if number.strip()
            ],
            tracking_url=self.carrier_tracking_url or "",
        )

    def _retail_export_shipment(self):
        """Job: send the carrier and tracking numbers of a validated delivery
        to the channel, once."""
        self.ensure_one()
        if self.retail_fulfilment_ref:
            return "already reported"
        backend = self.sale_id.retail_backend_id
        try:
            reference = backend._get_marketplace_adapter().push_shipment(
                backend._get_channel_client(), self._retail_shipment()
            )
        except RetailTransientError as error:
            # The channel is down or slowing us down: wait for it as long as
            # it takes. Counting these waits would fail the job (and lose the
            # report) after a few minutes of outage, the circuit breaker
            # answering each retry at once.
            raise RetryableJobError(
                str(error), seconds=int(error.retry_after or 60), ignore_retry=True
            ) from error
        self.retail_fulfilment_ref = reference
        self.message_post(
            body=self.env._(
                "Shipment reported to %(backend)s (%(reference)s).",
                backend=backend.name,
                reference=reference,
            )
        )
        return reference
