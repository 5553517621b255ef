# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date
from unittest.mock import patch

from odoo.tests import TransactionCase, tagged

from ..adapters import shopify, shopify_graphql
from ..adapters.common import subscription_changes
from ..exceptions import RetailBusinessError

URL = "https://erp.example.com/retail/webhook/token-2"


class _Pages:
    """What the GraphQL client needs of an adapter, answering from
    ``pages`` by the ``after`` cursor asked."""

    backend = None
    api_version = shopify.API_VERSION

    def __init__(self, pages):
        self.pages = pages
        self.paths = []

    def request(self, method, path, json_body=None, params=None, **options):
        self.paths.append(path)
        return {"data": {"list": self.pages[json_body["variables"]["after"]]}}


@tagged("post_install", "-at_install")
class TestShopifyClient(TransactionCase):
    def test_a_write_scope_grants_its_read_scope(self):
        needed = {
            "read_orders": ["Orders in"],
            "write_inventory": ["Stock out"],
            "read_shopify_payments_payouts": ["Settlements in"],
        }
        self.assertEqual(
            shopify.missing_scopes(["write_orders", "write_inventory"], needed),
            {"read_shopify_payments_payouts": ["Settlements in"]},
        )
        self.assertEqual(
            shopify.missing_scopes(["read_inventory", "read_orders"], needed),
            {
                "write_inventory": ["Stock out"],
                "read_shopify_payments_payouts": ["Settlements in"],
            },
        )

    def test_the_oldest_supported_version_follows_the_release_calendar(self):
        """Test that a version is supported for a year after its quarter's
        first day, that day included: on 2026-12-07 the oldest is 2026-01,
        on 2026-10-01 still 2025-10, the day after 2026-01; on 2027-01-01
        2026-01 still, on 2027-01-02 2026-04."""
        cases = {
            date(2026, 12, 7): "2026-01",
            date(2026, 10, 1): "2025-10",
            date(2026, 10, 2): "2026-01",
            date(2027, 1, 1): "2026-01",
            date(2027, 1, 2): "2026-04",
            date(2027, 3, 31): "2026-04",
        }
        for today, oldest in cases.items():
            self.assertEqual(
                shopify.oldest_supported_version(today), oldest, msg=str(today)
            )
        # The default is supported by the calendar of its own release.
        year, month = map(int, shopify.API_VERSION.split("-"))
        self.assertLessEqual(
            shopify.oldest_supported_version(date(year, month, 1)),
            shopify.API_VERSION,
        )

    def test_subscription_changes_touch_only_the_connectors_own(self):
        """Test that the connector's subscriptions at an old URL, of a topic
        no longer needed, inactive or repeated go; that another system's,
        and another server's of this connector (a copy of the database), are
        left alone; and that the missing topics are created."""
        old = "https://erp.example.com/retail/webhook/token-1"
        existing = [
            {"id": 1, "topic": "orders/create", "url": URL},
            {"id": 2, "topic": "orders/create", "url": URL},
            {"id": 3, "topic": "orders/updated", "url": old},
            {"id": 4, "topic": "orders/paid", "url": URL, "active": False},
            {"id": 5, "topic": "products/update", "url": URL},
            {"id": 6, "topic": "orders/create", "url": "https://crm.example.com/in"},
            {
                "id": 7,
                "topic": "orders/create",
                "url": "https://staging.example.com/retail/webhook/token-9",
            },
        ]
        create, stale = subscription_changes(
            existing, ["orders/create", "orders/updated", "orders/paid"], URL
        )
        self.assertEqual(create, ["orders/updated", "orders/paid"])
        self.assertEqual([subscription["id"] for subscription in stale], [2, 3, 4, 5])

    def test_pages_are_read_to_the_end_by_cursor(self):
        adapter = _Pages(
            {
                None: {
                    "nodes": [1, 2],
                    "pageInfo": {"hasNextPage": True, "endCursor": "a"},
                },
                "a": {
                    "nodes": [3],
                    "pageInfo": {"hasNextPage": False, "endCursor": "b"},
                },
            }
        )
        client = shopify_graphql.ShopifyGraphQL(adapter)
        self.assertEqual(
            client.pages("query L { x }", {}, ("list",), cost=3), [1, 2, 3]
        )
        self.assertEqual(
            adapter.paths, [f"admin/api/{shopify.API_VERSION}/graphql.json"] * 2
        )
        endless = _Pages(
            {
                cursor: {
                    "nodes": [],
                    "pageInfo": {"hasNextPage": True, "endCursor": "a"},
                }
                for cursor in (None, "a")
            }
        )
        with (
            patch.object(shopify_graphql, "MAX_PAGES", 3),
            self.assertRaisesRegex(RetailBusinessError, "still had more"),
        ):
            shopify_graphql.ShopifyGraphQL(endless).pages(
                "query L { x }", {}, ("list",), 3
            )
