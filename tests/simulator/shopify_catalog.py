# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shopify mode, catalog and inventory over GraphQL: ``productSet``, variant
pages, price updates, archiving, inventory levels by item, locations, and
bulk operations over inventory levels whose JSONL result is served over
loopback HTTP, as https://shopify.dev/docs/api/admin-graphql describes them.
A mixin of ``shopify.Shopify``: the products, variants, inventory items and
levels it keeps in their REST shapes are the same records."""

import base64
import copy
import itertools
import json
import time
import uuid
from decimal import Decimal, InvalidOperation

MUTATION_COST = 10
MAX_IDS = 250
MAX_OPTIONS = 3
# Shopify's limit for every shop since 2025-10-15; ``max_variants`` lowers it
# (a shop on the old limit of 100, say).
MAX_VARIANTS = 2048
STATUSES = ("ACTIVE", "ARCHIVED", "DRAFT")
WEIGHT_UNITS = {"KILOGRAMS": "kg", "GRAMS": "g", "POUNDS": "lb", "OUNCES": "oz"}
DEFAULT_OPTION = {"name": "Title", "values": ["Default Title"]}
BULK_RUNNING = ("CREATED", "RUNNING")


def gid(kind, number):
    return f"gid://shopify/{kind}/{number}"


def _number(value):
    prefix, _, number = str(value or "").rpartition("/")
    number = number.partition("?")[0]
    if not prefix.startswith("gid://shopify/") or not number.isdigit():
        return None
    return int(number)


def _cursor(index):
    return base64.b64encode(json.dumps(index).encode()).decode()


def _start(after):
    return json.loads(base64.b64decode(after)) if after else 0


def _error(code, field, message):
    return {"code": code, "field": field, "message": message}


def _page(records, first, after, node):
    start = _start(after)
    chosen = records[start : start + first]
    end = start + len(chosen)
    return {
        "nodes": [node(record) for record in chosen],
        "pageInfo": {
            "hasNextPage": end < len(records),
            "endCursor": _cursor(end) if chosen else None,
        },
    }


def _price(value):
    """The decimal of a Money input, None when it is not one or negative."""
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return price if price.is_finite() and price >= 0 else None


def _set_prices(variant, source):
    """A variant input's ``price`` and ``compareAtPrice`` (null clears it)."""
    if "price" in source:
        variant["price"] = f"{_price(source['price']):.2f}"
    if "compareAtPrice" in source:
        compare = source["compareAtPrice"]
        variant["compare_at_price"] = (
            None if compare is None else f"{_price(compare):.2f}"
        )


class ShopifyCatalog:
    """GraphQL catalog and inventory operations of the Shopify mode."""

    # operation name: (requested cost of its variables, method)
    CATALOG_OPERATIONS = {
        "ProductSet": (
            lambda v: MUTATION_COST + 2 + 3 * int(v["variantFirst"]),
            "_gql_product_set",
        ),
        "ProductVariants": (lambda v: 3 + 3 * int(v["first"]), "_gql_product_variants"),
        "UpdateVariantPrices": (lambda v: MUTATION_COST, "_gql_update_prices"),
        "ArchiveProduct": (lambda v: MUTATION_COST, "_gql_archive_product"),
        "VariantRefs": (lambda v: 3, "_gql_variant_refs"),
        "InventoryLevels": (lambda v: 1 + 3 * len(v["ids"]), "_gql_inventory_levels"),
        "Locations": (lambda v: 2 + 2 * int(v["first"]), "_gql_locations"),
        "RunBulkQuery": (lambda v: MUTATION_COST, "_gql_run_bulk_query"),
        "BulkOperationStatus": (lambda v: 1, "_gql_bulk_operation"),
        "CurrentBulkOperation": (lambda v: 1, "_gql_current_bulk_operation"),
    }

    def _reset_catalog(self):
        primary = self.config["location_id"]
        self.locations = {
            primary: {"id": primary, "name": "Sim Shop warehouse", "city": "Paris"}
        }
        self.location_ids = itertools.count(primary + 1)
        self.bulk_operations = []
        self.bulk_ids = itertools.count(1)
        self.files = {}  # token: the bytes a bulk result URL serves

    # --- helpers for tests and the control API ---
    def add_location(self, name=None):
        """A further location; every inventory item is stocked 0 there."""
        with self.sim.lock:
            location_id = next(self.location_ids)
            self.locations[location_id] = {
                "id": location_id,
                "name": name or f"Sim Shop location {location_id}",
                "city": "Lyon",
            }
            for item_id in self.items:
                self._stock_at(item_id, location_id)
            return location_id

    def set_available(self, item_id, quantity, location_id=None):
        with self.sim.lock:
            location_id = location_id or self.config["location_id"]
            level = self.levels[(item_id, location_id)]
            level["available"] = int(quantity)
            level["updated_at"] = self._stamp()

    def _stock_at(self, item_id, location_id):
        self.levels[(item_id, location_id)] = {
            "inventory_item_id": item_id,
            "location_id": location_id,
            "available": 0,
            "updated_at": self._stamp(),
            "admin_graphql_api_id": gid(
                "InventoryLevel", f"{location_id}?inventory_item_id={item_id}"
            ),
        }

    def file(self, token):
        """The bytes of a bulk result, None for an unknown (or expired) one."""
        with self.sim.lock:
            return self.files.get(token)

    # --- products ---
    def _product_set_errors(self, data, product):
        errors = []
        if product is None and not data.get("title"):
            errors.append(
                _error(
                    "MISSING_FIELD_REQUIRED", ["input", "title"], "Title can't be blank"
                )
            )
        if data.get("status") and data["status"] not in STATUSES:
            errors.append(
                _error("INVALID_INPUT", ["input", "status"], "Status is not valid.")
            )
        options = data.get("productOptions") or []
        if len(options) > MAX_OPTIONS:
            errors.append(
                _error(
                    "OPTIONS_OVER_LIMIT",
                    ["input", "productOptions"],
                    f"Can only specify a maximum of {MAX_OPTIONS} options",
                )
            )
        variants = data.get("variants") or []
        limit = min(MAX_VARIANTS, int(self.config.get("max_variants") or MAX_VARIANTS))
        if len(variants) > limit:
            errors.append(
                _error(
                    "VARIANTS_OVER_LIMIT",
                    ["input", "variants"],
                    f"Number of product variants exceeds shop limit of {limit}.",
                )
            )
        for index, source in enumerate(data.get("files") or []):
            if not str(source.get("originalSource") or "").startswith(
                ("https://", "http://")
            ):
                errors.append(
                    _error(
                        "INVALID_INPUT",
                        ["input", "files", str(index), "originalSource"],
                        "Original source is not a valid URL.",
                    )
                )
        if errors:
            return errors
        if not options and product:
            options = [
                {
                    "name": option["name"],
                    "values": [{"name": v} for v in option["values"]],
                }
                for option in product["options"]
            ]
        return self._variant_errors(
            options or [DEFAULT_OPTION_INPUT], variants, product
        )

    def _variant_errors(self, options, variants, product):
        values = {
            option["name"]: [value["name"] for value in option.get("values") or []]
            for option in options
        }
        errors, seen = [], set()
        for index, variant in enumerate(variants):
            field = ["input", "variants", str(index)]
            chosen = {
                value.get("optionName"): value.get("name")
                for value in variant.get("optionValues") or []
            }
            if set(chosen) != set(values):
                errors.append(
                    _error(
                        "OPTION_VALUES_MISSING",
                        field + ["optionValues"],
                        "Variant options are not enough or name unknown options.",
                    )
                )
                continue
            unknown = [n for n, v in chosen.items() if v not in values[n]]
            if unknown:
                errors.append(
                    _error(
                        "OPTION_VALUE_DOES_NOT_EXIST",
                        field + ["optionValues"],
                        f"Option value of {unknown[0]} does not exist.",
                    )
                )
            key = tuple(chosen[name] for name in values)
            if key in seen:
                errors.append(
                    _error(
                        "DUPLICATED_OPTION_VALUE",
                        field,
                        f"The variant '{' / '.join(key)}' already exists.",
                    )
                )
            seen.add(key)
            if "price" in variant and _price(variant["price"]) is None:
                errors.append(
                    _error(
                        "INVALID_VARIANT",
                        field + ["price"],
                        "Price must be greater than or equal to 0.",
                    )
                )
            variant_id = _number(variant.get("id"))
            if variant.get("id") and (
                product is None
                or self.variants.get(variant_id, {}).get("product_id") != product["id"]
            ):
                errors.append(
                    _error(
                        "PRODUCT_VARIANT_DOES_NOT_EXIST",
                        field + ["id"],
                        "Product variant does not exist.",
                    )
                )
        return errors

    def _gql_product_set(self, variables):
        data = variables.get("input") or {}
        product_id = _number(data.get("id"))
        product = self.sim.products.get(product_id) if data.get("id") else None
        if data.get("id") and product is None:
            errors = [
                _error(
                    "PRODUCT_DOES_NOT_EXIST", ["input", "id"], "Product does not exist"
                )
            ]
        else:
            errors = self._product_set_errors(data, product)
        if errors:
            return {"data": {"productSet": {"product": None, "userErrors": errors}}}, (
                MUTATION_COST
            )
        if product is None:
            product = self._new_product({"title": data["title"], "variants": []})
            action = "create"
        else:
            action = "update"
        self._apply_product_set(product, data)
        self.sim.product_updates.append(
            {
                "action": action,
                "resource": "product",
                "id": product["id"],
                "sku": product["variants"][0]["sku"] if product["variants"] else "",
                "changes": copy.deepcopy(data),
            }
        )
        connection = _page(
            product["variants"],
            int(variables["variantFirst"]),
            None,
            self._variant_node,
        )
        node = {
            "id": gid("Product", product["id"]),
            "status": product["status"].upper(),
            "variants": connection,
        }
        actual = MUTATION_COST + 2 + 3 * len(connection["nodes"])
        return {"data": {"productSet": {"product": node, "userErrors": []}}}, actual

    def _apply_product_set(self, product, data):
        """Lists become what was sent (variants left out are deleted with
        their inventory); other fields change only when sent."""
        now = self._stamp(product["updated_at"])
        for key, field in (("title", "title"), ("descriptionHtml", "body_html")):
            if key in data:
                product[field] = data[key]
        if data.get("status"):
            product["status"] = data["status"].lower()
        if "files" in data:
            product["images"] = [
                {
                    "position": position,
                    "src": source["originalSource"],
                    "alt": source.get("alt"),
                }
                for position, source in enumerate(data["files"], 1)
            ]
        if "productOptions" in data:
            product["options"] = [
                {
                    "name": option["name"],
                    "position": position,
                    "values": [value["name"] for value in option.get("values") or []],
                }
                for position, option in enumerate(data["productOptions"], 1)
            ]
        if "variants" in data:
            self._set_variants(product, data["variants"])
        product["updated_at"] = now

    def _set_variants(self, product, inputs):
        names = [option["name"] for option in product["options"]]
        kept = []
        for position, source in enumerate(inputs, 1):
            variant = self.variants.get(_number(source.get("id")))
            if variant is None:
                variant = self._new_variant(product, {}, position)
            chosen = {v["optionName"]: v["name"] for v in source["optionValues"]}
            values = [chosen[name] for name in names]
            for number in range(1, 4):
                variant[f"option{number}"] = (
                    values[number - 1] if number <= len(values) else None
                )
            variant["title"] = " / ".join(values)
            variant["position"] = position
            for key in ("sku", "barcode"):
                if key in source:
                    variant[key] = source[key] or ""
            _set_prices(variant, source)
            item = source.get("inventoryItem") or {}
            if "tracked" in item:
                variant["inventory_management"] = "shopify" if item["tracked"] else None
            weight = (item.get("measurement") or {}).get("weight")
            if weight:
                variant["weight"] = weight["value"]
                variant["weight_unit"] = WEIGHT_UNITS.get(weight["unit"], "kg")
            kept.append(variant)
        for variant in product["variants"]:
            if variant not in kept:
                self._delete_variant(variant)
        product["variants"] = kept

    def _delete_variant(self, variant):
        self.variants.pop(variant["id"], None)
        item_id = variant["inventory_item_id"]
        self.items.pop(item_id, None)
        for key in [key for key in self.levels if key[0] == item_id]:
            del self.levels[key]

    def _selected_options(self, variant):
        product = self.sim.products[variant["product_id"]]
        return [
            {"name": option["name"], "value": variant.get(f"option{number}")}
            for number, option in enumerate(product["options"], 1)
        ]

    def _variant_node(self, variant):
        return {
            "id": gid("ProductVariant", variant["id"]),
            "sku": variant["sku"],
            "selectedOptions": self._selected_options(variant),
            "inventoryItem": {"id": gid("InventoryItem", variant["inventory_item_id"])},
        }

    def _gql_product_variants(self, variables):
        product = self.sim.products.get(_number(variables.get("id")))
        if product is None:
            return {"data": {"product": None}}, 1
        connection = _page(
            product["variants"],
            int(variables["first"]),
            variables.get("after"),
            self._variant_node,
        )
        return {"data": {"product": {"variants": connection}}}, 3 + 3 * len(
            connection["nodes"]
        )

    def _gql_update_prices(self, variables):
        product = self.sim.products.get(_number(variables.get("productId")))
        errors, plan = [], []
        if product is None:
            errors.append(
                _error(
                    "PRODUCT_DOES_NOT_EXIST", ["productId"], "Product does not exist"
                )
            )
        for index, source in enumerate(variables.get("variants") or []):
            variant = self.variants.get(_number(source.get("id")))
            if product and (variant is None or variant["product_id"] != product["id"]):
                errors.append(
                    _error(
                        "PRODUCT_VARIANT_DOES_NOT_EXIST",
                        ["variants", str(index), "id"],
                        "Product variant does not exist",
                    )
                )
            elif "price" in source and _price(source["price"]) is None:
                errors.append(
                    _error(
                        "INVALID_INPUT",
                        ["variants", str(index), "price"],
                        "Price must be greater than or equal to 0.",
                    )
                )
            elif (
                source.get("compareAtPrice") is not None
                and _price(source["compareAtPrice"]) is None
            ):
                errors.append(
                    _error(
                        "INVALID_INPUT",
                        ["variants", str(index), "compareAtPrice"],
                        "Compare at price must be greater than or equal to 0.",
                    )
                )
            else:
                plan.append((variant, source))
        if errors:
            result = {"productVariants": None, "userErrors": errors}
            return {"data": {"productVariantsBulkUpdate": result}}, MUTATION_COST
        for variant, source in plan:
            if "price" in source or "compareAtPrice" in source:
                _set_prices(variant, source)
                variant["updated_at"] = self._stamp(variant["updated_at"])
        result = {
            "productVariants": [
                {"id": gid("ProductVariant", v["id"])} for v, _s in plan
            ],
            "userErrors": [],
        }
        return {"data": {"productVariantsBulkUpdate": result}}, MUTATION_COST

    def _gql_archive_product(self, variables):
        data = variables.get("product") or {}
        product = self.sim.products.get(_number(data.get("id")))
        if product is None:
            result = {
                "product": None,
                "userErrors": [{"field": ["id"], "message": "Product does not exist"}],
            }
        else:
            if data.get("status"):
                product["status"] = data["status"].lower()
                product["updated_at"] = self._stamp(product["updated_at"])
            result = {
                "product": {
                    "id": gid("Product", product["id"]),
                    "status": product["status"].upper(),
                },
                "userErrors": [],
            }
        return {"data": {"productUpdate": result}}, MUTATION_COST

    def _gql_variant_refs(self, variables):
        variant = self.variants.get(_number(variables.get("id")))
        if variant is None:
            return {"data": {"productVariant": None}}, 1
        node = {
            "id": gid("ProductVariant", variant["id"]),
            "product": {"id": gid("Product", variant["product_id"])},
            "inventoryItem": {"id": gid("InventoryItem", variant["inventory_item_id"])},
        }
        return {"data": {"productVariant": node}}, 3

    # --- inventory ---
    def _gql_inventory_levels(self, variables):
        ids = variables.get("ids") or []
        if len(ids) > MAX_IDS:
            return {
                "errors": [
                    {
                        "message": f"The maximum number of ids is {MAX_IDS}.",
                        "extensions": {"code": "MAX_INPUT_SIZE_EXCEEDED"},
                    }
                ]
            }, 1
        location_id = _number(variables.get("locationId"))
        nodes = []
        for value in ids:
            item_id = _number(value)
            if item_id not in self.items:
                nodes.append(None)
                continue
            level = self.levels.get((item_id, location_id))
            nodes.append(
                {
                    "id": gid("InventoryItem", item_id),
                    "inventoryLevel": {
                        "quantities": [
                            {"name": "available", "quantity": level["available"]}
                        ]
                    }
                    if level
                    else None,
                }
            )
        return {"data": {"nodes": nodes}}, 1 + 3 * sum(1 for node in nodes if node)

    def _gql_locations(self, variables):
        connection = _page(
            list(self.locations.values()),
            int(variables["first"]),
            variables.get("after"),
            lambda location: {
                "id": gid("Location", location["id"]),
                "name": location["name"],
                "address": {"formatted": [location["city"], "France"]},
            },
        )
        return {"data": {"locations": connection}}, 2 + 2 * len(connection["nodes"])

    # --- bulk operations ---
    def _gql_run_bulk_query(self, variables):
        query = variables.get("query") or ""
        running = [
            op for op in self.bulk_operations if self._bulk_status(op) in BULK_RUNNING
        ]
        if running:
            errors = [
                _error(
                    "OPERATION_IN_PROGRESS",
                    None,
                    "A bulk query operation for this app and shop is already "
                    f"in progress: {running[0]['id']}.",
                )
            ]
        elif "locations" not in query or "inventoryLevels" not in query:
            errors = [
                _error(
                    "INVALID",
                    ["query"],
                    "The simulator runs bulk queries of locations' inventory levels.",
                )
            ]
        else:
            errors = []
        if errors:
            result = {"bulkOperation": None, "userErrors": errors}
            return {"data": {"bulkOperationRunQuery": result}}, MUTATION_COST
        operation = {
            "id": gid("BulkOperation", next(self.bulk_ids)),
            "query": query,
            "started": time.monotonic(),
            "outcome": self.config.get("bulk_outcome") or "COMPLETED",
            "url": None,
            "objectCount": "0",
        }
        self.bulk_operations.append(operation)
        result = {
            "bulkOperation": {"id": operation["id"], "status": "CREATED"},
            "userErrors": [],
        }
        return {"data": {"bulkOperationRunQuery": result}}, MUTATION_COST

    def _bulk_status(self, operation):
        """RUNNING for ``bulk_seconds``, then its outcome; the result file is
        written when it completes."""
        elapsed = time.monotonic() - operation["started"]
        if elapsed < float(self.config.get("bulk_seconds") or 0):
            return "RUNNING"
        if operation["outcome"] == "COMPLETED" and operation["url"] is None:
            self._write_bulk_result(operation)
        return operation["outcome"]

    def _write_bulk_result(self, operation):
        """Every level of every location, ungrouped: the locations' lines,
        then their levels, each naming its location in ``__parentId``."""
        lines = []
        for location_id in self.locations:
            lines.append(json.dumps({"id": gid("Location", location_id)}))
        for (item_id, location_id), level in self.levels.items():
            lines.append(
                json.dumps(
                    {
                        "item": {"id": gid("InventoryItem", item_id)},
                        "quantities": [
                            {"name": "available", "quantity": level["available"]}
                        ],
                        "__parentId": gid("Location", location_id),
                    }
                )
            )
        token = uuid.uuid4().hex
        self.files[token] = ("\n".join(lines) + "\n").encode() if lines else b""
        operation["objectCount"] = str(len(lines))
        operation["url"] = (
            f"{self.sim.url}/_files/{token}.jsonl"
            "?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Signature=sim"
        )

    def _bulk_node(self, operation):
        status = self._bulk_status(operation)
        return {
            "id": operation["id"],
            "status": status,
            "errorCode": "INTERNAL_SERVER_ERROR" if status == "FAILED" else None,
            "objectCount": operation["objectCount"],
            "url": operation["url"] if status == "COMPLETED" else None,
            "query": operation["query"],
        }

    def _gql_bulk_operation(self, variables):
        operation = next(
            (op for op in self.bulk_operations if op["id"] == variables.get("id")), None
        )
        node = self._bulk_node(operation) if operation else None
        return {"data": {"node": node}}, 1

    def _gql_current_bulk_operation(self, variables):
        node = (
            self._bulk_node(self.bulk_operations[-1]) if self.bulk_operations else None
        )
        return {"data": {"currentBulkOperation": node}}, 1


DEFAULT_OPTION_INPUT = {
    "name": DEFAULT_OPTION["name"],
    "values": [{"name": value} for value in DEFAULT_OPTION["values"]],
}
