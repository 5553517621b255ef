# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Retail POS Sync",
    "summary": "Store POS sales, returns and payments arriving in offline batches",
    "version": "18.0.1.2.1",
    "category": "Sales",
    "author": "Retail Suite Authors",
    "license": "LGPL-3",
    "depends": ["retail_connector_base", "point_of_sale"],
    "data": [
        "security/ir.model.access.csv",
        "security/retail_pos_sync_security.xml",
        "data/ir_cron_data.xml",
        "data/queue_job_data.xml",
        "views/retail_pos_store_views.xml",
        "views/retail_pos_transaction_views.xml",
        "views/retail_pos_store_day_views.xml",
        "views/retail_pos_day_payment_views.xml",
        "views/retail_backend_views.xml",
        "views/retail_pos_sync_menus.xml",
    ],
    "demo": ["demo/retail_pos_sync_demo.xml"],
    "installable": True,
    "development_status": "Alpha",
}
