# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Availability across channels and promotions, with a real Odoo server (its
queue_job runner processes the inbox and switches promotions): two
warehouses published to two Shopify locations, a WooCommerce store selling
the first one's stock. An order waiting in WooCommerce's inbox lowers what
Shopify's location on the same stock is shown; a promotion starting and
ending moves both channels' prices at its start and end."""

import json
import uuid
from datetime import timedelta

from simulator import Simulator
from waiting import wait_for

from odoo import fields

SECRET = "whsec_availability_e2e"
TOKEN = "sim-token"
MAIN_LOCATION = 655441491  # the Shopify simulator's first location


def _product(env, sku, stock):
    product = env["product.product"].create(
        {
            "name": f"Availability {sku}",
            "default_code": sku,
            "is_storable": True,
            "invoice_policy": "order",
            "list_price": 20.0,
            "taxes_id": False,
        }
    )
    for warehouse, quantity in stock:
        env["stock.quant"]._update_available_quantity(
            product, warehouse.lot_stock_id, quantity
        )
    return product


def _levels(shopify, item):
    return {
        location: level["available"]
        for (item_id, location), level in shopify.platform.levels.items()
        if item_id == item
    }


def test_waiting_orders_and_promotions_across_channels(odoo_server, committed_env):
    tag = uuid.uuid4().hex[:6].upper()
    sku = f"AV-{tag}"
    with committed_env() as env:
        currency = env.company.currency_id.name
    with (
        Simulator(
            platform="shopify",
            api_token=TOKEN,
            shop_domain="127.0.0.1",
            currency=currency,
            rate_per_second=100,
            burst=100,
        ) as shopify,
        Simulator(
            platform="woocommerce",
            webhook_secret=SECRET,
            currency=currency,
            rate_per_second=100,
            burst=100,
        ) as woo,
    ):
        outlet = shopify.platform.add_location("Outlet")
        listed = shopify.add_product(sku, price="20.00")
        variant = listed["variants"][0]
        woo_product = woo.add_product(sku, price="20.00")
        with committed_env() as env:
            main = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            second = env["stock.warehouse"].create(
                {"name": f"Outlet {tag}", "code": tag[:5]}
            )
            product = _product(env, sku, [(main, 100), (second, 40)])
            pricelist = env["product.pricelist"].create(
                {"name": f"Channels {tag}", "currency_id": env.company.currency_id.id}
            )
            common = {
                "kind": "marketplace",
                "warehouse_id": main.id,
                "pricelist_id": pricelist.id,
                "rate_limit": 100,
                "rate_burst": 100,
                "retry_delay": 1,
                "flow_ids": [],
            }
            Backend = env["retail.backend"]
            shop = Backend.create(
                dict(
                    common,
                    name=f"Shopify {tag}",
                    platform="shopify",
                    api_url=shopify.url,
                    api_version="2025-10",
                    access_token=TOKEN,
                    webhook_secret="shpss_availability",
                    channel_location_ids=[
                        (
                            0,
                            0,
                            {
                                "name": "Main",
                                "ref": str(MAIN_LOCATION),
                                "warehouse_ids": [(6, 0, main.ids)],
                            },
                        ),
                        (
                            0,
                            0,
                            {
                                "name": "Outlet",
                                "ref": str(outlet),
                                "warehouse_ids": [(6, 0, second.ids)],
                            },
                        ),
                    ],
                )
            )
            store = Backend.create(
                dict(
                    common,
                    name=f"WooCommerce {tag}",
                    platform="woocommerce",
                    api_url=woo.url,
                    api_key="ck_sim",
                    api_secret="cs_sim",
                    webhook_secret=SECRET,
                    channel_location_ids=[
                        (
                            0,
                            0,
                            {
                                "name": "Store",
                                "ref": "store",
                                "warehouse_ids": [(6, 0, main.ids)],
                            },
                        )
                    ],
                )
            )
            Binding = env["retail.product.binding"]
            Binding.create(
                {
                    "backend_id": shop.id,
                    "odoo_id": product.id,
                    "external_id": str(variant["id"]),
                    "parent_ref": str(listed["id"]),
                    "stock_ref": str(variant["inventory_item_id"]),
                }
            )
            Binding.create(
                {
                    "backend_id": store.id,
                    "odoo_id": product.id,
                    "external_id": str(woo_product["id"]),
                    "stock_ref": str(woo_product["id"]),
                }
            )
            shop_id, store_id, product_id = shop.id, store.id, product.id
            item = variant["inventory_item_id"]
        # Committed first: the HTTP client records its throttle on a cursor
        # of its own, which must see the backend.
        with committed_env() as env:
            env["retail.product.binding"]._publish_stock(
                env["retail.backend"].browse(shop_id)
            )

        assert _levels(shopify, item) == {MAIN_LOCATION: 100, outlet: 40}

        # An order WooCommerce received waits in its inbox (its tax is not
        # mapped): the units are sold, so Shopify's main location, on the
        # same stock, shows them gone; the outlet does not draw on it.
        order = woo.create_order(lines=[{"sku": sku, "quantity": 3, "price": "20.00"}])
        with committed_env() as env:
            env["retail.event"]._receive(
                env["retail.backend"].browse(store_id),
                "order.created",
                f"order.created:{order['id']}",
                json.dumps(order),
                subject=str(order["id"]),
            )

        def failed():
            with committed_env() as env:
                return env["retail.event"].search_count(
                    [("backend_id", "=", store_id), ("state", "=", "failed")]
                )

        wait_for(failed, 120, "the WooCommerce order to wait for a fix")
        with committed_env() as env:
            Binding = env["retail.product.binding"]
            Binding._publish_stock(env["retail.backend"].browse(shop_id))
            rows = Binding.search(
                [("backend_id", "=", shop_id), ("odoo_id", "=", product_id)]
            ).channel_stock_ids
            waiting = {row.location_ref: row.waiting_detail for row in rows}
        assert _levels(shopify, item) == {MAIN_LOCATION: 97, outlet: 40}
        assert f"WooCommerce {tag}: 3" in waiting[str(MAIN_LOCATION)]

        # A promotion of the shared pricelist, a few seconds from now: the
        # server's scheduled jobs switch it on and off on both channels.
        start = fields.Datetime.now() + timedelta(seconds=6)
        end = start + timedelta(seconds=8)
        with committed_env() as env:
            env["product.pricelist.item"].create(
                {
                    "pricelist_id": pricelist.id,
                    "applied_on": "0_product_variant",
                    "product_id": product_id,
                    "compute_price": "fixed",
                    "fixed_price": 15.0,
                    "date_start": start,
                    "date_end": end,
                }
            )
        shop_variant = shopify.platform.variants[variant["id"]]
        woo_row = woo.products[woo_product["id"]]

        def on_sale():
            return (
                shop_variant["price"] == "15.00"
                and shop_variant.get("compare_at_price") == "20.00"
                and woo_row.get("sale_price") == "15.0"
            )

        wait_for(on_sale, 60, "the promotion to start on both channels")
        assert woo_row["regular_price"] == "20.0"

        def ended():
            return (
                shop_variant["price"] == "20.00"
                and shop_variant.get("compare_at_price") is None
                and woo_row.get("sale_price") == ""
            )

        wait_for(ended, 60, "the promotion to end on both channels")

        # The channels answer before the job that called them commits what
        # it published, so Odoo's record of the ended promotion is waited
        # for, not read at once.
        def archived():
            with committed_env() as env:
                return (
                    env["retail.channel.promotion"]
                    .search([("product_id", "=", product_id), ("active", "=", False)])
                    .read(["backend_id", "published_at"])
                )

        wait_for(
            lambda: len(archived()) == 2, 30, "the ended promotions to be archived"
        )
        carried = archived()
        assert {row["backend_id"][0] for row in carried} == {shop_id, store_id}
        assert all(row["published_at"] >= start for row in carried)
