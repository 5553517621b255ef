# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A payout for a few hundred imported channel orders, uploaded to a real
Odoo server by a finance user over XML-RPC and imported and matched by the
queue_job runner: refunds, fees, a chargeback, an order Odoo never imported
and an amount that differs must give exactly those two discrepancies, one
balanced journal entry and the channel's payments reconciled."""

import base64
import json
import random
import time
import xmlrpc.client

import pytest
from waiting import wait_for

import odoo

from odoo.addons.retail_settlement.parsers.generic_csv import (
    EXAMPLE_OPTIONS as MAPPING,
)

ORDERS = 200
REFUNDED = 10
SKUS = ("SET-1", "SET-2", "SET-3")


def _goodwill(order):
    """Even orders are refunded a goodwill amount, crediting none of their
    lines; odd ones get one item back."""
    return not int(order["id"].split("-")[1]) % 2


def _refunded(order):
    return "2.00" if _goodwill(order) else order["lines"][0]["unit_price"]


def _order(number, rng, currency):
    lines = [
        {
            "id": f"{number}-{sku}",
            "sku": sku,
            "quantity": rng.randint(1, 3),
            "unit_price": f"{5 * (SKUS.index(sku) + 1)}.90",
        }
        for sku in rng.sample(SKUS, rng.randint(1, 3))
    ]
    total = sum(float(line["unit_price"]) * line["quantity"] for line in lines)
    return {
        "id": f"SET-{number}",
        "number": f"#SET-{number}",
        "created_at": "2026-11-18T09:00:00Z",
        "updated_at": "2026-11-18T09:00:00Z",
        "currency": currency,
        "status": "paid",
        "tax_included": True,
        "customer": {
            "id": f"c{number}",
            "email": f"buyer{number}@example.com",
            "name": f"Buyer {number}",
        },
        "lines": lines,
        "shipping": "0",
        "total": f"{total:.2f}",
    }


@pytest.fixture
def channel_orders(committed_env):
    """A marketplace backend with ORDERS imported, invoiced and paid orders
    (REFUNDED of them partly refunded), and the payment provider backend whose
    payouts settle them."""
    rng = random.Random(5)
    with committed_env() as env:
        currency = env.company.currency_id.name
        Product = env["product.product"]
        for sku in SKUS:
            Product.create(
                {
                    "name": sku,
                    "default_code": sku,
                    "type": "consu",
                    "invoice_policy": "order",
                    "taxes_id": False,
                }
            )
        service = {"type": "service", "invoice_policy": "order", "taxes_id": False}
        Journal = env["account.journal"]
        marketplace = env["retail.backend"].create(
            {
                "name": "E2E settled store",
                "kind": "marketplace",
                "platform": "simulator",
                "shipping_product_id": Product.create(
                    dict(service, name="E2E settled shipping")
                ).id,
                "discount_product_id": Product.create(
                    dict(service, name="E2E settled discount")
                ).id,
                "payment_journal_id": Journal.create(
                    {"name": "E2E channel receipts", "type": "bank", "code": "E2ER"}
                ).id,
                "auto_confirm": True,
                "auto_invoice": True,
                "auto_payment": True,
            }
        )
        orders = [_order(number, rng, currency) for number in range(1, ORDERS + 1)]
        Event = env["retail.event"]
        for order in orders:
            Event._receive(
                marketplace, "orders/create", f"o:{order['id']}", json.dumps(order)
            )
        for order in orders[:REFUNDED]:
            refund = {
                "id": f"R-{order['id']}",
                "order_id": order["id"],
                "created_at": "2026-11-19T10:00:00Z",
                "amount": _refunded(order),
                "reason": "Partial refund",
                "lines": [
                    {
                        "line_id": order["lines"][0]["id"],
                        "quantity": 1,
                        "restock": False,
                    }
                ]
                if not _goodwill(order)
                else [],
            }
            Event._receive(
                marketplace, "refunds/create", f"r:{order['id']}", json.dumps(refund)
            )
        pending = [("backend_id", "=", marketplace.id), ("state", "=", "pending")]
        while Event.search_count(pending):
            marketplace._process_events()
        failed = Event.search(
            [("backend_id", "=", marketplace.id), ("state", "!=", "done")]
        )
        assert not failed, failed.mapped("last_error")[:3]

        Account = env["account.account"]

        def account(code, name, kind):
            return Account.create({"code": code, "name": name, "account_type": kind})

        clearing = account("580900", "E2E provider clearing", "asset_cash")
        provider = env["retail.backend"].create(
            {
                "name": "E2E payment provider",
                "kind": "payment",
                "platform": "simulator",
                "settlement_journal_id": Journal.create(
                    {
                        "name": "E2E provider payouts",
                        "type": "bank",
                        "code": "E2EV",
                        "default_account_id": clearing.id,
                    }
                ).id,
                "settlement_fee_account_id": account(
                    "627900", "E2E provider fees", "expense"
                ).id,
                "settlement_chargeback_account_id": account(
                    "658800", "E2E chargebacks", "expense"
                ).id,
                "settlement_writeoff_account_id": account(
                    "658700", "E2E write-off", "expense"
                ).id,
                "settlement_order_backend_ids": [(6, 0, marketplace.ids)],
                "settlement_csv_mapping": json.dumps(MAPPING),
            }
        )
        background_bytes = env["ir.config_parameter"].get_param(
            "retail_settlement.background_bytes"
        )
        env["ir.config_parameter"].set_param(
            "retail_settlement.background_bytes", "1000"
        )
        finance = env["res.users"].create(
            {
                "name": "E2E finance",
                "login": "e2e-finance",
                "email": "finance@example.com",
                "password": "e2e-finance-pw",
                "groups_id": [
                    (4, env.ref("account.group_account_invoice").id),
                    (
                        4,
                        env.ref("retail_connector_base.retail_connector_group_user").id,
                    ),
                ],
            }
        )
        env.cr.commit()
        yield orders, provider.id, marketplace.id, finance.login, currency
        # The module tests that run after import small files at once.
        env["ir.config_parameter"].set_param(
            "retail_settlement.background_bytes", background_bytes
        )


def _payout_csv(orders, currency):
    """The provider's file: every order but one (ORD-7 settles 1.00 short),
    one order Odoo never imported, the partial refunds, a chargeback on
    order 3, a monthly fee and the payout."""
    rows, net_total = [], 0.0

    def row(kind, order_ref, gross, fee, description=""):
        nonlocal net_total
        net = round(gross + fee, 2)
        net_total += net
        rows.append(
            f"PO-E2E,2026-11-20,{kind},{order_ref},T{len(rows) + 1},"
            f"{gross:.2f},{fee:.2f},{net:.2f},{currency},{description}"
        )

    for order in orders:
        gross = float(order["total"]) - (1.0 if order["id"] == "SET-7" else 0.0)
        row("Sale", order["id"], gross, -round(gross * 0.029 + 0.30, 2))
    row("Sale", "SET-9999", 42.00, -1.52)
    for order in orders[:REFUNDED]:
        row("Refund", order["id"], -float(_refunded(order)), 0.0)
    row("Chargeback", orders[2]["id"], -float(orders[2]["total"]), -15.0)
    row("Fee", "", -25.0, 0.0, "Monthly fee")
    paid_out = round(net_total, 2)
    row("Payout", "", -paid_out, 0.0)
    header = "Payout,Date,Type,Order,Transaction,Gross,Fee,Net,Currency,Description"
    return ("\n".join([header, *rows]) + "\n").encode(), paid_out


def test_payout_for_imported_orders(odoo_server, channel_orders, committed_env):
    orders, provider_id, marketplace_id, login, currency = channel_orders
    content, paid_out = _payout_csv(orders, currency)
    db = odoo.tools.config["db_name"]
    uid = xmlrpc.client.ServerProxy(f"{odoo_server}/xmlrpc/2/common").authenticate(
        db, login, "e2e-finance-pw", {}
    )
    assert uid
    rpc = xmlrpc.client.ServerProxy(f"{odoo_server}/xmlrpc/2/object", allow_none=True)

    def call(model, method, *args):
        return rpc.execute_kw(db, uid, "e2e-finance-pw", model, method, list(args))

    started = time.monotonic()
    wizard = call(
        "retail.settlement.import",
        "create",
        {
            "backend_id": provider_id,
            "file": base64.b64encode(content).decode(),
            "file_name": "payout-PO-E2E.csv",
            "source": "generic_csv",
        },
    )
    settlement_id = call("retail.settlement.import", "action_import", [wizard])[
        "res_id"
    ]

    def imported():
        state = call("retail.settlement", "read", [settlement_id], ["state"])[0]
        return state["state"] not in ("importing",) and state

    state = wait_for(imported, 300, "the background import")
    elapsed = time.monotonic() - started
    assert state["state"] == "to_review"
    print(
        f"\n{len(content.splitlines()) - 1} payout lines imported and matched "
        f"in {elapsed:.1f}s"
    )
    call("retail.settlement", "action_post", [settlement_id])
    call("retail.settlement", "action_post", [settlement_id])

    with committed_env() as env:
        settlement = env["retail.settlement"].browse(settlement_id)
        assert settlement.declared_total == pytest.approx(paid_out)
        discrepancies = settlement.line_ids.filtered(
            lambda line: line.state == "discrepancy"
        )
        assert sorted(discrepancies.mapped("reason_code")) == [
            "amount_mismatch",
            "missing_order",
        ]
        assert set(discrepancies.mapped("order_ref")) == {"SET-7", "SET-9999"}
        assert (
            "differs by -1.00"
            in discrepancies.filtered(lambda line: line.order_ref == "SET-7").reason
        )
        refunds = settlement.line_ids.filtered(lambda line: line.line_type == "refund")
        assert len(refunds) == REFUNDED
        for line in refunds:
            # Goodwill refunds too: found through the invoice they reverse.
            assert line.state == "matched", (line.order_ref, line.reason)
            assert line.expected_amount == pytest.approx(line.amount_gross)
        move = settlement.move_id
        assert move.state == "posted"
        assert (
            env["account.move"].search_count([("ref", "=", settlement.display_name)])
            == 1
        ), "posting twice posted once"
        assert sum(move.line_ids.mapped("debit")) == pytest.approx(
            sum(move.line_ids.mapped("credit"))
        )
        clearing = settlement.backend_id.settlement_journal_id.default_account_id
        on_clearing = move.line_ids.filtered(lambda line: line.account_id == clearing)
        assert sum(on_clearing.mapped("balance")) == pytest.approx(paid_out)
        sales = env["sale.order"].search([("retail_backend_id", "=", marketplace_id)])
        assert len(sales) == ORDERS
        for sale in sales:
            invoice = sale.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")
            payment = invoice._get_reconciled_payments()
            outstanding = payment.move_id.line_ids.filtered(
                lambda line, p=payment: line.account_id == p.outstanding_account_id
            )
            # Settled through the channel's payment, but the one short order.
            assert outstanding.reconciled == (sale.retail_external_id != "SET-7"), (
                sale.retail_external_id
            )
