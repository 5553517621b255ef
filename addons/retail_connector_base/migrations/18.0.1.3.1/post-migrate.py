# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shopify backends with no API version pinned spoke the default of the
versions before 18.0.1.3.1, 2025-10; the default is now 2026-10, whose
words differ (return reasons are definition handles, not the enum its
mappings name). They are pinned to 2025-10, so that the upgrade changes
nothing they send; *Test connection* then says that Shopify no longer
supports it, for the manager to move on when the mappings are ready."""

import logging

_logger = logging.getLogger(__name__)

PREVIOUS_DEFAULT = "2025-10"


def migrate(cr, version):
    cr.execute(
        """
        UPDATE retail_backend SET api_version = %s
         WHERE platform = 'shopify' AND COALESCE(api_version, '') = ''
        """,
        (PREVIOUS_DEFAULT,),
    )
    _logger.info(
        "%s Shopify backends without an API version pinned to %s",
        cr.rowcount,
        PREVIOUS_DEFAULT,
    )
