# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run the simulator until Ctrl-C:  python -m tests.simulator --port 8099"""

import argparse
import time

from .server import Simulator


def main():
    parser = argparse.ArgumentParser(description="Channel platform simulator")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--target-url", help="where to send webhooks")
    parser.add_argument("--webhook-secret", default="sim-secret")
    parser.add_argument("--api-token", default="sim-token")
    args = parser.parse_args()
    simulator = Simulator(
        port=args.port,
        target_url=args.target_url,
        webhook_secret=args.webhook_secret,
        api_token=args.api_token,
    ).start()
    print(f"Simulator on {simulator.url} (control API under /_sim/); Ctrl-C stops it")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        simulator.stop()


if __name__ == "__main__":
    main()
