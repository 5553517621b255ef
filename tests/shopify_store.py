# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A Shopify backend on the simulator playing the shop, with its tax mapping,
stocked products, invoicing and payment, for the Shopify end-to-end tests."""


def create_shopify_store(env, sim, label, code, products, **backend_values):
    """The backend of ``sim`` (a Shopify simulator) named after ``label``,
    its payout journal coded ``code``; ``products`` are ``(sku, price,
    stock, product values)``, added to the shop and stocked in Odoo.
    ``backend_values`` complete or override the backend's (its flows, its
    API version). Nothing is committed here."""
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", env.company.id)], limit=1
    )
    tax = env["account.tax"].create(
        {
            "name": f"{label} VAT 20%",
            "amount": 20,
            "type_tax_use": "sale",
            "price_include_override": "tax_excluded",
        }
    )
    Product = env["product.product"]
    for index, (sku, price, stock, values) in enumerate(products, start=1):
        product = Product.create(
            {
                "name": f"{label} item {index}",
                "default_code": sku,
                "is_storable": True,
                "invoice_policy": "order",
                **values,
            }
        )
        env["stock.quant"]._update_available_quantity(
            product, warehouse.lot_stock_id, stock
        )
        sim.add_product(sku, price=price, quantity=stock)
    service = {"type": "service", "invoice_policy": "order", "taxes_id": False}
    values = {
        "name": f"{label} Shopify",
        "kind": "marketplace",
        "platform": "shopify",
        "api_url": sim.url,
        "access_token": "sim-token",
        "webhook_secret": sim.config["webhook_secret"],
        "location_ref": "655441491",
        "rate_limit": 100,
        "rate_burst": 100,
        "retry_delay": 1,
        "warehouse_id": warehouse.id,
        "shipping_product_id": Product.create(
            dict(service, name=f"{label} shipping")
        ).id,
        "discount_product_id": Product.create(
            dict(service, name=f"{label} discount")
        ).id,
        "payment_journal_id": env["account.journal"]
        .create({"name": f"{label} payouts", "type": "bank", "code": code})
        .id,
        "auto_invoice": True,
        "auto_payment": True,
        "mapping_ids": [
            (
                0,
                0,
                {
                    "mapping_type": "tax",
                    "external_code": "VAT 20%",
                    "odoo_ref": f"account.tax,{tax.id}",
                },
            )
        ],
        **backend_values,
    }
    return env["retail.backend"].create(values)
