# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import api, fields, models

from odoo.addons.retail_connector_base.adapters.common import parse_datetime
from odoo.addons.retail_connector_base.exceptions import (
    RetailBusinessError,
    RetailTransientError,
)

from ..adapters import square

# Square's production and sandbox API hosts (test mode: the sandbox).
SQUARE_API_URLS = {
    False: "https://connect.squareup.com",
    True: "https://connect.squareupsandbox.com",
}


class RetailBackend(models.Model):
    _inherit = "retail.backend"

    platform = fields.Selection(
        selection_add=[("square", "Square")], ondelete={"square": "set default"}
    )
    pos_store_ids = fields.One2many("retail.pos.store", "backend_id", "Stores")
    close_after_days = fields.Integer(
        "Close business days after (days)",
        default=1,
        help="A store's session for a business day is closed, and its "
        "accounting posted, this many days after the day. Transactions "
        "arriving later still book, in a correction session for their day.",
    )

    pos_scrap_reasons = fields.Char(
        "Scrap returns with reasons",
        default="damaged",
        help="Comma-separated return reasons (as the tills send them) whose "
        "goods are scrapped instead of put back on sale.",
    )

    def _retail_scraps(self, reason):
        self.ensure_one()
        reasons = {
            value.strip().lower()
            for value in (self.pos_scrap_reasons or "").split(",")
            if value.strip()
        }
        return bool(reason) and reason.strip().lower() in reasons

    def _webhook_receive(self, headers, body):
        # EXTENDS retail_connector_base: a store POS whose platform sends
        # offline batches stores each transaction of a delivery on its own.
        if self.kind == "pos" and self._has_adapter("pos_batch"):
            return self._adapter("pos_batch").receive(headers, body)
        return super()._webhook_receive(headers, body)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("platform") == "square":
                vals.setdefault("api_url", SQUARE_API_URLS[bool(vals.get("test_mode"))])
                vals.setdefault("api_version", square.API_VERSION)
        return super().create(vals_list)

    # === SQUARE: FLOWS === #
    def _run_flow(self, flow):
        # EXTENDS retail_connector_base
        if self.platform == "square" and flow.flow == "transactions_in":
            return self._square_poll_orders(flow)
        return super()._run_flow(flow)

    def _square_request(self, method, path, json_body=None):
        return self._request(method, path, json_body=json_body)

    def _square_cache(self):
        """Catalog SKUs and location time zones read during this transaction
        (one job): each is asked for once per job, not once per order."""
        return self.env.cr.cache.setdefault(
            ("retail_square", self.id), {"skus": {}, "timezones": None}
        )

    def _square_skus(self, object_ids):
        skus = self._square_cache()["skus"]
        missing = [object_id for object_id in object_ids if object_id not in skus]
        if missing:
            skus.update(square.retrieve_skus(self._square_request, missing))
        return {
            object_id: skus[object_id] for object_id in object_ids if object_id in skus
        }

    def _square_timezone(self, location_id):
        cache = self._square_cache()
        if cache["timezones"] is None:
            cache["timezones"] = square.location_timezones(self._square_request)
        return cache["timezones"].get(location_id) or None

    def _square_poll_orders(self, flow):
        """Pull the COMPLETED orders of the backend's stores (codes: Square
        location ids) updated since the checkpoint into the inbox, one event
        per order version, with the SKUs of their lines and their store's
        time zone read once for the whole page.

        The checkpoint is the ``updated_at`` of the last order read; Square's
        range is inclusive, so the orders at that instant are read again and
        dropped as duplicates by their version's dedupe key.
        """
        self.ensure_one()
        locations = self.pos_store_ids.mapped("code")
        if not locations:
            raise RetailBusinessError(
                self.env._(
                    "%(backend)s has no stores: add each Square location under "
                    "Stores, with its location id as code.",
                    backend=self.name,
                ),
                code="no_store",
            )
        since = flow.checkpoint or None
        orders, bounds = [], []
        for start in range(0, len(locations), square.MAX_LOCATIONS):
            page, more = self._square_search(
                locations[start : start + square.MAX_LOCATIONS], since, flow.batch_size
            )
            orders += page
            if more and page:
                # Later orders of these locations wait for the next run: do
                # not move past the last one read.
                bounds.append(page[-1]["updated_at"])
        if not orders:
            return since
        skus = self._square_skus(
            list({i for order in orders for i in square.catalog_object_ids(order)})
        )
        Event = self.env["retail.event"]
        for order in orders:
            payload = {
                "order": order,
                "catalog_skus": {
                    object_id: skus[object_id]
                    for object_id in square.catalog_object_ids(order)
                    if object_id in skus
                },
                "timezone": self._square_timezone(order.get("location_id")),
            }
            Event._receive(
                self,
                square.TOPIC,
                f"order:{order['id']}:{square.order_version(order)}",
                json.dumps(payload),
                external_updated_at=parse_datetime(order.get("updated_at")),
                subject=order["id"],
            )
        candidates = bounds or [order["updated_at"] for order in orders]
        pick = min if bounds else max
        return pick(candidates, key=parse_datetime)

    def _square_search(self, locations, since, limit):
        """Orders of ``locations`` updated at or after ``since``: one page,
        or more while every order read is still at ``since`` itself (so that
        a run always moves the checkpoint on). Whether more remain."""
        orders, cursor = square.search_orders(
            self._square_request, locations, since, None, limit
        )
        floor = parse_datetime(since) if since else None
        while (
            cursor
            and floor
            and orders
            and parse_datetime(orders[-1]["updated_at"]) <= floor
        ):
            page, cursor = square.search_orders(
                self._square_request, locations, since, cursor, limit
            )
            orders += page
        return orders, bool(cursor)

    # === SQUARE: BOOKING === #
    def _square_fetch_order(self, order_id, location_id=None):
        """The order, read now; transient when Square does not know it (yet)."""
        order = square.retrieve_orders(
            self._square_request, [order_id], location_id
        ).get(order_id)
        if not order:
            raise RetailTransientError(f"Square does not return order {order_id} (yet)")
        return order

    def _square_transaction(self, order, catalog_skus=None, timezone=None):
        """The ``PosTransaction`` of a Square order, reading from Square what
        the order does not say: the SKUs of its catalog item variations, its
        location's time zone and, for a return, the tender types of the sale
        it refunds.

        :raise RetailBusinessError: when the order cannot be booked
        """
        self.ensure_one()
        skus = dict(catalog_skus or {})
        missing = [i for i in square.catalog_object_ids(order) if i not in skus]
        if missing:
            skus.update(self._square_skus(missing))
        timezone = timezone or self._square_timezone(order.get("location_id"))
        types = square.tender_types_of(order)
        tender_ids, sources = square.refunded_tender_ids(order)
        if sources and any(tender_id not in types for tender_id in tender_ids):
            types.update(
                square.tender_types(
                    square.retrieve_orders(self._square_request, sources).values()
                )
            )
        try:
            return square.order_to_transaction(order, skus, timezone, types)
        except ValueError as error:
            raise RetailBusinessError(
                self.env._(
                    "Square order %(order)s cannot be booked: %(reason)s",
                    order=order.get("id"),
                    reason=error,
                ),
                code="invalid_square_order",
            ) from error
