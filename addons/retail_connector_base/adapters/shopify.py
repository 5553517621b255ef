# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shopify's connection: how every call to a shop authenticates, which API
version it speaks, and the *Test connection* check. The marketplace module
(orders, stock, fulfilment, webhooks) and the settlement module (Shopify
Payments payouts) each install without the other, and a shop is one backend
for both: what they share lives here, once.

A shop is reached at its own ``https://<shop>.myshopify.com`` (the backend's
API base URL) with a custom app's Admin API access token in
``X-Shopify-Access-Token``, through the GraphQL Admin API only
(``shopify_graphql``): Shopify made the REST Admin API legacy on 2024-10-01.

*Test connection* reads the shop and the scopes the app was granted
(https://shopify.dev/docs/api/admin-graphql/latest/objects/AppInstallation#field-accessScopes)
and names each scope the backend's enabled features need (each adapter's
``access_scopes``) that is missing. A ``write_`` scope grants its ``read_``
scope as well (https://shopify.dev/docs/api/usage/access-scopes).
"""

from ..exceptions import RetailBusinessError
from ..registry import adapter_classes, register
from .common import ConnectionAdapter
from .shopify_graphql import ShopifyGraphQL

# The Admin API version every Shopify adapter speaks unless the backend pins
# another (``api_version``); a new backend is pinned to it.
API_VERSION = "2025-10"
TOKEN_HEADER = "X-Shopify-Access-Token"
SHOP_ACCESS = """
query ShopAccess {
  shop { name myshopifyDomain }
  currentAppInstallation { accessScopes { handle } }
}
"""


class ShopifyAdapter:
    """What every Shopify adapter shares (mixed into each capability's
    class): the API version and the GraphQL client."""

    default_api_version = API_VERSION

    @property
    def api_version(self):
        return self.backend.api_version or API_VERSION

    def graphql(self):
        """The GraphQL Admin API client of this connection."""
        return ShopifyGraphQL(self)


def flow_scopes(backend, scopes_by_flow):
    """``[(scope, feature)]`` of the ``backend``'s flows that are set up
    and not off, from ``scopes_by_flow`` (``{flow: scopes}``); the feature
    is the flow as the manager knows it."""
    labels = dict(
        backend.env["retail.backend.flow"]
        ._fields["flow"]
        ._description_selection(backend.env)
    )
    return [
        (scope, labels[flow])
        for flow, scopes in scopes_by_flow.items()
        if backend._get_flow_mode(flow) != "off"
        for scope in scopes
    ]


def missing_scopes(granted, needed):
    """``{scope: features}`` of ``needed`` (``{scope: features}``) that
    ``granted`` (scope handles) does not cover."""
    granted = set(granted)
    covered = granted | {
        "read_" + scope.removeprefix("write_")
        for scope in granted
        if scope.startswith("write_")
    }
    return {
        scope: features for scope, features in needed.items() if scope not in covered
    }


@register("shopify", "connection")
class ShopifyConnection(ShopifyAdapter, ConnectionAdapter):
    @classmethod
    def backend_defaults(cls, vals):
        # The request bucket of a standard plan (40 calls, leaking 2 a
        # second); GraphQL calls are further limited by their cost
        # (shopify_graphql).
        return {"api_version": API_VERSION, "rate_limit": 2.0, "rate_burst": 40}

    def request_headers(self):
        # Shopify authenticates with its own header, not a bearer token.
        token = self.backend._get_secret("access_token")
        return {TOKEN_HEADER: token} if token else {}

    def needed_scopes(self):
        """``{scope: [features]}`` that the backend's enabled features need,
        from every installed Shopify adapter."""
        needed = {}
        for cls in adapter_classes(self.env, self.backend.platform):
            for scope, feature in cls(self.backend).access_scopes():
                needed.setdefault(scope, [])
                if feature not in needed[scope]:
                    needed[scope].append(feature)
        return needed

    def test(self):
        """The shop answers, and the app holds every scope the enabled
        features need; otherwise a business error names each missing scope
        and what needs it."""
        data = self.graphql().execute(SHOP_ACCESS, cost=2)
        installation = data.get("currentAppInstallation") or {}
        granted = [scope["handle"] for scope in installation.get("accessScopes") or []]
        missing = missing_scopes(granted, self.needed_scopes())
        if missing:
            shop = (data.get("shop") or {}).get("name") or self.backend.name
            raise RetailBusinessError(
                self.env._(
                    "%(shop)s answered, but the app lacks these access scopes: "
                    "%(scopes)s. Add them to the custom app's Admin API access "
                    "scopes in Shopify, install the app again, then test again.",
                    shop=shop,
                    scopes="; ".join(
                        self.env._(
                            "%(scope)s (for %(features)s)",
                            scope=scope,
                            features=", ".join(features),
                        )
                        for scope, features in sorted(missing.items())
                    ),
                ),
                code="shopify_access_scopes",
            )
        return data
