# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from odoo.addons.retail_connector_base.adapters.common import load_json_object
from odoo.addons.retail_connector_base.exceptions import RetailBusinessError


class RetailLoyaltyEngineChange(models.AbstractModel):
    """Balance changes made in the engine (a bonus, a correction, an
    expiry), as its notifications tell them, recorded on the customers'
    cards once each."""

    _name = "retail.loyalty.engine.change"
    _description = "Retail Loyalty Engine Changes"

    @api.model
    def _parse(self, backend, event):
        """The ``EngineChange`` list an inbox event of ``backend`` tells.

        :raise RetailBusinessError: when the payload is not what the
            platform sends
        """
        payload = load_json_object(event.payload)
        try:
            return backend._adapter("loyalty").parse_changes(payload, event.dedupe_key)
        except ValueError as error:
            raise RetailBusinessError(
                self.env._("Invalid engine event: %(reason)s", reason=error),
                code="invalid_engine_event",
            ) from error

    @api.model
    def _apply_event(self, event):
        """Event handler: record the changes ``event`` tells; the last card
        changed. The echo of a push of ours is recognized by its idempotency
        key and changes nothing."""
        backend = event.backend_id
        program = backend.loyalty_program_id
        Ledger = self.env["retail.loyalty.ledger"]
        Card = self.env["loyalty.card"]
        cards = Card
        for change in self._parse(backend, event):
            if change.idempotency_key and Ledger._entry(
                program, change.idempotency_key
            ):
                continue
            partner = backend._loyalty_partner(change.member_id)
            card = Card._retail_card_for(program, partner)
            Ledger._post(
                backend,
                card,
                change.kind,
                change.points,
                f"engine:{change.external_id}",
                "engine",
                source_ref=self.env._(
                    "%(backend)s event %(id)s",
                    backend=backend.name,
                    id=change.external_id,
                ),
                reason=change.reason,
            )
            cards |= card
        return cards[-1:] if cards else None
