# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Constants of the loyalty flows."""

# A channel (web store, marketplace, POS) tells that a customer spent points.
REDEMPTION_TOPIC = "loyalty/redemption"
# The loyalty engine tells that a balance changed on its side.
ADJUSTMENT_TOPIC = "loyalty/adjustment"

LEDGER_KINDS = [
    ("accrual", "Accrual"),
    ("redemption", "Redemption"),
    ("expiry", "Expiry"),
    ("reversal", "Reversal"),
    ("adjustment", "Adjustment"),
]
LEDGER_ORIGINS = [
    ("channel", "Channel"),
    ("engine", "Loyalty engine"),
    ("odoo", "Odoo"),
    ("reconciliation", "Reconciliation"),
]
ENGINE_STATES = [
    ("pending", "To send"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("none", "Not sent"),
]
# The only ledger fields that change after an entry is written: they follow
# its delivery to the engine, never the points.
ENGINE_FIELDS = frozenset(
    {
        "engine_state",
        "engine_reference",
        "engine_error",
        "engine_sent_at",
        "engine_attempts",
    }
)

# Points are kept to the hundredth, as Talon.One's float points allow.
POINTS_DIGITS = 2

# Entries pushed to the engine per job: one call each, under the backend's
# rate limit; a larger backlog is handed to a follow-up job.
PUSH_BATCH = 200

# First key of pg_advisory_xact_lock while a partner's card is created, so
# that two jobs never give one customer two cards of a program.
CARD_LOCK_NAMESPACE = 727401
