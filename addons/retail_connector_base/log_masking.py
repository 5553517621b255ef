# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Keeps webhook tokens out of the server log.

The token is the only secret part of a backend's webhook URL, and werkzeug
logs the path of every request it serves: anyone who reads the log could post
to the backend (signatures aside). Each process that loads the module masks
the token in the request lines it logs to all but its first characters, enough
to tell backends apart."""

import logging
import re

WEBHOOK_TOKEN = re.compile(r"(/retail/webhook/[^/?#\s\"]{0,4})[^/?#\s\"]+")


def mask_webhook_token(text):
    return WEBHOOK_TOKEN.sub(r"\1***", text)


class WebhookTokenFilter(logging.Filter):
    """Rewrites the records of the logger it is added to; drops none."""

    def filter(self, record):
        if isinstance(record.msg, str):
            record.msg = mask_webhook_token(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                mask_webhook_token(arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


def install(logger_name="werkzeug"):
    """Add the filter to ``logger_name`` once, however often it is called."""
    logger = logging.getLogger(logger_name)
    if not any(type(item).__name__ == "WebhookTokenFilter" for item in logger.filters):
        logger.addFilter(WebhookTokenFilter())


install()
