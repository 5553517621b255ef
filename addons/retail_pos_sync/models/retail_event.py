# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import api, models

from odoo.addons.retail_connector_base.exceptions import RetailBusinessError

from ..adapters import square
from ..adapters.pos_batch import TOPIC


class RetailEvent(models.Model):
    _inherit = "retail.event"

    def _get_event_handler(self):
        # EXTENDS retail_connector_base: store transactions of POS backends
        if self.kind == "pos" and self.topic == TOPIC:
            return self.env["pos.order"]._retail_book_transaction_event
        if self.topic == square.TOPIC:
            return self._retail_book_square_order
        return super()._get_event_handler()

    @api.model
    def _retail_book_square_order(self, event):
        """Event handler: book a COMPLETED Square order as a store
        transaction. The event holds the order itself (polled, with the SKUs
        and time zone read with it) or a webhook event naming it (read now).
        The order id is the transaction's uuid, so an order that came both
        ways is booked once; an order not completed yet books nothing (the
        poll or a later event brings it when it is)."""
        backend = event.backend_id
        try:
            payload = json.loads(event.payload)
        except (TypeError, ValueError) as error:
            raise RetailBusinessError(
                self.env._("Invalid Square event: %(reason)s", reason=error),
                code="invalid_square_order",
            ) from error
        if "order" in payload:
            order = payload["order"]
            order_id, location_id = order.get("id"), order.get("location_id")
        else:
            order_id, location_id = square.event_order_ref(payload)
        booked = self.env["retail.pos.transaction"].search(
            [("backend_id", "=", backend.id), ("uuid", "=", order_id)], limit=1
        )
        if booked:
            return booked.pos_order_id
        if location_id:
            # Names an unknown location before anything is read from Square.
            self.env["retail.pos.store"]._find(backend, location_id)
        if "order" in payload:
            transaction = backend._square_transaction(
                order, payload.get("catalog_skus"), payload.get("timezone")
            )
        else:
            order = backend._square_fetch_order(order_id, location_id)
            if order.get("state") != "COMPLETED":
                return None
            transaction = backend._square_transaction(order)
        return self.env["pos.order"]._retail_book_transaction(
            backend, transaction, event
        )
