# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Retail Connector Base",
    "summary": "Channel backends, bindings, webhook inbox and sync jobs "
    "shared by the retail channel modules",
    "version": "18.0.1.3.1",
    "category": "Sales",
    "author": "Retail Suite Authors",
    "license": "LGPL-3",
    "depends": ["mail", "product", "queue_job"],
    "external_dependencies": {
        "python": ["cryptography", "prometheus_client", "requests"]
    },
    "data": [
        "security/retail_connector_security.xml",
        "security/ir.model.access.csv",
        "data/queue_job_data.xml",
        "data/mail_activity_type_data.xml",
        "data/ir_cron_data.xml",
        "wizards/retail_event_dry_run_views.xml",
        "views/retail_event_views.xml",
        "views/retail_backend_views.xml",
        "views/retail_request_log_views.xml",
        "views/retail_dashboard_views.xml",
        "views/retail_menus.xml",
    ],
    "demo": ["demo/retail_backend_demo.xml"],
    "assets": {
        "web.assets_tests": ["retail_connector_base/static/src/tours/*.js"],
    },
    "application": True,
    "installable": True,
    "post_load": "post_load",
    "development_status": "Alpha",
}
