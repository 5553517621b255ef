# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Retail Loyalty",
    "summary": "Loyalty points kept in step with a loyalty engine",
    "version": "18.0.1.0.0",
    "category": "Sales",
    "author": "Retail Suite Authors",
    "license": "LGPL-3",
    "depends": ["retail_connector_base"],
    "data": [
        "views/retail_loyalty_menus.xml",
    ],
    "installable": True,
    "development_status": "Alpha",
}
