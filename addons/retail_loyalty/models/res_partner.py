# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import api, fields, models

# Phone numbers are compared on their last digits: "+33 6 12 34 56 78",
# "0033612345678" and "06 12 34 56 78" are one number written three ways,
# and nine digits are a national significant number in most of Europe.
PHONE_DIGITS = 9


def normalize_email(email):
    """An address as a mailbox receives it: trimmed, lower case, without a
    "+tag" (ann+shop@example.com reaches ann@example.com)."""
    if not email or "@" not in email:
        return False
    local, _at, domain = email.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def normalize_phone(phone):
    digits = re.sub(r"\D", "", phone or "")
    return digits[-PHONE_DIGITS:] if len(digits) >= PHONE_DIGITS else False


class ResPartner(models.Model):
    _inherit = "res.partner"

    retail_email_key = fields.Char(
        compute="_compute_retail_keys", store=True, index=True
    )
    retail_phone_key = fields.Char(
        compute="_compute_retail_keys", store=True, index=True
    )
    retail_binding_ids = fields.One2many(
        "retail.partner.binding",
        "odoo_id",
        "Channel identities",
        groups="retail_connector_base.retail_connector_group_user",
        help="Who this customer is on each channel and loyalty engine.",
    )
    retail_loyalty_card_ids = fields.One2many(
        "loyalty.card", "partner_id", "Loyalty cards", readonly=True
    )

    @api.depends("email", "phone", "mobile")
    def _compute_retail_keys(self):
        for partner in self:
            partner.retail_email_key = normalize_email(partner.email)
            partner.retail_phone_key = normalize_phone(
                partner.mobile
            ) or normalize_phone(partner.phone)
