# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Encryption of channel credentials at rest.

The key never lives in the database: it comes from the environment variable
``RETAIL_ENCRYPTION_KEY`` or, failing that, ``retail_encryption_key`` in the
Odoo configuration file. Several comma-separated keys may be given to rotate:
the first encrypts, all of them decrypt (``cryptography``'s MultiFernet), and
*Re-encrypt credentials* on the backends encrypts every stored credential
again with the first, after which the others can be removed.
"""

import functools
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from odoo.exceptions import UserError
from odoo.tools import config

KEY_ENV_VARIABLE = "RETAIL_ENCRYPTION_KEY"
KEY_CONFIG_OPTION = "retail_encryption_key"


class MissingKeyError(UserError):
    pass


def _configured_keys():
    raw = os.environ.get(KEY_ENV_VARIABLE) or config.get(KEY_CONFIG_OPTION) or ""
    return [key.strip() for key in raw.split(",") if key.strip()]


def _fernet(env):
    keys = _configured_keys()
    if not keys:
        raise MissingKeyError(
            env._(
                "No encryption key is configured, so credentials cannot be stored. "
                "Set %(option)s in the Odoo configuration file or the %(variable)s "
                "environment variable (see odoo.conf.example), then restart Odoo.",
                option=KEY_CONFIG_OPTION,
                variable=KEY_ENV_VARIABLE,
            )
        )
    try:
        return _multi_fernet(tuple(keys))
    except ValueError as error:
        raise MissingKeyError(
            env._(
                "The configured %(option)s is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes).",
                option=KEY_CONFIG_OPTION,
            )
        ) from error


@functools.lru_cache(maxsize=8)
def _multi_fernet(keys):
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(env, plaintext):
    return _fernet(env).encrypt(plaintext.encode()).decode()


def decrypt(env, token):
    try:
        return _decrypted(_fernet(env), token)
    except InvalidToken as error:
        raise _undecryptable(env) from error


# Decrypting a webhook secret took a delivery as long as the rest of its
# Python work in the controller. A ciphertext always decrypts to the same
# plaintext under the same keys (one ``_multi_fernet`` per set of keys), and
# the process that keeps it already holds the keys that decrypt every
# stored credential: kept, for the life of the worker, a few at a time.
@functools.lru_cache(maxsize=64)
def _decrypted(fernet, token):
    return fernet.decrypt(token.encode()).decode()


def rotate(env, token):
    """``token`` encrypted again with the first configured key, so that the
    keys after it are no longer needed to read it."""
    try:
        return _fernet(env).rotate(token.encode()).decode()
    except InvalidToken as error:
        raise _undecryptable(env) from error


def _undecryptable(env):
    # Never include the token or the key in the message.
    return UserError(
        env._(
            "A stored credential cannot be decrypted with the configured key: "
            "was the encryption key changed without keeping the old one?"
        )
    )
