# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Retail Settlement",
    "summary": "Marketplace and payment-provider payouts matched and reconciled",
    "version": "18.0.1.3.0",
    "category": "Sales",
    "author": "Retail Suite Authors",
    "license": "LGPL-3",
    "depends": ["retail_connector_base", "account"],
    "data": [
        "security/ir.model.access.csv",
        "security/retail_settlement_security.xml",
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
        "views/retail_settlement_views.xml",
        "views/retail_settlement_line_views.xml",
        "views/retail_dispute_views.xml",
        "views/retail_settlement_import_views.xml",
        "views/retail_backend_views.xml",
        "views/retail_settlement_menus.xml",
    ],
    "assets": {
        "web.assets_tests": ["retail_settlement/static/src/tours/*.js"],
    },
    "demo": ["demo/retail_settlement_demo.xml"],
    "installable": True,
    "development_status": "Alpha",
}
