# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class RetailChannelLocationChoice(models.TransientModel):
    """A stock location of a channel, as the channel listed it just now, to
    choose the one a backend publishes its warehouse's stock to."""

    _name = "retail.channel.location.choice"
    _description = "Retail Channel Location (choice)"
    _order = "name, id"

    backend_id = fields.Many2one(
        "retail.backend", required=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id")
    ref = fields.Char(
        "Channel id", required=True, readonly=True, help="The channel's location id."
    )
    name = fields.Char(readonly=True)
    address = fields.Char(readonly=True)
    chosen = fields.Boolean(
        compute="_compute_chosen", help="The location the backend publishes to."
    )

    @api.depends("ref", "backend_id.location_ref")
    def _compute_chosen(self):
        for location in self:
            location.chosen = location.ref == location.backend_id.location_ref

    @api.model
    def _list_for(self, backend):
        """The channel's locations, read now, as a list to choose from."""
        found = backend._adapter("marketplace").fetch_locations()
        locations = self.create(
            [
                {
                    "backend_id": backend.id,
                    "ref": location.ref,
                    "name": location.name,
                    "address": location.address,
                }
                for location in found
            ]
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Locations of %(name)s", name=backend.name),
            "res_model": self._name,
            "view_mode": "list",
            "views": [
                (
                    self.env.ref(
                        "retail_marketplace.retail_channel_location_choice_view_list"
                    ).id,
                    "list",
                )
            ],
            "domain": [("id", "in", locations.ids)],
            "target": "new",
        }

    def action_map(self):
        """Add this location to the backend's channel locations, to map it
        to the Odoo stock it sells."""
        self.ensure_one()
        Location = self.env["retail.channel.location"].with_context(active_test=False)
        location = Location.search(
            [("backend_id", "=", self.backend_id.id), ("ref", "=", self.ref)]
        ) or Location.create(
            {"backend_id": self.backend_id.id, "ref": self.ref, "name": self.name}
        )
        location.active = True
        return {
            "type": "ir.actions.act_window",
            "res_model": "retail.channel.location",
            "res_id": location.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_choose(self):
        """Publish the backend's stock to this location."""
        self.ensure_one()
        self.backend_id.location_ref = self.ref
        return {"type": "ir.actions.act_window_close"}
