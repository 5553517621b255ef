# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Retail Settlement - Marketplace",
    "summary": "Channel orders show their payment disputes",
    "version": "18.0.1.0.0",
    "category": "Accounting",
    "author": "Retail Suite Authors",
    "license": "LGPL-3",
    "depends": ["retail_settlement", "retail_marketplace"],
    "data": ["views/sale_order_views.xml"],
    "auto_install": True,
    "installable": True,
    "development_status": "Alpha",
}
