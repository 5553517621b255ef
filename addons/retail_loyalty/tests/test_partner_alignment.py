# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.addons.retail_loyalty.models.res_partner import (
    normalize_email,
    normalize_phone,
)

from .common import LoyaltyCommon


class TestPartnerAlignment(LoyaltyCommon):
    def test_normalization(self):
        """Test that emails and phones written differently compare equal."""
        self.assertEqual(normalize_email(" Ann+shop@Example.COM "), "ann@example.com")
        self.assertEqual(normalize_phone("+33 6 12 34 56 78"), "612345678")
        self.assertEqual(normalize_phone("06.12.34.56.78"), "612345678")
        self.assertFalse(normalize_phone("12"))

    def test_duplicates_are_listed_never_merged(self):
        """Test that contacts sharing a normalized email or phone are listed
        as candidates, and that both stay as they are."""
        Partner = self.env["res.partner"]
        by_email = Partner.create({"name": "A. Martin", "email": "ANN+web@example.com"})
        by_phone = Partner.create({"name": "Annie", "mobile": "06 12 34 56 78"})
        stranger = Partner.create({"name": "Bob", "email": "bob@example.com"})
        pairs = self.env["retail.loyalty.duplicate"]._find()
        found = {(pair.partner_id | pair.duplicate_id, pair.match) for pair in pairs}
        self.assertIn((self.ann | by_email, "email"), found)
        self.assertIn((self.ann | by_phone, "phone"), found)
        self.assertFalse(
            pairs.filtered(lambda p: stranger in p.partner_id | p.duplicate_id)
        )
        self.assertTrue(all((self.ann | by_email | by_phone).mapped("active")))
        self.assertFalse(self.env["retail.loyalty.duplicate"]._find(), "listed once")

    def test_merge_opens_odoos_wizard_preselected(self):
        """Test that the merge button opens Odoo's merge wizard on the pair."""
        twin = self.env["res.partner"].create(
            {"name": "Ann M.", "email": "ann@example.com"}
        )
        pair = (
            self.env["retail.loyalty.duplicate"]
            ._find()
            .filtered(lambda p: twin in p.partner_id | p.duplicate_id)
        )
        action = pair.action_merge()
        self.assertEqual(action["res_model"], "base.partner.merge.automatic.wizard")
        wizard = (
            self.env[action["res_model"]].with_context(**action["context"]).create({})
        )
        self.assertEqual(wizard.partner_ids, self.ann | twin)
        self.assertEqual(wizard.state, "selection")
        self.assertTrue(self.ann.exists() and twin.exists())

    def test_dismissed_pair_is_not_listed_again(self):
        """Test that a pair a person said are two people stays dismissed."""
        self.env["res.partner"].create({"name": "Ann twin", "email": "ann@example.com"})
        pair = self.env["retail.loyalty.duplicate"]._find()
        pair.action_dismiss()
        self.assertFalse(self.env["retail.loyalty.duplicate"]._find())
        self.assertEqual(pair.state, "dismissed")

    def test_bindings_across_backends_show_on_the_contact(self):
        """Test that a customer's identities on every backend are listed."""
        self.assertEqual(
            set(self.ann.retail_binding_ids.mapped("external_id")), {"M-ANN", "C-ANN"}
        )
