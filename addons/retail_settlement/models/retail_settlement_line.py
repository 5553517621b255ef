# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

LINE_TYPES = [
    ("order", "Order"),
    ("refund", "Refund"),
    ("fee", "Fee"),
    ("chargeback", "Chargeback"),
    ("chargeback_reversal", "Chargeback reversal"),
    ("adjustment", "Adjustment"),
    ("reimbursement", "Reimbursement"),
    ("reserve_hold", "Reserve held"),
    ("reserve_release", "Reserve released"),
    ("tax_withheld", "Tax withheld"),
    ("transfer", "Transfer"),
    ("payout", "Payout"),
    ("payout_reversal", "Payout reversal"),
    ("other", "Other"),
]
REASONS = [
    ("missing_order", "Missing order"),
    ("missing_invoice", "Missing invoice"),
    ("missing_credit_note", "Missing credit note"),
    ("amount_mismatch", "Amount differs"),
    ("duplicate", "Duplicate"),
    ("unknown_type", "Unknown type"),
    ("unmapped_account", "No account"),
]

# The columns of a line read from a file (_create_in_bulk).
BULK_COLUMNS = (
    "settlement_id",
    "backend_id",
    "company_id",
    "currency_id",
    "state",
    "matched_by_hand",
    "create_uid",
    "write_uid",
    "sequence",
    "source_row",
    "line_key",
    "line_type",
    "raw_type",
    "date",
    "description",
    "order_ref",
    "transaction_ref",
    "original_transaction_ref",
    "dispute_ref",
    "sku",
    "amount_gross",
    "amount_fee",
    "amount_tax_withheld",
    "amount_other",
    "amount_net",
    "fee_detail",
)


class RetailSettlementLine(models.Model):
    """One line of a payout in the suite's platform-neutral shape. Amounts are
    signed from the retailer's side: money received is positive, fees are
    negative; net = gross + fee + tax withheld + other."""

    _name = "retail.settlement.line"
    _description = "Retail Settlement Line"
    _order = "settlement_id, sequence, id"
    _rec_name = "line_key"

    settlement_id = fields.Many2one(
        "retail.settlement", required=True, ondelete="cascade", index=True
    )
    # Precomputed: a 100k-line import creates lines in batches, and these are
    # then read once per batch instead of once per line.
    backend_id = fields.Many2one(
        related="settlement_id.backend_id", store=True, precompute=True
    )
    company_id = fields.Many2one(
        related="settlement_id.company_id", store=True, precompute=True
    )
    currency_id = fields.Many2one(
        related="settlement_id.currency_id", store=True, precompute=True
    )
    sequence = fields.Integer(index=True)
    source_row = fields.Char("File line", help="Line number(s) in the imported file.")
    line_key = fields.Char("Line id", required=True)
    line_type = fields.Selection(LINE_TYPES, "Type", required=True, index=True)
    raw_type = fields.Char("Provider type")
    date = fields.Datetime()
    description = fields.Char()
    order_ref = fields.Char("Order reference", index=True)
    transaction_ref = fields.Char("Transaction", index=True)
    original_transaction_ref = fields.Char("Original transaction")
    dispute_ref = fields.Char(
        "Dispute id",
        index="btree_not_null",
        help="The provider's id of the dispute a chargeback line belongs to, "
        "for formats that carry one (Stripe, Shopify Payments).",
    )
    sku = fields.Char("SKU")
    amount_gross = fields.Monetary("Gross")
    amount_fee = fields.Monetary("Fees")
    amount_tax_withheld = fields.Monetary("Tax withheld")
    amount_other = fields.Monetary("Other")
    amount_net = fields.Monetary("Net")
    fee_detail = fields.Json(help="The fees of the line per fee code.")
    state = fields.Selection(
        [
            ("unmatched", "To match"),
            ("matched", "Matched"),
            ("discrepancy", "Discrepancy"),
            ("written_off", "Written off"),
        ],
        default="unmatched",
        required=True,
        index=True,
    )
    reason_code = fields.Selection(REASONS, "Reason type")
    reason = fields.Char(help="Why the line is a discrepancy, in words.")
    expected_amount = fields.Monetary(
        "Expected", help="What the Odoo documents say this line should be."
    )
    difference = fields.Monetary(help="Settled gross minus expected.")
    order_binding_id = fields.Many2one("retail.order.binding", "Order binding")
    order_ref_id = fields.Reference(
        selection="_selection_order_model", string="Order", readonly=True
    )
    invoice_ids = fields.Many2many("account.move", string="Invoices / credit notes")
    matched_by_hand = fields.Boolean(readonly=True)
    dispute_id = fields.Many2one(
        "retail.dispute",
        "Dispute",
        readonly=True,
        index="btree_not_null",
        help="The dispute this chargeback or reversal moves money for.",
    )
    # The entry books amounts per account and kind, not per line: each line
    # is followed to it through its settlement.
    move_id = fields.Many2one(related="settlement_id.move_id", string="Journal entry")

    _sql_constraints = [
        (
            "line_key_unique",
            "unique(settlement_id, line_key)",
            "A settlement line id appears once per settlement.",
        ),
    ]

    @api.model
    def _create_in_bulk(self, settlement, vals_list):
        """Create the lines ``vals_list`` of ``settlement`` read from its
        file in one INSERT: the ORM's ``create`` spends most of its time per
        record (defaults, conversions, precomputed relateds), which made a
        100k-line file slower to import than the bare creates it should
        match. The values come from the parsers, already typed and checked
        (``_line_values``); what ``create`` guarantees still holds: create
        access and record rules are checked, the stored relateds are set
        from the settlement (all lines share it), and fields depending on
        lines are marked for recomputation.

        :return: the lines created
        """
        if not vals_list:
            return self.browse()
        self.check_access("create")
        self.flush_model()
        shared = {
            "settlement_id": settlement.id,
            "backend_id": settlement.backend_id.id,
            "company_id": settlement.company_id.id or None,
            "currency_id": settlement.currency_id.id or None,
            "state": "unmatched",
            "matched_by_hand": False,
            "create_uid": self.env.uid,
            "write_uid": self.env.uid,
        }
        columns = [name for name in BULK_COLUMNS if name not in shared]
        arrays = []
        for name in columns:
            field = self._fields[name]
            values = [vals.get(name) for vals in vals_list]
            if field.type == "json":
                values = [json.dumps(value) if value else None for value in values]
            else:
                values = [None if value is False else value for value in values]
            arrays.append(SQL("%s::%s[]", values, SQL(field.column_type[1])))
        self.env.cr.execute(
            SQL(
                """INSERT INTO retail_settlement_line
                       (%(shared_names)s, create_date, write_date, %(names)s)
                   SELECT %(shared_values)s, now() at time zone 'UTC',
                          now() at time zone 'UTC', line.*
                     FROM unnest(%(arrays)s) AS line
                RETURNING id""",
                shared_names=SQL(", ").join(map(SQL.identifier, shared)),
                shared_values=SQL(", ").join(
                    SQL("%s", value) for value in shared.values()
                ),
                names=SQL(", ").join(map(SQL.identifier, columns)),
                arrays=SQL(", ").join(arrays),
            )
        )
        lines = self.browse(row[0] for row in self.env.cr.fetchall())
        lines.check_access("create")
        # The stored relateds are set above: not to be computed again.
        with self.env.protecting(
            [
                self._fields[name]
                for name in ("backend_id", "company_id", "currency_id")
            ],
            lines,
        ):
            lines.modified(list(shared) + columns, create=True)
        settlement.invalidate_recordset(["line_ids"])
        return lines

    def _selection_order_model(self):
        return [
            (model, self.env[model]._description)
            for model in ("sale.order", "pos.order", "account.move")
            if model in self.env
        ]

    def action_match_by_hand(self):
        """Accept the invoices or credit notes a finance user picked."""
        for line in self:
            if not line.invoice_ids.filtered(lambda move: move.state == "posted"):
                raise UserError(
                    self.env._(
                        "Pick the posted invoice or credit note line %(line)s "
                        "settles, then match it.",
                        line=line.line_key,
                    )
                )
            expected = sum(line.invoice_ids.mapped("amount_total_signed"))
            line.write(
                {
                    "state": "matched",
                    "matched_by_hand": True,
                    "expected_amount": expected,
                    "difference": line.amount_gross - expected,
                    "reason": self.env._(
                        "Matched by hand by %(user)s.", user=self.env.user.name
                    ),
                }
            )
            line.settlement_id.message_post(
                body=self.env._(
                    "Line %(line)s matched by hand to %(documents)s.",
                    line=line.line_key,
                    documents=", ".join(line.invoice_ids.mapped("name")),
                )
            )
        self.settlement_id._update_state()

    def action_write_off(self):
        """Accept a small difference: it is booked to the write-off account."""
        for line in self:
            backend = line.backend_id
            if line.state != "discrepancy":
                raise UserError(self.env._("Only discrepancies can be written off."))
            amount = abs(line.difference or line.amount_net)
            if (
                line.currency_id.compare_amounts(
                    amount, backend.settlement_writeoff_limit
                )
                > 0
            ):
                raise UserError(
                    self.env._(
                        "%(amount)s is above the write-off limit of %(limit)s "
                        "of backend %(backend)s.",
                        amount=amount,
                        limit=backend.settlement_writeoff_limit,
                        backend=backend.name,
                    )
                )
            line.write(
                {
                    "state": "written_off",
                    "reason": self.env._(
                        "%(reason)s Written off by %(user)s.",
                        reason=line.reason or "",
                        user=self.env.user.name,
                    ),
                }
            )
            line.settlement_id.message_post(
                body=self.env._(
                    "Line %(line)s written off (%(amount)s).",
                    line=line.line_key,
                    amount=amount,
                )
            )
        self.settlement_id._update_state()
