# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""From *Fetch payouts from* (``settlement_api_source``) to the backend's
platform and *Fetch payouts*:

- every backend that had a source fetches payouts (*Fetch payouts* on);
- ``stripe``: a payment-provider backend becomes a ``stripe`` platform
  backend (the secret key stays in *API secret*);
- ``shopify_payments``: a payment-provider backend becomes a ``shopify``
  platform backend (a Shopify shop's backend already is one), and the Admin
  API token kept in *API secret* moves to *Access token*, where every
  Shopify call reads it (when *Access token* is empty; otherwise both are
  left and a warning says so);
- a backend of another kind on another platform (a simulator web store
  fetching Shopify Payments payouts, say) keeps its platform, since its
  orders depend on it, and a warning names it: its flow then says that its
  platform cannot fetch payouts, until a payment backend takes them over.

Open sync-exception activities of the fetch and of settlement imports get
the failure kind the exception-activity service finds them by, so that a
later success closes them.

The old column is read here, after the module's update: Odoo drops it with
the field's metadata at the end of the upgrade.
"""

import logging

_logger = logging.getLogger(__name__)

SOURCE_PLATFORMS = {"stripe": "stripe", "shopify_payments": "shopify"}


def migrate(cr, version):
    cr.execute(
        """SELECT 1 FROM information_schema.columns
            WHERE table_name = 'retail_backend'
              AND column_name = 'settlement_api_source'"""
    )
    if not cr.fetchone():
        return
    for source, platform in SOURCE_PLATFORMS.items():
        # A payment provider's backend does nothing but its payouts: it
        # becomes its platform's. Any other keeps its platform: its orders
        # depend on it.
        cr.execute(
            """UPDATE retail_backend
                  SET platform = %s
                WHERE settlement_api_source = %s AND kind = 'payment'""",
            (platform, source),
        )
        cr.execute(
            """SELECT id, name, platform FROM retail_backend
                WHERE settlement_api_source = %s AND platform != %s""",
            (source, platform),
        )
        for backend_id, name, kept in cr.fetchall():
            _logger.warning(
                "Backend %s (%s) fetched %s payouts but is a %s backend of "
                "another kind than payment: it keeps its platform, and its "
                "Settlements in flow reports that it cannot fetch them. Give "
                "the payouts a payment backend of platform %s.",
                backend_id,
                name,
                source,
                kept,
                platform,
            )
    cr.execute(
        """UPDATE retail_backend SET settlement_fetch = TRUE
            WHERE settlement_api_source IN %s""",
        (tuple(SOURCE_PLATFORMS),),
    )
    cr.execute(
        """SELECT id, name FROM retail_backend
            WHERE settlement_api_source = 'shopify_payments'
              AND access_token_encrypted IS NOT NULL
              AND api_secret_encrypted IS NOT NULL"""
    )
    for backend_id, name in cr.fetchall():
        _logger.warning(
            "Backend %s (%s) has an access token and an API secret: the Shopify "
            "payouts are now fetched with the access token; remove the API "
            "secret if it was the same token.",
            backend_id,
            name,
        )
    cr.execute(
        """UPDATE retail_backend
              SET access_token_encrypted = api_secret_encrypted,
                  api_secret_encrypted = NULL
            WHERE settlement_api_source = 'shopify_payments'
              AND access_token_encrypted IS NULL"""
    )
    _tag_open_activities(cr)


def _tag_open_activities(cr):
    cr.execute(
        """UPDATE mail_activity AS activity
              SET retail_failure_kind = CASE activity.res_model
                      WHEN 'retail.settlement' THEN 'settlement_import'
                      ELSE 'payout_fetch' END
             FROM ir_model_data AS xmlid
            WHERE xmlid.module = 'retail_connector_base'
              AND xmlid.name = 'mail_activity_type_sync_exception'
              AND activity.activity_type_id = xmlid.res_id
              AND activity.retail_failure_kind IS NULL
              AND (activity.res_model = 'retail.settlement'
                   OR (activity.res_model = 'retail.backend'
                       AND activity.summary LIKE '%%payouts could not be fetched'))"""
    )
