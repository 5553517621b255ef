# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A day of a store chain's loyalty traffic, replayed into a real Odoo server
(prefork workers and the queue_job runner) through three simulators: the
tills post signed batches of sales (shuffled, one batch twice, a partial
return flushed before the sale it returns), the web store posts
redemptions (each twice, out of order, one above its customer's balance),
and the loyalty engine pushes its own bonuses and an expiry (each twice)
while receiving, in real time, every point earned and spent in Odoo. At the
end every customer's balance is the same on the loyalty card, in the ledger,
at the engine and in what is computed here from the generated traffic."""

import random
import time
from decimal import Decimal

import pytest
from simulator import Simulator
from waiting import inbox_state, wait_for

POS_SECRET = "loyalty-e2e-pos"
WEB_SECRET = "loyalty-e2e-web"
ENGINE_SECRET = "loyalty-e2e-engine"
ENGINE_TOKEN = "loyalty-e2e-token"
CUSTOMERS = 12
SALES_PER_CUSTOMER = 8
BATCH = 16
PRODUCTS = {"LOY-1": "4.50", "LOY-2": "12.00", "LOY-3": "29.90"}
DAY = "2026-11-05"


def _sales(rng):
    """The till's sales, numbered without gaps, each naming its customer."""
    sales = []
    for sequence in range(1, CUSTOMERS * SALES_PER_CUSTOMER + 1):
        customer = rng.randrange(CUSTOMERS)
        sku = rng.choice(list(PRODUCTS))
        quantity = rng.randint(1, 3)
        total = Decimal(PRODUCTS[sku]) * quantity
        sales.append(
            {
                "uuid": f"LOY-T1-{sequence}",
                "store": "LOY-STORE",
                "terminal": "T1",
                "sequence": sequence,
                "business_day": DAY,
                "type": "sale",
                "loyalty_ref": f"CARD-{customer}",
                "lines": [
                    {
                        "sku": sku,
                        "quantity": quantity,
                        "unit_price": PRODUCTS[sku],
                        "tax_code": "VAT20",
                    }
                ],
                "payments": [{"method": "cash", "amount": str(total)}],
            }
        )
    return sales


def _total(transaction):
    return sum(
        Decimal(line["unit_price"]) * line["quantity"] for line in transaction["lines"]
    )


@pytest.fixture
def loyalty_chain(committed_env):
    """A committed store (POS backend), web store (marketplace backend) and
    loyalty engine backend sharing customers bound on all three, and the
    three simulators."""
    with (
        Simulator(webhook_secret=POS_SECRET) as tills,
        Simulator(webhook_secret=WEB_SECRET) as web,
        # The engine's own rate limit stays off: the backend's limiter paces
        # the pushes, and the simulator answers a refused POST without
        # reading its body, which spoils the kept-alive connection.
        Simulator(
            platform="loyalty",
            webhook_secret=ENGINE_SECRET,
            api_token=ENGINE_TOKEN,
            rate_limit_enabled=False,
        ) as engine,
        committed_env() as env,
    ):
        tax = env["account.tax"].create(
            {
                "name": "Loyalty E2E VAT 20%",
                "amount": 20,
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            }
        )
        cash_journal = env["account.journal"].create(
            {"name": "Loyalty E2E cash", "type": "cash", "code": "LYC"}
        )
        cash = env["pos.payment.method"].create(
            {
                "name": "Loyalty E2E cash",
                "journal_id": cash_journal.id,
                "is_cash_count": True,
            }
        )
        env["product.product"].create(
            [
                {
                    "name": sku,
                    "default_code": sku,
                    "available_in_pos": True,
                    "taxes_id": [(6, 0, tax.ids)],
                }
                for sku in PRODUCTS
            ]
        )
        Backend = env["retail.backend"]
        pos = Backend.create(
            {
                "name": "Loyalty E2E stores",
                "kind": "pos",
                "webhook_secret": POS_SECRET,
                "retry_delay": 1,
                "mapping_ids": [
                    (
                        0,
                        0,
                        {
                            "mapping_type": "tax",
                            "external_code": "VAT20",
                            "odoo_ref": f"account.tax,{tax.id}",
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "mapping_type": "payment_method",
                            "external_code": "cash",
                            "odoo_ref": f"account.journal,{cash_journal.id}",
                        },
                    ),
                ],
            }
        )
        config = env["pos.config"].create(
            {"name": "Loyalty E2E POS", "payment_method_ids": [(6, 0, cash.ids)]}
        )
        env["retail.pos.store"].create(
            {
                "backend_id": pos.id,
                "code": "LOY-STORE",
                "name": "Loyalty store",
                "pos_config_id": config.id,
            }
        )
        shop = Backend.create(
            {
                "name": "Loyalty E2E web store",
                "kind": "marketplace",
                "webhook_secret": WEB_SECRET,
                "retry_delay": 1,
            }
        )
        program = env["loyalty.program"].create(
            {
                "name": "Loyalty E2E points",
                "program_type": "loyalty",
                "rule_ids": [
                    (5, 0, 0),
                    (0, 0, {"reward_point_mode": "money", "reward_point_amount": 1}),
                ],
            }
        )
        loyalty = Backend.create(
            {
                "name": "Loyalty E2E engine",
                "kind": "loyalty",
                "api_url": engine.url,
                "access_token": ENGINE_TOKEN,
                "webhook_secret": ENGINE_SECRET,
                "retry_delay": 1,
                "rate_limit": 50,
                "rate_burst": 50,
                "loyalty_program_id": program.id,
            }
        )
        Binding = env["retail.partner.binding"]
        for index in range(CUSTOMERS):
            partner = env["res.partner"].create({"name": f"Loyalty customer {index}"})
            for backend, external_id in (
                (pos, f"CARD-{index}"),
                (shop, f"WEB-{index}"),
                (loyalty, f"M-{index}"),
            ):
                Binding.create(
                    {
                        "backend_id": backend.id,
                        "odoo_id": partner.id,
                        "external_id": external_id,
                    }
                )
        ids = {
            "pos": pos.id,
            "shop": shop.id,
            "loyalty": loyalty.id,
            "program": program.id,
        }
        env.cr.commit()
        yield tills, web, engine, ids
        # The engine simulator stops with this test: later tests' sales must
        # not earn points on a program whose engine is gone.
        loyalty.active = False
        env.cr.commit()


def _settled(committed_env, backend_ids):
    with committed_env() as env:
        return not env["retail.event"].search_count(
            [("backend_id", "in", backend_ids), ("state", "=", "pending")]
        ) and not env["retail.loyalty.ledger"].search_count(
            [("backend_id", "in", backend_ids), ("engine_state", "=", "pending")]
        )


def _unsettled(committed_env, backend_ids):
    with committed_env() as env:
        waiting = env["retail.loyalty.ledger"].search_count(
            [("backend_id", "in", backend_ids), ("engine_state", "=", "pending")]
        )
    return (
        f"entries waiting for the engine: {waiting}\n"
        f"{inbox_state(committed_env, backend_ids)}"
    )


def test_loyalty_points_in_step_across_channels_and_engine(
    odoo_server, loyalty_chain, committed_env
):
    """Test that POS sales, a partial return flushed before its sale, online
    redemptions and engine-side adjustments, duplicated and reordered, end
    with every balance equal on the card, in the ledger and at the engine,
    and equal to what the traffic adds up to; one redemption above its
    balance is refused with its reason and changes nothing."""
    tills, web, engine, ids = loyalty_chain
    with committed_env() as env:
        tokens = {
            name: env["retail.backend"].browse(ids[name]).webhook_token
            for name in ("pos", "shop", "loyalty")
        }
    tills.configure(target_url=f"{odoo_server}/retail/webhook/{tokens['pos']}")
    web.configure(target_url=f"{odoo_server}/retail/webhook/{tokens['shop']}")
    engine.configure(target_url=f"{odoo_server}/retail/webhook/{tokens['loyalty']}")
    backend_ids = list(ids[name] for name in ("pos", "shop", "loyalty"))
    rng = random.Random(5)
    expected = {index: Decimal(0) for index in range(CUSTOMERS)}
    started = time.monotonic()

    # --- the store: sales, and a partial return flushed before its sale ---
    sales = _sales(rng)
    for sale in sales:
        expected[int(sale["loyalty_ref"].split("-")[1])] += _total(sale)
    returned_sale = next(s for s in sales if s["lines"][0]["quantity"] >= 2)
    line = returned_sale["lines"][0]
    partial_return = dict(
        returned_sale,
        uuid="LOY-T1-R1",
        sequence=len(sales) + 1,
        type="return",
        original_uuid=returned_sale["uuid"],
        lines=[dict(line, quantity=1)],
        payments=[{"method": "cash", "amount": line["unit_price"]}],
    )
    returner = int(returned_sale["loyalty_ref"].split("-")[1])
    expected[returner] -= Decimal(line["unit_price"])

    def post(batch_id, items):
        payload = {"batch_id": batch_id, "transactions": items}
        assert tills.send_webhook("pos/batch", payload, event_id=batch_id) == [200]

    post("return-first", [partial_return])
    wait_for(
        lambda: _settled(committed_env, backend_ids),
        120,
        "the early return",
        explain=lambda: _unsettled(committed_env, backend_ids),
    )
    batches = [
        (f"sales-{start}", sales[start : start + BATCH])
        for start in range(0, len(sales), BATCH)
    ]
    rng.shuffle(batches)
    for batch_id, items in batches:
        post(batch_id, items)
    post(*batches[0])  # the same batch twice
    wait_for(
        lambda: _settled(committed_env, backend_ids),
        300,
        "the store's sales",
        explain=lambda: _unsettled(committed_env, backend_ids),
    )

    # --- online redemptions and engine-side changes, interleaved ---
    redemptions = []
    for index in range(CUSTOMERS):
        points = (expected[index] / 3).quantize(Decimal("1"))
        if points:
            redemptions.append((index, points))
    too_much = (returner, expected[returner] * 10)
    adjustments = [(index, Decimal(15)) for index in range(0, CUSTOMERS, 3)]
    expiry = (1, Decimal("-2.50"))
    actions = (
        [("redeem", index, points, f"R-{index}") for index, points in redemptions]
        + [("redeem", too_much[0], too_much[1], "R-TOO-MUCH")]
        + [("adjust", index, points, None) for index, points in adjustments + [expiry]]
    )
    rng.shuffle(actions)
    for action, index, points, key in actions:
        if action == "redeem":
            payload = {
                "id": key,
                "customer_ref": f"WEB-{index}",
                "points": str(points),
                "order_ref": f"#W{key}",
            }
            assert web.send_webhook(
                "loyalty/redemption", payload, event_id=key, duplicates=2
            ) == [200, 200]
        else:
            kind = "expiry" if points < 0 else "adjustment"
            engine.platform.adjust(f"M-{index}", points, kind=kind, duplicates=2)
    for index, points in redemptions:
        expected[index] -= points
    for index, points in adjustments + [expiry]:
        expected[index] += points
    wait_for(
        lambda: _settled(committed_env, backend_ids),
        300,
        "redemptions and adjustments",
        explain=lambda: _unsettled(committed_env, backend_ids),
    )

    with committed_env() as env:
        backend = env["retail.backend"].browse(ids["loyalty"])
        backend._loyalty_reconcile()  # as the nightly scheduled action would
        env.cr.commit()
    elapsed = time.monotonic() - started

    with committed_env() as env:
        events = env["retail.event"].search([("backend_id", "in", backend_ids)])
        failed = events.filtered(lambda event: event.state == "failed")
        assert failed.mapped("failure_code") == ["insufficient_points"], failed.mapped(
            "last_error"
        )
        assert "short" in failed.last_error
        Ledger = env["retail.loyalty.ledger"]
        entries = Ledger.search([("program_id", "=", ids["program"])])
        assert len(entries.filtered(lambda e: e.kind == "accrual")) == len(sales)
        assert len(entries.filtered(lambda e: e.kind == "reversal")) == 1
        assert len(entries.filtered(lambda e: e.kind == "redemption")) == len(
            redemptions
        )
        assert (
            len(entries.filtered(lambda e: e.origin == "engine"))
            == len(adjustments) + 1
        )
        assert set(entries.mapped("engine_state")) <= {"sent", "none"}
        assert not env["retail.loyalty.drift"].search(
            [("backend_id", "=", ids["loyalty"])]
        ), "the reconciliation finds no drift"
        engine_balances = engine.stats()["loyalty_balances"]
        for index in range(CUSTOMERS):
            partner = env["retail.partner.binding"]._to_internal(backend, f"M-{index}")
            card = env["loyalty.card"].search(
                [("program_id", "=", ids["program"]), ("partner_id", "=", partner.id)]
            )
            assert len(card) <= 1
            card_points = Decimal(str(card.points)).quantize(Decimal("0.01"))
            ledger_points = (
                Decimal(str(Ledger._balance(card))).quantize(Decimal("0.01"))
                if card
                else Decimal("0.00")
            )
            assert card_points == ledger_points == expected[index], index
            assert Decimal(engine_balances.get(f"M-{index}", "0")) == expected[index]
        replays = engine.stats()["idempotent_replays"]
    print(
        f"\n{len(sales)} sales, 1 early partial return, {len(redemptions)} "
        f"redemptions (+1 refused), {len(adjustments) + 1} engine changes, "
        f"{len(events)} events, {len(entries)} ledger entries, "
        f"{replays} idempotent replays: in step in {elapsed:.1f}s"
    )
