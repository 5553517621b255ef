# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The marketplace module against the simulator playing Shopify, over real
HTTP, with a real Odoo server (prefork workers and the queue_job runner)
doing the imports and exports: orders by webhook with duplicates and
reordering plus polling, stock publishing, shipment and refund."""

import random
import time
from decimal import Decimal

import psycopg2
import pytest
from shopify_store import create_shopify_store
from simulator import Simulator
from store import idle, sales_states
from waiting import inbox_state, wait_for

SECRET = "shpss_e2e_secret"
ORDERS = 200
POLL_ONLY = 10  # orders whose webhooks are lost: only the poll brings them
SKUS = [f"E2E-{index}" for index in range(1, 6)]


@pytest.fixture
def shopify(committed_env):
    """The simulator as a Shopify store, and a committed Shopify backend for it
    with its taxes, products, journals and flows."""
    with committed_env() as env:
        currency = env.company.currency_id.name
    with (
        Simulator(
            platform="shopify",
            webhook_secret=SECRET,
            # The shop the backend's API base URL (the simulator's) names.
            shop_domain="127.0.0.1",
            currency=currency,
            rate_per_second=100,
            burst=100,
            webhook_retry_delay=0.05,
        ) as sim,
        committed_env() as env,
    ):
        backend = create_shopify_store(
            env,
            sim,
            "End-to-end",
            "E2EP",
            [
                (sku, f"{5 * index}.99", 10000, {"retail_fast_mover": index == 1})
                for index, sku in enumerate(SKUS, start=1)
            ],
            api_version="2025-01",
            flow_ids=[
                (0, 0, {"flow": "orders_in", "mode": "batch", "batch_size": 250}),
                (0, 0, {"flow": "stock_out", "mode": "batch"}),
                (0, 0, {"flow": "fulfilment_out", "mode": "realtime"}),
            ],
        )
        env.cr.commit()
        yield sim, backend.id


def _spec(rng):
    lines = [
        {
            "sku": sku,
            "quantity": rng.randint(1, 3),
            "price": f"{5 * (SKUS.index(sku) + 1)}.99",
            "discount": rng.choice(["0", "0", "1.00"]),
        }
        for sku in rng.sample(SKUS, rng.randint(1, 3))
    ]
    return {"lines": lines, "shipping": rng.choice(["0", "4.90", "9.90"])}


def test_shopify_orders_stock_shipment_and_refund(odoo_server, shopify, committed_env):
    """Test that 200 Shopify orders, by duplicated and reordered webhooks and
    by the poll, become exactly 200 confirmed sale orders with the channel's
    totals; that a stock change publishes only the changed quantity; that a
    validated delivery reaches the channel with its tracking number; and that
    a partial refund produces the matching credit note."""
    sim, backend_id = shopify
    rng = random.Random(7)
    orders = [sim.create_order(**_spec(rng)) for _index in range(ORDERS)]
    with committed_env() as env:
        token = env["retail.backend"].browse(backend_id).webhook_token
    sim.configure(target_url=f"{odoo_server}/retail/webhook/{token}")

    # Webhooks for all but the poll-only orders, shuffled, one in ten twice.
    delivered = orders[POLL_ONLY:]
    rng.shuffle(delivered)
    started = time.monotonic()
    for index, order in enumerate(delivered):
        statuses = sim.send_webhook(
            "orders/create",
            order,
            event_id=f"e2e-{order['id']}",
            duplicates=2 if index % 10 == 0 else 1,
        )
        assert statuses == [200] * len(statuses)
    # The reconciliation poll pulls all 200, again in the same inbox. The
    # server's jobs write the same backend rows meanwhile: a serialization
    # failure is tried again, as the job queue would.
    for _attempt in range(5):
        try:
            with committed_env() as env:
                flow = env["retail.backend.flow"].search(
                    [("backend_id", "=", backend_id), ("flow", "=", "orders_in")]
                )
                flow._run()
            break
        except psycopg2.errors.SerializationFailure:
            time.sleep(1)
    wait_for(
        lambda: idle(committed_env, backend_id, jobs=False)
        and len(sales_states(committed_env, backend_id)) == ORDERS,
        300,
        "the imports",
        explain=lambda: inbox_state(committed_env, [backend_id]),
    )
    elapsed = time.monotonic() - started
    print(f"\n{ORDERS} orders imported in {elapsed:.1f}s")
    imported = sales_states(committed_env, backend_id)
    assert len(imported) == ORDERS
    for order in orders:
        state, total = imported[str(order["id"])]
        assert state == "sale"
        assert Decimal(f"{total:.2f}") == Decimal(order["total_price"])
    with committed_env() as env:
        failed = env["retail.event"].search(
            [("backend_id", "=", backend_id), ("state", "=", "failed")]
        )
        assert not failed, failed.mapped("last_error")
        sales = env["sale.order"].search([("retail_backend_id", "=", backend_id)])
        assert len(sales.invoice_ids) == ORDERS
        assert set(sales.invoice_ids.mapped("payment_state")) == {"paid"}

    # Stock: everything not published yet (the fast mover went out with the
    # imports), then only what changes.
    wait_for(lambda: idle(committed_env, backend_id, inbox=False), 60, "idle jobs")
    with committed_env() as env:
        Binding = env["retail.product.binding"]
        Binding._publish_stock(env["retail.backend"].browse(backend_id))
        published = {
            binding.odoo_id.default_code: binding.published_qty
            for binding in Binding.search([("backend_id", "=", backend_id)])
        }
    assert sorted(published) == SKUS
    sent = {
        update["sku"]: update["quantity"] for update in sim.stats()["stock_updates"]
    }
    assert sent == published
    sent_before = len(sim.stats()["stock_updates"])
    with committed_env() as env:
        fast = env["product.product"].search([("default_code", "=", SKUS[0])])
        location = env["retail.backend"].browse(backend_id).warehouse_id.lot_stock_id
        # A product may hold several quants in one location: adjust one.
        quant = env["stock.quant"].search(
            [("product_id", "=", fast.id), ("location_id", "=", location.id)],
            limit=1,
        )
        quant.with_context(inventory_mode=True).inventory_quantity = quant.quantity - 7
        quant.action_apply_inventory()
        fast_binding = env["retail.product.binding"].search(
            [("backend_id", "=", backend_id), ("odoo_id", "=", fast.id)]
        )
        expected = fast_binding.published_qty - 7
    updates = wait_for(
        lambda: sim.stats()["stock_updates"][sent_before:],
        60,
        "the fast mover's stock",
    )
    assert updates == [{"sku": SKUS[0], "quantity": expected}]

    # Shipment: validating a delivery sends its tracking number.
    shipped = orders[0]
    with committed_env() as env:
        sale = env["sale.order"].search(
            [
                ("retail_backend_id", "=", backend_id),
                ("retail_external_id", "=", str(shipped["id"])),
            ]
        )
        picking = sale.picking_ids
        picking.carrier_tracking_ref = "1Z999AA10123456784"
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.button_validate()
    fulfillment = wait_for(lambda: sim.stats()["fulfillments"], 60, "the fulfilment")[0]
    assert fulfillment["order_id"] == shipped["id"]
    assert "1Z999AA10123456784" in str(fulfillment)

    # A partial refund of one unit of the first line.
    refunded = orders[1]
    item = refunded["line_items"][0]
    refund = sim.create_refund(
        refunded["id"],
        lines=[
            {"line_item_id": item["id"], "quantity": 1, "restock_type": "no_restock"}
        ],
    )
    amount = sum(Decimal(t["amount"]) for t in refund["transactions"])

    def credit_note():
        with committed_env() as env:
            sale = env["sale.order"].search(
                [
                    ("retail_backend_id", "=", backend_id),
                    ("retail_external_id", "=", str(refunded["id"])),
                ]
            )
            notes = sale.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
            return [(note.state, note.amount_total) for note in notes]

    notes = wait_for(credit_note, 60, "the credit note")
    assert wait_for(
        lambda: idle(committed_env, backend_id, jobs=False),
        60,
        "the inbox",
        explain=lambda: inbox_state(committed_env, [backend_id]),
    )
    assert credit_note() == [("posted", float(amount))]
    assert notes
