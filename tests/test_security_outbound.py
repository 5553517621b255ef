# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Security of what Odoo sends out, against a real server: a connector
manager cannot make a backend hand its credentials to another host, by a
plain-http URL or by a platform's redirect.

The client's module tests (addons/retail_connector_base/tests/
test_http_client.py) check each guard in process, the size and time limits
too; this checks the manager's path end to end."""

import xmlrpc.client

import pytest
from rpc import PASSWORD, Rpc, create_user
from store import ACCESS_TOKEN, create_store

from odoo.addons.retail_connector_base.tests.scripted_server import ScriptedServer

USER_ERROR = 2  # Odoo's XML-RPC fault code for a UserError: words, no traceback


def _refused(rpc, method, *args):
    """The message of the user error a call must end in."""
    with pytest.raises(xmlrpc.client.Fault) as caught:
        rpc("retail.backend", method, *args)
    assert caught.value.faultCode == USER_ERROR, caught.value.faultString
    return caught.value.faultString


def test_test_connection_never_follows_a_redirect_with_credentials(
    odoo_server, committed_env
):
    """Test that when a manager points a Shopify backend at an address that
    redirects (302) elsewhere and presses Test connection, the call stops at
    the redirect with a clear error: the redirect's target never sees a
    request, so never the X-Shopify-Access-Token that requests would have
    forwarded; and that a plain-http address off this machine is refused."""
    with ScriptedServer() as redirector, ScriptedServer() as elsewhere:
        with committed_env() as env:
            backend, _skus = create_store(
                env, redirector, platform="shopify", api_version="2025-01"
            )
            backend_id = backend.id
            login = f"outbound-manager-{backend_id}"
            create_user(
                env, login, "retail_connector_base.retail_connector_group_manager"
            )
        manager = Rpc(odoo_server, login, PASSWORD)

        message = _refused(
            manager, "write", [backend_id], {"api_url": "http://shop.example.com"}
        )
        assert "only over https://" in message
        manager(
            "retail.backend",
            "write",
            [backend_id],
            {"api_url": f"{redirector.url}/moved"},
        )
        redirector.script(
            (302, {"Location": f"{elsewhere.url}/admin/api/2025-01/graphql.json"}, {})
        )
        message = _refused(manager, "action_test_connection", [backend_id])
        assert "redirected (302)" in message
        assert ACCESS_TOKEN not in message
        (call,) = redirector.received
        assert call["path"] == "/moved/admin/api/2025-01/graphql.json"
        assert call["headers"]["X-Shopify-Access-Token"] == ACCESS_TOKEN
        assert elsewhere.received == []
