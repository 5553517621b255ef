# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.tools import email_normalize


def normalize_email(email):
    return email_normalize(email or "") or ""


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def _retail_find_or_create_customer(self, backend, order):
        """The customer of a channel order: by partner binding, then by
        normalized email, else a new contact. Guest checkouts (no channel
        customer id) are matched by email too but never bound. A business
        buyer's contact belongs to its company (``_retail_business_partner``)."""
        customer = order.customer
        Binding = self.env["retail.partner.binding"]
        email = normalize_email(customer.email) or normalize_email(
            order.billing_address.email if order.billing_address else ""
        )
        partner = (
            Binding._to_internal(backend, customer.external_id)
            if customer.external_id
            else None
        )
        if not partner and email:
            partner = self.search(
                [
                    ("email_normalized", "=", email),
                    ("parent_id", "=", False),
                    ("company_id", "in", [False, backend.company_id.id]),
                ],
                order="id",
                limit=1,
            )
        address = order.billing_address or order.shipping_address
        name = customer.name or (address.name if address else "") or email
        if not partner:
            partner = self.create(
                dict(
                    self._retail_address_vals(address) if address else {},
                    name=name or self.env._("Channel customer"),
                    email=email or False,
                    phone=customer.phone or (address.phone if address else False),
                    customer_rank=1,
                )
            )
        elif backend.owner_customers == "channel" and customer.external_id:
            partner.write(
                {
                    key: value
                    for key, value in (("name", name), ("phone", customer.phone))
                    if value
                }
            )
        if customer.external_id:
            Binding._bind(backend, customer.external_id, partner)
        return partner._retail_business_partner(backend, order)

    def _retail_business_partner(self, backend, order):
        """The partner to sell to when the buyer is a business. With a VAT
        number the buyer's company (found by it, else created) becomes the
        commercial entity of the contact ``self``, so the invoice names the
        company with its VAT number and Odoo's fiscal position rules (EU
        reverse charge) see it; an order for another company than the
        contact's is sold to that company. A company name without VAT number
        identifies nothing: it is only noted on the contact.

        Note: self.ensure_one
        """
        self.ensure_one()
        customer = order.customer
        address = order.billing_address or order.shipping_address
        company_name = customer.company or (address.company if address else "")
        vat = "".join(customer.vat.split()).upper()
        if not vat:
            if (
                company_name
                and company_name != self.company_name
                and not self.commercial_partner_id.is_company
            ):
                self.company_name = company_name
            return self
        commercial = self.commercial_partner_id
        if commercial.vat == vat:
            return self
        company = self.search(
            [
                ("vat", "=", vat),
                ("is_company", "=", True),
                ("company_id", "in", [False, backend.company_id.id]),
            ],
            order="id",
            limit=1,
        )
        if not company and commercial.is_company and not commercial.vat:
            commercial.vat = vat
            return self
        if not company:
            company = self.create(
                dict(
                    self._retail_address_vals(address) if address else {},
                    name=company_name or self.name,
                    is_company=True,
                    vat=vat,
                    customer_rank=1,
                )
            )
        if self.parent_id or self.is_company:
            return company
        self.parent_id = company
        return self

    @api.model
    def _retail_address_vals(self, address):
        country = self.env["res.country"].search(
            [("code", "=", (address.country_code or "").upper())], limit=1
        )
        state = self.env["res.country.state"]
        if country and address.state_code:
            state = state.search(
                [
                    ("country_id", "=", country.id),
                    ("code", "=", address.state_code.upper()),
                ],
                limit=1,
            )
        return {
            "street": address.street or False,
            "street2": address.street2 or False,
            "city": address.city or False,
            "zip": address.zip or False,
            "country_id": country.id or False,
            "state_id": state.id or False,
        }

    def _retail_address_contact(self, address, address_type):
        """The child contact of ``self`` holding ``address`` as its invoice or
        delivery address; an identical one is reused rather than repeated.

        Note: self.ensure_one
        """
        self.ensure_one()
        if not address:
            return self
        vals = dict(
            self._retail_address_vals(address),
            name=address.name or self.name,
            phone=address.phone or False,
        )
        domain = [("parent_id", "=", self.id), ("type", "=", address_type)] + [
            (key, "=", value) for key, value in vals.items() if key != "phone"
        ]
        existing = self.search(domain, limit=1)
        if existing:
            return existing
        return self.create(dict(vals, parent_id=self.id, type=address_type))
