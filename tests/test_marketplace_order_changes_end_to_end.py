# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Changes made on either side of a Shopify shop played by the simulator,
with a real Odoo server (prefork workers and the queue_job runner) doing
the jobs: orders cancelled and refunded in part in Odoo, orders edited on
the channel, and the shop's webhooks coming back for each. In the end the
shop and Odoo agree on every order's state and totals, and no credit note
exists twice."""

from decimal import Decimal

import pytest
from shopify_store import create_shopify_store
from simulator import Simulator
from store import idle
from waiting import inbox_state, wait_for

SECRET = "shpss_changes_secret"
ORDERS = 20
CANCELLED = range(0, 5)
REFUNDED = range(5, 10)
EDITED = range(10, 13)
SKUS = ["CHG-1", "CHG-2", "CHG-3"]


@pytest.fixture
def shop(committed_env):
    """The simulator as a Shopify store, and a committed Shopify backend for
    it whose orders come by webhook, invoiced and paid, Odoo owning order
    status."""
    with committed_env() as env:
        currency = env.company.currency_id.name
    with (
        Simulator(
            platform="shopify",
            webhook_secret=SECRET,
            shop_domain="127.0.0.1",
            currency=currency,
            rate_per_second=100,
            burst=100,
            webhook_retry_delay=0.05,
            # The shop's webhooks of a change come after the call, as
            # Shopify's do: the server's two workers may both be calling.
            echo_delay=0.2,
        ) as sim,
        committed_env() as env,
    ):
        backend = create_shopify_store(
            env,
            sim,
            "Changes",
            "CHGP",
            [
                (sku, f"{10 * index}.00", 1000, {})
                for index, sku in enumerate(SKUS, start=1)
            ],
            api_version="2026-01",
            flow_ids=[
                (0, 0, {"flow": "orders_in", "mode": "realtime"}),
                (0, 0, {"flow": "fulfilment_out", "mode": "realtime"}),
            ],
        )
        env.cr.commit()
        yield sim, backend.id


def _sales(env, backend_id):
    sales = env["sale.order"].search([("retail_backend_id", "=", backend_id)])
    return {sale.retail_external_id: sale for sale in sales}


def _credit_notes(sale):
    """Posted credit notes of the order's invoices, those of an amount only
    too."""
    invoices = sale.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")
    return sale.env["account.move"].search(
        [
            ("move_type", "=", "out_refund"),
            ("state", "=", "posted"),
            "|",
            ("id", "in", sale.invoice_ids.ids),
            ("reversed_entry_id", "in", invoices.ids),
        ]
    )


def _partial_credit_note(env, sale):
    """A credit note of the invoice for one unit of its first item only."""
    invoice = sale.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")
    wizard = (
        env["account.move.reversal"]
        .with_context(active_model="account.move", active_ids=invoice.ids)
        .create({"journal_id": invoice.journal_id.id, "reason": "Goodwill"})
    )
    credit_note = env["account.move"].browse(wizard.refund_moves()["res_id"])
    kept = credit_note.invoice_line_ids.filtered(
        lambda line: line.sale_line_ids.retail_external_line_id
    )[:1]
    (credit_note.invoice_line_ids - kept).unlink()
    kept.quantity = 1
    credit_note.action_post()
    return credit_note


def test_changes_on_both_sides_agree(odoo_server, shop, committed_env):
    """Test that of 20 Shopify orders, 5 cancelled in Odoo are cancelled and
    refunded in full on both sides; 5 refunded in part in Odoo are refunded
    on the shop by exactly their credit notes; 3 edited on the shop follow
    the edit in Odoo; every order's state and total agree between the shop
    and Odoo once the webhooks have come back, and every shop refund is one
    credit note."""
    sim, backend_id = shop
    with committed_env() as env:
        token = env["retail.backend"].browse(backend_id).webhook_token
    sim.configure(target_url=f"{odoo_server}/retail/webhook/{token}")
    orders = [
        sim.create_order(
            lines=[
                {
                    "sku": SKUS[index % 3],
                    "quantity": 2,
                    "price": f"{10 * (index % 3 + 1)}.00",
                },
                {"sku": SKUS[(index + 1) % 3], "quantity": 1, "price": "15.00"},
            ],
            shipping="4.90",
        )
        for index in range(ORDERS)
    ]
    explain = lambda: inbox_state(committed_env, [backend_id])  # noqa: E731

    def imported():
        with committed_env() as env:
            sales = _sales(env, backend_id)
            return len(sales) == ORDERS and all(
                sale.invoice_ids.payment_state == "paid" for sale in sales.values()
            )

    wait_for(imported, 120, "the imports", explain=explain)

    with committed_env() as env:
        sales = _sales(env, backend_id)
        for index in CANCELLED:
            sales[str(orders[index]["id"])].action_cancel()
        for index in REFUNDED:
            _partial_credit_note(env, sales[str(orders[index]["id"])])
    for index in EDITED:
        first, second = orders[index]["line_items"]
        sim.platform.edit_order(
            orders[index]["id"],
            quantities={first["id"]: 3, second["id"]: 0},
            add=[{"sku": SKUS[2], "quantity": 1, "price": "7.50"}],
        )

    def changed():
        with committed_env() as env:
            sales = _sales(env, backend_id)
            return all(
                sales[str(orders[i]["id"])].state == "cancel" for i in CANCELLED
            ) and all(
                _credit_notes(sales[str(orders[i]["id"])]).retail_refund_state == "done"
                for i in REFUNDED
            )

    wait_for(changed, 180, "the changes made in Odoo", explain=explain)
    wait_for(
        lambda: idle(committed_env, backend_id), 180, "the echoes", explain=explain
    )

    with committed_env() as env:
        failed = env["retail.event"].search(
            [("backend_id", "=", backend_id), ("state", "=", "failed")]
        )
        assert not failed, failed.mapped("last_error")
        sales = _sales(env, backend_id)
        for index, placed in enumerate(orders):
            shop_order = sim.orders[placed["id"]]
            sale = sales[str(placed["id"])]
            notes = _credit_notes(sale)
            refunds = shop_order["refunds"]
            # No credit note twice: one per shop refund, each naming it.
            assert sorted(notes.mapped("retail_refund_ref")) == sorted(
                str(refund["id"]) for refund in refunds
            ), (index, notes.mapped("retail_refund_ref"))
            refunded = sum(
                (Decimal(t["amount"]) for r in refunds for t in r["transactions"]),
                Decimal(0),
            )
            assert Decimal(f"{sum(notes.mapped('amount_total')):.2f}") == refunded
            invoiced = sum(
                sale.invoice_ids.filtered(
                    lambda m: m.move_type == "out_invoice"
                ).mapped("amount_total")
            )
            assert Decimal(f"{invoiced - sum(notes.mapped('amount_total')):.2f}") == (
                Decimal(shop_order["current_total_price"])
                if index not in EDITED
                else Decimal(shop_order["total_price"])
            ), index
            if index in CANCELLED:
                assert sale.state == "cancel"
                assert shop_order["cancelled_at"]
                assert shop_order["financial_status"] == "refunded"
            else:
                assert sale.state == "sale"
                assert not shop_order["cancelled_at"]
            if index in EDITED:
                assert Decimal(f"{sale.amount_total:.2f}") == Decimal(
                    shop_order["current_total_price"]
                ), index
            else:
                assert Decimal(f"{sale.amount_total:.2f}") == Decimal(
                    shop_order["total_price"]
                ), index
