# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hmac
import os

from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

from odoo import SUPERUSER_ID, http
from odoo.http import request
from odoo.tools import config

TOKEN_OPTION = "retail_metrics_token"
TOKEN_ENVIRONMENT = "RETAIL_METRICS_TOKEN"


def metrics_token():
    """The scrapers' bearer token: the environment wins over the
    configuration file, as for the encryption key. None: nobody may scrape."""
    return os.environ.get(TOKEN_ENVIRONMENT) or config.get(TOKEN_OPTION) or None


class RetailMetricsController(http.Controller):
    @http.route(
        "/retail/metrics",
        type="http",
        auth="none",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def retail_metrics(self, **kwargs):
        """Prometheus text format; needs ``Authorization: Bearer <token>``."""
        header = request.httprequest.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            return request.make_response(
                "bearer token required\n",
                headers=[("WWW-Authenticate", 'Bearer realm="retail-metrics"')],
                status=401,
            )
        expected = metrics_token()
        # Constant time: the answer's timing tells nothing of the token.
        if not expected or not hmac.compare_digest(
            given.strip().encode(), expected.encode()
        ):
            return request.make_response("forbidden\n", status=403)
        metrics = request.env(user=SUPERUSER_ID)["retail.metrics"]
        return request.make_response(
            generate_latest(metrics._registry()),
            headers=[("Content-Type", CONTENT_TYPE_PLAIN_0_0_4)],
        )
