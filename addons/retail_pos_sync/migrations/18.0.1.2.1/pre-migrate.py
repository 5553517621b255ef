# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A till's number was unique for the till's whole life; it is now unique
within its numbering period (business day or shift, for stores whose tills
restart), an index the transaction model creates. The old index would still
refuse day 2's #1, so it goes before the module loads. Existing
transactions belong to stores that never restart: their period stays empty."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("DROP INDEX IF EXISTS retail_pos_transaction_till_number")
