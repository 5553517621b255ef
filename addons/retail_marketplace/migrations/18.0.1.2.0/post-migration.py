# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Deliveries whose report job (one per delivery before this version)
    has not run yet wait for their backend's shipment job instead."""
    cr.execute(
        """
        WITH waiting AS (
            UPDATE queue_job SET state = 'cancelled'
             WHERE model_name = 'stock.picking'
               AND method_name = '_retail_export_shipment'
               AND state NOT IN ('done', 'cancelled')
         RETURNING records
        )
        UPDATE stock_picking picking
           SET retail_report_backend_id = sale.retail_backend_id
          FROM sale_order sale, waiting
         WHERE sale.id = picking.sale_id
           AND picking.retail_fulfilment_ref IS NULL
           -- queue_job stores its records as a JSON string in the jsonb
           AND (waiting.records #>> '{}')::jsonb -> 'ids' @> to_jsonb(picking.id)
     RETURNING picking.retail_report_backend_id
        """
    )
    backend_ids = {row[0] for row in cr.fetchall()}
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["retail.backend"].browse(sorted(backend_ids))._retail_enqueue_shipments()
