# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from collections import Counter
from dataclasses import asdict

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.retail_connector_base import jobs

from ..adapters.channel_model import (
    ListingVariant,
    ProductData,
    ProductListing,
    StockItem,
)
from .retail_backend import CATALOG_FAILURE, STOCK_FAILURE

# Failure kind of a quantity the channel refused, on the product.
STOCK_REFUSED = "stock_refused"
STOCK_LOCK_NAMESPACE = 727302  # first key of pg_advisory_xact_lock for stock
FAST_MOVER_DELAY = 2  # seconds: a burst of moves gives one publication


def _payload(data):
    """What a ``ProductData`` sends, as the binding's hash sees it."""
    return {key: str(value) for key, value in vars(data).items() if value is not None}


def _listing_payload(listing):
    """What a ``ProductListing`` sends, as the bindings' hash sees it: not
    the channel's ids, which the channel gave."""
    values = asdict(listing)
    values.pop("parent_ref")
    for variant in values["variants"]:
        variant.pop("external_id")
        variant.pop("stock_ref")
        # Left out when there is none, so that listings hashed before
        # variants had images hash the same and are not all sent again.
        if variant["image_url"] is None:
            variant.pop("image_url")
    return json.loads(json.dumps(values, default=str))


class RetailProductBinding(models.Model):
    _inherit = "retail.product.binding"

    parent_ref = fields.Char(
        "Channel parent id", help="The channel's product id when it lists variants."
    )
    stock_ref = fields.Char(
        "Channel stock id",
        help="What the channel's stock API addresses (Shopify: the inventory "
        "item id); the external id when empty.",
    )
    buffer_override = fields.Boolean(
        "Own safety buffer", help="Use this product's buffer, not the backend's."
    )
    stock_buffer = fields.Integer("Safety buffer")
    published_qty = fields.Integer("Published quantity", readonly=True)
    published_at = fields.Datetime("Stock published at", readonly=True)

    # === STOCK === #
    def _get_stock_ref(self):
        """What the channel's stock API addresses for this listing, asked of
        the channel once when the listing came from an order line.
        Note: self.ensure_one"""
        self.ensure_one()
        if not self.stock_ref:
            self.stock_ref = self.backend_id._adapter("marketplace").stock_ref_for(
                self.external_id
            )
        return self.stock_ref

    @api.model
    def _channel_quantities(self, backend, bindings):
        """What the channel may sell of each bound product: free quantity in
        the backend's warehouse, minus the safety buffer, minus what channel
        orders already received but not imported yet will take; never below
        zero."""
        products = bindings.odoo_id.with_context(
            warehouse_id=backend.warehouse_id.id or None
        )
        # Quants and moves may have changed in this transaction since the
        # quantity was last read; it is not a stored field that would know.
        products.invalidate_recordset(["free_qty"])
        free = {product.id: product.free_qty for product in products}
        pending = self._pending_channel_quantities(backend)
        quantities = {}
        for binding in bindings:
            buffer = (
                binding.stock_buffer
                if binding.buffer_override
                else backend.stock_buffer
            )
            available = free[binding.odoo_id.id] - buffer - pending[binding.odoo_id]
            # An archived product stays listed (a channel showing variants
            # together keeps it with its siblings) but is not sold.
            quantities[binding] = (
                max(0, int(available)) if binding.odoo_id.active else 0
            )
        return quantities

    @api.model
    def _pending_channel_quantities(self, backend):
        """Units of channel orders waiting in the inbox (not yet sale orders),
        by product."""
        adapter = backend._adapter("marketplace")
        Product = self.env["product.product"]
        events = self.env["retail.event"].search(
            [
                ("backend_id", "=", backend.id),
                ("state", "in", ("pending", "failed")),
            ]
        )
        imported = set(
            self.env["retail.order.binding"]
            .search(
                [
                    ("backend_id", "=", backend.id),
                    ("external_id", "in", events.mapped("subject_key")),
                ]
            )
            .mapped("external_id")
        )
        waiting, seen = Counter(), set()
        for event in events:
            if adapter.event_kind(event.topic) != "order":
                continue
            try:
                order = adapter.parse_order(json.loads(event.payload or "{}"))
            except ValueError:
                continue
            if order.external_id in imported or order.external_id in seen:
                continue
            seen.add(order.external_id)
            for line in order.lines:
                waiting[Product._retail_find_for_line(backend, line)] += int(
                    line.quantity
                )
        return waiting

    @api.model
    def _publish_stock(self, backend, bindings=None):
        """Send the channel quantities that changed since they were last
        published, in the platform's bulk calls. One publication at a time per
        backend, so an older computation never lands after a newer one."""
        if not backend._owns("stock"):
            return 0
        self.env.cr.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", (STOCK_LOCK_NAMESPACE, backend.id)
        )
        if bindings is None:
            bindings = self.search([("backend_id", "=", backend.id)])
        quantities = self._channel_quantities(backend, bindings)
        changed = {
            binding: quantity
            for binding, quantity in quantities.items()
            if quantity != binding.published_qty or not binding.published_at
        }
        if not changed:
            return 0
        items = [
            StockItem(
                stock_ref=binding._get_stock_ref(),
                sku=binding.odoo_id.default_code or "",
                quantity=quantity,
            )
            for binding, quantity in changed.items()
        ]
        refused = backend._adapter("marketplace").push_stock(
            items, backend.location_ref
        )
        # The channel answered: a publication that had given up is over.
        self.env["retail.exception.activity"]._resolve(backend, STOCK_FAILURE)
        now = fields.Datetime.now()
        Activity = self.env["retail.exception.activity"]
        for binding, quantity in changed.items():
            reason = refused.get(binding._get_stock_ref())
            if reason is None:
                binding.write({"published_qty": quantity, "published_at": now})
                Activity._resolve(binding.odoo_id, STOCK_REFUSED)
                continue
            # Per product, so the others' quantities are kept as published
            # and a person sees which listing the channel would not take.
            Activity._raise(
                backend,
                binding.odoo_id,
                STOCK_REFUSED,
                self.env._("Stock refused by %(backend)s", backend=backend.name),
                self.env._(
                    "%(backend)s refused the quantity %(quantity)s of %(sku)s: "
                    "%(reason)s. It is sent again with the next publication.",
                    backend=backend.name,
                    quantity=quantity,
                    sku=binding.odoo_id.default_code or binding._get_stock_ref(),
                    reason=reason,
                ),
            )
        backend.stock_published_at = now
        return len(changed)

    @api.model
    def _enqueue_fast_movers(self, products):
        """Publish the stock of fast movers within seconds, one job per backend
        for a burst of moves."""
        bindings = self.search(
            [
                ("odoo_id", "in", products.ids),
                ("odoo_id.retail_fast_mover", "=", True),
                ("backend_id.kind", "=", "marketplace"),
                ("backend_id.active", "=", True),
            ]
        )
        for backend in bindings.backend_id:
            if backend._get_flow_mode("stock_out") == "off":
                continue
            method = "_retail_publish_fast_movers"
            jobs.delay_drain(
                backend,
                method,
                backend._retail_job_identity(method),
                eta=FAST_MOVER_DELAY,
                **backend._retail_job_options(method),
            )

    # === CATALOG === #
    def _product_data(self):
        """What Odoo owns of the product, for the channel. Note: self.ensure_one"""
        self.ensure_one()
        backend, product = self.backend_id, self.odoo_id
        data = ProductData(sku=product.default_code or "")
        if backend._owns("products"):
            data.title = product.name
            data.description = product.description_sale or ""
            data.barcode = product.barcode or ""
        if backend._owns("prices"):
            pricelist = backend.pricelist_id
            price = (
                pricelist._get_product_price(product, 1.0)
                if pricelist
                else product.lst_price
            )
            data.price = product.currency_id.round(price)
        return data

    @api.model
    def _export_products(self, backend, bindings=None):
        """Send each bound product whose published data changed since the
        last export (the binding keeps a hash of what was sent); to a channel
        listing variants under one product, each product (template) with its
        variants."""
        if bindings is None:
            bindings = self.search([("backend_id", "=", backend.id)])
        adapter = backend._adapter("marketplace")
        if adapter.lists_variants:
            return self._export_listings(backend, bindings.odoo_id.product_tmpl_id)
        sent = 0
        for binding in bindings:
            data = binding._product_data()
            payload = {
                key: str(value)
                for key, value in vars(data).items()
                if value is not None
            }
            if binding.payload_hash == self._hash_payload(payload):
                continue
            refs = adapter.push_product(
                {
                    "external_id": binding.external_id,
                    "parent_ref": binding.parent_ref,
                    "stock_ref": binding.stock_ref,
                },
                data,
            )
            binding.write(
                {
                    "parent_ref": refs.get("parent_ref") or binding.parent_ref,
                    "stock_ref": refs.get("stock_ref") or binding.stock_ref,
                    "payload_hash": self._hash_payload(payload),
                    "sync_date": fields.Datetime.now(),
                }
            )
            sent += 1
        return sent

    @api.model
    def _publish_new_product(self, backend, product):
        """List ``product`` on the channel and bind it: on a channel listing
        variants under one product, with the other variants of its
        template."""
        existing = self.search(
            [("backend_id", "=", backend.id), ("odoo_id", "=", product.id)], limit=1
        )
        if existing:
            return existing
        if backend._adapter("marketplace").lists_variants:
            self._export_listings(backend, product.product_tmpl_id, raise_refusal=True)
            return self.search(
                [("backend_id", "=", backend.id), ("odoo_id", "=", product.id)]
            )
        probe = self.new({"backend_id": backend.id, "odoo_id": product.id})
        data = probe._product_data()
        refs = backend._adapter("marketplace").push_product(
            {"external_id": None, "parent_ref": None, "stock_ref": None},
            data,
        )
        payload = _payload(data)
        return self.create(
            {
                "backend_id": backend.id,
                "odoo_id": product.id,
                "external_id": refs["external_id"],
                "parent_ref": refs.get("parent_ref"),
                "stock_ref": refs.get("stock_ref"),
                "payload_hash": self._hash_payload(payload),
                "sync_date": fields.Datetime.now(),
            }
        )

    # === LISTINGS (channels listing variants under one product) === #
    @api.model
    def _listing_products(self, backend, template):
        """``(products, bindings)``: the variants of ``template`` its listing
        shows, its active variants and the archived ones already listed
        (kept, not sold: a variant left out would be deleted on the
        channel), and their bindings on ``backend``."""
        products = template.with_context(active_test=False).product_variant_ids
        bindings = self.search(
            [("backend_id", "=", backend.id), ("odoo_id", "in", products.ids)]
        )
        # In a fixed order, so that the same listing hashes the same.
        shown = products.filtered(lambda p: p.active or p in bindings.odoo_id)
        return shown.sorted("id"), bindings

    @api.model
    def _listing(self, backend, template, products, bindings):
        """The ``ProductListing`` of ``template`` showing ``products``: its
        options are the attributes that make its variants."""
        lines = template.attribute_line_ids.filtered(
            lambda line: line.attribute_id.create_variant != "no_variant"
        )
        by_product = {binding.odoo_id: binding for binding in bindings}
        owned = backend._owns("products")
        variants = []
        for product in products:
            bound = by_product.get(product)
            binding = bound or self.new(
                {"backend_id": backend.id, "odoo_id": product.id}
            )
            names = {
                value.attribute_id: value.name
                for value in product.product_template_attribute_value_ids
            }
            weighed = owned and template.weight_uom_name in ("kg", "lb")
            variants.append(
                ListingVariant(
                    data=binding._product_data(),
                    option_values=[names.get(line.attribute_id, "") for line in lines],
                    weight=product.weight if weighed else None,
                    weight_unit=template.weight_uom_name if weighed else "kg",
                    image_url=(product.retail_image_url or None) if owned else None,
                    external_id=bound.external_id if bound else None,
                    stock_ref=(bound.stock_ref or None) if bound else None,
                )
            )
        listing = ProductListing(
            name=template.name,
            parent_ref=next(iter(filter(None, bindings.mapped("parent_ref"))), None),
            options=[line.attribute_id.name for line in lines],
            variants=variants,
        )
        if owned:
            listing.title = template.name
            listing.description = template.description_sale or ""
            listing.status = (
                "active"
                if template.active and any(products.mapped("active"))
                else "archived"
            )
            listing.image_urls = template._retail_image_urls()
        return listing

    @api.model
    def _export_listings(self, backend, templates, raise_refusal=False):
        """Send each product of ``templates`` whose listing changed since it
        was last sent, and bind its variants to what the channel answered. A
        product the channel refuses gets a sync exception activity naming
        the channel's reason (or, with ``raise_refusal``, raises it) and the
        others go on; the activity is marked done once it goes through."""
        adapter = backend._adapter("marketplace")
        Activity = self.env["retail.exception.activity"]
        sent = 0
        for template in templates:
            products, bindings = self._listing_products(backend, template)
            listing = self._listing(backend, template, products, bindings)
            digest = self._hash_payload(_listing_payload(listing))
            if len(bindings) == len(products) and set(
                bindings.mapped("payload_hash")
            ) == {digest}:
                continue
            try:
                with self.env.cr.savepoint():
                    refs = adapter.push_listing(listing)
            except UserError as error:
                if raise_refusal:
                    raise
                Activity._raise(
                    backend,
                    template,
                    CATALOG_FAILURE,
                    self.env._("Product not published to %(name)s", name=backend.name),
                    str(error),
                )
                continue
            self._bind_listing(backend, products, bindings, refs, digest)
            Activity._resolve(template, CATALOG_FAILURE)
            sent += 1
        return sent

    @api.model
    def _bind_listing(self, backend, products, bindings, refs, digest):
        by_product = {binding.odoo_id: binding for binding in bindings}
        now = fields.Datetime.now()
        for product, variant in zip(products, refs["variants"], strict=True):
            if not variant["external_id"]:
                continue
            values = {
                "external_id": variant["external_id"],
                "parent_ref": refs["parent_ref"],
                "stock_ref": variant["stock_ref"],
                "payload_hash": digest,
                "sync_date": now,
            }
            binding = by_product.get(product)
            if binding:
                binding.write(values)
            else:
                self.create(dict(values, backend_id=backend.id, odoo_id=product.id))

    @api.model
    def _forget_products(self, products):
        """Before ``products`` are deleted, and their bindings with them: on a
        channel listing variants under one product, the product is archived
        (a job) once none of its variants is left in Odoo, else sent again
        without the deleted ones at the next export."""
        bindings = self.sudo().search(
            [("odoo_id", "in", products.ids), ("parent_ref", "!=", False)]
        )
        listed = {(binding.backend_id, binding.parent_ref) for binding in bindings}
        for backend, parent_ref in listed:
            if not (
                backend._has_adapter("marketplace")
                and backend._adapter("marketplace").lists_variants
            ):
                continue
            others = self.sudo().search(
                [
                    ("backend_id", "=", backend.id),
                    ("parent_ref", "=", parent_ref),
                    ("odoo_id", "not in", products.ids),
                ]
            )
            if others:
                others.payload_hash = False
                continue
            # As the backend's responsible person: whoever deletes the
            # product need not be a connector user.
            owner = backend.with_user(backend.user_id or SUPERUSER_ID)
            owner.with_company(backend.company_id).with_delay(
                **owner._retail_job_options("_retail_archive_listing")
            )._retail_archive_listing(parent_ref)
