# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Demo traffic: the channel simulator playing the demo backends' platforms
against a running Odoo, until Ctrl-C (or SIGTERM).

    .venv/bin/python -m tests.simulator.demo --odoo-url URL --db DATABASE

setup/start.sh runs it beside Odoo. It plays, on fixed loopback ports (the
demo backends' API URLs in addons/*/demo/):

- 8099: the web store (generic protocol): an order every few seconds;
- 8100: the store chain's tills: POS batches, and once a simulated day an
  offline burst (a till that kept its sales for a while flushes them all);
- 8101: the loyalty engine: bonus points pushed to Odoo, and the points
  earned in Odoo received back; the web store also sends redemptions;
- the payment provider: at the end of each simulated day, a payout file for
  the web store's orders, uploaded to the demo payment backend.

Once a simulated day it also plays three faults, so the exception screens
have content: an order naming an unknown SKU, a webhook signed with the
wrong secret (refused with 401), and a short outage of the loyalty engine
(its API answers 503, so pushes are retried).

The backends' webhook tokens are read by XML-RPC as the administrator; the
secrets are the demo values of retail_connector_base's demo data.
"""

import argparse
import base64
import itertools
import random
import signal
import sys
import threading
import time
import xmlrpc.client
from datetime import date, timedelta

from .server import Simulator

BACKENDS = {
    "web": (
        "retail_backend_marketplace_demo",
        8099,
        "demo-web-secret",
        "demo-web-token",
    ),
    "pos": ("retail_backend_pos_demo", 8100, "demo-pos-secret", "demo-pos-token"),
    "loyalty": (
        "retail_backend_loyalty_demo",
        8101,
        "demo-loyalty-secret",
        "demo-loyalty-token",
    ),
    "payment": ("retail_backend_payment_demo", None, None, None),
}
WEB_PRODUCTS = {"DEMO-MUG": "12.50", "DEMO-TEE": "24.90", "DEMO-TOTE": "9.90"}
STORE_PRODUCTS = {"DEMO-COFFEE": "8.90", "DEMO-TEAPOT": "29.90", "DEMO-CARD": "3.50"}
CUSTOMERS = {
    1: ("Ann Martin", "ann@demo-shop.example"),
    2: ("Bruno Keller", "bruno@demo-shop.example"),
    3: ("Chloé Durand", "chloe@demo-shop.example"),
    4: ("Dev Patel", "dev@demo-shop.example"),
    5: ("Emma Novak", "emma@demo-shop.example"),
}
STORE = "DEMO-BREST"
CSV_HEADER = "Payout,Date,Type,Order,Transaction,Gross,Fee,Net,Currency,Description"


class Odoo:
    """The few XML-RPC calls the driver needs, as one user."""

    def __init__(self, url, db, login, password):
        self.db, self.password = db, password
        common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
        self.uid = common.authenticate(db, login, password, {})
        if not self.uid:
            raise SystemExit(f"cannot log in to {url} database {db} as {login}")
        self.proxy = xmlrpc.client.ServerProxy(
            f"{url}/xmlrpc/2/object", allow_none=True
        )
        self.lock = threading.Lock()

    def call(self, model, method, *args, **kwargs):
        with self.lock:
            return self.proxy.execute_kw(
                self.db, self.uid, self.password, model, method, list(args), kwargs
            )

    def backend_id(self, xmlid):
        found = self.call(
            "ir.model.data",
            "search_read",
            [("module", "=", "retail_connector_base"), ("name", "=", xmlid)],
            fields=["res_id"],
        )
        if not found:
            raise SystemExit(
                f"demo backend retail_connector_base.{xmlid} not found: "
                "was the database installed with demo data?"
            )
        return found[0]["res_id"]


class Demo:
    def __init__(self, odoo, odoo_url, interval, day_seconds, seed):
        self.odoo, self.interval, self.day_seconds = odoo, interval, day_seconds
        self.rng = random.Random(seed)
        self.ids, self.sims = {}, {}
        for name, (xmlid, _port, _secret, _token) in BACKENDS.items():
            self.ids[name] = odoo.backend_id(xmlid)
        # The loyalty backend is archived in the demo data until its engine runs.
        odoo.call("retail.backend", "write", [self.ids["loyalty"]], {"active": True})
        tokens = {
            row["id"]: row["webhook_token"]
            for row in odoo.call(
                "retail.backend",
                "read",
                list(self.ids.values()),
                ["webhook_token"],
                context={"active_test": False},
            )
        }
        company = odoo.call("res.users", "read", [odoo.uid], ["company_id"])[0]
        self.currency = odoo.call(
            "res.company", "read", [company["company_id"][0]], ["currency_id"]
        )[0]["currency_id"][1]
        for name, (_xmlid, port, secret, token) in BACKENDS.items():
            if port is None:
                continue
            platform = "loyalty" if name == "loyalty" else "generic"
            self.sims[name] = Simulator(
                port=port,
                platform=platform,
                target_url=f"{odoo_url}/retail/webhook/{tokens[self.ids[name]]}",
                webhook_secret=secret,
                api_token=token,
                rate_limit_enabled=False,
                webhook_retry_delay=1.0,
            )
        self.order_numbers = itertools.count(int(time.time()) % 100000 * 100)
        self.till_sequences = {"T1": itertools.count(1), "T2": itertools.count(1)}
        self.held = []  # the offline till's sales, flushed in one burst
        self.settled = set()
        self.day = date.today()
        self.stopping = threading.Event()

    # --- the channels ---
    def web_order(self, sku=None):
        number = next(self.order_numbers)
        customer = self.rng.choice(list(CUSTOMERS))
        name, email = CUSTOMERS[customer]
        skus = (
            [sku]
            if sku
            else self.rng.sample(list(WEB_PRODUCTS), self.rng.randint(1, 2))
        )
        lines = [
            {
                "id": f"{number}-{index}",
                "sku": line_sku,
                "quantity": self.rng.randint(1, 3),
                "unit_price": WEB_PRODUCTS.get(line_sku, "15.00"),
                "tax_code": "VAT20",
            }
            for index, line_sku in enumerate(skus, start=1)
        ]
        total = sum(float(line["unit_price"]) * line["quantity"] for line in lines)
        return self.sims["web"].create_order(
            id=f"W{number}",
            number=f"#W{number}",
            currency=self.currency,
            tax_included=True,
            customer={"id": f"WEB-{customer}", "email": email, "name": name},
            lines=lines,
            shipping="0",
            total=f"{total:.2f}",
        )

    def till_sale(self, terminal):
        sku = self.rng.choice(list(STORE_PRODUCTS))
        quantity = self.rng.randint(1, 3)
        total = float(STORE_PRODUCTS[sku]) * quantity
        sequence = next(self.till_sequences[terminal])
        sale = {
            "uuid": f"{STORE}-{terminal}-{self.day.isoformat()}-{sequence}",
            "store": STORE,
            "terminal": terminal,
            "sequence": sequence,
            "business_day": self.day.isoformat(),
            "type": "sale",
            "lines": [
                {
                    "sku": sku,
                    "quantity": quantity,
                    "unit_price": STORE_PRODUCTS[sku],
                    "tax_code": "VAT20",
                }
            ],
            "payments": [
                {"method": self.rng.choice(["cash", "card"]), "amount": f"{total:.2f}"}
            ],
        }
        if self.rng.random() < 0.4:
            sale["loyalty_ref"] = f"CARD-{self.rng.choice(list(CUSTOMERS))}"
        return sale

    def post_batch(self, sales):
        batch_id = f"{sales[0]['uuid']}..{sales[-1]['sequence']}"
        self.sims["pos"].send_webhook(
            "pos/batch",
            {"batch_id": batch_id, "transactions": sales},
            event_id=batch_id,
        )

    def loyalty_bonus(self):
        member = f"M-{self.rng.choice(list(CUSTOMERS))}"
        self.sims["loyalty"].platform.adjust(member, 10, reason="Demo weekly bonus")

    def redemption(self):
        customer = self.rng.choice(list(CUSTOMERS))
        redemption_id = f"RD{next(self.order_numbers)}"
        self.sims["web"].send_webhook(
            "loyalty/redemption",
            {
                "id": redemption_id,
                "customer_ref": f"WEB-{customer}",
                "points": 5,
                "order_ref": redemption_id,
                "reason": "Discount at checkout",
            },
            event_id=redemption_id,
        )

    # --- the faults ---
    def unknown_sku(self):
        self.web_order(sku="DEMO-UNKNOWN")

    def bad_signature(self):
        payload = {"id": "FORGED-1", "lines": [], "total": "0.00"}
        self.sims["web"].send_webhook("orders/create", payload, secret="not-the-secret")

    def engine_outage(self):
        self.sims["loyalty"].set_faults(fail_next=8, fail_status=503, retry_after=5)

    # --- end of the day: the payment provider's payout file ---
    def payout(self):
        orders = self.odoo.call(
            "sale.order",
            "search_read",
            [
                ("retail_backend_id", "=", self.ids["web"]),
                ("state", "=", "sale"),
                ("retail_external_id", "not in", list(self.settled)),
            ],
            fields=["retail_external_id", "amount_total"],
        )
        if not orders:
            return
        payout_ref = f"PO-{self.day.isoformat()}-{next(self.order_numbers)}"
        rows, net_total = [], 0.0

        def row(kind, order_ref, gross, fee, description=""):
            nonlocal net_total
            net = round(gross + fee, 2)
            net_total += net
            rows.append(
                f"{payout_ref},{self.day.isoformat()},{kind},{order_ref},"
                f"T{len(rows) + 1},{gross:.2f},{fee:.2f},{net:.2f},"
                f"{self.currency},{description}"
            )

        for index, order in enumerate(orders):
            # One order settled 1.00 short: a discrepancy to review.
            gross = order["amount_total"] - (1.0 if index == 0 else 0.0)
            row(
                "Sale",
                order["retail_external_id"],
                gross,
                -round(gross * 0.029 + 0.30, 2),
            )
            self.settled.add(order["retail_external_id"])
        # An order Odoo never imported (its webhook was the forged one).
        row("Sale", "FORGED-1", 18.00, -0.82)
        row("Fee", "", -5.0, 0.0, "Daily platform fee")
        row("Payout", "", -round(net_total, 2), 0.0)
        content = "\n".join([CSV_HEADER, *rows]) + "\n"
        wizard = self.odoo.call(
            "retail.settlement.import",
            "create",
            {
                "backend_id": self.ids["payment"],
                "file": base64.b64encode(content.encode()).decode(),
                "file_name": f"payout-{payout_ref}.csv",
                "source": "generic_csv",
            },
        )
        self.odoo.call("retail.settlement.import", "action_import", [wizard])
        print(f"payout {payout_ref}: {len(orders)} orders", flush=True)

    # --- the day ---
    def run(self):
        for sim in self.sims.values():
            sim.start()
        print(
            "demo traffic: web store :8099, store tills :8100, loyalty engine :8101;"
            f" a simulated day lasts {self.day_seconds:.0f}s",
            flush=True,
        )
        tick = 0
        day_started = time.monotonic()
        while not self.stopping.is_set():
            tick += 1
            self.step(tick)
            if time.monotonic() - day_started >= self.day_seconds:
                self.end_of_day()
                day_started, tick = time.monotonic(), 0
            self.stopping.wait(self.interval)

    def step(self, tick):
        """One tick of a simulated day; each action on its own so that one
        refused call (Odoo restarting, say) does not stop the traffic."""
        actions = [self.web_order]
        if tick % 2 == 0:
            actions.append(
                lambda: self.post_batch(
                    [self.till_sale("T1") for _sale in range(self.rng.randint(2, 5))]
                )
            )
        if 5 <= tick < 15:
            # Till T2 is offline: its sales wait on the till...
            self.held.extend(self.till_sale("T2") for _sale in range(3))
        if tick == 15:
            # ...and come back in a burst of batches when it reconnects.
            held, self.held = self.held, []
            actions.extend(
                lambda chunk=held[start : start + 5]: self.post_batch(chunk)
                for start in range(0, len(held), 5)
            )
        if tick % 3 == 0:
            actions.append(self.loyalty_bonus)
        if tick % 4 == 0:
            actions.append(self.redemption)
        actions.extend(
            {
                3: [self.unknown_sku],
                6: [self.bad_signature],
                9: [self.engine_outage],
            }.get(tick, [])
        )
        for action in actions:
            try:
                action()
            except Exception as error:  # noqa: BLE001 - keep the traffic going
                print(
                    f"demo traffic: {getattr(action, '__name__', 'action')}: {error}",
                    flush=True,
                )

    def end_of_day(self):
        try:
            self.payout()
        except Exception as error:  # noqa: BLE001
            print(f"demo traffic: payout: {error}", flush=True)
        self.day += timedelta(days=1)

    def stop(self):
        self.stopping.set()
        for sim in self.sims.values():
            sim.stop()


def main():
    parser = argparse.ArgumentParser(description="Demo traffic for the retail suite")
    parser.add_argument("--odoo-url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="retail")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument(
        "--interval", type=float, default=3.0, help="seconds between ticks"
    )
    parser.add_argument(
        "--day-seconds", type=float, default=300.0, help="length of a simulated day"
    )
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    odoo = Odoo(args.odoo_url, args.db, args.login, args.password)
    demo = Demo(odoo, args.odoo_url, args.interval, args.day_seconds, args.seed)

    def stop(_signum, _frame):
        demo.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        demo.run()
    finally:
        demo.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
