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

Shopify releases a stable version at the start of each quarter (``YYYY-01``,
``-04``, ``-07``, ``-10``) and supports each for at least twelve months; a
request naming one no longer supported falls forward to a supported one
(https://shopify.dev/docs/api/usage/versioning). The adapters choose what
they send by the backend's pinned version, so a backend pinned to a version
past its support would speak one version's words to another: *Test
connection* warns of it, the oldest supported version computed from the
release calendar and today's date.
"""

from odoo import fields

from ..exceptions import RetailBusinessError
from ..registry import adapter_classes, register
from .common import ConnectionAdapter
from .shopify_graphql import ShopifyGraphQL

# The Admin API version every Shopify adapter speaks unless the backend pins
# another (``api_version``); a new backend is pinned to it. The newest stable
# version on 2026-12-07, released 2026-10-01 and supported until at least
# 2027-10-01 (https://shopify.dev/changelog/release-notes/2026-10).
API_VERSION = "2026-10"
# The months a stable version is released in (on the 1st), each supported
# for at least a year (https://shopify.dev/docs/api/usage/versioning).
RELEASE_MONTHS = (1, 4, 7, 10)
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


def oldest_supported_version(today):
    """The oldest stable version Shopify still supports on ``today`` (a
    date) by its release calendar: the first one released on or after the
    same day a year before."""
    year_ago = (today.year - 1, today.month, today.day)
    year, month, _day = next(
        release
        for release in (
            (year, month, 1)
            for year in (today.year - 1, today.year)
            for month in RELEASE_MONTHS
        )
        if release >= year_ago
    )
    return f"{year}-{month:02d}"


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

    def test_warnings(self):
        """The backend's pinned version when Shopify no longer supports it:
        its requests fall forward to a version whose fields and rules may
        differ from the ones the adapters chose by the pinned version."""
        version = self.api_version
        oldest = oldest_supported_version(fields.Date.context_today(self.backend))
        if version >= oldest:
            return []
        return [
            self.env._(
                "Its API version %(version)s is no longer supported by Shopify "
                "(the oldest supported is %(oldest)s): Shopify answers in a "
                "supported version, while the connector speaks %(version)s. Set "
                "the API version to %(latest)s (the connector's default) or at "
                "least %(oldest)s.",
                version=version,
                oldest=oldest,
                latest=API_VERSION,
            )
        ]
