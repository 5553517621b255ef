# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What every ``payouts`` adapter does the same way: read a list endpoint
page after page, list the paid payouts since a time, oldest first, and turn
a payout and its balance transactions into the document its parser reads.
The platform classes keep only what differs: where the lists are, how a page
names the next one, and what a payout's time and finality are.

The *Settlements in* flow (``retail.settlement.fetch``) uses an adapter
found by ``backend._adapter("payouts")``; the connector's client
(``Adapter.request``) authenticates the calls, limits their rate and logs
them.
"""

from odoo.addons.retail_connector_base.registry import Adapter

MAX_PAGES = 1000  # a list that never ends is the platform's bug, not ours


class PayoutsAdapter(Adapter):
    """The paid payouts of one platform account."""

    parser = None  # the module of ``parsers`` that reads the documents
    label = None  # the provider, as a manager knows it
    credential = "access_token"  # the backend field holding the key
    default_url = None  # the API's address, when it is the same for everyone
    default_version = None  # used when the backend pins no API version
    path_prefix = ""  # what precedes every path, ``{version}`` the API version
    payouts_path = None
    transactions_path = None
    max_limit = 100

    @property
    def source(self):
        """The settlement source (parser code) of the fetched documents."""
        return self.parser.SOURCE

    def version(self):
        return self.backend.api_version or self.default_version

    def get(self, path, params, links=False):
        """The decoded answer of a GET (with ``links``: and its parsed
        ``Link`` header), or the connector's transient or business error."""
        return self.request(
            "GET",
            self.path_prefix.format(version=self.version()) + path,
            params=params,
            links=links,
        )

    def limit(self, limit):
        return max(1, min(int(limit or self.max_limit), self.max_limit))

    def all_pages(self, path, params):
        """Every object of a list endpoint."""
        objects = []
        for _page in range(MAX_PAGES):
            page, params = self.page(path, params)
            objects += page
            if params is None:
                return objects
        raise ValueError(f"{path} still has more after {MAX_PAGES} pages")

    def page(self, path, params):
        """``(objects, params of the next page or None)``."""
        raise NotImplementedError

    def payouts_params(self, since, limit):
        """The list filters: paid payouts from ``since`` (Unix seconds;
        None: all)."""
        raise NotImplementedError

    def transactions_params(self, payout_id, limit):
        raise NotImplementedError

    def list_payouts(self, since, limit=None):
        """Paid payouts from ``since`` (Unix seconds; None: all), oldest
        first (the platforms list the most recent first)."""
        return sorted(
            self.read_payouts(since, limit),
            key=lambda payout: (self.payout_created(payout), str(payout["id"])),
        )

    def read_payouts(self, since, limit):
        """Every paid payout from ``since``, ``limit`` a page."""
        return self.all_pages(self.payouts_path, self.payouts_params(since, limit))

    def payout_created(self, payout):
        """Where the checkpoint moves to once ``payout`` is handled (Unix
        seconds)."""
        raise NotImplementedError

    def fetchable(self, payout):
        """Whether the payout is final and can be itemised."""
        return True

    def balance_transactions(self, payout_id, limit=None):
        """Every balance transaction ``payout_id`` pays out."""
        return self.all_pages(
            self.transactions_path, self.transactions_params(payout_id, limit)
        )

    def payout_document(self, payout, limit=None):
        """The file the platform's parser reads, for ``payout``."""
        return self.parser.document(
            payout, self.balance_transactions(payout["id"], limit)
        )
