# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run the simulator until Ctrl-C:  python -m tests.simulator --port 8099
(add ``--platform shopify`` or ``--platform woocommerce`` for those modes)"""

import argparse
import time

from .server import PLATFORMS, Simulator


def main():
    parser = argparse.ArgumentParser(description="Channel platform simulator")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument(
        "--platform", choices=["generic", *PLATFORMS], default="generic"
    )
    parser.add_argument("--target-url", help="where to send webhooks")
    parser.add_argument("--webhook-secret", default="sim-secret")
    parser.add_argument("--api-token", default="sim-token")
    parser.add_argument("--consumer-key", help="WooCommerce REST key (ck_sim)")
    parser.add_argument("--consumer-secret", help="WooCommerce REST secret (cs_sim)")
    args = parser.parse_args()
    woocommerce_keys = {
        "consumer_key": args.consumer_key,
        "consumer_secret": args.consumer_secret,
    }
    simulator = Simulator(
        port=args.port,
        platform=args.platform,
        target_url=args.target_url,
        webhook_secret=args.webhook_secret,
        api_token=args.api_token,
        **{name: value for name, value in woocommerce_keys.items() if value},
    ).start()
    print(
        f"{args.platform} simulator on {simulator.url} (control API under /_sim/);"
        " Ctrl-C stops it",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        simulator.stop()


if __name__ == "__main__":
    main()
