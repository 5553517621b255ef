# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Retail Loyalty - Marketplace",
    "summary": "Loyalty points on channel orders and their credit notes",
    "version": "18.0.1.0.0",
    "category": "Sales",
    "author": "Retail Suite Authors",
    "license": "LGPL-3",
    # sale_loyalty (installed by Odoo with sale and loyalty) earns and
    # cancels an order's points; this module takes back a credit note's share.
    "depends": ["retail_loyalty", "retail_marketplace", "sale_loyalty"],
    "auto_install": True,
    "installable": True,
    "development_status": "Alpha",
}
