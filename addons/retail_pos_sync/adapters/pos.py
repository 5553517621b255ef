# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a store POS platform that Odoo reads from does (capability ``pos``).

Platforms that push offline batches register ``pos_batch`` instead (see
``pos_batch``). A platform Odoo pulls from registers a ``PosAdapter``::

    @register("myplatform", "pos")
    class MyPlatformPos(PosAdapter):
        topics = ("myplatform/order",)

        def poll(self, flow): ...   # store what changed, return the checkpoint
        def book(self, event): ...  # book one stored event, return its order

The backend runs the ``transactions_in`` flow with ``poll`` and the inbox
books the events of ``topics`` with ``book``; models never name a platform.
"""

from odoo.addons.retail_connector_base.registry import Adapter


class PosAdapter(Adapter):
    # Inbox topics whose events ``book`` processes.
    topics = ()

    @classmethod
    def backend_defaults(cls, vals):
        """Values a new backend of the platform gets unless given in
        ``vals`` (its API host, say)."""
        return {}

    def poll(self, flow):
        """Store in the inbox what changed since ``flow.checkpoint`` and
        return the new checkpoint."""
        raise NotImplementedError

    def check_day(self, store, business_day):
        """Before ``store``'s ``business_day`` closes: compare what the
        platform says the day holds with what arrived, raising (or closing)
        a missing-transactions activity. Platforms whose tills number their
        transactions are checked by number as they book: nothing to do."""
        return None

    def book(self, event):
        """Book one stored event of ``topics`` and return its ``pos.order``
        (or None when it books nothing yet).

        :raise RetailBusinessError: when it cannot be booked
        """
        raise NotImplementedError
