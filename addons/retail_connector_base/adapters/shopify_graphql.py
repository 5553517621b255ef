# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shopify's GraphQL Admin API: one client per connection, limited by query
cost. Every Shopify capability (the marketplace's orders, stock, fulfilment
and webhooks, the settlement's payouts, the connection test) calls the shop
through it, so it lives here, where each module that uses it can reach it
alone.

Cost limits (https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits):
each answer states in ``extensions.cost`` what the query was estimated to
cost (``requestedQueryCost``), what it cost (``actualQueryCost``) and the
shop's bucket (``throttleStatus``: ``maximumAvailable``,
``currentlyAvailable``, ``restoreRate`` points a second). A query whose
requested cost exceeds what is available is refused with a ``THROTTLED``
error. The bucket is per shop and app, so every worker of every backend
talking to the shop spends it: its last known state is kept in the backend's
row of ``retail_backend_throttle`` (the shared limiter), points are reserved
there before a query and the state Shopify answers replaces the estimate
after it.

Paging (https://shopify.dev/docs/api/usage/pagination-graphql): a connection
answers ``pageInfo { hasNextPage endCursor }``; the next page is asked with
``after: endCursor``.
"""

import math
import time

from ..exceptions import RetailBusinessError, RetailTransientError
from ..http_client import MAX_INLINE_WAIT, Throttle

# A THROTTLED answer is waited out and retried this many times in the worker;
# beyond, the job is retried later.
THROTTLE_RETRIES = 2
# A mutation's requested cost: 10 points.
MUTATION_COST = 10
# Points reserved for queries under way are forgotten after the bucket was
# left alone this long (seconds): longer than any request may take.
PENDING_TTL = 300
# A list read to the end stops here: a connection that never ends is the
# platform's bug, not a reason to loop for ever.
MAX_PAGES = 1000


def graphql_path(version):
    return f"admin/api/{version}/graphql.json"


def gid(kind, number):
    """``gid://shopify/<kind>/<number>``, the id GraphQL names a record by."""
    return f"gid://shopify/{kind}/{number}"


def legacy_id(value):
    """``123`` of ``gid://shopify/Order/123``; None for None."""
    if value is None:
        return None
    return int(str(value).rpartition("/")[2].partition("?")[0])


def nodes(connection):
    """The nodes of a connection, or a plain list as some fields are."""
    if isinstance(connection, list):
        return connection
    return (connection or {}).get("nodes") or []


def money_amount(money):
    """The decimal string of a ``MoneyV2``, or of a ``MoneyBag``'s shop money."""
    money = (money or {}).get("shopMoney") or money or {}
    return money.get("amount")


# === ERRORS === #
def graphql_errors(answer):
    """Raise for the top-level ``errors`` of a GraphQL answer: transient when
    throttled, retried once the bucket holds the query's cost again; a
    business error otherwise."""
    errors = answer.get("errors")
    if not errors:
        return
    message = "; ".join(error.get("message", "") for error in errors)
    if is_throttled(answer):
        raise RetailTransientError(
            f"Shopify throttled the call: {message}",
            retry_after=throttle_wait(answer),
        )
    raise RetailBusinessError(
        f"Shopify refused the call: {message}", code="shopify_graphql"
    )


def is_throttled(answer):
    return any(
        (error.get("extensions") or {}).get("code") == "THROTTLED"
        for error in answer.get("errors") or []
    )


def throttle_wait(answer):
    """Seconds until the bucket holds the refused query's cost:
    ``(requested - available) / restoreRate``, rounded up; None when the
    answer does not say."""
    cost = (answer.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    if not status.get("restoreRate") or cost.get("requestedQueryCost") is None:
        return None
    missing = cost["requestedQueryCost"] - status.get("currentlyAvailable", 0)
    return max(1, math.ceil(missing / status["restoreRate"]))


def _value_at(variables, path):
    value = variables
    for step in path:
        if isinstance(value, list) and str(step).isdigit() and int(step) < len(value):
            value = value[int(step)]
        elif isinstance(value, dict) and step in value:
            value = value[step]
        else:
            return None
    return value


def user_errors(result, variables, what):
    """Raise a business error for the ``userErrors`` of a mutation's
    ``result``, each naming its field and the value sent for it."""
    errors = result.get("userErrors") or []
    if not errors:
        return
    described = []
    for error in errors:
        path = error.get("field") or []
        text = error.get("message", "")
        if path:
            value = _value_at(variables, path)
            text = f"{'.'.join(str(step) for step in path)} = {value!r}: {text}"
        described.append(text)
    raise RetailBusinessError(
        f"Shopify refused {what}: {'; '.join(described)}", code="shopify_user_error"
    )


# === COST BUCKET === #
class CostBucket(Throttle):
    """The shop's GraphQL cost bucket in the backend's throttle row: single
    SQL statements on their own committed cursor, as the request bucket.

    Points reserved for queries still under way are kept apart
    (``cost_pending``): the bucket Shopify states after one query does not
    yet count the queries other workers sent meanwhile, so they are taken
    off it again. A query Shopify already counted and whose answer is not
    recorded yet is thus counted twice for a moment, which only makes the
    next worker wait a little longer. Reservations a crashed worker left
    are forgotten once the bucket has been idle for ``PENDING_TTL``."""

    def take(self, cost):
        """Reserve ``cost`` points; return how long to wait before sending
        (the bucket may go into debt, as the request bucket does), or None
        when nothing is known of the bucket before its first answer: nothing
        is reserved then, and the query goes at once."""
        row = self._execute(
            """
            UPDATE retail_backend_throttle
               SET cost_available = LEAST(
                       cost_maximum,
                       cost_available + cost_restore_rate * EXTRACT(
                           EPOCH FROM (clock_timestamp() at time zone 'UTC')
                                      - cost_at
                       )
                   ) - %(cost)s,
                   cost_pending = %(cost)s + CASE
                       WHEN cost_at < (clock_timestamp() at time zone 'UTC')
                                      - make_interval(secs => %(ttl)s)
                       THEN 0 ELSE COALESCE(cost_pending, 0) END,
                   cost_at = clock_timestamp() at time zone 'UTC'
             WHERE backend_id = %(backend)s AND cost_maximum > 0
               AND cost_restore_rate > 0
            RETURNING cost_available, cost_restore_rate
            """,
            dict(self._params(), cost=cost, ttl=PENDING_TTL),
        )
        if not row:
            return None
        available, rate = row
        return max(0.0, -available / rate)

    def give_back(self, cost):
        """The points of a query that is not sent after all."""
        self._execute(
            """
            UPDATE retail_backend_throttle
               SET cost_available = cost_available + %(cost)s,
                   cost_pending = GREATEST(0, COALESCE(cost_pending, 0) - %(cost)s)
             WHERE backend_id = %(backend)s RETURNING cost_available
            """,
            dict(self._params(), cost=cost),
        )

    def release(self, cost):
        """A query that got no answer: whether Shopify counted it is
        unknown, so only its reservation ends."""
        self._execute(
            """
            UPDATE retail_backend_throttle
               SET cost_pending = GREATEST(0, COALESCE(cost_pending, 0) - %(cost)s)
             WHERE backend_id = %(backend)s RETURNING cost_pending
            """,
            dict(self._params(), cost=cost),
        )

    def record(self, status, reserved=0):
        """The bucket as Shopify states it after a query that had reserved
        ``reserved`` points, less what other queries under way reserved."""
        self._execute(
            """
            UPDATE retail_backend_throttle
               SET cost_pending = GREATEST(
                       0, COALESCE(cost_pending, 0) - %(reserved)s
                   ),
                   cost_available = %(available)s - GREATEST(
                       0, COALESCE(cost_pending, 0) - %(reserved)s
                   ),
                   cost_maximum = %(maximum)s,
                   cost_restore_rate = %(rate)s,
                   cost_at = clock_timestamp() at time zone 'UTC'
             WHERE backend_id = %(backend)s RETURNING cost_available
            """,
            dict(
                self._params(),
                available=status["currentlyAvailable"],
                maximum=status["maximumAvailable"],
                rate=status["restoreRate"],
                reserved=reserved,
            ),
        )


class ShopifyGraphQL:
    """``POST admin/api/<version>/graphql.json`` through the adapter's
    ``request`` (the backend's authentication, rate limit, circuit breaker
    and request log), at the adapter's ``api_version``, within the shop's
    cost bucket."""

    def __init__(self, adapter):
        self.adapter = adapter
        # Adapters playing against a stand-in (tests) have no backend.
        self.bucket = CostBucket(adapter.backend) if adapter.backend else None

    def execute(self, query, variables=None, cost=1):
        """The ``data`` of the answer to ``query``; ``cost`` is the estimate
        reserved in the shared bucket before sending it. A THROTTLED answer
        is waited out and retried a bounded number of times."""
        path = graphql_path(self.adapter.api_version)
        for attempt in range(THROTTLE_RETRIES + 1):
            reserved = self._reserve(cost)
            try:
                answer = self.adapter.request(
                    "POST",
                    path,
                    json_body={"query": query, "variables": variables or {}},
                )
            except Exception:
                if reserved:
                    self.bucket.release(reserved)
                raise
            status = ((answer.get("extensions") or {}).get("cost") or {}).get(
                "throttleStatus"
            )
            if self.bucket and status and status.get("restoreRate"):
                self.bucket.record(status, reserved)
            elif reserved:
                self.bucket.release(reserved)
            if not is_throttled(answer):
                graphql_errors(answer)
                return answer["data"]
            wait = throttle_wait(answer) or 1
            if attempt == THROTTLE_RETRIES or wait > MAX_INLINE_WAIT:
                graphql_errors(answer)
            time.sleep(wait)

    def _reserve(self, cost):
        """The points reserved for the query (0 when the bucket is not known
        yet), after waiting until the bucket holds them."""
        if not self.bucket:
            return 0
        wait = self.bucket.take(cost)
        if wait is None:
            return 0
        if wait > MAX_INLINE_WAIT:
            self.bucket.give_back(cost)
            raise RetailTransientError(
                f"Shopify query cost bucket empty: {cost} points in {wait:.0f} s",
                retry_after=wait,
            )
        time.sleep(wait)
        return cost

    def pages(self, query, variables, path, cost, first_page=None):
        """Every node of the connection at ``path`` (its keys from ``data``)
        of ``query``, page after page to the end: ``variables`` are sent
        with ``after`` the previous page's end cursor. ``first_page`` is the
        connection's first page when it came nested in another answer: it
        is continued from its end cursor."""
        found, connection, after = [], first_page, None
        for _page in range(MAX_PAGES):
            if connection is None:
                connection = self.execute(query, dict(variables, after=after), cost)
                for key in path:
                    connection = (connection or {}).get(key)
                if connection is None:
                    return found
            found.extend(nodes(connection))
            info = connection.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return found
            after, connection = info["endCursor"], None
        raise RetailBusinessError(
            f"Shopify's {'.'.join(path)} still had more after {MAX_PAGES} pages",
            code="shopify_endless_list",
        )
