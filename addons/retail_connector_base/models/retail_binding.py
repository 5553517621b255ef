# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import json

from odoo import api, fields, models


class RetailBinding(models.AbstractModel):
    """Links an external object (by its id on one backend) to an Odoo record.

    The binder is two plain methods, ``_to_internal`` and ``_to_external``;
    ``external_updated_at`` protects records from older messages that arrive
    late, and ``payload_hash`` lets exports skip what the channel already has.
    """

    _name = "retail.binding"
    _description = "Retail Binding (abstract)"

    backend_id = fields.Many2one(
        "retail.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    external_id = fields.Char(required=True, index=True)
    sync_date = fields.Datetime("Last synchronised", readonly=True)
    external_updated_at = fields.Datetime(
        "Changed on the channel",
        readonly=True,
        help="When the channel last changed the object, as far as Odoo knows.",
    )
    payload_hash = fields.Char(
        readonly=True, help="Hash of the last payload sent or received."
    )

    _sql_constraints = [
        (
            "external_unique",
            "unique(backend_id, external_id)",
            "An external object can be bound only once per backend.",
        ),
    ]

    @staticmethod
    def _hash_payload(payload):
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def _get_record(self):
        """The bound Odoo record. Note: self.ensure_one"""
        self.ensure_one()
        return self.odoo_id

    @api.model
    def _prepare_record_vals(self, record):
        return {"odoo_id": record.id}

    @api.model
    def _find(self, backend, external_id):
        return self.search(
            [("backend_id", "=", backend.id), ("external_id", "=", str(external_id))],
            limit=1,
        )

    @api.model
    def _to_internal(self, backend, external_id):
        """The Odoo record bound to ``external_id`` on ``backend``, if any."""
        binding = self._find(backend, external_id)
        return binding._get_record() if binding else None

    @api.model
    def _to_external(self, backend, record):
        """The external id of ``record`` on ``backend``, if it is bound."""
        vals = self._prepare_record_vals(record)
        domain = [("backend_id", "=", backend.id)] + [
            (name, "=", value) for name, value in vals.items()
        ]
        return self.search(domain, limit=1).external_id or None

    @api.model
    def _is_outdated(self, backend, external_id, external_updated_at):
        """Whether a message describing the object as of ``external_updated_at``
        is older than what the binding already reflects: then it must not be
        applied, or it would roll the record back."""
        if not external_updated_at:
            return False
        binding = self._find(backend, external_id)
        return bool(
            binding.external_updated_at
            and binding.external_updated_at > external_updated_at
        )

    @api.model
    def _bind(
        self, backend, external_id, record, external_updated_at=None, payload=None
    ):
        """Create or refresh the binding of ``external_id`` to ``record``."""
        vals = dict(
            self._prepare_record_vals(record),
            sync_date=fields.Datetime.now(),
        )
        if external_updated_at:
            vals["external_updated_at"] = external_updated_at
        if payload is not None:
            vals["payload_hash"] = self._hash_payload(payload)
        binding = self._find(backend, external_id)
        if binding:
            binding.write(vals)
            return binding
        return self.create(
            dict(vals, backend_id=backend.id, external_id=str(external_id))
        )
