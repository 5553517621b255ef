# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Settlement files a finance user uploads over XML-RPC to a real server,
imported by the queue_job runner: a file Python cannot read as it stands (not
UTF-8, JSON nested past the recursion limit, an integer past Python's digit
limit) ends *Import failed* with the reason and its line in words, never a
traceback nor a settlement left *Importing*; a Windows export is read as the
provider documents; and *Import again* imports a failed file once its cause
is fixed."""

import base64
import json
import secrets
import xmlrpc.client
from pathlib import Path

import pytest
from rpc import Rpc
from waiting import wait_for

import odoo

from odoo.addons.retail_settlement.parsers.generic_csv import (
    EXAMPLE_OPTIONS as MAPPING,
)

PASSWORD = "Settlement-suite-pass-3"
WARNING = 2  # Odoo's XML-RPC fault code for a UserError
FIXTURES = Path(odoo.addons.retail_settlement.__file__).parent / "tests" / "fixtures"
HEADER = "Payout,Date,Type,Order,Transaction,Gross,Fee,Net,Currency,Description"
# Files above it import in the background job (the default is 2 MB).
BACKGROUND_BYTES = 1000


class FinanceRpc(Rpc):
    """XML-RPC as the web client's finance user ``login``."""

    def __init__(self, base_url, login):
        super().__init__(base_url, login, PASSWORD)

    def upload(self, backend_id, name, source, content):
        wizard = self(
            "retail.settlement.import",
            "create",
            {
                "backend_id": backend_id,
                "file": base64.b64encode(content).decode(),
                "file_name": name,
                "source": source,
            },
        )
        return self("retail.settlement.import", "action_import", [wizard])["res_id"]

    def imported(self, settlement_id):
        """The settlement once the runner is done with it."""

        def done():
            values = self(
                "retail.settlement", "read", [settlement_id], ["state", "import_error"]
            )[0]
            return values["state"] != "importing" and values

        values = wait_for(done, 120, f"the import of settlement {settlement_id}")
        return dict(
            values,
            **self(
                "retail.settlement",
                "read",
                [settlement_id],
                ["file_encoding", "can_import_again"],
            )[0],
        )


@pytest.fixture
def provider(committed_env):
    """A payment provider backend reading the generic CSV mapping (no
    encoding) and a finance user: ``(backend_id, login)``."""
    tag = secrets.token_hex(3)
    with committed_env() as env:
        Account = env["account.account"]

        def account(prefix, kind):
            return Account.create(
                {
                    "code": f"{prefix}{int(tag, 16) % 10000:04d}",
                    "name": f"Settlement suite {prefix} {tag}",
                    "account_type": kind,
                }
            ).id

        backend = env["retail.backend"].create(
            {
                "name": f"Settlement suite provider {tag}",
                "kind": "payment",
                "platform": "simulator",
                "settlement_journal_id": env["account.journal"]
                .create(
                    {
                        "name": f"Settlement suite payouts {tag}",
                        "type": "bank",
                        "code": f"S{tag[:4].upper()}",
                        "default_account_id": account("58", "asset_cash"),
                    }
                )
                .id,
                "settlement_fee_account_id": account("62", "expense"),
                "settlement_writeoff_account_id": account("65", "expense"),
                "settlement_csv_mapping": json.dumps(MAPPING),
            }
        )
        backend_id = backend.id
        login = f"settlement-finance-{tag}"
        env["res.users"].with_context(no_reset_password=True).create(
            {
                "name": login,
                "login": login,
                "password": PASSWORD,
                "groups_id": [
                    (4, env.ref("account.group_account_invoice").id),
                    (
                        4,
                        env.ref("retail_connector_base.retail_connector_group_user").id,
                    ),
                ],
            }
        )
        parameter = "retail_settlement.background_bytes"
        background_bytes = env["ir.config_parameter"].get_param(parameter)
        env["ir.config_parameter"].set_param(parameter, str(BACKGROUND_BYTES))
        currency = env.company.currency_id.name
    yield backend_id, login, currency
    with committed_env() as env:
        env["ir.config_parameter"].set_param(parameter, background_bytes)


def _line(text, needle):
    return text[: text.index(needle)].count("\n") + 1


def _windows_csv(currency, payout, description):
    """A generic CSV export saved in Windows-1252, as Excel does."""
    rows = [
        HEADER,
        f"{payout},2026-11-20,Sale,ORD-1,T-1,100.00,-3.20,96.80,{currency},"
        f"{description}",
        f"{payout},2026-11-20,Payout,,T-2,-96.80,0.00,-96.80,{currency},",
    ]
    return ("\n".join(rows) + "\n").encode("cp1252")


def test_unreadable_files_end_failed_in_words(odoo_server, provider):
    """Test that files Python cannot read as they stand, uploaded over RPC
    by a finance user and imported by the job runner, end Import failed with
    the reason and line in words (no traceback, nothing left Importing, and
    Import again offered); that an Amazon report in Windows-1252 is read,
    saying so; and that a small file imported at once is refused with the
    same words as a warning, not a server error."""
    backend_id, login, currency = provider
    rpc = FinanceRpc(odoo_server, login)
    stripe = (FIXTURES / "stripe_payout_constructed.json").read_text()
    metadata, amount = '"metadata": {}', '"amount": 8000'
    nested = stripe.replace(metadata, '"metadata": ' + "[" * 100_000 + "]" * 100_000, 1)
    huge = stripe.replace(amount, '"amount": ' + "9" * 5000, 1)
    windows = _windows_csv(currency, "PO-SEC-1", "Café crème " * 100)
    assert len(windows) > BACKGROUND_BYTES
    expected = {
        "nested.json": (
            "stripe",
            nested.encode(),
            f"line {_line(stripe, metadata)}: the JSON is nested too deeply to be read",
        ),
        "huge.json": (
            "stripe",
            huge.encode(),
            f"line {_line(stripe, amount)}: a number has more than 4300 digits",
        ),
        "windows.csv": (
            "generic_csv",
            windows,
            "line 2: the file is not UTF-8 text (byte 0xE9): export or save it "
            "as UTF-8",
        ),
    }
    for name, (source, content, reason) in expected.items():
        settlement_id = rpc.upload(backend_id, name, source, content)
        settlement = rpc.imported(settlement_id)
        assert (name, settlement["state"], settlement["import_error"]) == (
            name,
            "error",
            reason,
        )
        assert settlement["can_import_again"]

    amazon = (FIXTURES / "amazon_v2_settlement.tsv").read_text()
    amazon = amazon.replace("TEA-KETTLE-1L", "THÉIÈRE-1L").encode("cp1252")
    settlement_id = rpc.upload(backend_id, "amazon.tsv", "amazon_v2", amazon)
    settlement = rpc.imported(settlement_id)
    assert (settlement["state"], settlement["file_encoding"]) == (
        "to_review",
        "cp1252",
    )
    skus = rpc(
        "retail.settlement.line",
        "search_read",
        [("settlement_id", "=", settlement_id)],
        ["sku"],
    )
    assert "THÉIÈRE-1L" in {line["sku"] for line in skus}

    small = _windows_csv(currency, "PO-SEC-2", "Café")
    assert len(small) < BACKGROUND_BYTES
    with pytest.raises(xmlrpc.client.Fault) as caught:
        rpc.upload(backend_id, "small.csv", "generic_csv", small)
    assert (caught.value.faultCode, caught.value.faultString) == (
        WARNING,
        "line 2: the file is not UTF-8 text (byte 0xE9): export or save it as UTF-8",
    )


def test_import_again_once_the_cause_is_fixed(odoo_server, provider, committed_env):
    """Test that a Windows export refused in the background job is imported
    by the finance user's Import again once the backend's mapping names its
    encoding, and that the exception activity of the failure is closed."""
    backend_id, login, currency = provider
    rpc = FinanceRpc(odoo_server, login)
    content = _windows_csv(currency, "PO-SEC-3", "Café crème " * 100)
    settlement_id = rpc.upload(backend_id, "windows.csv", "generic_csv", content)
    assert rpc.imported(settlement_id)["state"] == "error"
    activities = [
        ("res_model", "=", "retail.settlement"),
        ("res_id", "=", settlement_id),
    ]
    assert rpc("mail.activity", "search_count", activities) == 1
    with committed_env() as env:
        env["retail.backend"].browse(backend_id).settlement_csv_mapping = json.dumps(
            dict(MAPPING, encoding="cp1252")
        )
    rpc("retail.settlement", "action_import_again", [settlement_id])
    settlement = rpc.imported(settlement_id)
    assert (settlement["state"], settlement["import_error"]) == ("to_review", False)
    assert settlement["file_encoding"] == "cp1252"
    assert not rpc("mail.activity", "search_count", activities)
