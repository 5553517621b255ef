# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shopify's catalog and inventory through the GraphQL Admin API, within the
shop's query cost bucket (``shopify_graphql.ShopifyGraphQL``).

Catalog. A product is set whole, options and variants together, with
``productSet`` (https://shopify.dev/docs/api/admin-graphql/latest/mutations/productSet),
run synchronously (the default since 2024-07, without the 100-variant input
limit older versions had): list fields (variants, options, files) become
what is sent, so a variant left out is deleted, and fields left out are not
touched. A product takes at most 2,048 variants (the limit for every shop
since 2025-10-15: https://shopify.dev/changelog/the-product-variant-limit-is-now-2048-for-all-merchants)
and 3 options. When Odoo owns prices but not products, only the variants'
prices are sent (``productVariantsBulkUpdate``). A product gone from Odoo is
archived (``productUpdate`` with status ``ARCHIVED``), never deleted.

Inventory. Levels are read by inventory item, 250 a query, at the backend's
location (``nodes(ids:)`` and ``InventoryItem.inventoryLevel(locationId:)``).
A full reconciliation reads every level of the shop in one bulk operation
(https://shopify.dev/docs/api/usage/bulk-operations/queries): the query runs
on Shopify's side, is polled until it is done, and its JSONL result (one
object a line, a level naming its location in ``__parentId``) is read from
the signed address Shopify gives, line by line.
"""

import json
import time

from odoo.addons.retail_connector_base import http_client
from odoo.addons.retail_connector_base.adapters.shopify_graphql import (
    MUTATION_COST,
    _value_at,
    legacy_id,
    user_errors,
)
from odoo.addons.retail_connector_base.exceptions import (
    RetailBusinessError,
    RetailTransientError,
)

from .common import chunks, unique

MAX_VARIANTS = 2048
MAX_OPTIONS = 3
# A connection page and an input list hold at most 250 items.
PAGE = 250
# Locations read a page at a time; a shop has a few.
LOCATIONS_PAGE = 100
# What Shopify calls the option of a product without options.
DEFAULT_OPTION = "Title"
DEFAULT_VALUE = "Default Title"
WEIGHT_UNITS = {"kg": "KILOGRAMS", "lb": "POUNDS"}
STATUSES = {"active": "ACTIVE", "archived": "ARCHIVED"}
# The bulk operation is polled at growing intervals, up to this long in the
# worker; still running then, it is picked up by the next run.
BULK_POLL_FIRST = 1
BULK_POLL_MAX = 10
BULK_WAIT = 10 * 60
BULK_ENDED = ("FAILED", "EXPIRED", "CANCELED", "CANCELING")
# From this version bulkOperationRunQuery takes ``groupObjects``, grouping
# children under their parent (slower on Shopify's side): not needed here.
GROUP_OBJECTS_VERSION = "2025-10"

VARIANT = "id sku selectedOptions { name value } inventoryItem { id }"
PRODUCT_SET = f"""
mutation ProductSet($input: ProductSetInput!, $variantFirst: Int!) {{
  productSet(input: $input, synchronous: true) {{
    product {{
      id status
      variants(first: $variantFirst) {{
        nodes {{ {VARIANT} }}
        pageInfo {{ hasNextPage endCursor }}
      }}
    }}
    userErrors {{ code field message }}
  }}
}}
"""
PRODUCT_VARIANTS = f"""
query ProductVariants($id: ID!, $first: Int!, $after: String) {{
  product(id: $id) {{
    variants(first: $first, after: $after) {{
      nodes {{ {VARIANT} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}
"""
UPDATE_VARIANT_PRICES = """
mutation UpdateVariantPrices($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
  productVariantsBulkUpdate(productId: $productId, variants: $variants) {
    productVariants { id }
    userErrors { code field message }
  }
}
"""
ARCHIVE_PRODUCT = """
mutation ArchiveProduct($product: ProductUpdateInput!) {
  productUpdate(product: $product) {
    product { id status }
    userErrors { field message }
  }
}
"""
VARIANT_REFS = """
query VariantRefs($id: ID!) {
  productVariant(id: $id) { id product { id } inventoryItem { id } }
}
"""
INVENTORY_LEVELS = """
query InventoryLevels($ids: [ID!]!, $locationId: ID!) {
  nodes(ids: $ids) {
    ... on InventoryItem {
      id
      inventoryLevel(locationId: $locationId) {
        quantities(names: ["available"]) { name quantity }
      }
    }
  }
}
"""
LOCATIONS = """
query Locations($first: Int!, $after: String) {
  locations(first: $first, after: $after) {
    nodes { id name address { formatted } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
# Run as a bulk operation: every level of every active location.
INVENTORY_LEVELS_BULK = """
{
  locations {
    edges {
      node {
        id
        inventoryLevels {
          edges {
            node {
              item { id }
              quantities(names: ["available"]) { name quantity }
            }
          }
        }
      }
    }
  }
}
"""
RUN_BULK_QUERY = """
mutation RunBulkQuery($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { code field message }
  }
}
"""
RUN_BULK_QUERY_UNGROUPED = """
mutation RunBulkQuery($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: false) {
    bulkOperation { id status }
    userErrors { code field message }
  }
}
"""
BULK_OPERATION = "id status errorCode objectCount url query"
BULK_OPERATION_STATUS = f"""
query BulkOperationStatus($id: ID!) {{
  node(id: $id) {{ ... on BulkOperation {{ {BULK_OPERATION} }} }}
}}
"""
CURRENT_BULK_OPERATION = f"""
query CurrentBulkOperation {{
  currentBulkOperation(type: QUERY) {{ {BULK_OPERATION} }}
}}
"""


def gid(kind, ref):
    return f"gid://shopify/{kind}/{ref}"


def _ref(value):
    return str(legacy_id(value)) if value else None


# === COSTS (requested, as Shopify estimates them) === #
def variants_cost(first):
    """A page of variants: the connection, and per variant its object, its
    selected options and its inventory item."""
    return 2 + 3 * first


def levels_cost(count):
    """``count`` inventory items by id, each with its level and quantities."""
    return 1 + 3 * count


def locations_cost(first):
    return 2 + 2 * first


# === CATALOG === #
def _option_key(listing, variant):
    return tuple(variant.option_values) if listing.options else (DEFAULT_VALUE,)


def _node_key(listing, node):
    selected = {option["name"]: option["value"] for option in node["selectedOptions"]}
    names = listing.options or [DEFAULT_OPTION]
    return tuple(selected.get(name) for name in names)


def check_listing(listing):
    """RetailBusinessError for a product Shopify cannot take, before anything
    is sent: too many variants or options, or two variants with the same
    option values."""
    if len(listing.variants) > MAX_VARIANTS:
        raise RetailBusinessError(
            f"Product {listing.name} has {len(listing.variants)} variants: Shopify "
            f"takes at most {MAX_VARIANTS} per product. Split it into several "
            "products (templates) or archive variants; nothing was sent.",
            code="shopify_variant_limit",
        )
    if len(listing.options) > MAX_OPTIONS:
        raise RetailBusinessError(
            f"Product {listing.name} varies by {len(listing.options)} attributes "
            f"({', '.join(listing.options)}): Shopify takes at most {MAX_OPTIONS} "
            "options per product; nothing was sent.",
            code="shopify_option_limit",
        )
    keys = [_option_key(listing, variant) for variant in listing.variants]
    if len(set(keys)) < len(keys):
        twice = next(key for key in keys if keys.count(key) > 1)
        raise RetailBusinessError(
            f"Product {listing.name}: two variants have the options "
            f"{' / '.join(twice)}; Shopify tells variants apart by their options. "
            "Nothing was sent.",
            code="shopify_duplicate_variant",
        )


def _variant_label(listing, variant):
    values = ", ".join(
        f"{name}: {value}"
        for name, value in zip(listing.options, variant.option_values, strict=True)
    )
    label = variant.data.sku or listing.name
    return f"{label} ({values})" if values else label


def _product_input(listing):
    names = listing.options or [DEFAULT_OPTION]
    values = [
        unique(variant.option_values[index] for variant in listing.variants)
        if listing.options
        else [DEFAULT_VALUE]
        for index in range(len(names))
    ]
    product = {
        "productOptions": [
            {"name": name, "values": [{"name": value} for value in option_values]}
            for name, option_values in zip(names, values, strict=True)
        ],
        "variants": [_variant_input(listing, variant) for variant in listing.variants],
    }
    if listing.parent_ref:
        product["id"] = gid("Product", listing.parent_ref)
    if listing.title is not None:
        product["title"] = listing.title
        product["descriptionHtml"] = listing.description or ""
        product["status"] = STATUSES[listing.status]
        if listing.image_urls:
            product["files"] = [
                {"originalSource": url, "contentType": "IMAGE", "alt": listing.title}
                for url in listing.image_urls
            ]
    elif not listing.parent_ref:
        # Shopify requires a title; Odoo does not own it, so the channel may
        # change it afterwards.
        product["title"] = listing.name
    return product


def _variant_input(listing, variant):
    data = variant.data
    names = listing.options or [DEFAULT_OPTION]
    option_values = variant.option_values if listing.options else [DEFAULT_VALUE]
    values = {
        "optionValues": [
            {"optionName": name, "name": value}
            for name, value in zip(names, option_values, strict=True)
        ],
        "sku": data.sku,
        # Tracked, so that the stock Odoo publishes is what Shopify sells.
        "inventoryItem": {"tracked": True},
    }
    if variant.external_id:
        values["id"] = gid("ProductVariant", variant.external_id)
    if data.barcode is not None:
        values["barcode"] = data.barcode
    if data.price is not None:
        values.update(price_fields(data))
    if variant.weight is not None:
        values["inventoryItem"]["measurement"] = {
            "weight": {
                "value": float(variant.weight),
                "unit": WEIGHT_UNITS[variant.weight_unit],
            }
        }
    return values


def _describe_error(listing, variants, variables, error):
    """A user error in words: the variant it names (by SKU and options), the
    field and the value sent."""
    path = [str(step) for step in error.get("field") or []]
    text = error.get("message", "")
    at = path.index("variants") if "variants" in path else -1
    if 0 <= at < len(path) - 1 and path[at + 1].isdigit():
        index, rest = int(path[at + 1]), path[at + 2 :]
        if index < len(variants):
            value = _value_at(variables, path) if rest else None
            shown = f" = {value!r}" if isinstance(value, str | int | float) else ""
            return (
                f"variant {_variant_label(listing, variants[index])} "
                f"{'.'.join(rest) or 'variant'}{shown}: {text}"
            )
    if path:
        value = _value_at(variables, path)
        shown = f" = {value!r}" if isinstance(value, str | int | float) else ""
        return f"{'.'.join(path)}{shown}: {text}"
    return text


def _raise_user_errors(listing, variables, result, variants=None):
    errors = result.get("userErrors") or []
    if errors:
        variants = listing.variants if variants is None else variants
        raise RetailBusinessError(
            f"Shopify refused product {listing.name}: "
            + "; ".join(
                _describe_error(listing, variants, variables, error) for error in errors
            ),
            code="shopify_user_error",
        )


def _variant_pages(client, product_id, connection):
    """The variant nodes of a connection, read on from its cursor while it
    has more."""
    nodes = list(connection["nodes"])
    while connection["pageInfo"]["hasNextPage"]:
        connection = client.execute(
            PRODUCT_VARIANTS,
            {
                "id": product_id,
                "first": PAGE,
                "after": connection["pageInfo"]["endCursor"],
            },
            cost=variants_cost(PAGE) + 1,
        )["product"]["variants"]
        nodes.extend(connection["nodes"])
    return nodes


def _product_variants(client, parent_ref):
    """The variant nodes of a product, None when Shopify has no such
    product."""
    product_id = gid("Product", parent_ref)
    product = client.execute(
        PRODUCT_VARIANTS,
        {"id": product_id, "first": PAGE, "after": None},
        cost=variants_cost(PAGE) + 1,
    )["product"]
    if product is None:
        return None
    return _variant_pages(client, product_id, product["variants"])


def variant_refs(client, external_id):
    """``(product id, inventory item id)`` of a variant, or ``(None, None)``
    when Shopify has no such variant."""
    variant = client.execute(
        VARIANT_REFS, {"id": gid("ProductVariant", external_id)}, cost=3
    )["productVariant"]
    if not variant:
        return None, None
    return _ref(variant["product"]["id"]), _ref(variant["inventoryItem"]["id"])


def _bind_known_variants(client, listing):
    """Give the variants Odoo has not bound yet the ids Shopify has for their
    options: sent without them, productSet would take them for new variants
    next to the ones it has."""
    if not listing.parent_ref and any(v.external_id for v in listing.variants):
        bound = next(v for v in listing.variants if v.external_id)
        listing.parent_ref = variant_refs(client, bound.external_id)[0]
    if not listing.parent_ref or all(v.external_id for v in listing.variants):
        return
    nodes = _product_variants(client, listing.parent_ref)
    if nodes is None:
        raise RetailBusinessError(
            f"Shopify has no product {listing.parent_ref} (product "
            f"{listing.name}); unbind its variants to list it again.",
            code="shopify_unknown_product",
        )
    known = {_node_key(listing, node): node for node in nodes}
    for variant in listing.variants:
        node = known.get(_option_key(listing, variant))
        if not variant.external_id and node:
            variant.external_id = _ref(node["id"])


def _listing_refs(listing, product_id, nodes):
    """The refs of each variant of ``listing``, found among the ``nodes``
    Shopify answered by id, else by options."""
    by_id = {_ref(node["id"]): node for node in nodes}
    by_options = {_node_key(listing, node): node for node in nodes}
    refs = []
    for variant in listing.variants:
        node = by_id.get(variant.external_id) or by_options.get(
            _option_key(listing, variant)
        )
        if node is None:
            raise RetailBusinessError(
                f"Shopify answered product {listing.name} without its variant "
                f"{_variant_label(listing, variant)}: the product was saved, that "
                "variant is not bound; export it again.",
                code="shopify_missing_variant",
            )
        refs.append(
            {
                "external_id": _ref(node["id"]),
                "stock_ref": _ref(node["inventoryItem"]["id"]),
            }
        )
    return {"parent_ref": _ref(product_id), "variants": refs}


def push_listing(client, listing):
    """Create or update the product of ``listing`` and return its refs:
    ``{"parent_ref", "variants": [{"external_id", "stock_ref"}]}``, the
    variants in the listing's order."""
    check_listing(listing)
    _bind_known_variants(client, listing)
    if listing.title is None and listing.parent_ref:
        return _update_prices(client, listing)
    variables = {"input": _product_input(listing), "variantFirst": PAGE}
    result = client.execute(
        PRODUCT_SET, variables, cost=MUTATION_COST + variants_cost(PAGE)
    )["productSet"]
    _raise_user_errors(listing, variables, result)
    product = result["product"]
    nodes = _variant_pages(client, product["id"], product["variants"])
    return _listing_refs(listing, product["id"], nodes)


def price_fields(data):
    """A variant's price input: during a promotion the price it sells at,
    the regular one as ``compareAtPrice`` (shown struck through); otherwise
    the regular price, and no compare-at price (null clears one left by an
    ended promotion)."""
    if data.sale_price is None:
        return {"price": str(data.price), "compareAtPrice": None}
    return {"price": str(data.sale_price), "compareAtPrice": str(data.price)}


def push_prices(client, items):
    """The prices of ``items`` (``PriceItem``) with
    ``productVariantsBulkUpdate``, per product, 250 variants a call:
    https://shopify.dev/docs/api/admin-graphql/2025-10/mutations/productVariantsBulkUpdate.
    ``{external_id: message}`` for the variants Shopify refused (a refusal
    refuses its call's variants: Shopify applies such a call whole or not
    at all)."""
    refused, by_product = {}, {}
    for item in items:
        if item.parent_ref:
            by_product.setdefault(item.parent_ref, []).append(item)
        else:
            refused[item.external_id] = "not listed on Shopify (no product id)"
    for parent_ref, group in by_product.items():
        for chunk in chunks(group, PAGE):
            variables = {
                "productId": gid("Product", parent_ref),
                "variants": [
                    {
                        "id": gid("ProductVariant", item.external_id),
                        **price_fields(item),
                    }
                    for item in chunk
                ],
            }
            result = client.execute(
                UPDATE_VARIANT_PRICES, variables, cost=MUTATION_COST
            )["productVariantsBulkUpdate"]
            errors = result.get("userErrors") or []
            if errors:
                message = "; ".join(error.get("message", "") for error in errors)
                refused.update(dict.fromkeys((i.external_id for i in chunk), message))
    return refused


def _update_prices(client, listing):
    """The prices of the listed variants Shopify has, the product as the
    channel (which owns it) keeps it."""
    priced = [v for v in listing.variants if v.external_id and v.data.price is not None]
    for chunk in chunks(priced, PAGE):
        variables = {
            "productId": gid("Product", listing.parent_ref),
            "variants": [
                {"id": gid("ProductVariant", v.external_id), **price_fields(v.data)}
                for v in chunk
            ],
        }
        result = client.execute(UPDATE_VARIANT_PRICES, variables, cost=MUTATION_COST)[
            "productVariantsBulkUpdate"
        ]
        _raise_user_errors(listing, variables, result, variants=chunk)
    return {
        "parent_ref": listing.parent_ref,
        "variants": [
            {"external_id": v.external_id, "stock_ref": v.stock_ref}
            for v in listing.variants
        ],
    }


def archive_listing(client, parent_ref):
    """Set the product's status to ARCHIVED: off sale, kept with its history."""
    variables = {"product": {"id": gid("Product", parent_ref), "status": "ARCHIVED"}}
    result = client.execute(ARCHIVE_PRODUCT, variables, cost=MUTATION_COST)[
        "productUpdate"
    ]
    user_errors(result, variables, f"to archive product {parent_ref}")


# === INVENTORY === #
def _available(quantities):
    return next(
        (q["quantity"] for q in quantities or [] if q["name"] == "available"), 0
    )


def fetch_stock(client, items, location_ref):
    """``{stock_ref: available}`` at the location, 250 items a query; an item
    Shopify does not know, or does not stock there, is left out."""
    quantities = {}
    location = gid("Location", location_ref)
    for chunk in chunks(items, PAGE):
        nodes = client.execute(
            INVENTORY_LEVELS,
            {
                "ids": [gid("InventoryItem", item.stock_ref) for item in chunk],
                "locationId": location,
            },
            cost=levels_cost(len(chunk)),
        )["nodes"]
        for node in nodes:
            if node and node.get("inventoryLevel"):
                quantities[_ref(node["id"])] = _available(
                    node["inventoryLevel"]["quantities"]
                )
    return quantities


def fetch_locations(client):
    """The shop's active locations, as ``(ref, name, address)``."""
    locations, after = [], None
    while True:
        page = client.execute(
            LOCATIONS,
            {"first": LOCATIONS_PAGE, "after": after},
            cost=locations_cost(LOCATIONS_PAGE),
        )["locations"]
        for node in page["nodes"]:
            address = ", ".join((node.get("address") or {}).get("formatted") or [])
            locations.append((_ref(node["id"]), node["name"], address))
        if not page["pageInfo"]["hasNextPage"]:
            return locations
        after = page["pageInfo"]["endCursor"]


def _start_bulk_query(client, query, version):
    """The id of the bulk operation running ``query``: started now, or the
    one a previous run left running (a shop runs one bulk query per app at a
    time before 2026-01)."""
    document = (
        RUN_BULK_QUERY_UNGROUPED if version >= GROUP_OBJECTS_VERSION else RUN_BULK_QUERY
    )
    variables = {"query": query}
    result = client.execute(document, variables, cost=MUTATION_COST)[
        "bulkOperationRunQuery"
    ]
    errors = result.get("userErrors") or []
    if any(error.get("code") == "OPERATION_IN_PROGRESS" for error in errors):
        current = client.execute(CURRENT_BULK_OPERATION, cost=1)["currentBulkOperation"]
        if current and " ".join(current["query"].split()) == " ".join(query.split()):
            return current["id"]
        raise RetailTransientError(
            "Shopify is running another bulk query of this app; the reconciliation "
            "starts once it is over.",
            retry_after=60,
        )
    user_errors(result, variables, "the bulk query")
    return result["bulkOperation"]["id"]


def wait_for_bulk(client, operation_id):
    """The bulk operation once COMPLETED, polled at growing intervals.
    RetailBusinessError when it failed, expired or was canceled;
    RetailTransientError when it still runs after ``BULK_WAIT`` seconds (the
    next run picks it up)."""
    wait = BULK_WAIT
    delay, deadline = BULK_POLL_FIRST, time.monotonic() + wait
    while True:
        operation = client.execute(BULK_OPERATION_STATUS, {"id": operation_id}, cost=1)[
            "node"
        ]
        status = (operation or {}).get("status")
        if status == "COMPLETED":
            return operation
        if operation is None or status in BULK_ENDED:
            reason = (operation or {}).get("errorCode") or "no error code given"
            raise RetailBusinessError(
                f"Shopify's bulk operation {operation_id} ended {status or 'unknown'} "
                f"({reason}); nothing was reconciled. Run the reconciliation again.",
                code="shopify_bulk_failed",
            )
        if time.monotonic() + delay > deadline:
            raise RetailTransientError(
                f"Shopify's bulk operation {operation_id} is still {status} after "
                f"{wait} s; the next run picks it up.",
                retry_after=60,
            )
        time.sleep(delay)
        delay = min(2 * delay, BULK_POLL_MAX)


def _records(backend, url):
    for number, line in enumerate(http_client.download_lines(backend, url), 1):
        try:
            yield json.loads(line)
        except ValueError as error:
            raise RetailBusinessError(
                f"Line {number} of Shopify's bulk result is not JSON ({error}); "
                "nothing was reconciled.",
                code="shopify_bulk_malformed",
            ) from error


def fetch_all_stock(adapter, items, location_refs):
    """``{location_ref: {stock_ref: available}}`` of ``items`` at each
    location, from one bulk operation over every level of the shop, its
    result read line by line: what is kept is one number per item asked and
    location. RetailBusinessError when Shopify has no such location."""
    client = adapter.graphql()
    operation = wait_for_bulk(
        client, _start_bulk_query(client, INVENTORY_LEVELS_BULK, adapter.api_version)
    )
    wanted = {item.stock_ref for item in items}
    locations = {gid("Location", ref): ref for ref in location_refs}
    quantities, seen = {ref: {} for ref in location_refs}, set()
    # No url: the query found nothing at all.
    records = _records(adapter.backend, operation["url"]) if operation["url"] else ()
    for record in records:
        parent = record.get("__parentId")
        if parent is None:
            if record.get("id") in locations:
                seen.add(record["id"])
            continue
        ref = _ref((record.get("item") or {}).get("id"))
        if parent in locations and ref in wanted:
            quantities[locations[parent]][ref] = _available(record.get("quantities"))
    missing = [ref for location, ref in locations.items() if location not in seen]
    if missing:
        raise RetailBusinessError(
            f"Shopify has no active location {', '.join(map(str, missing))}: "
            "choose the backend's channel location among the shop's locations.",
            code="shopify_unknown_location",
        )
    return quantities
