# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RetailBackend(models.Model):
    """One account on an external channel: a marketplace or web store, a store
    chain's POS, a loyalty engine or a payment provider.

    Channel modules add their platforms to ``platform`` with ``selection_add``,
    the way Odoo's payment providers extend ``code``.
    """

    _name = "retail.backend"
    _description = "Retail Channel Backend"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, name, id"

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    kind = fields.Selection(
        selection=[
            ("marketplace", "Marketplace / Web store"),
            ("pos", "Store POS"),
            ("loyalty", "Loyalty engine"),
            ("payment", "Payment provider"),
        ],
        required=True,
        tracking=True,
        help="What the channel does for the retailer; it decides which flows "
        "and screens apply to this backend.",
    )
    platform = fields.Selection(
        selection=[("simulator", "Simulator")],
        required=True,
        default="simulator",
        tracking=True,
        help="The external platform this backend talks to. Each channel module "
        "adds the platforms it has an adapter for.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        help="Receives the activities raised when a message from this channel "
        "cannot be processed.",
    )
