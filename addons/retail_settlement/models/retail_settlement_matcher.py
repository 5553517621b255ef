# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import Command, api, models

# Lines that need no Odoo document: they are booked to the backend's accounts.
ACCOUNT_ONLY = {
    "fee",
    "adjustment",
    "reimbursement",
    "reserve_hold",
    "reserve_release",
    "tax_withheld",
    "transfer",
}
ORDER_DOCUMENTS = {"order": "out_invoice", "refund": "out_refund"}
PLAIN_MATCH = {"state": "matched"}


class RetailSettlementMatcher(models.AbstractModel):
    """The matching rules, one method per kind of line. Every line ends
    matched or a discrepancy with its reason in words."""

    _name = "retail.settlement.matcher"
    _description = "Retail Settlement Matching"

    @api.model
    def _match_lines(self, settlement, lines):
        """Match ``lines``. The lines of one order and type (an Amazon order
        item per line, say) are matched together against the order's
        documents; the first carries the documents and the expected amount.
        Lines matched with nothing to record of their own (fees, payouts)
        are written together: a large file is mostly such lines."""
        bindings = self._bindings(settlement, lines)
        settled_elsewhere = self._settled_elsewhere(settlement, lines)
        groups = defaultdict(lambda: self.env["retail.settlement.line"])
        for line in lines:
            key = (
                (line.order_ref, line.line_type)
                if line.line_type in ORDER_DOCUMENTS and line.order_ref
                else line.id
            )
            groups[key] |= line
        plain = missing = self.env["retail.settlement.line"]
        for group in groups.values():
            values = self._match_group(settlement, group, bindings, settled_elsewhere)
            if values == PLAIN_MATCH:
                plain |= group
                continue
            if values.get("reason_code") == "missing_order":
                missing |= group
            values.setdefault("reason", False)
            values.setdefault("reason_code", False)
            values.setdefault("invoice_ids", [Command.clear()])
            group[0].write(values)
            group[1:].write(
                {
                    **values,
                    "invoice_ids": [Command.clear()],
                    "expected_amount": 0.0,
                    "difference": 0.0,
                }
            )
        plain.write(
            {
                **PLAIN_MATCH,
                "reason": False,
                "reason_code": False,
                "invoice_ids": [Command.clear()],
                "order_binding_id": False,
                "order_ref_id": False,
                "expected_amount": 0.0,
                "difference": 0.0,
            }
        )
        self._match_other_documents(settlement, missing)

    @api.model
    def _match_other_documents(self, settlement, lines):
        """Match ``lines``, which no channel order matched, to documents of
        other kinds (bridge modules extend this): write the matched lines
        and return them. The others stay missing orders.

        :return: the lines matched
        """
        return self.env["retail.settlement.line"]

    @api.model
    def _settled_elsewhere(self, settlement, lines):
        """(order reference, type) -> a line of another settlement that
        already settles it, read in one query."""
        refs = list({line.order_ref for line in lines if line.order_ref})
        if not refs:
            return {}
        found = self.env["retail.settlement.line"].search(
            [
                ("settlement_id", "!=", settlement.id),
                ("order_ref", "in", refs),
                ("line_type", "in", list(ORDER_DOCUMENTS)),
                ("backend_id", "=", settlement.backend_id.id),
                ("state", "in", ("matched", "written_off")),
                ("settlement_id.state", "!=", "error"),
            ],
            order="id",
        )
        earlier = {}
        for line in found:
            earlier.setdefault((line.order_ref, line.line_type), line)
        return earlier

    @api.model
    def _bindings(self, settlement, lines):
        """The order bindings of the lines' references, read in one query."""
        backends = (
            settlement.backend_id.settlement_order_backend_ids or settlement.backend_id
        )
        refs = {ref for ref in lines.mapped("order_ref") if ref}
        found = self.env["retail.order.binding"].search(
            [("backend_id", "in", backends.ids), ("external_id", "in", list(refs))]
        )
        return {binding.external_id: binding for binding in found}

    @api.model
    def _match_group(self, settlement, group, bindings, settled_elsewhere):
        line = group[0]
        if line.line_type in ("payout", "payout_reversal"):
            return dict(PLAIN_MATCH)
        if line.line_type == "other":
            return self._discrepancy(
                "unknown_type",
                self.env._(
                    "Unknown line type '%(type)s': map it or write it off.",
                    type=line.raw_type,
                ),
            )
        if line.line_type in ACCOUNT_ONLY:
            return dict(PLAIN_MATCH)
        binding = bindings.get(line.order_ref)
        if not binding:
            return self._discrepancy(
                "missing_order",
                self.env._(
                    "No imported order %(ref)s: it is missing from Odoo.",
                    ref=line.order_ref or self.env._("(no reference)"),
                ),
            )
        order = binding._get_record()
        values = {
            "order_binding_id": binding.id,
            "order_ref_id": f"{order._name},{order.id}" if order else False,
        }
        if line.line_type not in ORDER_DOCUMENTS:
            # Chargebacks: the order is known, the amount is an expense.
            return {**values, "state": "matched"}
        duplicate = settled_elsewhere.get((line.order_ref, line.line_type))
        if duplicate:
            return {
                **values,
                **self._discrepancy(
                    "duplicate",
                    self.env._(
                        "Order %(ref)s is already settled by %(other)s (line "
                        "%(line)s).",
                        ref=line.order_ref,
                        other=duplicate.settlement_id.display_name,
                        line=duplicate.source_row or duplicate.line_key,
                    ),
                ),
            }
        documents = self._documents(order, ORDER_DOCUMENTS[line.line_type])
        if not documents:
            code = (
                "missing_invoice"
                if line.line_type == "order"
                else "missing_credit_note"
            )
            return {
                **values,
                **self._discrepancy(
                    code,
                    self.env._(
                        "Order %(ref)s has no posted %(what)s.",
                        ref=line.order_ref,
                        what=self.env._("invoice")
                        if line.line_type == "order"
                        else self.env._("credit note"),
                    ),
                ),
            }
        expected = sum(documents.mapped("amount_total_signed"))
        settled = sum(group.mapped("amount_gross"))
        difference = settled - expected
        values.update(
            {
                "invoice_ids": [Command.set(self._settleable(documents).ids)],
                "expected_amount": expected,
                "difference": difference,
            }
        )
        tolerance = settlement.backend_id.settlement_tolerance
        if settlement.currency_id.compare_amounts(abs(difference), tolerance) > 0:
            return {
                **values,
                **self._discrepancy(
                    "amount_mismatch",
                    self.env._(
                        "Order %(ref)s expected %(expected).2f, settled "
                        "%(settled).2f: differs by %(difference).2f.",
                        ref=line.order_ref,
                        expected=expected,
                        settled=settled,
                        difference=difference,
                    ),
                ),
            }
        return {**values, "state": "matched"}

    @api.model
    def _discrepancy(self, code, reason):
        return {"state": "discrepancy", "reason_code": code, "reason": reason}

    @api.model
    def _documents(self, order, move_type):
        if order._name == "account.move":
            # A channel whose orders are invoiced directly, without a sale order.
            documents = order | order.reversal_move_ids
        elif "invoice_ids" in order._fields:
            # A refund of an amount only (a goodwill refund) credits none of
            # the order's lines: it is found through the invoice it reverses.
            documents = order.invoice_ids | order.invoice_ids.reversal_move_ids
        else:
            documents = self.env["account.move"].search(
                [("invoice_origin", "=", order.name)]
            )
        return documents.filtered(
            lambda move: move.state == "posted" and move.move_type == move_type
        )

    @api.model
    def _settleable(self, documents):
        """The documents whose open lines the settlement closes: the invoice
        itself while it is open; the channel payment that paid it when the
        channel's payment was already registered in Odoo."""
        settleable = self.env["account.move"]
        for document in documents:
            if not document.currency_id.is_zero(document.amount_residual):
                settleable |= document
                continue
            payments = document._get_reconciled_payments()
            settleable |= (
                payments.move_id.filtered(
                    lambda move: any(
                        line.account_id == move.origin_payment_id.outstanding_account_id
                        and not line.reconciled
                        for line in move.line_ids
                    )
                )
                or document
            )
        return settleable
