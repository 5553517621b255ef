# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

# Who reads disputes: the settlement module's access rights.
DISPUTE_READERS = (
    "account.group_account_invoice,retail_connector_base.retail_connector_group_user"
)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    retail_dispute_ids = fields.Many2many(
        "retail.dispute",
        string="Payment disputes",
        compute="_compute_retail_dispute_ids",
        groups=DISPUTE_READERS,
        help="The buyer's disputes of the order's payment, as its channel or "
        "payment provider reports them.",
    )
    retail_dispute_count = fields.Integer(
        "Disputes", compute="_compute_retail_dispute_ids", groups=DISPUTE_READERS
    )

    def _compute_retail_dispute_ids(self):
        orders = self.filtered("id")
        disputes = self.env["retail.dispute"].search(
            [("order_ref_id", "in", [f"{self._name},{order.id}" for order in orders])]
        )
        for order in self:
            order.retail_dispute_ids = disputes.filtered(
                lambda dispute, order=order: dispute.order_ref_id == order
            )
            order.retail_dispute_count = len(order.retail_dispute_ids)

    def action_open_retail_disputes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_settlement.retail_dispute_action"
        )
        action["domain"] = [("id", "in", self.retail_dispute_ids.ids)]
        if self.retail_dispute_count == 1:
            action.update(view_mode="form", res_id=self.retail_dispute_ids.id)
            action["views"] = [(False, "form")]
        return action
