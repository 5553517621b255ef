# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Retail Loyalty",
    "summary": "Loyalty points kept in step with a loyalty engine",
    "version": "18.0.1.2.0",
    "category": "Sales",
    "author": "Retail Suite Authors",
    "license": "LGPL-3",
    "depends": ["retail_connector_base", "loyalty"],
    "data": [
        "security/ir.model.access.csv",
        "security/retail_loyalty_security.xml",
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
        "views/retail_loyalty_ledger_views.xml",
        "views/loyalty_card_views.xml",
        "views/retail_loyalty_drift_views.xml",
        "views/retail_loyalty_duplicate_views.xml",
        "views/res_partner_views.xml",
        "views/retail_backend_views.xml",
        "views/retail_loyalty_menus.xml",
    ],
    "demo": ["demo/retail_loyalty_demo.xml"],
    "installable": True,
    "development_status": "Alpha",
}
