# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One statement outside a transaction, where a webhook's answer waits on it."""

from contextlib import contextmanager

from psycopg2.extensions import TRANSACTION_STATUS_IDLE


@contextmanager
def outside_transaction(cr):
    """Run the block's statement in autocommit when ``cr``'s connection has
    no transaction open, and yield whether it does.

    A statement alone is its own transaction: no BEGIN before it, no COMMIT
    or ROLLBACK after it, two round trips to the database fewer. The
    connection's transaction settings are set aside meanwhile, as psycopg2
    would otherwise send them as two statements more when autocommit ends.
    A test cursor, or a connection already in a transaction, runs the block
    within the transaction (yields False).
    """
    connection = getattr(cr, "_cnx", None)
    if (
        connection is None
        or connection.info.transaction_status != TRANSACTION_STATUS_IDLE
    ):
        yield False
        return
    isolation, readonly = connection.isolation_level, connection.readonly
    connection.set_session(isolation_level="DEFAULT", readonly="DEFAULT")
    connection.autocommit = True
    try:
        yield True
    finally:
        connection.autocommit = False
        connection.set_session(isolation_level=isolation, readonly=readonly)
