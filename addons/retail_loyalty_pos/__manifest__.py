# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Retail Loyalty - POS",
    "summary": "Loyalty points on the store sales and returns the tills send",
    "version": "18.0.1.0.0",
    "category": "Sales/Point of Sale",
    "author": "Retail Suite Authors",
    "license": "LGPL-3",
    "depends": ["retail_loyalty", "retail_pos_sync"],
    "auto_install": True,
    "installable": True,
    "development_status": "Alpha",
}
