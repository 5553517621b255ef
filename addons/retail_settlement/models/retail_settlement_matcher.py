# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL

from .retail_dispute import CHARGEBACK_TYPES

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
# What matching writes on every line, and its value when a rule says nothing.
OUTCOME_DEFAULTS = {
    "state": "matched",
    "reason": False,
    "reason_code": False,
    "order_binding_id": False,
    "order_ref_id": False,
    "expected_amount": 0.0,
    "difference": 0.0,
    "invoice_ids": [],
}


class RetailSettlementMatcher(models.AbstractModel):
    """The matching rules, one method per kind of line. Every line ends
    matched or a discrepancy with its reason in words."""

    _name = "retail.settlement.matcher"
    _description = "Retail Settlement Matching"

    @api.model
    def _match_lines(self, settlement, lines):
        """Match ``lines`` (a chunk that never splits an order) as a set:
        the order bindings, their orders and documents are read in a few
        queries for the whole chunk, and the outcomes written in one
        statement (:meth:`_write_outcomes`). The lines of one order and type
        (an Amazon order item per line, say) are matched together against
        the order's documents; the first carries the documents and the
        expected amount. Lines the rules leave discrepancies are offered to
        :meth:`_match_other_documents`. Chargebacks and reversals matched to
        an order are then linked to their disputes (``retail.dispute``)."""
        lines.fetch(["order_ref", "line_type", "raw_type", "amount_gross"])
        order_refs = self._disputed_order_refs(settlement, lines)
        bindings = self._bindings(settlement, lines, order_refs.values())
        settled_elsewhere = self._settled_elsewhere(settlement, lines)
        groups = defaultdict(list)
        for line in lines:
            key = (
                (line.order_ref, line.line_type)
                if line.line_type in ORDER_DOCUMENTS and line.order_ref
                else line.id
            )
            groups[key].append(line.id)
        Line = self.env["retail.settlement.line"]
        outcomes = {}
        for ids in groups.values():
            group = Line.browse(ids).with_prefetch(lines._prefetch_ids)
            values = self._match_group(
                settlement, group, bindings, settled_elsewhere, order_refs
            )
            outcomes[ids[0]] = {**OUTCOME_DEFAULTS, **values}
            if len(ids) > 1:
                rest = {
                    **outcomes[ids[0]],
                    "invoice_ids": [],
                    "expected_amount": 0.0,
                    "difference": 0.0,
                }
                outcomes.update(dict.fromkeys(ids[1:], rest))
        self._write_outcomes(outcomes)
        unmatched = lines.filtered(lambda line: line.state == "discrepancy")
        if unmatched:
            self._match_other_documents(settlement, unmatched)
        disputed = lines.filtered(lambda line: line.line_type in CHARGEBACK_TYPES)
        if disputed:
            self.env["retail.dispute"]._link_settlement_lines(settlement, disputed)

    @api.model
    def _match_other_documents(self, settlement, lines):
        """Hook for other modules: match ``lines`` of ``settlement`` that
        the rules above left discrepancies (a store's card sale has no
        channel order, but may have a POS payment) against documents this
        module does not know, writing their outcome themselves (at least
        ``state``, ``reason`` and ``reason_code``).

        :return: the lines matched (none here)
        """
        return self.env["retail.settlement.line"]

    @api.model
    def _write_outcomes(self, outcomes):
        """Write ``{line id: values}`` in one UPDATE and one pass over the
        invoice relation for the whole chunk: an ORM ``write`` per order
        was most of the time of a large file's matching. The ORM's rules
        still hold: write access is checked, the cache invalidated, and
        fields depending on these are marked for recomputation."""
        Line = self.env["retail.settlement.line"]
        lines = Line.browse(list(outcomes))
        lines.check_access("write")
        Line.flush_model()
        columns = [name for name in OUTCOME_DEFAULTS if name != "invoice_ids"]
        arrays = [
            SQL(
                "%s::%s[]",
                [
                    None if values[name] is False else values[name]
                    for values in outcomes.values()
                ],
                SQL(Line._fields[name].column_type[1]),
            )
            for name in columns
        ]
        self.env.cr.execute(
            SQL(
                """UPDATE retail_settlement_line AS line
                      SET %(assignments)s, write_uid = %(uid)s,
                          write_date = (now() at time zone 'UTC')
                     FROM unnest(%(ids)s::int[], %(arrays)s) AS outcome(id, %(names)s)
                    WHERE line.id = outcome.id""",
                assignments=SQL(", ").join(
                    SQL("%s = outcome.%s", SQL.identifier(name), SQL.identifier(name))
                    for name in columns
                ),
                uid=self.env.uid,
                ids=list(outcomes),
                arrays=SQL(", ").join(arrays),
                names=SQL(", ").join(SQL.identifier(name) for name in columns),
            )
        )
        field = Line._fields["invoice_ids"]
        self.env.cr.execute(
            SQL(
                "DELETE FROM %s WHERE %s = ANY(%s)",
                SQL.identifier(field.relation),
                SQL.identifier(field.column1),
                lines.ids,
            )
        )
        pairs = [
            (line_id, move_id)
            for line_id, values in outcomes.items()
            for move_id in values["invoice_ids"]
        ]
        if pairs:
            self.env.cr.execute(
                SQL(
                    "INSERT INTO %s (%s, %s) "
                    "SELECT * FROM unnest(%s::int[], %s::int[])",
                    SQL.identifier(field.relation),
                    SQL.identifier(field.column1),
                    SQL.identifier(field.column2),
                    [pair[0] for pair in pairs],
                    [pair[1] for pair in pairs],
                )
            )
        names = [*columns, "invoice_ids", "write_uid", "write_date"]
        lines.invalidate_recordset(names)
        lines.modified(names)

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
    def _disputed_order_refs(self, settlement, lines):
        """Line id -> order reference, for the chargebacks and reversals of
        ``lines`` that name no order (a Stripe dispute names its charge):
        the order of their dispute, else of the payout line that settled
        the disputed payment; two queries for the chunk."""
        lines = lines.filtered(
            lambda line: line.line_type in CHARGEBACK_TYPES and not line.order_ref
        )
        if not lines:
            return {}
        backend = settlement.backend_id
        dispute_refs = [ref for ref in lines.mapped("dispute_ref") if ref]
        disputes = {
            dispute.external_id: dispute.order_binding_id.external_id
            for dispute in self.env["retail.dispute"]
            .sudo()
            .search(
                [
                    ("backend_id", "=", backend.id),
                    ("external_id", "in", dispute_refs),
                    ("order_binding_id", "!=", False),
                ]
            )
        }
        payments = [ref for ref in lines.mapped("original_transaction_ref") if ref]
        charged = {
            line.transaction_ref: line.order_ref
            for line in self.env["retail.settlement.line"].search(
                [
                    ("backend_id", "=", backend.id),
                    ("line_type", "=", "order"),
                    ("transaction_ref", "in", payments),
                    ("order_ref", "!=", False),
                ],
                order="id desc",
            )
        }
        found = {
            line.id: disputes.get(line.dispute_ref)
            or charged.get(line.original_transaction_ref)
            for line in lines
        }
        return {line_id: ref for line_id, ref in found.items() if ref}

    @api.model
    def _bindings(self, settlement, lines, other_refs=()):
        """External id -> (binding, its order) for the order references of
        ``lines`` and ``other_refs``, read in one query per model: the
        orders of the chunk share one prefetch, so their documents are read
        together too."""
        backends = (
            settlement.backend_id.settlement_order_backend_ids or settlement.backend_id
        )
        refs = {line.order_ref for line in lines if line.order_ref} | set(other_refs)
        found = self.env["retail.order.binding"].search(
            [("backend_id", "in", backends.ids), ("external_id", "in", list(refs))]
        )
        res_ids = defaultdict(set)
        for binding in found:
            res_ids[binding.res_model].add(binding.res_id)
        existing = {
            model: self.env[model].browse(sorted(ids)).exists()
            for model, ids in res_ids.items()
        }
        present = {model: set(orders._ids) for model, orders in existing.items()}
        bindings = {}
        for binding in found:
            orders = existing[binding.res_model]
            # A deleted order is an empty record, as _get_record() gives.
            order = orders.browse(
                [binding.res_id] if binding.res_id in present[binding.res_model] else []
            ).with_prefetch(orders._prefetch_ids)
            bindings[binding.external_id] = (binding, order)
        return bindings

    @api.model
    def _match_group(self, settlement, group, bindings, settled_elsewhere, order_refs):
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
        order_ref = line.order_ref or order_refs.get(line.id)
        binding, order = bindings.get(order_ref, (None, None))
        if not binding:
            return self._discrepancy(
                "missing_order",
                self.env._(
                    "No imported order %(ref)s: it is missing from Odoo.",
                    ref=order_ref or self.env._("(no reference)"),
                ),
            )
        values = {
            "order_binding_id": binding.id,
            "order_ref_id": f"{order._name},{order.id}" if order else False,
        }
        if line.line_type not in ORDER_DOCUMENTS:
            # Chargebacks: the order is known, the amount is booked to the
            # chargebacks account; the line's dispute is found afterwards.
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
                "invoice_ids": self._settleable(documents).ids,
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
        # The union keeps the prefetch of the chunk's orders or invoices: the
        # documents of a chunk are read together, not order by order.
        if order._name == "account.move":
            # A channel whose orders are invoiced directly, without a sale order.
            documents = (order | order.reversal_move_ids).with_prefetch(
                order._prefetch_ids
            )
        elif "invoice_ids" in order._fields:
            # A refund of an amount only (a goodwill refund) credits none of
            # the order's lines: it is found through the invoice it reverses.
            invoices = order.invoice_ids
            documents = (invoices | invoices.reversal_move_ids).with_prefetch(
                invoices._prefetch_ids
            )
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
