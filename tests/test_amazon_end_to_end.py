# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Amazon against the simulator's Selling Partner API, with a real Odoo
server (prefork workers and the queue_job runner) doing the imports and
exports: 150 orders, merchant- and Amazon-fulfilled, arriving by ORDER_CHANGE
notifications on an SQS queue (moto's server) and by polling; one cancelled
at the buyer's request, two refunded in part; the MFN shipments confirmed;
a listings feed of the changed SKUs only; then Amazon's V2 settlement
report of those orders, with fees, the refunds and a reserve, imported and
matched with exactly the discrepancies planted in it."""

import base64
import random
import time
from decimal import Decimal

import psycopg2
import pytest
from simulator import Simulator
from simulator import sqs as moto_sqs
from store import idle, sales_states
from waiting import inbox_state, wait_for

ORDERS = 150
AFN_EVERY = 3  # every third order is fulfilled by Amazon
US = "ATVPDKIKX0DER"
SELLER = "A2SIMULATORSELLER"
SKUS = [f"AMZ-E2E-{index}" for index in range(1, 5)]
PRICES = ["12.50", "25.00", "30.00", "7.50"]
SHORT = 4  # the order the settlement pays 1.00 short
UNKNOWN_ORDER = "111-0000000-0000000"
CREDENTIALS = {
    "client_id": "amzn1.application-oa2-client.e2e",
    "client_secret": "amzn1.oa2-cs.v1.e2e-secret",
    "refresh_token": "Atzr|e2e-refresh-token",
}
# Every operation the test reaches, far above Amazon's plans: the client's
# buckets follow the rate the simulator states in x-amzn-RateLimit-Limit.
FAST = [50, 100]


@pytest.fixture
def amazon(committed_env):
    """The simulator as a US seller on Amazon.com, with moto's SQS queue
    for its notifications, and a committed Amazon backend for both, which
    also receives Amazon's settlement reports."""
    reason = moto_sqs.available()
    if reason:
        pytest.skip(reason)
    with committed_env() as env:
        currency = env.company.currency_id.name
    if currency != "USD":
        pytest.skip(f"the company's currency is {currency}; Amazon.com pays USD")
    with (
        moto_sqs.Queue("sp-api-e2e") as queue,
        Simulator(
            platform="amazon",
            marketplace_id=US,
            seller_id=SELLER,
            tax_rate="0.08",
            feed_polls_before_done=0,
            operation_limits={
                operation: FAST
                for operation in (
                    "getOrders",
                    "getOrder",
                    "getOrderItems",
                    "confirmShipment",
                    "createFeedDocument",
                    "createFeed",
                    "getFeed",
                    "getFeedDocument",
                    "listFinancialEvents",
                    "createRestrictedDataToken",
                )
            },
            **CREDENTIALS,
        ) as sim,
        committed_env() as env,
    ):
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", env.company.id)], limit=1
        )
        tax = env["account.tax"].create(
            {
                "name": "Amazon E2E sales tax 8%",
                "amount": 8,
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
            }
        )
        service = {"type": "service", "invoice_policy": "order", "taxes_id": False}
        Product = env["product.product"]
        products = Product
        for sku, price in zip(SKUS, PRICES, strict=True):
            products |= Product.create(
                {
                    "name": f"Amazon item {sku}",
                    "default_code": sku,
                    "is_storable": True,
                    "invoice_policy": "order",
                    "list_price": float(price),
                }
            )
            env["stock.quant"]._update_available_quantity(
                products[-1], warehouse.lot_stock_id, 5000
            )
            sim.add_product(sku, price=price, quantity=0)
        Account = env["account.account"]

        def account(code, name, kind):
            return Account.create({"code": code, "name": name, "account_type": kind})

        clearing = account("581900", "Amazon E2E clearing", "asset_cash")
        Journal = env["account.journal"]
        backend = env["retail.backend"].create(
            {
                "name": "Simulated Amazon.com",
                "kind": "marketplace",
                "platform": "amazon",
                "amazon_region": "na",
                "api_url": sim.url,
                "amazon_token_url": f"{sim.url}/auth/o2/token",
                "amazon_marketplace_ids": US,
                "amazon_seller_id": SELLER,
                "api_key": CREDENTIALS["client_id"],
                "api_secret": CREDENTIALS["client_secret"],
                "refresh_token": CREDENTIALS["refresh_token"],
                "notification_queue_url": queue.url,
                "retry_delay": 1,
                "warehouse_id": warehouse.id,
                "shipping_product_id": Product.create(
                    dict(service, name="Amazon E2E shipping")
                ).id,
                "discount_product_id": Product.create(
                    dict(service, name="Amazon E2E discount")
                ).id,
                "payment_journal_id": Journal.create(
                    {"name": "Amazon E2E receipts", "type": "bank", "code": "AMZR"}
                ).id,
                "auto_invoice": True,
                "auto_payment": True,
                "settlement_journal_id": Journal.create(
                    {
                        "name": "Amazon E2E settlements",
                        "type": "bank",
                        "code": "AMZS",
                        "default_account_id": clearing.id,
                    }
                ).id,
                "settlement_fee_account_id": account(
                    "627901", "Amazon E2E fees", "expense"
                ).id,
                "settlement_reserve_account_id": account(
                    "467901", "Amazon E2E reserve", "asset_current"
                ).id,
                "settlement_chargeback_account_id": account(
                    "658801", "Amazon E2E chargebacks", "expense"
                ).id,
                "settlement_writeoff_account_id": account(
                    "658701", "Amazon E2E write-off", "expense"
                ).id,
                "flow_ids": [
                    (0, 0, {"flow": "orders_in", "mode": "batch", "batch_size": 100}),
                    (0, 0, {"flow": "stock_out", "mode": "batch"}),
                    (0, 0, {"flow": "fulfilment_out", "mode": "realtime"}),
                ],
                "mapping_ids": [
                    (
                        0,
                        0,
                        {
                            "mapping_type": "tax",
                            "external_code": US,
                            "odoo_ref": f"account.tax,{tax.id}",
                        },
                    )
                ],
            }
        )
        backend.settlement_order_backend_ids = backend
        Binding = env["retail.product.binding"]
        for product in products:
            Binding._bind(backend, product.default_code, product)
        env.cr.commit()
        yield sim, queue, backend.id


def _retried(committed_env, work):
    """``work(env)`` committed; tried again after a serialization failure
    with the server's concurrent jobs, as the job queue would."""
    for _attempt in range(5):
        try:
            with committed_env() as env:
                return work(env)
        except psycopg2.errors.SerializationFailure:
            time.sleep(1)
    raise AssertionError("five serialization failures in a row")


def _backend(env, backend_id):
    return env["retail.backend"].browse(backend_id)


def _poll(env, backend_id):
    flow = env["retail.backend.flow"].search(
        [("backend_id", "=", backend_id), ("flow", "=", "orders_in")]
    )
    return flow._run()


def _read_notifications(env, backend_id):
    # The queue's messages are deleted once this cursor commits.
    return _backend(env, backend_id)._retail_read_notifications()


def _spec(rng, number):
    lines = [
        {
            "sku": sku,
            "quantity": rng.randint(1, 3),
            "price": PRICES[SKUS.index(sku)],
            "shipping": rng.choice(["0", "5.00"]) if index == 0 else None,
        }
        for index, sku in enumerate(rng.sample(SKUS, rng.randint(1, 2)))
    ]
    for line in lines:
        if line["shipping"] is None:
            del line["shipping"]
    return {
        "lines": lines,
        "fulfillment": "AFN" if number % AFN_EVERY == 0 else "MFN",
        "buyer": {"name": f"Buyer {number}"},
    }


def _money(amount):
    return Decimal(str(amount)).quantize(Decimal("0.01"))


def _settlement_tsv(orders, refunds, short_order):
    """Amazon's V2 flat file for ``orders`` (Amazon's, with their items) and
    the ``refunds`` (RefundEvents): per item its price, tax and shipping,
    the commission, and for an AFN item the fulfilment fee; per refund its
    principal and tax back, the commission back and the refund commission;
    a storage fee, last period's reserve released and this period's held.
    Planted: ``short_order`` settled 1.00 short, and an order Odoo never
    imported."""
    header = [
        "settlement-id",
        "settlement-start-date",
        "settlement-end-date",
        "deposit-date",
        "total-amount",
        "currency",
        "transaction-type",
        "order-id",
        "merchant-order-id",
        "adjustment-id",
        "shipment-id",
        "marketplace-name",
        "amount-type",
        "amount-description",
        "amount",
        "fulfillment-id",
        "posted-date",
        "posted-date-time",
        "order-item-code",
        "merchant-order-item-id",
        "merchant-adjustment-item-id",
        "sku",
        "quantity-purchased",
    ]
    rows, total = [], Decimal(0)

    def row(kind, order_id, amount_type, description, amount, **extra):
        nonlocal total
        total += amount
        values = dict.fromkeys(header, "")
        values.update(
            {
                "settlement-id": "9876543210",
                "transaction-type": kind,
                "order-id": order_id,
                "marketplace-name": "Amazon.com" if order_id else "",
                "amount-type": amount_type,
                "amount-description": description,
                "amount": f"{amount:.2f}",
                "posted-date": "2026-12-01" if order_id else "",
                **extra,
            }
        )
        rows.append("\t".join(values[name] for name in header))

    def item_rows(order_id, item, channel, short=Decimal(0)):
        extra = {
            "fulfillment-id": channel,
            "order-item-code": item["OrderItemId"],
            "sku": item["SellerSKU"],
            "quantity-purchased": str(item["QuantityOrdered"]),
            "shipment-id": f"S{order_id[-7:]}",
        }
        price = _money(item["ItemPrice"]["Amount"])
        row("Order", order_id, "ItemPrice", "Principal", price - short, **extra)
        row(
            "Order",
            order_id,
            "ItemPrice",
            "Tax",
            _money(item["ItemTax"]["Amount"]),
            **extra,
        )
        if "ShippingPrice" in item:
            shipping = _money(item["ShippingPrice"]["Amount"])
            row("Order", order_id, "ItemPrice", "Shipping", shipping, **extra)
            row(
                "Order",
                order_id,
                "ItemPrice",
                "ShippingTax",
                _money(item["ShippingTax"]["Amount"]),
                **extra,
            )
        row(
            "Order",
            order_id,
            "ItemFees",
            "Commission",
            -_money(price * Decimal("0.15")),
            **extra,
        )
        if channel == "AFN":
            row(
                "Order",
                order_id,
                "ItemFees",
                "FBAPerUnitFulfillmentFee",
                Decimal("-3.22"),
                **extra,
            )

    for order in orders:
        for index, item in enumerate(order["_items"]):
            short = (
                Decimal(1)
                if order["AmazonOrderId"] == short_order and not index
                else Decimal(0)
            )
            item_rows(order["AmazonOrderId"], item, order["FulfillmentChannel"], short)
    unknown = {
        "OrderItemId": "99999999999999",
        "SellerSKU": SKUS[0],
        "QuantityOrdered": 1,
        "ItemPrice": {"Amount": "12.50"},
        "ItemTax": {"Amount": "1.00"},
    }
    item_rows(UNKNOWN_ORDER, unknown, "MFN")
    for event in refunds:
        order_id = event["AmazonOrderId"]
        for adjustment in event["ShipmentItemAdjustmentList"]:
            extra = {
                "adjustment-id": adjustment["OrderAdjustmentItemId"],
                "sku": adjustment["SellerSKU"],
                "quantity-purchased": str(adjustment["QuantityShipped"]),
                "merchant-adjustment-item-id": adjustment["OrderAdjustmentItemId"],
            }
            for charge in adjustment["ItemChargeAdjustmentList"]:
                amount = _money(charge["ChargeAmount"]["CurrencyAmount"])
                row(
                    "Refund",
                    order_id,
                    "ItemPrice",
                    charge["ChargeType"],
                    amount,
                    **extra,
                )
            for fee in adjustment["ItemFeeAdjustmentList"]:
                amount = _money(fee["FeeAmount"]["CurrencyAmount"])
                row("Refund", order_id, "ItemFees", fee["FeeType"], amount, **extra)
                row(
                    "Refund",
                    order_id,
                    "ItemFees",
                    "RefundCommission",
                    -_money(amount / 5),
                    **extra,
                )
    row("other-transaction", "", "other-transaction", "Storage Fee", Decimal("-18.40"))
    row(
        "other-transaction",
        "",
        "other-transaction",
        "Previous Reserve Amount Balance",
        Decimal("150.00"),
    )
    row(
        "other-transaction",
        "",
        "other-transaction",
        "Current Reserve Amount",
        Decimal("-175.00"),
    )
    summary = dict.fromkeys(header, "")
    summary.update(
        {
            "settlement-id": "9876543210",
            "settlement-start-date": "2026-11-20T00:00:00+00:00",
            "settlement-end-date": "2026-12-04T00:00:00+00:00",
            "deposit-date": "2026-12-06T00:00:00+00:00",
            "total-amount": f"{total:.2f}",
            "currency": "USD",
        }
    )
    lines = ["\t".join(header), "\t".join(summary[name] for name in header), *rows]
    return ("\n".join(lines) + "\n").encode(), total


def test_amazon_orders_shipments_stock_refunds_and_settlement(
    odoo_server, amazon, committed_env
):
    """Test the whole Amazon slice: exactly 150 sale orders with Amazon's
    totals, whether they came by notification or polling; the buyer's
    cancellation applied; each MFN delivery confirmed with its tracking
    number; the first listings feed carrying every SKU and the next one the
    changed SKU only; two partial refunds booked as credit notes; the
    settlement report matched but for the short order and the unknown
    one."""
    sim, queue, backend_id = amazon
    rng = random.Random(18)
    started = time.monotonic()
    # The first half comes by polling, before notifications are set up.
    half = ORDERS // 2
    orders = [sim.create_order(**_spec(rng, number)) for number in range(half)]
    _retried(committed_env, lambda env: _poll(env, backend_id))
    # The second half by ORDER_CHANGE notifications: one a new order.
    sim.platform.notifier = queue.send
    orders += [sim.create_order(**_spec(rng, number)) for number in range(half, ORDERS)]
    assert queue.waiting() == ORDERS - half
    _retried(committed_env, lambda env: _read_notifications(env, backend_id))
    assert queue.waiting() == 0
    wait_for(
        lambda: idle(committed_env, backend_id, jobs=False)
        and len(sales_states(committed_env, backend_id)) == ORDERS,
        600,
        "the imports",
        explain=lambda: inbox_state(committed_env, [backend_id]),
    )
    print(f"\n{ORDERS} Amazon orders imported in {time.monotonic() - started:.1f}s")
    sales = sales_states(committed_env, backend_id)
    for order in orders:
        state, total = sales[order["AmazonOrderId"]]
        assert state == "sale"
        assert _money(total) == _money(order["OrderTotal"]["Amount"])
    with committed_env() as env:
        Event = env["retail.event"]
        mine = [("backend_id", "=", backend_id)]
        assert not Event.search(mine + [("state", "=", "failed")])
        assert Event.search_count(mine + [("topic", "=", "ORDER_CHANGE")]) == (
            ORDERS - half
        )
        assert Event.search_count(mine + [("topic", "=", "orders/updated")]) == half
        found = env["sale.order"].search([("retail_backend_id", "=", backend_id)])
        assert len(found.invoice_ids) == ORDERS
        afn = found.filtered("retail_fulfilled_by_channel")
        assert len(afn) == ORDERS // AFN_EVERY
        assert set(afn.picking_ids.mapped("state")) == {"done"}
    # One Restricted Data Token a process (each keeps its own in memory):
    # the test's and the server's two workers.
    assert 1 <= sim.stats()["restricted_tokens_issued"] <= 3

    # The buyer of an unshipped MFN order asks Amazon to cancel it.
    mfn = [order for order in orders if order["FulfillmentChannel"] == "MFN"]
    cancelled = mfn[0]["AmazonOrderId"]
    sim.update_order(cancelled, buyer_cancel="Ordered by mistake")
    _retried(committed_env, lambda env: _read_notifications(env, backend_id))
    wait_for(
        lambda: sales_states(committed_env, backend_id)[cancelled][0] == "cancel",
        60,
        "the cancellation",
        explain=lambda: inbox_state(committed_env, [backend_id]),
    )

    # Two orders Amazon shipped refunded in part: one unit of their first
    # line. The poll reading the refunds reads the orders notified since its
    # last run again, which changes nothing.
    refunded = [
        order
        for order in orders
        if order["FulfillmentChannel"] == "AFN"
        and sim.platform.orders[order["AmazonOrderId"]]["_items"][0]["QuantityOrdered"]
        > 1
    ][:2]
    assert len(refunded) == 2
    refunds = [
        sim.create_refund(
            order["AmazonOrderId"],
            lines=[
                {
                    "sku": sim.platform.orders[order["AmazonOrderId"]]["_items"][0][
                        "SellerSKU"
                    ]
                }
            ],
        )
        for order in refunded
    ]
    _retried(committed_env, lambda env: _poll(env, backend_id))

    def credit_notes():
        with committed_env() as env:
            found = (
                env["sale.order"]
                .search(
                    [
                        ("retail_backend_id", "=", backend_id),
                        (
                            "retail_external_id",
                            "in",
                            [o["AmazonOrderId"] for o in refunded],
                        ),
                    ]
                )
                .invoice_ids.filtered(
                    lambda move: move.move_type == "out_refund"
                    and move.state == "posted"
                )
            )
            return len(found) == 2 and found

    wait_for(
        credit_notes,
        300,
        "the credit notes",
        explain=lambda: inbox_state(committed_env, [backend_id]),
    )
    wait_for(
        lambda: idle(committed_env, backend_id, jobs=False),
        300,
        "the inbox",
        explain=lambda: inbox_state(committed_env, [backend_id]),
    )
    assert len(sales_states(committed_env, backend_id)) == ORDERS

    # Every other MFN order ships with a tracking number.
    shipped = mfn[1:]
    with committed_env() as env:
        carrier = env["delivery.carrier"].create(
            {
                "name": "UPS",
                "delivery_type": "fixed",
                "product_id": _backend(env, backend_id).shipping_product_id.id,
            }
        )
        pickings = (
            env["sale.order"]
            .search(
                [
                    ("retail_backend_id", "=", backend_id),
                    ("retail_external_id", "in", [o["AmazonOrderId"] for o in shipped]),
                ]
            )
            .picking_ids
        )
        for number, picking in enumerate(pickings):
            picking.write(
                {"carrier_id": carrier.id, "carrier_tracking_ref": f"1Z{number:08d}"}
            )
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty
        pickings.button_validate()
    wait_for(
        lambda: len(sim.stats()["shipment_confirmations"]) == len(shipped),
        300,
        "the shipment confirmations",
        explain=lambda: inbox_state(committed_env, [backend_id]),
    )
    confirmed = sim.stats()["shipment_confirmations"]
    assert {c["orderId"] for c in confirmed} == {o["AmazonOrderId"] for o in shipped}
    assert all(c["packageDetail"]["trackingNumber"].startswith("1Z") for c in confirmed)
    assert all(
        sim.platform.orders[o["AmazonOrderId"]]["OrderStatus"] == "Shipped"
        for o in shipped
    )

    # Stock: every SKU in the first feed, then only the one that changed.
    wait_for(lambda: idle(committed_env, backend_id, inbox=False), 60, "idle jobs")

    def publish(env):
        return env["retail.product.binding"]._publish_stock(_backend(env, backend_id))

    _retried(committed_env, publish)
    first = sim.stats()["feed_contents"][-1]
    assert sorted(message["sku"] for message in first["messages"]) == SKUS
    with committed_env() as env:
        product = env["product.product"].search([("default_code", "=", SKUS[2])])
        location = _backend(env, backend_id).warehouse_id.lot_stock_id
        quant = env["stock.quant"].search(
            [("product_id", "=", product.id), ("location_id", "=", location.id)],
            limit=1,
        )
        quant.with_context(inventory_mode=True).inventory_quantity = quant.quantity - 9
        quant.action_apply_inventory()
    _retried(committed_env, publish)
    feeds = sim.stats()["feed_contents"]
    assert [message["sku"] for message in feeds[-1]["messages"]] == [SKUS[2]]
    assert (
        sim.stats()["listings"][SKUS[2]]["quantity"]
        == (
            sim.stats()["feed_contents"][-1]["messages"][0]["patches"][0]["value"][0][
                "quantity"
            ]
        )
    )

    # Amazon's settlement report of those orders.
    settled_orders = [
        sim.platform.orders[o["AmazonOrderId"]]
        for o in orders
        if o["AmazonOrderId"] != cancelled
    ]
    short = settled_orders[SHORT]["AmazonOrderId"]
    content, total = _settlement_tsv(settled_orders, refunds, short)
    with committed_env() as env:
        wizard = env["retail.settlement.import"].create(
            {
                "backend_id": backend_id,
                "file": base64.b64encode(content).decode(),
                "file_name": "amazon-settlement-9876543210.txt",
                "source": "amazon_v2",
            }
        )
        settlement_id = wizard.action_import()["res_id"]

    def imported():
        with committed_env() as env:
            state = env["retail.settlement"].browse(settlement_id).state
            return state != "importing" and state

    assert wait_for(imported, 90, "the settlement import") == "to_review"
    with committed_env() as env:
        settlement = env["retail.settlement"].browse(settlement_id)
        assert settlement.declared_total == pytest.approx(float(total))
        discrepancies = settlement.line_ids.filtered(
            lambda line: line.state == "discrepancy"
        )
        # Each line of the short order (one an item) carries its order's
        # difference.
        assert {(line.reason_code, line.order_ref) for line in discrepancies} == {
            ("amount_mismatch", short),
            ("missing_order", UNKNOWN_ORDER),
        }
        assert all(
            "differs by -1.00" in line.reason
            for line in discrepancies
            if line.order_ref == short
        )
        refund_lines = settlement.line_ids.filtered(
            lambda line: line.line_type == "refund"
        )
        assert len(refund_lines) == 2
        assert set(refund_lines.mapped("state")) == {"matched"}
        assert set(
            settlement.line_ids.filtered(
                lambda line: line.line_type in ("reserve_hold", "reserve_release")
            ).mapped("state")
        ) == {"matched"}
    print(f"whole Amazon run in {time.monotonic() - started:.1f}s")
