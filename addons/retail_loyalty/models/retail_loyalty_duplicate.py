# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class RetailLoyaltyDuplicate(models.Model):
    """Two contacts that look like one customer: the same email or phone
    once written the same way. Listed for a person to decide, and merged, if
    at all, with Odoo's merge wizard: a wrong automatic merge would pool two
    people's points, which no one can untangle afterwards."""

    _name = "retail.loyalty.duplicate"
    _description = "Retail Duplicate Customer Candidate"
    _order = "state, id desc"

    partner_id = fields.Many2one(
        "res.partner", "Contact", required=True, readonly=True, ondelete="cascade"
    )
    duplicate_id = fields.Many2one(
        "res.partner",
        "Looks like",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        related="partner_id.company_id", store=True, string="Company"
    )
    match = fields.Selection(
        [("email", "Email"), ("phone", "Phone"), ("both", "Email and phone")],
        required=True,
        readonly=True,
    )
    key = fields.Char("Matched on", readonly=True)
    state = fields.Selection(
        [("open", "To review"), ("merged", "Merged"), ("dismissed", "Not the same")],
        default="open",
        required=True,
        readonly=True,
    )
    partner_points = fields.Float("Points", compute="_compute_points", digits=(16, 2))
    duplicate_points = fields.Float(
        "Their points", compute="_compute_points", digits=(16, 2)
    )

    _sql_constraints = [
        (
            "pair_unique",
            "unique(partner_id, duplicate_id)",
            "A pair of contacts is listed once.",
        ),
        (
            "pair_ordered",
            "CHECK(partner_id < duplicate_id)",
            "A pair is stored with the older contact first.",
        ),
    ]

    def _compute_points(self):
        for pair in self:
            pair.partner_points = sum(
                pair.partner_id.retail_loyalty_card_ids.mapped("points")
            )
            pair.duplicate_points = sum(
                pair.duplicate_id.retail_loyalty_card_ids.mapped("points")
            )

    @api.model
    def _find(self):
        """List the pairs of customers (contacts without a parent) sharing a
        normalized email or phone that are not listed yet, and close the
        pairs whose contacts have been merged since. Returns the new pairs."""
        self.search([("state", "=", "open")]).filtered(
            lambda pair: not (pair.partner_id.active and pair.duplicate_id.active)
        ).write({"state": "merged"})
        self.env["res.partner"].flush_model(
            ["retail_email_key", "retail_phone_key", "parent_id", "active"]
        )
        # One equality join per key (each can use its index), not one join
        # on "email or phone", which would compare every pair of contacts.
        self.env.cr.execute(
            """
            WITH customer AS (
                SELECT id, retail_email_key, retail_phone_key FROM res_partner
                 WHERE active AND parent_id IS NULL
            ), pair AS (
                SELECT a.id AS first, b.id AS second
                  FROM customer a
                  JOIN customer b
                    ON b.retail_email_key = a.retail_email_key AND a.id < b.id
                UNION
                SELECT a.id, b.id
                  FROM customer a
                  JOIN customer b
                    ON b.retail_phone_key = a.retail_phone_key AND a.id < b.id
            )
            SELECT pair.first, pair.second,
                   a.retail_email_key IS NOT DISTINCT FROM b.retail_email_key
                       AND a.retail_email_key IS NOT NULL,
                   a.retail_phone_key IS NOT DISTINCT FROM b.retail_phone_key
                       AND a.retail_phone_key IS NOT NULL,
                   CASE WHEN a.retail_email_key = b.retail_email_key
                        THEN a.retail_email_key ELSE a.retail_phone_key END
              FROM pair
              JOIN res_partner a ON a.id = pair.first
              JOIN res_partner b ON b.id = pair.second
             WHERE NOT EXISTS (
                   SELECT 1 FROM retail_loyalty_duplicate d
                    WHERE d.partner_id = pair.first AND d.duplicate_id = pair.second
             )
            """
        )
        rows = self.env.cr.fetchall()
        return self.create(
            [
                {
                    "partner_id": first,
                    "duplicate_id": second,
                    "match": "both"
                    if same_email and same_phone
                    else ("email" if same_email else "phone"),
                    "key": key,
                }
                for first, second, same_email, same_phone, key in rows
            ]
        )

    @api.model
    def _cron_find_duplicates(self):
        """Scheduled action: refresh the list of duplicate candidates."""
        self._find()

    def action_find(self):
        self._find()
        return self.env["ir.actions.act_window"]._for_xml_id(
            "retail_loyalty.retail_loyalty_duplicate_action"
        )

    def action_merge(self):
        """Open Odoo's merge wizard on the pair, to be checked and confirmed
        by the person; nothing is merged here.

        Note: self.ensure_one
        """
        self.ensure_one()
        partners = self.partner_id | self.duplicate_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Merge contacts"),
            "res_model": "base.partner.merge.automatic.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_model": "res.partner",
                "active_ids": partners.ids,
                "active_id": partners[:1].id,
            },
        }

    def action_dismiss(self):
        self.write({"state": "dismissed"})
        return True
