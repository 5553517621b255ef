# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""XML-RPC as an integration (or the web client's user) calls a real server,
for the end-to-end security tests."""

import xmlrpc.client

import pytest

import odoo

ACCESS_ERROR = 4  # Odoo's XML-RPC fault code for an AccessError
PASSWORD = "Inbox-suite-pass-7"


class Rpc:
    """Calls to the server at ``base_url`` as ``login``."""

    def __init__(self, base_url, login, password):
        self.db = odoo.tools.config["db_name"]
        self.password = password
        common = xmlrpc.client.ServerProxy(f"{base_url}/xmlrpc/2/common")
        self.uid = common.authenticate(self.db, login, password, {})
        assert self.uid, login
        self.object = xmlrpc.client.ServerProxy(
            f"{base_url}/xmlrpc/2/object", allow_none=True
        )

    def __call__(self, model, method, *args, **kwargs):
        return self.object.execute_kw(
            self.db, self.uid, self.password, model, method, list(args), kwargs
        )

    def refused(self, model, method, *args, **kwargs):
        """The message of the AccessError a call must end in."""
        with pytest.raises(xmlrpc.client.Fault) as caught:
            self(model, method, *args, **kwargs)
        assert caught.value.faultCode == ACCESS_ERROR, caught.value.faultString
        return caught.value.faultString


def create_user(env, login, group):
    """A user of ``group`` in the current company, who logs in with PASSWORD."""
    env["res.users"].with_context(no_reset_password=True).create(
        {
            "name": login,
            "login": login,
            "email": f"{login}@example.com",
            "password": PASSWORD,
            "company_id": env.company.id,
            "company_ids": [(6, 0, env.company.ids)],
            "groups_id": [(6, 0, [env.ref(group).id])],
        }
    )
