# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging

from odoo import SUPERUSER_ID, api
from odoo.tools.sql import column_exists

from odoo.addons.retail_connector_base.exceptions import RetailBusinessError

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    """Channel lines keep the units the channel last stated
    (``retail_channel_qty``) instead of the units edited since the order was
    placed (``retail_edited_qty``, whose column stays behind). What Odoo
    compared the next version with was the line's units in the channel's
    order plus those edits: the last order payload the inbox kept gives
    them. Where none is left (payloads emptied under the retention policy),
    the line's quantity stands for them."""
    cr.execute(
        """
        UPDATE sale_order_line
           SET retail_channel_qty = product_uom_qty
         WHERE retail_external_line_id IS NOT NULL
        """
    )
    env = api.Environment(cr, SUPERUSER_ID, {})
    cr.execute("SELECT DISTINCT backend_id, topic FROM retail_event")
    topics = {}
    for backend_id, topic in cr.fetchall():
        topics.setdefault(backend_id, []).append(topic)
    for backend_id, backend_topics in topics.items():
        backend = env["retail.backend"].browse(backend_id)
        try:
            adapter = backend._adapter("marketplace")
        except RetailBusinessError:
            continue
        order_topics = [t for t in backend_topics if adapter.event_kind(t) == "order"]
        if order_topics:
            _set_from_payloads(cr, backend, adapter, order_topics)


def _set_from_payloads(cr, backend, adapter, order_topics):
    # A database that never applied an edit has no edited units to add.
    query = (
        """
        UPDATE sale_order_line
           SET retail_channel_qty = %s + COALESCE(retail_edited_qty, 0)
         WHERE order_id = %s AND retail_external_line_id = %s
        """
        if column_exists(cr, "sale_order_line", "retail_edited_qty")
        else """
        UPDATE sale_order_line
           SET retail_channel_qty = %s
         WHERE order_id = %s AND retail_external_line_id = %s
        """
    )
    cr.execute(
        """
        SELECT DISTINCT ON (event.subject_key) sale.id, event.payload
          FROM retail_event event
          JOIN sale_order sale
            ON sale.retail_backend_id = event.backend_id
           AND sale.retail_external_id = event.subject_key
         WHERE event.backend_id = %s
           AND event.topic = ANY(%s)
           AND event.state = 'done'
           AND event.payload IS NOT NULL
         ORDER BY event.subject_key, event.external_updated_at DESC NULLS LAST,
                  event.id DESC
        """,
        (backend.id, order_topics),
    )
    for sale_id, payload in cr.fetchall():
        try:
            order = adapter.parse_order(json.loads(payload))
        except ValueError as error:
            _logger.warning(
                "Sale order %s keeps its lines' quantities as channel units: %s",
                sale_id,
                error,
            )
            continue
        for line in order.lines:
            cr.execute(query, (float(line.quantity), sale_id, line.external_line_id))
