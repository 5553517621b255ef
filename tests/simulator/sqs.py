# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An SQS queue on loopback for Amazon's ORDER_CHANGE notifications: moto's
server (https://docs.getmoto.org/en/latest/docs/server_mode.html) run from
its own virtual environment, ``var/moto-venv`` (``ensure_moto_venv`` of
setup/lib.sh), since moto's Werkzeug and cryptography are newer than Odoo
18 takes. The queue is reached with boto3, as the connector does."""

import os
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MOTO_SERVER = REPO / "var" / "moto-venv" / "bin" / "moto_server"
# moto takes any credentials; these are no one's.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def available():
    """Why moto's server cannot run here, or None when it can."""
    server = Path(os.environ.get("RETAIL_MOTO_SERVER") or MOTO_SERVER)
    if not server.exists():
        return f"{server} is missing: run setup/test.sh, which makes var/moto-venv"
    try:
        import boto3  # noqa: F401
    except ImportError:
        return "boto3 is not installed (requirements.txt)"
    return None


class Queue:
    """One standard queue on a moto server of its own, on a free loopback
    port: ``url`` for the backend, ``send`` and ``waiting`` for the test.
    AWS credentials for moto are put in the environment while it runs."""

    def __init__(self, name="sp-api-notifications"):
        self.name = name
        self.process = None
        self._environ = {}

    def start(self):
        import boto3

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = os.environ.get("RETAIL_MOTO_SERVER") or str(MOTO_SERVER)
        self.process = subprocess.Popen(
            [server, "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.endpoint = f"http://127.0.0.1:{port}"
        for name, value in CREDENTIALS.items():
            self._environ[name] = os.environ.get(name)
            os.environ[name] = value
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("moto's server did not start") from None
                time.sleep(0.1)
        self.client = boto3.client(
            "sqs", region_name="us-east-1", endpoint_url=self.endpoint
        )
        self.url = self.client.create_queue(QueueName=self.name)["QueueUrl"]
        return self

    def send(self, body):
        import json

        self.client.send_message(QueueUrl=self.url, MessageBody=json.dumps(body))

    def waiting(self):
        """How many messages the queue holds, visible or being read."""
        attributes = self.client.get_queue_attributes(
            QueueUrl=self.url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
            ],
        )["Attributes"]
        return sum(int(value) for value in attributes.values())

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
        for name, value in self._environ.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._environ = {}

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
