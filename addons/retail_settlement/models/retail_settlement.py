# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import json
import logging
from collections import defaultdict
from datetime import timedelta

from markupsafe import escape

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

from ..parsers import LABELS, PARSERS
from ..parsers.common import SettlementParseError, text_stream

_logger = logging.getLogger(__name__)

CHUNK = 2000  # lines created per ORM call
BACKGROUND_BYTES = 2_000_000  # default; larger files import in a background job
# A background import whose job is in none of these states was interrupted
# (failed, cancelled, found dead, or gone): it may be imported again.
RUNNING_JOB_STATES = ("wait_dependencies", "pending", "enqueued", "started")
ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM"}
# How far a bank deposit's date may be from the payout's deposit date: banks
# book a payout a day or two after the provider sends it, weekends included.
DEPOSIT_DAYS_BEFORE = 2
DEPOSIT_DAYS_AFTER = 5
RECEIVED_TYPES = ("order", "refund")
IMPORT_FAILURE_KIND = "settlement_import"
# A PayPal day declares what was withdrawn, not what the day's activity adds
# up to: what stays on the account is carried to the next day.
CARRIES_BALANCE = ("paypal_stl",)
ACCOUNT_OF_TYPE = {
    "chargeback": "settlement_chargeback_account_id",
    "chargeback_reversal": "settlement_chargeback_account_id",
    "reserve_hold": "settlement_reserve_account_id",
    "reserve_release": "settlement_reserve_account_id",
    "adjustment": "settlement_other_account_id",
    "reimbursement": "settlement_other_account_id",
    "tax_withheld": "settlement_other_account_id",
    "transfer": "settlement_other_account_id",
}


class RetailSettlement(models.Model):
    """A payout (or settlement report) of a marketplace or payment provider:
    imported from its file or API, each line matched to Odoo's orders,
    invoices and credit notes, then posted as one journal entry through the
    backend's clearing account."""

    _name = "retail.settlement"
    _description = "Retail Settlement"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "deposit_date desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    backend_id = fields.Many2one(
        "retail.backend", required=True, index=True, tracking=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    source = fields.Selection(
        selection=[(code, label) for code, label in LABELS.items()],
        required=True,
    )
    external_id = fields.Char("Payout id", index=True, readonly=True)
    period_start = fields.Datetime(readonly=True)
    period_end = fields.Datetime(readonly=True)
    deposit_date = fields.Date(readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    declared_total = fields.Monetary(
        "Paid out", readonly=True, help="What the provider says it paid."
    )
    computed_total = fields.Monetary(
        "Lines total", readonly=True, help="What the lines (payout excluded) add up to."
    )
    expected_total = fields.Monetary(
        "Expected", readonly=True, help="What the matched Odoo documents add up to."
    )
    bank_reference = fields.Char(readonly=True)
    payout_status = fields.Char(readonly=True)
    file_name = fields.Char(readonly=True)
    file_encoding = fields.Char(
        readonly=True, help="The text encoding the file was read in."
    )
    file_sha256 = fields.Char(readonly=True, index=True)
    attachment_id = fields.Many2one("ir.attachment", readonly=True)
    parser_options = fields.Json(readonly=True)
    state = fields.Selection(
        [
            ("importing", "Importing"),
            ("imported", "To match"),
            ("to_review", "To review"),
            ("matched", "Matched"),
            ("posted", "Posted"),
            ("reviewed", "Reviewed"),
            ("error", "Import failed"),
        ],
        default="importing",
        required=True,
        tracking=True,
        index=True,
    )
    import_error = fields.Char(readonly=True)
    import_progress = fields.Integer("Lines read", compute="_compute_import_progress")
    import_job_uuid = fields.Char(
        readonly=True, copy=False, help="The background job importing the file."
    )
    can_import_again = fields.Boolean(compute="_compute_can_import_again")
    line_ids = fields.One2many("retail.settlement.line", "settlement_id")
    discrepancy_line_ids = fields.One2many(
        "retail.settlement.line",
        "settlement_id",
        domain=[("state", "=", "discrepancy")],
    )
    unmatched_line_ids = fields.One2many(
        "retail.settlement.line", "settlement_id", domain=[("state", "=", "unmatched")]
    )
    matched_line_ids = fields.One2many(
        "retail.settlement.line",
        "settlement_id",
        domain=[("state", "in", ("matched", "written_off"))],
    )
    line_count = fields.Integer(readonly=True)
    matched_count = fields.Integer(readonly=True)
    discrepancy_count = fields.Integer(readonly=True)
    unmatched_count = fields.Integer(readonly=True)
    move_id = fields.Many2one("account.move", "Journal entry", readonly=True)
    bank_statement_line_id = fields.Many2one(
        "account.bank.statement.line",
        "Bank deposit",
        readonly=True,
        help="The bank statement line of the payout, reconciled with the "
        "settlement entry's clearing line.",
    )
    reviewed_by_id = fields.Many2one("res.users", readonly=True)

    _sql_constraints = [
        (
            "payout_unique",
            "unique(backend_id, source, external_id)",
            "This payout is already imported.",
        ),
    ]

    def init(self):
        # Written on a side connection by running imports: never touched by
        # the import's own transaction, so the two never conflict.
        self.env.cr.execute(
            """CREATE TABLE IF NOT EXISTS retail_settlement_import_progress (
                   settlement_id integer PRIMARY KEY,
                   lines_read integer NOT NULL)"""
        )

    def _compute_import_progress(self):
        self.env.cr.execute(
            "SELECT settlement_id, lines_read FROM retail_settlement_import_progress "
            "WHERE settlement_id = ANY(%s)",
            (self.ids,),
        )
        progress = dict(self.env.cr.fetchall())
        for settlement in self:
            settlement.import_progress = progress.get(settlement.id, 0)

    @api.depends("state", "attachment_id", "import_job_uuid")
    def _compute_can_import_again(self):
        # Users do not read queue jobs: only whether one is still at work.
        running = set(
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    (
                        "uuid",
                        "in",
                        [uuid for uuid in self.mapped("import_job_uuid") if uuid],
                    ),
                    ("state", "in", RUNNING_JOB_STATES),
                ]
            )
            .mapped("uuid")
        )
        for settlement in self:
            settlement.can_import_again = bool(settlement.attachment_id) and (
                settlement.state == "error"
                or (
                    settlement.state == "importing"
                    and settlement.import_job_uuid not in running
                )
            )

    def _report_progress(self, lines_read):
        with self.env.registry.cursor() as cr:
            cr.execute(
                """INSERT INTO retail_settlement_import_progress VALUES (%s, %s)
                   ON CONFLICT (settlement_id) DO UPDATE SET lines_read = %s""",
                (self.id, lines_read, lines_read),
            )

    @api.depends("backend_id", "external_id", "source")
    def _compute_name(self):
        for settlement in self:
            settlement.name = (
                f"{settlement.backend_id.name} {settlement.external_id or '…'}"
            )

    # === IMPORT === #
    def _import_file(self):
        """Read the attached file into lines, all or nothing: a refused file
        leaves no line behind, and the settlement *Import failed* with the
        reason. Progress is reported on a side connection, so the form shows
        it while the import's own transaction runs.

        :return: whether the file was imported
        """
        self.ensure_one()
        parser = self._guarded(self._open_file)
        return bool(parser) and bool(self._guarded(self._read_lines, parser))

    def _guarded(self, step, *args):
        """``step(*args)``'s result, or None when it failed: its work undone
        and the settlement *Import failed* with the reason in words, whatever
        went wrong (a traceback helps nobody, and a background import left
        *Importing* would block the file for good). A serialization failure
        or deadlock still propagates: the request or job is retried."""
        try:
            with self.env.cr.savepoint():
                return step(*args)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise
        except Exception as error:
            self._import_failed(error)
            return None

    def _import_failed(self, error):
        if isinstance(error, SettlementParseError | UserError):
            reason = str(error)
        else:
            _logger.exception("Settlement %s: unexpected import failure", self.id)
            reason = self.env._(
                "the import stopped on an unexpected error (%(type)s: %(error)s); "
                "the server log has the details",
                type=type(error).__name__,
                error=str(error)[:200],
            )
        self.write({"state": "error", "import_error": reason})
        # Logged, not posted: posting fails for a user without an e-mail
        # address, and the failure must be recorded whoever ran the import.
        self._message_log(
            body=escape(self.env._("Import refused: %(error)s", error=reason))
        )

    def _open_file(self):
        """The file's parser, once its text encoding is known: UTF-8 (with
        or without BOM), else the format's legacy encoding, said in the
        chatter since a wrong guess shows as odd characters."""
        if not self.attachment_id:
            raise UserError(self.env._("The settlement's file was deleted."))
        parser_class = PARSERS[self.source].Parser
        options = self.parser_options or {}
        stream, encoding = text_stream(
            self.attachment_id.raw, parser_class.legacy_encoding(options)
        )
        label = ENCODING_LABELS.get(encoding, encoding)
        self.file_encoding = label
        if encoding not in ENCODING_LABELS:
            self._message_log(
                body=escape(
                    self.env._(
                        "The file is not UTF-8 text: read as %(encoding)s.",
                        encoding=label,
                    )
                )
            )
        return parser_class(stream, options)

    def _read_lines(self, parser):
        self.line_ids.unlink()
        Line = self.env["retail.settlement.line"]
        batch, count, total = [], 0, 0
        for parsed in parser.lines():
            count += 1
            batch.append(self._line_values(parsed, count))
            if parsed.line_type != "payout":
                total += parsed.amount_net
            if len(batch) == CHUNK:
                # Lines are inserted in the file's currency as soon as the
                # file has named it (they all share it), not set afterwards.
                self._set_currency(self._currency_of(parser.settlement.currency))
                Line._create_in_bulk(self, batch)
                batch = []
                self._report_progress(count)
        header = parser.settlement
        self._check_header(header, total)
        self._set_currency(self._currency(header.currency))
        Line._create_in_bulk(self, batch)
        self._report_progress(count)
        self._write_header(header, total, count)
        return True

    def _set_currency(self, currency):
        """The settlement's currency, once known. Lines created before the
        file named it (a format naming it late) are recomputed by the ORM
        to follow it; the others are created in it."""
        if currency and self.currency_id != currency:
            self.currency_id = currency

    def _write_header(self, header, total, count):
        self.write(
            {
                "external_id": header.external_id,
                "declared_total": float(header.declared_total)
                if header.declared_total is not None
                else float(total),
                "computed_total": float(total),
                "period_start": header.period_start,
                "period_end": header.period_end,
                "deposit_date": header.deposit_date,
                "bank_reference": header.bank_reference,
                "payout_status": header.payout_status,
                "line_count": count,
                "unmatched_count": count,
                "state": "imported",
                "import_error": False,
            }
        )

    def _check_header(self, header, total):
        if not header.external_id:
            raise UserError(self.env._("The file does not name its payout."))
        earlier = self.search(
            [
                ("id", "!=", self.id),
                ("backend_id", "=", self.backend_id.id),
                ("source", "=", self.source),
                ("external_id", "=", header.external_id),
            ],
            limit=1,
        )
        if earlier:
            raise UserError(
                self.env._(
                    "Payout %(payout)s was already imported on %(date)s by "
                    "%(user)s (%(name)s).",
                    payout=header.external_id,
                    date=earlier.create_date.date(),
                    user=earlier.create_uid.name,
                    name=earlier.display_name,
                )
            )
        currency = self._currency(header.currency)
        if self.source in CARRIES_BALANCE:
            return
        if header.declared_total is not None and currency.compare_amounts(
            float(header.declared_total), float(total)
        ):
            raise UserError(
                self.env._(
                    "The file declares a payout of %(declared)s but its lines "
                    "add up to %(total)s.",
                    declared=header.declared_total,
                    total=total,
                )
            )

    def _currency_of(self, code):
        """The currency of ISO ``code`` (empty when unknown or not yet read)."""
        if not code:
            return self.env["res.currency"]
        return (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", code)], limit=1)
        )

    def _currency(self, code):
        currency = self._currency_of(code)
        if not currency:
            raise UserError(self.env._("Unknown currency %(code)s.", code=code))
        return currency

    def _line_values(self, parsed, sequence):
        return {
            "settlement_id": self.id,
            "sequence": sequence,
            "source_row": parsed.source_row,
            "line_key": parsed.line_key,
            "line_type": parsed.line_type,
            "raw_type": parsed.raw_type,
            "date": parsed.date,
            "description": (parsed.description or "")[:250],
            "order_ref": parsed.order_ref or parsed.merchant_order_ref or False,
            "transaction_ref": parsed.transaction_ref or False,
            "original_transaction_ref": parsed.original_transaction_ref or False,
            "dispute_ref": parsed.dispute_ref or False,
            "sku": parsed.sku or False,
            "amount_gross": float(parsed.amount_gross),
            "amount_fee": float(parsed.amount_fee),
            "amount_tax_withheld": float(parsed.amount_tax_withheld),
            "amount_other": float(parsed.amount_other),
            "amount_net": float(parsed.amount_net),
            "fee_detail": {code: str(amount) for code, amount in parsed.fees}
            if parsed.fees
            else False,
        }

    @api.model
    def _create_with_file(self, backend, source, raw, file_name, options=None):
        """A settlement of ``backend`` waiting to import ``raw`` (bytes), kept
        as its attachment: what an upload and a fetch both start from."""
        digest = hashlib.sha256(raw).hexdigest()
        settlement = self.create(
            {
                "backend_id": backend.id,
                "source": source,
                "file_name": file_name,
                "file_sha256": digest,
                "parser_options": options or {},
            }
        )
        settlement.attachment_id = self.env["ir.attachment"].create(
            {
                "name": file_name or f"{source}-{digest[:8]}",
                "raw": raw,
                "res_model": settlement._name,
                "res_id": settlement.id,
            }
        )
        return settlement

    @api.model
    def _parser_options(self, backend, source):
        """What the parser of ``source`` reads ``backend``'s files with: the
        generic CSV mapping saved on the backend, checked."""
        if source != "generic_csv":
            return {}
        try:
            options = json.loads(backend.settlement_csv_mapping or "{}")
        except ValueError as error:
            raise UserError(
                self.env._(
                    "The backend's generic CSV mapping is not valid JSON: %(error)s",
                    error=error,
                )
            ) from error
        problems = PARSERS["generic_csv"].validate_options(options)
        if problems:
            raise UserError("\n".join(problems))
        return options

    @api.model
    def _fetched_name(self, source, payout_id):
        return f"{source}-{payout_id}.json"

    @api.model
    def _import_fetched(self, backend, source, payout_id, raw):
        """Import and match a payout document fetched from the provider's
        API, as an uploaded file is. A refused document is kept as a failed
        import (no line) with an exception activity, and is not fetched
        again: fix the cause, then *Import again*."""
        settlement = self._create_with_file(
            backend, source, raw, self._fetched_name(source, payout_id)
        )
        settlement._import_and_match()
        return settlement

    def _import_and_match(self):
        """Import the file and match it. A failure leaves the settlement
        *Import failed* with an exception activity for the backend's
        responsible; a success closes the one an earlier failure left.

        :return: whether the file was imported and matched
        """
        self.ensure_one()
        if self._import_file() and self._guarded(self.action_match):
            self.env["retail.exception.activity"]._resolve(self, IMPORT_FAILURE_KIND)
            return True
        self._raise_import_activity()
        return False

    def _imports_in_background(self):
        threshold = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("retail_settlement.background_bytes", BACKGROUND_BYTES)
        )
        return self.attachment_id.file_size > threshold

    def _enqueue_import(self):
        """Import and match in a background job, followed on the form."""
        self.ensure_one()
        # Before the job: with queue_job__no_delay it runs here and now.
        self.write(
            {"state": "importing", "import_error": False, "import_job_uuid": False}
        )
        job = self.with_delay(
            **self.backend_id._job_route("_import_and_match_job"),
            description=self.env._(
                "Import settlement file %(name)s", name=self.file_name
            ),
        )._import_and_match_job()
        self.import_job_uuid = job.uuid

    def _raise_import_activity(self):
        self.ensure_one()
        self.env["retail.exception.activity"]._raise(
            self.backend_id,
            self,
            IMPORT_FAILURE_KIND,
            self.env._(
                "%(backend)s: payout %(name)s could not be imported",
                backend=self.backend_id.name,
                name=self.file_name or self.display_name,
            ),
            self.import_error,
        )

    def action_import_again(self):
        """Import the file of a failed or interrupted import again (once the
        cause is fixed: a currency activated, a mapping corrected; or the
        worker that died), and match it: at once, or in a new background job
        for a large file."""
        for settlement in self:
            if not settlement.can_import_again:
                raise UserError(
                    self.env._(
                        "%(name)s is %(state)s: only a failed import, or a "
                        "background import that is no longer running, is "
                        "imported again.",
                        name=settlement.display_name,
                        state=dict(self._fields["state"].selection)[settlement.state],
                    )
                )
            # The mapping may have been corrected since: read with today's.
            settlement.parser_options = self._parser_options(
                settlement.backend_id, settlement.source
            )
            if settlement._imports_in_background():
                settlement._enqueue_import()
            else:
                settlement._import_and_match()
        return True

    def _import_and_match_job(self):
        """Background job for large files: import, then match. A job the
        settlement no longer waits for (it was imported again meanwhile)
        does nothing."""
        self.ensure_one()
        job_uuid = self.env.context.get("job_uuid")
        if self.state != "importing" or (
            job_uuid and self.import_job_uuid and job_uuid != self.import_job_uuid
        ):
            return f"nothing to do: {self.display_name} is {self.state}"
        # Whatever fails, the job ends and the settlement Import failed: a
        # failed job would leave it Importing.
        self._guarded(self._import_and_match)

    # === MATCHING === #
    def action_match(self):
        """Match every line that is not settled by hand yet; rerunnable."""
        for settlement in self:
            if settlement.state in ("posted", "reviewed", "importing", "error"):
                raise UserError(
                    self.env._(
                        "%(name)s is %(state)s: only imported settlements are matched.",
                        name=settlement.display_name,
                        state=dict(self._fields["state"].selection)[settlement.state],
                    )
                )
            Line = self.env["retail.settlement.line"]
            Line.flush_model()
            # Ids and references only: a 100k-line file is matched chunk by
            # chunk, never held whole in memory.
            self.env.cr.execute(
                """SELECT id, order_ref FROM retail_settlement_line
                    WHERE settlement_id = %s AND NOT coalesce(matched_by_hand, false)
                      AND state != 'written_off'
                    ORDER BY coalesce(order_ref, '') COLLATE "C", id""",
                (settlement.id,),
            )
            for chunk in _chunks_by_order(self.env.cr.fetchall()):
                self.env["retail.settlement.matcher"]._match_lines(
                    settlement, Line.browse([line_id for line_id, _ref in chunk])
                )
                self.env.invalidate_all()
            settlement._update_state()
        return True

    def _update_state(self):
        for settlement in self:
            self.env["retail.settlement.line"].flush_model()
            self.env.cr.execute(
                """SELECT state, count(*), coalesce(sum(expected_amount), 0)
                     FROM retail_settlement_line WHERE settlement_id = %s
                    GROUP BY state""",
                (settlement.id,),
            )
            counts, expected = defaultdict(int), 0.0
            for state, count, amount in self.env.cr.fetchall():
                counts[state] = count
                expected += amount
            values = {
                "line_count": sum(counts.values()),
                "matched_count": counts["matched"] + counts["written_off"],
                "discrepancy_count": counts["discrepancy"],
                "unmatched_count": counts["unmatched"],
                "expected_total": expected,
            }
            if settlement.state in ("imported", "to_review", "matched"):
                values["state"] = (
                    "matched"
                    if not counts["discrepancy"] and not counts["unmatched"]
                    else "to_review"
                )
            settlement.write(values)

    # === POSTING === #
    def action_post(self):
        """One entry per settlement through the clearing account; posting
        again does nothing."""
        # Billing users may post a settlement but not edit bank statement
        # lines: the scheduled action reconciles the deposit for them.
        reconcile_deposit = self.env["account.bank.statement.line"].has_access("write")
        for settlement in self:
            if settlement.move_id:
                continue
            if settlement.state not in ("matched", "to_review"):
                raise UserError(
                    self.env._(
                        "Match %(name)s before posting it.",
                        name=settlement.display_name,
                    )
                )
            settlement._check_accounts()
            move = self.env["account.move"].create(settlement._move_values())
            move.action_post()
            settlement.write({"move_id": move.id, "state": "posted"})
            settlement._reconcile_documents()
            settlement.message_post(
                body=self.env._("Posted as %(move)s.", move=move.display_name)
            )
            if reconcile_deposit:
                settlement._reconcile_bank_deposit()
        return True

    def _check_accounts(self):
        backend = self.backend_id
        missing = [
            label
            for label, value in (
                (self.env._("Settlement journal"), backend.settlement_journal_id),
                (self.env._("Fees account"), backend.settlement_fee_account_id),
                (
                    self.env._("Write-off account"),
                    backend.settlement_writeoff_account_id,
                ),
            )
            if not value
        ]
        if missing:
            raise UserError(
                self.env._(
                    "Backend %(backend)s needs: %(missing)s.",
                    backend=backend.name,
                    missing=", ".join(missing),
                )
            )

    def _move_values(self):
        """Balances per account, partner and kind of amount (a fee type, a
        line type, the payout, what is left to review): a 100k-line payout
        posts a few dozen journal items, while each settlement line keeps
        its own amounts and documents, and its entry. The documents the
        settlement closes are booked per receivable account and partner,
        and reconciled with each document (:meth:`_reconcile_documents`)."""
        backend = self.backend_id
        clearing = backend.settlement_journal_id.default_account_id
        suspense = backend.settlement_journal_id.suspense_account_id or clearing
        balances = defaultdict(float)

        def book(account, amount, partner=False, label=""):
            balances[(account.id, partner, label)] -= amount

        Line = self.env["retail.settlement.line"]
        accounts = {
            "clearing": clearing,
            "suspense": suspense,
            "fees": {
                mapping.fee_code: mapping.account_id
                for mapping in reversed(backend.settlement_fee_mapping_ids)
            },
            "type_labels": dict(
                Line._fields["line_type"]._description_selection(self.env)
            ),
        }
        for chunk in self._line_chunks():
            for line in Line.browse(chunk):
                self._book_line(line, book, backend, accounts)
            # The chunk's documents and their journal items too: a payout of
            # 10,000 orders would otherwise keep them all in the cache.
            self.env.invalidate_all()
        payout = sum(balances.values())
        if not self.currency_id.is_zero(payout):
            # Files without a payout line: the remainder waits in clearing.
            balances[(clearing.id, False, self.env._("Payout"))] -= payout
        company_currency = self.company_id.currency_id
        lines = []
        for (account_id, partner_id, label), balance in balances.items():
            if self.currency_id.is_zero(balance):
                continue
            amount = self.currency_id._convert(
                balance, company_currency, self.company_id, self.deposit_date
            )
            lines.append(
                Command.create(
                    {
                        "account_id": account_id,
                        "partner_id": partner_id,
                        "name": label or self.display_name,
                        "currency_id": self.currency_id.id,
                        "amount_currency": balance,
                        "balance": amount,
                    }
                )
            )
        return {
            "move_type": "entry",
            "journal_id": backend.settlement_journal_id.id,
            "date": self.deposit_date or fields.Date.context_today(self),
            "ref": self.display_name,
            "line_ids": lines,
        }

    def _line_chunks(self):
        """The settlement's line ids, CHUNK at a time: a large payout is
        booked without holding its lines in memory."""
        self.env["retail.settlement.line"].flush_model()
        self.env.cr.execute(
            "SELECT id FROM retail_settlement_line WHERE settlement_id = %s "
            "ORDER BY id",
            (self.id,),
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        for start in range(0, len(ids), CHUNK):
            yield ids[start : start + CHUNK]

    def _book_line(self, line, book, backend, accounts):
        """Book ``line``'s amounts with ``book(account, amount, partner,
        label)``; ``accounts`` holds what is read once per settlement: the
        clearing and suspense accounts, the fee accounts per fee code and
        the line types' labels."""
        clearing, suspense = accounts["clearing"], accounts["suspense"]
        if line.state not in ("matched", "written_off"):
            book(suspense, line.amount_net, label=self.env._("To review"))
            return
        if line.line_type == "payout" or line.line_type == "payout_reversal":
            book(clearing, line.amount_net, label=self.env._("Payout"))
            return
        self._book_fees(line, book, backend, accounts["fees"])
        rest = line.amount_net - line.amount_fee
        if line.line_type in RECEIVED_TYPES and line.order_binding_id:
            # Its order's documents are booked once, on the group's first line;
            # each line books what it received, the remainder is written off.
            for document in line.invoice_ids:
                open_lines = _open_lines(document)
                amount = sum(open_lines.mapped("amount_currency"))
                book(
                    open_lines.account_id[:1],
                    amount,
                    partner=document.commercial_partner_id.id or False,
                    label=self.env._("Documents settled"),
                )
                rest -= amount
            book(
                backend.settlement_writeoff_account_id,
                rest,
                label=self.env._("Write-off"),
            )
            return
        if line.state == "written_off":
            book(
                backend.settlement_writeoff_account_id,
                rest,
                label=self.env._("Write-off"),
            )
            return
        if line.line_type == "fee":
            account = (
                accounts["fees"].get(line.raw_type) or backend.settlement_fee_account_id
            )
            book(account, rest, label=line.raw_type or self.env._("Fees"))
            return
        field_name = ACCOUNT_OF_TYPE.get(line.line_type, "settlement_other_account_id")
        book(
            backend[field_name] or suspense,
            rest,
            label=accounts["type_labels"][line.line_type],
        )

    def _book_fees(self, line, book, backend, fee_accounts):
        detail = line.fee_detail or {}
        booked = 0.0
        for code, amount in detail.items():
            account = fee_accounts.get(code) or backend.settlement_fee_account_id
            book(account, float(amount), label=code)
            booked += float(amount)
        if not self.currency_id.is_zero(line.amount_fee - booked):
            book(
                backend.settlement_fee_account_id,
                line.amount_fee - booked,
                label=self.env._("Fees"),
            )

    def _reconcile_documents(self):
        """Each document the settlement pays (an invoice or credit note, or
        the channel payment that paid it) with the entry's item of its
        account and partner, in one reconciliation plan: the documents are
        paid one by one, the item by all of them."""
        field = self.env["retail.settlement.line"]._fields["invoice_ids"]
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT rel.%s FROM %s rel
                     JOIN retail_settlement_line line ON line.id = rel.%s
                    WHERE line.settlement_id = %s
                      AND line.state IN ('matched', 'written_off')
                      AND line.line_type IN %s
                      AND line.order_binding_id IS NOT NULL""",
                SQL.identifier(field.column2),
                SQL.identifier(field.relation),
                SQL.identifier(field.column1),
                self.id,
                RECEIVED_TYPES,
            )
        )
        document_ids = [row[0] for row in self.env.cr.fetchall()]
        # Ids per (account, partner), read CHUNK documents at a time: the
        # documents are not all held in the cache at once.
        to_reconcile = defaultdict(list)
        for start in range(0, len(document_ids), CHUNK):
            documents = self.env["account.move"].browse(
                document_ids[start : start + CHUNK]
            )
            for document in documents:
                partner_id = document.commercial_partner_id.id
                for line in _open_lines(document):
                    if not line.reconciled:
                        to_reconcile[(line.account_id.id, partner_id)].append(line.id)
            self.env.invalidate_all()
        items = defaultdict(list)
        for item in self.move_id.line_ids.filtered(lambda line: not line.reconciled):
            key = (item.account_id.id, item.partner_id.id)
            if key in to_reconcile and item.account_id.reconcile:
                items[key].append(item.id)
        plan = [
            line_ids + items[key]
            for key, line_ids in to_reconcile.items()
            if items[key]
        ]
        if plan:
            # Reconciling posted documents changes none of their taxes,
            # terms or totals: Odoo's check of their dynamic lines would
            # compute them all again for every document, the most of the
            # posting's time and memory.
            Item = self.env["account.move.line"].with_context(skip_invoice_sync=True)
            Item._reconcile_plan([Item.browse(line_ids) for line_ids in plan])

    # === BANK DEPOSIT === #
    def action_reconcile_bank_deposit(self):
        for settlement in self:
            if not settlement._reconcile_bank_deposit():
                raise UserError(
                    self.env._(
                        "No single unreconciled bank statement line of %(amount)s "
                        "%(currency)s dated around %(date)s was found for "
                        "%(name)s. Import the bank statement first, or "
                        "reconcile it by hand.",
                        amount=settlement._payout_amount(),
                        currency=settlement.currency_id.name,
                        date=settlement.deposit_date,
                        name=settlement.display_name,
                    )
                )
        return True

    @api.model
    def _cron_reconcile_bank_deposits(self):
        """Scheduled action: bank statements usually arrive after the payout
        report, so posted settlements keep looking for their deposit."""
        self.search(
            [
                ("state", "in", ("posted", "reviewed")),
                ("bank_statement_line_id", "=", False),
                ("deposit_date", ">=", fields.Date.today() - timedelta(days=60)),
            ]
        )._reconcile_bank_deposit()

    def _payout_lines(self):
        clearing = self.backend_id.settlement_journal_id.default_account_id
        return self.move_id.line_ids.filtered(
            lambda line: line.account_id == clearing and not line.reconciled
        )

    def _payout_amount(self):
        return sum(self._payout_lines().mapped("amount_currency"))

    def _find_bank_deposit(self):
        """The one unreconciled statement line that can be this payout: the
        same amount in the same currency, dated around the deposit date,
        preferably naming the payout or its bank reference. Two candidates
        and no reference to tell them apart: a person chooses."""
        amount = self._payout_amount()
        if self.currency_id.is_zero(amount):
            return self.env["account.bank.statement.line"]
        day = self.deposit_date or fields.Date.context_today(self)
        candidates = (
            self.env["account.bank.statement.line"]
            .search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("journal_id", "!=", self.backend_id.settlement_journal_id.id),
                    ("is_reconciled", "=", False),
                    ("state", "=", "posted"),
                    ("date", ">=", day - timedelta(days=DEPOSIT_DAYS_BEFORE)),
                    ("date", "<=", day + timedelta(days=DEPOSIT_DAYS_AFTER)),
                ]
            )
            .filtered(
                lambda line: line.currency_id == self.currency_id
                and not self.currency_id.compare_amounts(line.amount, amount)
            )
        )
        references = [ref for ref in (self.bank_reference, self.external_id) if ref]
        named = candidates.filtered(
            lambda line: any(
                ref in (line.payment_ref or "") or ref in (line.ref or "")
                for ref in references
            )
        )
        if len(named) == 1:
            return named
        return candidates if len(candidates) == 1 else candidates.browse()

    def _reconcile_bank_deposit(self):
        """Give the deposit's statement line the clearing account as its
        counterpart, instead of the bank's suspense account, and reconcile
        it with the payout: the money is then followed from the provider to
        the bank, with nothing left in clearing.

        :return: whether every settlement has its deposit reconciled
        """
        found_all = True
        for settlement in self.filtered("move_id"):
            if settlement.bank_statement_line_id:
                continue
            statement_line = settlement._find_bank_deposit()
            if not statement_line:
                found_all = False
                continue
            clearing = settlement.backend_id.settlement_journal_id.default_account_id
            _liquidity, suspense, _other = statement_line._seek_for_lines()
            bank_move = statement_line.move_id
            bank_move.button_draft()
            bank_move.with_context(skip_readonly_check=True).write(
                {
                    "line_ids": [
                        Command.update(line.id, {"account_id": clearing.id})
                        for line in suspense
                    ]
                }
            )
            bank_move.action_post()
            counterpart = bank_move.line_ids.filtered(
                lambda line, account=clearing: line.account_id == account
            )
            (counterpart | settlement._payout_lines()).reconcile()
            settlement.bank_statement_line_id = statement_line
            settlement.message_post(
                body=self.env._(
                    "Reconciled with the bank deposit %(line)s of %(date)s.",
                    line=statement_line.display_name,
                    date=statement_line.date,
                )
            )
        return found_all

    def action_mark_reviewed(self):
        for settlement in self:
            if settlement.state != "posted":
                raise UserError(
                    self.env._(
                        "Post %(name)s before marking it reviewed.",
                        name=settlement.display_name,
                    )
                )
            settlement.write({"state": "reviewed", "reviewed_by_id": self.env.uid})
            settlement.message_post(body=self.env._("Reviewed."))
        return True

    def action_open_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_settlement.retail_settlement_line_action"
        )
        action["domain"] = [("settlement_id", "=", self.id)]
        action["context"] = {"search_default_group_state": 1}
        return action


def _open_lines(document):
    """The lines a settlement closes on a document: the receivable of an
    invoice or credit note; the outstanding receipt of a channel payment
    (an invoice the channel already paid in Odoo)."""
    if document.origin_payment_id:
        payment = document.origin_payment_id
        return document.line_ids.filtered(
            lambda line: line.account_id == payment.outstanding_account_id
        )
    return document.line_ids.filtered(
        lambda line: line.account_id.account_type == "asset_receivable"
    )


def _chunks_by_order(lines):
    """CHUNK-sized slices of ``lines``, ``(id, order reference)`` pairs
    sorted by reference, that never split the lines of one order."""
    start = 0
    while start < len(lines):
        end = min(start + CHUNK, len(lines))
        while end < len(lines) and lines[end][1] and lines[end][1] == lines[end - 1][1]:
            end += 1
        yield lines[start:end]
        start = end
