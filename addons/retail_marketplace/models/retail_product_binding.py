# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from collections import Counter
from dataclasses import asdict
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.retail_connector_base import jobs

from ..adapters.channel_model import (
    ListingVariant,
    PriceItem,
    ProductData,
    ProductListing,
    StockItem,
)
from .retail_backend import CATALOG_FAILURE, STOCK_FAILURE

# Failure kind of a quantity the channel refused, on the product.
STOCK_REFUSED = "stock_refused"
# Failure kinds of a promotion, on the product.
PROMOTION_REFUSED = "promotion_refused"
PROMOTION_NOT_CARRIED = "promotion_not_carried"
STOCK_LOCK_NAMESPACE = 727302  # first key of pg_advisory_xact_lock for stock
FAST_MOVER_DELAY = 2  # seconds: a burst of moves gives one publication


def _payload(data):
    """What a ``ProductData`` sends, as the binding's hash sees it."""
    return {key: str(value) for key, value in vars(data).items() if value is not None}


class _DefaultCounters(dict):
    """Per product, a ``Counter`` by backend name; an empty one if none."""

    def __missing__(self, key):
        return Counter()


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
    channel_stock_ids = fields.One2many(
        "retail.channel.stock",
        "binding_id",
        string="Per channel location",
        help="What each channel location was last shown, and why.",
    )

    def write(self, vals):
        result = super().write(vals)
        if {"stock_buffer", "buffer_override"} & set(vals):
            self.env["retail.stock.change"]._mark(self.odoo_id)
        return result

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
    def _channel_quantities(self, backend, bindings, target=None):
        """``{binding: quantity}`` the channel location ``target`` (the
        backend's first, by default) may sell of each bound product; none
        when the backend has no channel location to publish to."""
        target = target or next(iter(backend._retail_stock_targets()), None)
        if target is None:
            return {}
        return {
            binding: figures["quantity"]
            for binding, figures in self._availability(
                backend, target, bindings
            ).items()
        }

    @api.model
    def _availability(self, backend, target, bindings):
        """``{binding: figures}``: what the channel location ``target``
        (a ``StockTarget``) may sell of each bound product, and why. The free
        quantity of the Odoo locations it sells, minus the backend's (or the
        listing's) buffer and the product's channel safety stock, minus the
        units of channel orders waiting in the inbox of any backend whose
        orders draw on that stock, minus the imported channel orders not
        confirmed yet; never below zero."""
        locations = target.locations
        products = bindings.odoo_id.with_context(
            location=locations.ids or None,
            warehouse_id=None if locations else backend.warehouse_id.id or None,
        )
        # Quants and moves may have changed in this transaction since the
        # quantity was last read; it is not a stored field that would know.
        products.invalidate_recordset(["free_qty"])
        free = {product.id: product.free_qty for product in products}
        waiting, detail = self._waiting_quantities(backend, locations)
        drafts = self._draft_quantities(backend, locations, products)
        figures = {}
        for binding in bindings:
            product = binding.odoo_id
            buffer = (
                binding.stock_buffer
                if binding.buffer_override
                else backend.stock_buffer
            )
            safety = product.retail_safety_stock
            available = (
                free[product.id] - buffer - safety - waiting[product] - drafts[product]
            )
            figures[binding] = {
                "free_qty": free[product.id],
                "buffer": buffer,
                "safety_stock": safety,
                "waiting_qty": waiting[product],
                "waiting_detail": ", ".join(
                    f"{name}: {units}"
                    for name, units in sorted(detail[product].items())
                ),
                "draft_qty": drafts[product],
                # An archived product stays listed (a channel showing variants
                # together keeps it with its siblings) but is not sold.
                "quantity": max(0, int(available)) if product.active else 0,
            }
        return figures

    @api.model
    def _draws_on(self, backend, locations):
        """Whether the orders of ``backend`` take stock from ``locations``
        (empty: every warehouse of its company): they are delivered from its
        warehouse, or the company's first one."""
        warehouse = backend.warehouse_id or self.env["stock.warehouse"].search(
            [("company_id", "=", backend.company_id.id)], limit=1
        )
        if not locations or not warehouse:
            return True
        path = warehouse.view_location_id.parent_path
        return any(
            path.startswith(location.parent_path)
            or location.parent_path.startswith(path)
            for location in locations
        )

    @api.model
    def _waiting_quantities(self, backend, locations):
        """``(units, detail)``: units of channel orders waiting in the inbox
        of every marketplace backend of the company whose orders draw on
        ``locations``, by product, and per product by backend name. Orders
        one channel received are sold stock for every other channel selling
        the same shelves."""
        units, detail = Counter(), {}
        for other in self._sellers_of(backend):
            if not self._draws_on(other, locations):
                continue
            for product, quantity in self._pending_cached(other).items():
                units[product] += quantity
                detail.setdefault(product, Counter())[other.name] += quantity
        return units, _DefaultCounters(detail)

    @api.model
    def _sellers_of(self, backend):
        """The marketplace backends of ``backend``'s company (itself
        included) whose inboxes may hold orders on its stock."""
        backends = (
            self.env["retail.backend"]
            .sudo()
            .search(
                [
                    ("kind", "=", "marketplace"),
                    ("company_id", "=", backend.company_id.id),
                ]
            )
        )
        return (backends | backend.sudo()).filtered(
            lambda record: record._has_adapter("marketplace")
        )

    @api.model
    def _pending_cached(self, backend):
        """``_pending_channel_quantities``, read once per publication (the
        context's ``retail_waiting_cache``) however many channel locations
        it has."""
        cache = self.env.context.get("retail_waiting_cache")
        if cache is None:
            return self._pending_channel_quantities(backend)
        if backend.id not in cache:
            cache[backend.id] = self._pending_channel_quantities(backend)
        return cache[backend.id]

    @api.model
    def _draft_quantities(self, backend, locations, products):
        """Units of imported channel orders (any backend) not confirmed yet,
        delivered from ``locations``, by product: confirmed, they reserve
        the stock; until then nothing else holds it."""
        lines = (
            self.env["sale.order.line"]
            .sudo()
            .search(
                [
                    ("product_id", "in", products.ids),
                    ("order_id.retail_backend_id", "!=", False),
                    ("order_id.state", "in", ("draft", "sent")),
                    ("order_id.company_id", "=", backend.company_id.id),
                ]
            )
        )
        units = Counter()
        for line in lines:
            warehouse = line.order_id.warehouse_id
            if locations and not any(
                warehouse.view_location_id.parent_path.startswith(loc.parent_path)
                or loc.parent_path.startswith(warehouse.view_location_id.parent_path)
                for loc in locations
            ):
                continue
            units[line.product_id.with_env(self.env)] += int(line.product_uom_qty)
        return units

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
                product = Product._retail_find_for_line(backend, line)
                waiting[product.with_env(self.env)] += int(line.quantity)
        return waiting

    @api.model
    def _stock_candidates(self, backend):
        """``(bindings, cursor)``: the bindings of ``backend`` whose channel
        quantity may have changed since its last publication (marked
        products, products of orders waiting or unconfirmed now or at the
        last publication, listings never published), and the cursor the
        next publication reads marks from. Every binding when the backend
        never published or one of its rules changed."""
        Change = self.env["retail.stock.change"]
        cursor = Change._cursor_now()
        domain = [("backend_id", "=", backend.id)]
        if not backend.stock_change_cursor:
            return self.search(domain), cursor
        product_ids = Change._changed_since(backend.stock_change_cursor)
        for other in self._sellers_of(backend):
            product_ids.update(product.id for product in self._pending_cached(other))
        product_ids.update(
            self.env["sale.order.line"]
            .sudo()
            .search(
                [
                    ("order_id.retail_backend_id", "!=", False),
                    ("order_id.state", "in", ("draft", "sent")),
                    ("order_id.company_id", "=", backend.company_id.id),
                ]
            )
            .product_id.ids
        )
        held = self.env["retail.channel.stock"].search(
            [
                ("backend_id", "=", backend.id),
                "|",
                ("waiting_qty", "!=", 0),
                ("draft_qty", "!=", 0),
            ]
        )
        product_ids.update(held.product_id.ids)
        bindings = self.search(
            domain
            + ["|", ("odoo_id", "in", list(product_ids)), ("published_at", "=", False)]
        )
        return bindings, cursor

    @api.model
    def _publish_stock(self, backend, bindings=None):
        """Send each channel location of the backend the quantities that
        changed since they were last published, in the platform's bulk
        calls. Without ``bindings``, reads only the products whose stock or
        rule changed since the last publication. One publication at a time
        per backend, so an older computation never lands after a newer
        one."""
        if not backend._owns("stock"):
            return 0
        self.env.cr.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", (STOCK_LOCK_NAMESPACE, backend.id)
        )
        self = self.with_context(retail_waiting_cache={})
        cursor = None
        if bindings is None:
            bindings, cursor = self._stock_candidates(backend)
        sent = 0
        for target in backend._retail_stock_targets():
            sent += self._publish_target(backend, target, bindings)
        # The channel answered: a publication that had given up is over.
        self.env["retail.exception.activity"]._resolve(backend, STOCK_FAILURE)
        values = {"stock_published_at": fields.Datetime.now()}
        if cursor is not None:
            values["stock_change_cursor"] = cursor
        backend.write(values)
        if cursor is not None:
            self.env["retail.stock.change"]._prune()
        return sent

    @api.model
    def _publish_target(self, backend, target, bindings, force=False):
        """Publish to one channel location; the number of quantities sent.
        ``force``: send them all, whatever was published (a reconciliation
        found the channel showing something else)."""
        figures = self._availability(backend, target, bindings)
        # Written by the publication whoever starts it; nobody edits them.
        Row = self.env["retail.channel.stock"].sudo()
        rows = {
            row.binding_id: row
            for row in Row.search(
                [
                    ("binding_id", "in", bindings.ids),
                    ("channel_location_id", "=", target.channel_location.id),
                ]
            )
        }
        legacy = not target.channel_location

        def published(binding):
            if legacy:
                return binding.published_qty if binding.published_at else None
            row = rows.get(binding)
            return row.quantity if row and row.published_at else None

        changed = {
            binding: values
            for binding, values in figures.items()
            if force or values["quantity"] != published(binding)
        }
        refused = {}
        if changed:
            items = [
                StockItem(
                    stock_ref=binding._get_stock_ref(),
                    sku=binding.odoo_id.default_code or "",
                    quantity=values["quantity"],
                )
                for binding, values in changed.items()
            ]
            refused = backend._adapter("marketplace").push_stock(items, target.ref)
        now = fields.Datetime.now()
        Activity = self.env["retail.exception.activity"]
        for binding, values in figures.items():
            row = rows.get(binding)
            record = binding in changed or (
                row
                and (row.waiting_qty, row.draft_qty)
                != (values["waiting_qty"], values["draft_qty"])
            )
            reason = (
                refused.get(binding._get_stock_ref()) if binding in changed else None
            )
            row_values = dict(values, location_ref=target.ref or "", refused=reason)
            if binding in changed and reason is None:
                row_values["published_at"] = now
                if legacy:
                    binding.write(
                        {"published_qty": values["quantity"], "published_at": now}
                    )
                Activity._resolve(binding.odoo_id, STOCK_REFUSED)
            elif binding in changed:
                # What the channel refused is not what it shows.
                row_values["quantity"] = row.quantity if row else 0
                self._stock_refused(backend, binding, values["quantity"], reason)
            if row and record:
                row.write(row_values)
            elif record or values["waiting_qty"] or values["draft_qty"]:
                Row.create(
                    dict(
                        row_values,
                        binding_id=binding.id,
                        channel_location_id=target.channel_location.id,
                    )
                )
        return len(changed)

    def _stock_refused(self, backend, binding, quantity, reason):
        # Per product, so the others' quantities are kept as published
        # and a person sees which listing the channel would not take.
        self.env["retail.exception.activity"]._raise(
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

    @api.model
    def _enqueue_fast_movers(self, products):
        """Publish the stock of fast movers within seconds, one job per backend
        for a burst of moves. Whoever moves stock (a warehouse worker) need
        be no connector user: the bindings are read, and the job enqueued,
        as the system in the backend's company; the job touches only the
        channel."""
        bindings = self.sudo().search(
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
            backend = backend.with_user(SUPERUSER_ID).with_company(backend.company_id)
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
            regular, sale, rule = self._price_state()
            data.price = regular
            if sale is not None:
                data.sale_price = sale
                data.sale_from = rule.date_start or None
                data.sale_to = rule.date_end or None
        return data

    def _price_state(self, when=None):
        """``(regular price, sale price or None, dated rule)`` of the listing
        at ``when`` (now by default): the backend's pricelist resolves the
        rule as it does for a sale order (overlapping rules included); a
        winning rule with dates that lowers the price is a promotion, the
        regular price being the pricelist's without its dated rules.
        Note: self.ensure_one"""
        self.ensure_one()
        product, pricelist = self.odoo_id, self.backend_id.pricelist_id
        Rule = self.env["product.pricelist.item"]
        round_ = product.currency_id.round
        if not pricelist:
            return round_(product.lst_price), None, Rule
        regular = round_(
            pricelist.with_context(retail_regular_price=True)._get_product_price(
                product, 1.0
            )
        )
        price, rule_id = pricelist._get_product_price_rule(
            product, 1.0, date=when or fields.Datetime.now()
        )
        rule = Rule.browse(rule_id)
        price = round_(price)
        if rule and (rule.date_start or rule.date_end) and price < regular:
            return regular, price, rule
        return price, None, Rule

    @api.model
    def _promotion_bindings(self, backend):
        """``(bindings, not carried, rules)``: the listings of ``backend`` a
        dated rule of its pricelist applies to or that carry a promotion, the
        products a dated rule names that the backend does not list, and the
        dated rules."""
        Rule = self.env["product.pricelist.item"]
        rules = Rule.search(
            [
                ("pricelist_id", "=", backend.pricelist_id.id or 0),
                "|",
                ("date_start", "!=", False),
                ("date_end", "!=", False),
            ]
        )
        domain = [("backend_id", "=", backend.id)]
        named = rules.product_id | rules.product_tmpl_id.product_variant_ids
        if any(rule.applied_on == "3_global" for rule in rules):
            bindings = self.search(domain)
        elif rules.categ_id:
            bindings = self.search(
                domain
                + [
                    "|",
                    ("odoo_id", "in", named.ids),
                    ("odoo_id.categ_id", "child_of", rules.categ_id.ids),
                ]
            )
        else:
            bindings = self.search(domain + [("odoo_id", "in", named.ids)])
        carrying = self.env["retail.channel.promotion"].search(
            [("backend_id", "=", backend.id)]
        )
        return bindings | carrying.binding_id, named - bindings.odoo_id, rules

    @api.model
    def _publish_promotions(self, backend):
        """Publish the listings whose promotion started, ended or changed
        since last published (the channel's sale price and regular price),
        through ``push_prices``; the number published. A promotion the
        channel does not carry, or that would sell below zero, is a sync
        exception on the product naming the channel, and that listing's
        prices are left as they are."""
        if not backend._owns("prices"):
            return 0
        adapter = backend._adapter("marketplace")
        if not adapter.publishes_promotions:
            return 0
        bindings, not_carried, rules = self._promotion_bindings(backend)
        Activity = self.env["retail.exception.activity"]
        for product in not_carried:
            Activity._raise(
                backend,
                product,
                PROMOTION_NOT_CARRIED,
                self.env._("Promotion not carried by %(name)s", name=backend.name),
                self.env._(
                    "A dated rule of pricelist %(pricelist)s puts %(product)s on "
                    "promotion, but %(name)s does not list it: nothing is "
                    "published there. List it on the channel, or leave it out "
                    "of the rule.",
                    pricelist=backend.pricelist_id.display_name,
                    product=product.display_name,
                    name=backend.name,
                ),
            )
        # Written by the publication whoever starts it; nobody edits them.
        Promotion = self.env["retail.channel.promotion"].sudo()
        carried = {
            row.binding_id: row
            for row in Promotion.search([("binding_id", "in", bindings.ids)])
        }
        planned = {}
        for binding in bindings:
            regular, sale, rule = binding._price_state()
            row = carried.get(binding)
            wanted = (
                regular,
                sale,
                rule.id or False,
                rule.date_start or False,
                rule.date_end or False,
            )
            shown = (
                (
                    row.regular_price,
                    row.sale_price,
                    row.rule_id.id,
                    row.date_start,
                    row.date_end,
                )
                if row
                else (None, None, False, False, False)
            )
            if not row and sale is None:
                continue
            if wanted == shown:
                continue
            if (sale is not None and sale < 0) or regular < 0:
                self._promotion_refused(
                    backend,
                    binding,
                    self.env._(
                        "The promotion of %(product)s would sell it at %(price)s "
                        "on %(name)s, below zero: nothing was published. Fix "
                        "the pricelist rule.",
                        product=binding.odoo_id.display_name,
                        price=sale if sale is not None else regular,
                        name=backend.name,
                    ),
                )
                continue
            planned[binding] = (wanted, rule)
        if not planned:
            return 0
        items = [
            PriceItem(
                external_id=binding.external_id,
                parent_ref=binding.parent_ref or None,
                sku=binding.odoo_id.default_code or "",
                price=wanted[0],
                sale_price=wanted[1],
                sale_from=wanted[3] or None,
                sale_to=wanted[4] or None,
            )
            for binding, (wanted, _rule) in planned.items()
        ]
        accepted = self._prices_accepted(backend, planned, adapter.push_prices(items))
        now = fields.Datetime.now()
        for binding, (wanted, rule) in planned.items():
            if binding not in accepted:
                continue
            Activity._resolve(binding.odoo_id, PROMOTION_NOT_CARRIED)
            row = carried.get(binding)
            regular, sale, _rule_id, start, end = wanted
            if row and (sale is None or row.rule_id != rule):
                row.write({"active": False, "ended_at": now})
                row = None
            values = {
                "regular_price": regular,
                "sale_price": sale,
                "date_start": start,
                "date_end": end,
            }
            if row:
                row.write(values)
            elif sale is not None:
                Promotion.create(
                    dict(
                        values,
                        binding_id=binding.id,
                        rule_id=rule.id,
                        published_at=now,
                    )
                )
        return len(accepted)

    @api.model
    def _publish_regular_prices(self, backend):
        """The prices flow of a channel Odoo sends no products to (the
        adapter's ``exports_catalog``): the regular price of each listing
        whose price changed since last sent (the binding's hash of it),
        through ``push_prices``; the number published. Listings on
        promotion are ``_publish_promotions``'s. A price refused, or below
        zero, is a sync exception on the product naming the channel."""
        if not backend._owns("prices"):
            return 0
        adapter = backend._adapter("marketplace")
        if not adapter.publishes_promotions:
            return 0
        carrying = (
            self.env["retail.channel.promotion"]
            .search([("backend_id", "=", backend.id)])
            .binding_id
        )
        planned = {}
        for binding in self.search([("backend_id", "=", backend.id)]) - carrying:
            regular, sale, _rule = binding._price_state()
            digest = self._hash_payload({"price": str(regular)})
            if sale is not None or binding.payload_hash == digest:
                continue
            if regular < 0:
                self._promotion_refused(
                    backend,
                    binding,
                    self.env._(
                        "The price of %(product)s on %(name)s would be "
                        "%(price)s, below zero: nothing was published. Fix "
                        "the pricelist.",
                        product=binding.odoo_id.display_name,
                        price=regular,
                        name=backend.name,
                    ),
                )
                continue
            planned[binding] = (regular, digest)
        if not planned:
            return 0
        refused = adapter.push_prices(
            [
                PriceItem(
                    external_id=binding.external_id,
                    parent_ref=binding.parent_ref or None,
                    sku=binding.odoo_id.default_code or "",
                    price=regular,
                )
                for binding, (regular, _digest) in planned.items()
            ]
        )
        accepted = self._prices_accepted(backend, planned, refused)
        now = fields.Datetime.now()
        for binding in accepted:
            binding.write({"payload_hash": planned[binding][1], "sync_date": now})
        return len(accepted)

    @api.model
    def _prices_accepted(self, backend, bindings, refused):
        """The ``bindings`` whose prices ``refused`` (``push_prices``'s
        answer) does not name, their refusal resolved; each one it names
        gets a sync exception with the channel's reason."""
        Activity = self.env["retail.exception.activity"]
        accepted = self.browse()
        for binding in bindings:
            reason = refused.get(binding.external_id)
            if reason is None:
                Activity._resolve(binding.odoo_id, PROMOTION_REFUSED)
                accepted |= binding
                continue
            self._promotion_refused(
                backend,
                binding,
                self.env._(
                    "%(name)s refused the prices of %(product)s: %(reason)s. "
                    "They are sent again with the next publication.",
                    name=backend.name,
                    product=binding.odoo_id.display_name,
                    reason=reason,
                ),
            )
        return accepted

    @api.model
    def _promotion_refused(self, backend, binding, note):
        """A sync exception on the product: its prices were not published
        to ``backend``, for the reason ``note`` gives."""
        self.env["retail.exception.activity"]._raise(
            backend,
            binding.odoo_id,
            PROMOTION_REFUSED,
            self.env._("Promotion not published to %(name)s", name=backend.name),
            note,
        )

    @api.model
    def _next_promotion_switch(self, backend):
        """When the next dated rule of the backend's pricelist starts or
        ends (a rule applies up to its end, inclusive), None if none will."""
        _bindings, _missing, rules = self._promotion_bindings(backend)
        now = fields.Datetime.now()
        moments = [rule.date_start for rule in rules if rule.date_start] + [
            rule.date_end + timedelta(seconds=1) for rule in rules if rule.date_end
        ]
        future = [moment for moment in moments if moment > now]
        return min(future) if future else None

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
