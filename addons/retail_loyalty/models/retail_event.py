# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import api, models

from odoo.addons.retail_connector_base.exceptions import RetailBusinessError

from .. import const
from ..adapters.common import number

# Channels whose handlers book sales and returns that earn or take back points.
CHANNEL_KINDS = ("pos", "marketplace")


class RetailEvent(models.Model):
    _inherit = "retail.event"

    def _get_event_handler(self):
        # EXTENDS retail_connector_base: redemptions from any channel, and
        # balance changes from engines.
        if self.topic == const.REDEMPTION_TOPIC:
            return self._retail_loyalty_redeem
        if self.kind == "loyalty" and self.topic == const.ADJUSTMENT_TOPIC:
            return self.env["retail.loyalty.engine.change"]._apply_event
        return super()._get_event_handler()

    def _on_processed(self, record):
        # EXTENDS retail_connector_base: the points of what a channel booked,
        # in the booking's savepoint, so that a sale and its points are kept
        # or undone together and a replayed message earns nothing twice.
        result = super()._on_processed(record)
        if record and self.kind in CHANNEL_KINDS:
            self.env["retail.loyalty.accrual"]._on_channel_records(record)
        return result

    @api.model
    def _retail_loyalty_redeem(self, event):
        """Event handler: spend a customer's points for a channel, once per
        redemption id; refused with its reason when the balance is short.

        Payload: ``{"id", "customer_ref", "points", "order_ref", "reason"}``,
        the customer named as the channel's partner binding names them.
        """
        try:
            payload = json.loads(event.payload)
            points = number(payload.get("points"), "points")
            redemption_id = payload["id"]
            customer_ref = payload["customer_ref"]
        except (KeyError, TypeError, ValueError) as error:
            raise RetailBusinessError(
                self.env._("Invalid redemption: %(reason)s", reason=error),
                code="invalid_redemption",
            ) from error
        channel = event.backend_id
        backends = self.env["retail.backend"]._loyalty_backends_for_company(
            channel.company_id
        )
        if not backends:
            raise RetailBusinessError(
                self.env._(
                    "No loyalty backend with a program is set up for %(company)s.",
                    company=channel.company_id.name,
                ),
                code="no_loyalty_backend",
            )
        backend = backends[0]
        partner = channel._loyalty_partner(customer_ref)
        return self.env["retail.loyalty.ledger"]._redeem(
            backend,
            partner,
            points,
            f"redeem:{channel.id}:{redemption_id}",
            source_backend_id=channel.id,
            source_ref=payload.get("order_ref") or str(redemption_id),
            reason=payload.get("reason"),
        )
