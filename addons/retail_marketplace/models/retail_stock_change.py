# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class RetailStockChange(models.Model):
    """A mark that a product's channel quantity may have changed (a quant or
    a move of it changed, or a rule of its quantity did), so that a stock
    publication reads only the marked products instead of every bound one.

    Each mark keeps the id of the transaction that wrote it (column ``xid``).
    A publication keeps the database snapshot it read under (the cursor);
    the next one reads the marks that snapshot could not see, those of
    transactions still running then or begun since, and its own
    transaction's later ones. An id or date cursor would skip a mark that
    a long transaction commits after a publication read past it."""

    _name = "retail.stock.change"
    _description = "Retail Stock Change"
    _log_access = False

    product_id = fields.Many2one(
        "product.product", required=True, ondelete="cascade", index=True
    )

    def init(self):
        # A bigint the ORM has no field type for; written by the database.
        self.env.cr.execute(
            """
            ALTER TABLE retail_stock_change
                ADD COLUMN IF NOT EXISTS xid bigint NOT NULL DEFAULT txid_current();
            CREATE INDEX IF NOT EXISTS retail_stock_change_xid_index
                ON retail_stock_change (xid);
            """
        )

    @api.model
    def _mark(self, products):
        """Mark ``products`` (ids or records) as changed, in one statement:
        the hooks run inside every stock operation."""
        ids = sorted(set(getattr(products, "ids", products)))
        if ids:
            self.env.cr.execute(
                "INSERT INTO retail_stock_change (product_id) SELECT unnest(%s)",
                (ids,),
            )

    @api.model
    def _cursor_now(self):
        """``snapshot;own transaction;last mark seen``: what the marks read
        now are told apart by next time."""
        self.env.cr.execute(
            """
            SELECT pg_current_snapshot()::text, txid_current(),
                   COALESCE((SELECT max(id) FROM retail_stock_change), 0)
            """
        )
        return "{};{};{}".format(*self.env.cr.fetchone())

    @api.model
    def _changed_since(self, cursor):
        """Ids of the products marked since ``cursor`` was taken."""
        snapshot, own, seen = cursor.split(";")
        self.env.cr.execute(
            """
            SELECT DISTINCT product_id FROM retail_stock_change
             WHERE (xid >= pg_snapshot_xmin(%(snapshot)s::pg_snapshot)::text::bigint
                    OR xid = %(own)s)
               AND CASE
                   -- The snapshot sees all of its own transaction's marks:
                   -- those written after it are the later ids.
                   WHEN xid = %(own)s THEN id > %(seen)s
                   ELSE NOT pg_visible_in_snapshot(
                       xid::text::xid8, %(snapshot)s::pg_snapshot)
                   END
            """,
            {"snapshot": snapshot, "own": int(own), "seen": int(seen)},
        )
        return {row[0] for row in self.env.cr.fetchall()}

    @api.model
    def _prune(self):
        """Forget the marks every active marketplace backend has read (all of
        them when none has a cursor: the next publication reads every
        listing anyway)."""
        cursors = [
            cursor
            for cursor in self.env["retail.backend"]
            .sudo()
            .search([("kind", "=", "marketplace")])
            .mapped("stock_change_cursor")
            if cursor
        ]
        if not cursors:
            self.env.cr.execute("DELETE FROM retail_stock_change")
            return
        self.env.cr.execute(
            """
            DELETE FROM retail_stock_change
             WHERE xid < (SELECT min(pg_snapshot_xmin(s::pg_snapshot)::text::bigint)
                            FROM unnest(%s::text[]) AS s)
            """,
            ([cursor.split(";")[0] for cursor in cursors],),
        )
