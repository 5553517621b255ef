# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import datetime, time, timezone

from odoo import api, models

from odoo.addons.retail_connector_base.exceptions import (
    RetailBusinessError,
    RetailTransientError,
)

_logger = logging.getLogger(__name__)

# Payouts are listed again this far back from the checkpoint: a payout
# created before the last one handled may only now be paid (Stripe pays out
# in 2 to 14 days; a Shopify payout is dated when issued, paid days later),
# and payouts already imported are skipped.
FETCH_LOOKBACK_SECONDS = 14 * 86400
AUTH_FAILURES = ("http_401", "http_403")
FAILURE_KIND = "payout_fetch"


class RetailSettlementFetch(models.AbstractModel):
    """The *Settlements in* flow of a backend: its platform's paid payouts
    fetched with the backend's ``payouts`` adapter, each imported and
    matched like an uploaded file."""

    _name = "retail.settlement.fetch"
    _description = "Retail Settlement Payout Fetch"

    @api.model
    def _fetch(self, backend, flow):
        """Fetch the paid payouts created since the checkpoint (less a
        look-back) that are not imported yet, oldest first and at most a
        batch of them, and import and match each like an uploaded file.
        Return the new checkpoint: the creation time (Unix seconds) of the
        last payout handled.

        Each payout is read whole before anything of it is stored. When the
        provider stops answering after some payouts were imported, those are
        kept and the run ends there; the next run continues from them.
        """
        backend.ensure_one()
        adapter = backend._adapter("payouts")
        self._check_configuration(backend, adapter)
        try:
            payouts = adapter.list_payouts(
                self._fetch_from(backend, flow), flow.batch_size
            )
        except RetailBusinessError as error:
            raise self._refusal(backend, adapter, error) from error
        Settlement = self.env["retail.settlement"]
        checkpoint = flow.checkpoint
        imported = Settlement.browse()
        for payout in payouts:
            if len(imported) >= max(flow.batch_size, 1):
                break  # the rest waits for the next run
            moment = adapter.payout_created(payout)
            # Shopify's ids are numbers; settlements keep them as text.
            payout_id = str(payout["id"])
            if not adapter.fetchable(payout):
                _logger.info(
                    "%s: payout %s cannot be itemised or is not paid, not fetched",
                    backend.name,
                    payout_id,
                )
            elif not self._known(backend, adapter.source, payout_id):
                try:
                    raw = adapter.payout_document(payout, flow.batch_size)
                except RetailTransientError as error:
                    if not imported:
                        raise
                    _logger.warning(
                        "%s: payouts fetch stopped after %s payouts: %s",
                        backend.name,
                        len(imported),
                        error,
                    )
                    break
                except RetailBusinessError as error:
                    raise self._refusal(backend, adapter, error) from error
                imported |= Settlement._import_fetched(
                    backend, adapter.source, payout_id, raw
                )
            checkpoint = str(max(int(checkpoint or 0), moment))
        self.env["retail.exception.activity"]._resolve(backend, FAILURE_KIND)
        return checkpoint

    @api.model
    def _check_configuration(self, backend, adapter):
        """Say what a manager has to enter before anything is sent."""
        if not backend._get_secret(adapter.credential):
            raise RetailBusinessError(
                self.env._(
                    "%(backend)s has no %(credential)s: enter the %(provider)s "
                    "key to fetch payouts with.",
                    backend=backend.name,
                    credential=backend._fields[adapter.credential].string,
                    provider=adapter.label,
                ),
                code="no_credentials",
            )
        if not backend.api_url:
            raise RetailBusinessError(
                self.env._(
                    "%(backend)s has no API base URL: enter the address of its "
                    "%(provider)s API on the Connection tab.",
                    backend=backend.name,
                    provider=adapter.label,
                ),
                code="no_api_url",
            )

    @api.model
    def _fetch_from(self, backend, flow):
        """Unix seconds the payouts are listed from, None for all."""
        starts = []
        if flow.checkpoint:
            try:
                starts.append(int(flow.checkpoint) - FETCH_LOOKBACK_SECONDS)
            except ValueError:
                raise RetailBusinessError(
                    self.env._(
                        "The checkpoint of the Settlements in flow of %(backend)s "
                        "is not a time in Unix seconds: clear it to start over.",
                        backend=backend.name,
                    ),
                    code="bad_checkpoint",
                ) from None
        if backend.settlement_fetch_since:
            start = datetime.combine(
                backend.settlement_fetch_since, time.min, tzinfo=timezone.utc
            )
            starts.append(int(start.timestamp()))
        return max(starts) if starts else None

    @api.model
    def _known(self, backend, source, payout_id):
        """Whether the payout was imported (uploaded or fetched) or already
        fetched and refused: both are left as they are."""
        Settlement = self.env["retail.settlement"]
        return bool(
            Settlement.search_count(
                [
                    ("backend_id", "=", backend.id),
                    ("source", "=", source),
                    "|",
                    ("external_id", "=", payout_id),
                    ("file_name", "=", Settlement._fetched_name(source, payout_id)),
                ],
                limit=1,
            )
        )

    @api.model
    def _refusal(self, backend, adapter, error):
        """The provider's refusal in words a manager acts on."""
        if getattr(error, "code", None) in AUTH_FAILURES:
            return RetailBusinessError(
                self.env._(
                    "%(provider)s refused the %(credential)s of %(backend)s: check "
                    "the key and its read access to payouts and balance. %(error)s",
                    provider=adapter.label,
                    credential=backend._fields[adapter.credential].string,
                    backend=backend.name,
                    error=error,
                ),
                code="settlement_auth",
            )
        return error

    @api.model
    def _failed(self, backend, error):
        """Keep a failed fetch in sight: one exception activity on the
        backend, its note updated while the failure lasts."""
        return self.env["retail.exception.activity"]._raise(
            backend,
            backend,
            FAILURE_KIND,
            self.env._(
                "%(backend)s: payouts could not be fetched", backend=backend.name
            ),
            str(error),
        )
