# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import Command, api, models

# The sign of the store payment each kind of line pays out: a charge pays a
# sale's card payment, a refund a return's (negative) one.
PAYMENT_SIGN = {"order": 1, "refund": -1}


class RetailSettlementMatcher(models.AbstractModel):
    _inherit = "retail.settlement.matcher"

    @api.model
    def _match_lines(self, settlement, lines):
        # EXTENDS retail_settlement: a line matched to a store payment before
        # may match a channel order now; matching again starts afresh.
        lines.filtered("pos_payment_id").pos_payment_id = False
        return super()._match_lines(settlement, lines)

    @api.model
    def _match_other_documents(self, settlement, lines):
        """EXTENDS retail_settlement: a store card charge or refund has no
        channel order; it is matched to the POS payment whose transaction
        reference it carries (its charge id, or the order reference the
        till sent the provider)."""
        matched = super()._match_other_documents(settlement, lines)
        # Only lines no channel order claims: an order's amount that differs
        # stays that order's discrepancy.
        lines = (lines - matched).filtered(
            lambda line: line.line_type in PAYMENT_SIGN
            and line.reason_code == "missing_order"
        )
        candidates = self._pos_payments(settlement, lines)
        if not candidates:
            return matched
        settled_elsewhere = self._pos_settled_elsewhere(
            settlement, self.env["pos.payment"].sudo().concat(*candidates.values())
        )
        taken = self.env["pos.payment"].sudo()
        for line in lines:
            found = self._pos_payment_of(line, candidates)
            # Two lines of one payout with one reference: the second one
            # pays out the next payment carrying it, if there is one.
            payment = (found - taken)[:1] or found[:1]
            if not payment:
                continue
            settled_by = settled_elsewhere.get(payment.id)
            if not settled_by and payment in taken:
                settled_by = settlement
            taken |= payment
            line.write(self._pos_match_values(settlement, line, payment, settled_by))
            matched |= line
        return matched

    @api.model
    def _pos_references(self, line):
        references = [line.transaction_ref, line.order_ref]
        if line.line_type == "refund":
            references.append(line.original_transaction_ref)
        return [reference for reference in references if reference]

    @api.model
    def _pos_payments(self, settlement, lines):
        """Transaction reference -> the company's store bank payments in the
        settlement's currency carrying it, read in one query. Read as the
        system: finance users match payouts without POS rights."""
        references = {ref for line in lines for ref in self._pos_references(line)}
        if not references:
            return {}
        payments = (
            self.env["pos.payment"]
            .sudo()
            .search(
                [
                    ("company_id", "=", settlement.company_id.id),
                    ("transaction_id", "in", list(references)),
                    ("payment_method_id.type", "=", "bank"),
                ],
                order="id",
            )
            .filtered(lambda payment: payment.currency_id == settlement.currency_id)
        )
        found = defaultdict(lambda: self.env["pos.payment"].sudo())
        for payment in payments:
            found[payment.transaction_id] |= payment
        return found

    @api.model
    def _pos_payment_of(self, line, candidates):
        """The payments ``line`` can pay out, by its references in order, of
        the sign its type pays."""
        sign = PAYMENT_SIGN[line.line_type]
        for reference in self._pos_references(line):
            payments = candidates.get(reference, self.env["pos.payment"]).filtered(
                lambda payment: payment.amount * sign > 0
            )
            if payments:
                return payments
        return self.env["pos.payment"].sudo()

    @api.model
    def _pos_settled_elsewhere(self, settlement, payments):
        """Payment id -> the other settlement that already pays it out."""
        if not payments:
            return {}
        found = self.env["retail.settlement.line"].search(
            [
                ("settlement_id", "!=", settlement.id),
                ("pos_payment_id", "in", payments.ids),
                ("state", "in", ("matched", "written_off")),
                ("settlement_id.state", "!=", "error"),
            ],
            order="id",
        )
        earlier = {}
        for line in found:
            earlier.setdefault(line.pos_payment_id.id, line.settlement_id)
        return earlier

    @api.model
    def _pos_match_values(self, settlement, line, payment, settled_by):
        order = payment.pos_order_id
        values = {
            "pos_payment_id": payment.id,
            "order_binding_id": False,
            "order_ref_id": f"{order._name},{order.id}",
            "invoice_ids": [Command.clear()],
            "reason": False,
            "reason_code": False,
        }
        reference = payment.transaction_id
        if settled_by:
            # Nothing is left to clear: the whole line is to review.
            return {
                **values,
                "expected_amount": 0.0,
                "difference": line.amount_gross,
                **self._discrepancy(
                    "duplicate",
                    self.env._(
                        "Store payment %(ref)s is already paid out by %(other)s.",
                        ref=reference,
                        other=settled_by.display_name,
                    ),
                ),
            }
        expected = payment.amount
        difference = line.amount_gross - expected
        values.update({"expected_amount": expected, "difference": difference})
        tolerance = settlement.backend_id.settlement_tolerance
        if settlement.currency_id.compare_amounts(abs(difference), tolerance) > 0:
            return {
                **values,
                **self._discrepancy(
                    "amount_mismatch",
                    self.env._(
                        "Store payment %(ref)s of %(order)s expected "
                        "%(expected).2f, settled %(settled).2f: differs by "
                        "%(difference).2f.",
                        ref=reference,
                        order=order.name,
                        expected=expected,
                        settled=line.amount_gross,
                        difference=difference,
                    ),
                ),
            }
        return {**values, "state": "matched"}
