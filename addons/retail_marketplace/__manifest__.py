# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Retail Marketplace",
    "summary": "Marketplace and web store orders in; stock, prices and fulfilment out",
    "version": "18.0.1.4.0",
    "category": "Sales",
    "author": "Retail Suite Authors",
    "license": "LGPL-3",
    "depends": ["retail_connector_base", "sale_stock", "stock_delivery"],
    "data": [
        "security/ir.model.access.csv",
        "security/retail_marketplace_security.xml",
        "data/product_product_data.xml",
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
        "views/retail_backend_views.xml",
        "views/sale_order_views.xml",
        "views/retail_product_binding_views.xml",
        "views/retail_channel_location_choice_views.xml",
        "views/retail_channel_location_views.xml",
        "views/retail_channel_stock_views.xml",
        "views/retail_channel_promotion_views.xml",
        "views/retail_marketplace_menus.xml",
    ],
    "demo": ["demo/retail_marketplace_demo.xml"],
    "installable": True,
    "development_status": "Alpha",
}
