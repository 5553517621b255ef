# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from cryptography.fernet import Fernet

from odoo.exceptions import AccessError, UserError
from odoo.tools import config

from .. import crypto
from ..models.retail_backend import SECRET_MASK
from .common import RetailCommon


class TestBackendCredentials(RetailCommon):
    def _raw_column(self, column):
        self.env.flush_all()
        self.env.cr.execute(
            f"SELECT {column} FROM retail_backend WHERE id = %s",  # noqa: S608
            (self.backend.id,),
        )
        return self.env.cr.fetchone()[0]

    def test_secret_is_encrypted_in_the_database(self):
        """Test that the raw column holds ciphertext that decrypts to the secret."""
        self.backend.with_user(self.retail_manager).api_key = "sk_live_plaintext"
        raw = self._raw_column("api_key_encrypted")
        self.assertTrue(raw)
        self.assertNotIn("sk_live_plaintext", raw)
        self.assertEqual(crypto.decrypt(self.env, raw), "sk_live_plaintext")
        self.assertEqual(self.backend._get_secret("api_key"), "sk_live_plaintext")

    def test_managers_see_secrets_masked(self):
        """Test that the form shows a mask, never the secret, even to managers."""
        backend = self.backend.with_user(self.retail_manager)
        backend.api_key = "sk_live_plaintext"
        backend.invalidate_recordset()
        self.assertEqual(backend.api_key, SECRET_MASK)
        self.assertFalse(backend.access_token)
        admin = self.backend.with_user(self.env.ref("base.user_admin"))
        exported = admin.export_data(["api_key", "webhook_secret"])["datas"]
        self.assertEqual(exported, [[SECRET_MASK, SECRET_MASK]])

    def test_saving_the_mask_keeps_the_secret(self):
        """Test that writing the mask back (an unchanged form) keeps the secret."""
        self.backend.api_key = "sk_live_plaintext"
        self.backend.api_key = SECRET_MASK
        self.assertEqual(self.backend._get_secret("api_key"), "sk_live_plaintext")

    def test_setting_one_secret_keeps_the_others(self):
        """Test that writing one credential, on a fresh read of the backend as
        a form does, leaves the other stored credentials as they were."""
        self.backend.write({"api_key": "sk_kept", "access_token": "tok_kept"})
        self.env.invalidate_all()
        self.backend.with_user(self.retail_manager).api_secret = "as_new"
        self.env.invalidate_all()
        self.assertEqual(self.backend._get_secret("api_key"), "sk_kept")
        self.assertEqual(self.backend._get_secret("access_token"), "tok_kept")
        self.assertEqual(self.backend._get_secret("api_secret"), "as_new")
        self.assertEqual(
            self.backend._get_secret("webhook_secret"), self.webhook_secret
        )

    def test_non_managers_cannot_read_or_set_secrets(self):
        """Test that connector users can read neither secrets nor ciphertext."""
        backend = self.backend.with_user(self.retail_user)
        for field in ("api_key", "webhook_secret", "webhook_secret_encrypted"):
            with self.assertRaises(AccessError):
                backend.read([field])
        with self.assertRaises(AccessError):
            backend.write({"api_key": "stolen"})
        self.assertEqual(backend.name, self.backend.name)

    def test_saving_a_secret_without_key_fails_clearly(self):
        """Test that without an encryption key, saving a secret says how to fix it."""
        with (
            patch.dict(config.options, {crypto.KEY_CONFIG_OPTION: ""}),
            patch.dict("os.environ", {crypto.KEY_ENV_VARIABLE: ""}),
        ):
            with self.assertRaisesRegex(UserError, "retail_encryption_key"):
                self.backend.api_key = "sk_live_plaintext"

    def test_rotated_key_still_decrypts_old_secrets(self):
        """Test that with a new key first and the old one second, old secrets
        still decrypt and new ones use the new key."""
        self.backend.api_key = "sk_before_rotation"
        old_key = crypto._configured_keys()[0]
        new_key = Fernet.generate_key().decode()
        with patch.dict(
            "os.environ", {crypto.KEY_ENV_VARIABLE: f"{new_key},{old_key}"}
        ):
            self.assertEqual(self.backend._get_secret("api_key"), "sk_before_rotation")
            self.backend.access_token = "tok_after_rotation"
            raw = self._raw_column("access_token_encrypted")
            self.assertEqual(
                Fernet(new_key.encode()).decrypt(raw.encode()).decode(),
                "tok_after_rotation",
            )

    def test_a_decrypted_secret_is_read_again_only_with_its_key(self):
        """Test that a secret decrypted once, and kept in memory since, is
        not given with a configuration that has lost its key."""
        self.backend.api_key = "sk_kept_in_memory"
        self.assertEqual(self.backend._get_secret("api_key"), "sk_kept_in_memory")
        other_key = Fernet.generate_key().decode()
        with patch.dict("os.environ", {crypto.KEY_ENV_VARIABLE: other_key}):
            with self.assertRaises(UserError):
                self.backend._get_secret("api_key")
        self.assertEqual(self.backend._get_secret("api_key"), "sk_kept_in_memory")

    def test_reencrypting_lets_the_old_key_go(self):
        """Test that after a new key is put first, re-encrypting rewrites every
        stored credential, archived backends' too, so that with the new key
        alone all of them still decrypt; and that only managers may run it."""
        old_key = crypto._configured_keys()[0]
        new_key = Fernet.generate_key().decode()
        self.backend.api_key = "sk_before_rotation"
        archived = self._prepare_backend(
            access_token="tok_archived", webhook_secret_previous="whsec_prev"
        )
        archived.active = False
        expected = {
            (self.backend, "api_key"): "sk_before_rotation",
            (self.backend, "webhook_secret"): self.webhook_secret,
            (archived, "access_token"): "tok_archived",
            (archived, "webhook_secret_previous"): "whsec_prev",
        }
        action = self.env.ref(
            "retail_connector_base.retail_backend_action_reencrypt_credentials"
        ).with_context(active_model="retail.backend", active_ids=self.backend.ids)
        with patch.dict("os.environ", {crypto.KEY_ENV_VARIABLE: new_key}):
            with self.assertRaises(UserError, msg="the new key alone reads nothing"):
                self.backend._get_secret("api_key")
        with patch.dict(
            "os.environ", {crypto.KEY_ENV_VARIABLE: f"{new_key},{old_key}"}
        ):
            for user in (self.retail_user, self.internal_user):
                with self.assertRaises(AccessError):
                    action.with_user(user).run()
                with self.assertRaises(AccessError):
                    self.env["retail.backend"].with_user(
                        user
                    ).action_reencrypt_credentials()
            result = action.with_user(self.retail_manager).run()
        self.assertEqual(result["params"]["type"], "success")
        self.env.invalidate_all()
        with patch.dict("os.environ", {crypto.KEY_ENV_VARIABLE: new_key}):
            for (backend, name), plaintext in expected.items():
                self.assertEqual(backend._get_secret(name), plaintext, name)
