# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import importlib
import importlib.util
import sys
from pathlib import Path
from unittest import SkipTest

from odoo.tools.safe_eval import safe_eval

from odoo.addons.base.tests.common import BaseCommon

# The repository's channel simulator (tests/simulator), served on loopback.
REPO_TESTS = Path(__file__).resolve().parents[3] / "tests"


def simulator_class():
    """The simulator's ``Simulator`` class, for module tests that play a
    platform over real HTTP; the test is skipped where the repository's
    ``tests`` folder is not beside the addons."""
    if (REPO_TESTS / "simulator").is_dir() and str(REPO_TESTS) not in sys.path:
        sys.path.append(str(REPO_TESTS))
    try:
        return importlib.import_module("simulator.server").Simulator
    except ImportError as error:
        raise SkipTest(f"the channel simulator is not available: {error}") from error


def migration_function(script):
    """The ``migrate`` function of the migration ``script`` (a path):
    migration folders are no packages to import from."""
    spec = importlib.util.spec_from_file_location(Path(script).stem, script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.migrate


class RetailCommon(BaseCommon):
    """Shared fixtures for the retail modules' tests: a connector user, a
    connector manager and a plain internal user, all in the main company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.retail_user = cls._create_retail_user(
            "retail_user", "retail_connector_base.retail_connector_group_user"
        )
        cls.retail_manager = cls._create_retail_user(
            "retail_manager", "retail_connector_base.retail_connector_group_manager"
        )
        cls.internal_user = cls._create_retail_user(
            "retail_outsider", "base.group_user"
        )
        cls.webhook_secret = "whsec_test_0123456789"
        cls.backend = cls._prepare_backend(webhook_secret=cls.webhook_secret)

    @classmethod
    def _prepare_backend(cls, kind="marketplace", platform="simulator", **values):
        return cls.env["retail.backend"].create(
            {
                "name": f"Test {kind} backend",
                "kind": kind,
                "platform": platform,
                "user_id": cls.retail_manager.id,
                "retry_delay": 30,
                "max_attempts": 3,
                **values,
            }
        )

    @classmethod
    def _receive_event(cls, backend=None, topic="orders/create", key="evt-1", **kw):
        return cls.env["retail.event"]._receive(
            backend or cls.backend, topic, key, kw.pop("payload", "{}"), **kw
        )

    def _set_received_at(self, events, when):
        """Pretend ``events`` arrived at ``when``: in SQL, as no ORM write may
        change what was received."""
        events.flush_recordset()
        self.env.cr.execute(
            "UPDATE retail_event SET received_at = %s WHERE id = ANY(%s)",
            (when, events.ids),
        )
        events.invalidate_recordset()

    @classmethod
    def _create_retail_user(cls, login, group_xmlid, company=None):
        company = company or cls.env.company
        return (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": login.replace("_", " ").title(),
                    "login": login,
                    "email": f"{login}@example.com",
                    "company_id": company.id,
                    "company_ids": [(6, 0, company.ids)],
                    "groups_id": [(6, 0, [cls.env.ref(group_xmlid).id])],
                }
            )
        )

    def _visible_menus(self, user):
        """The menus ``user`` gets in the web client's menu bar."""
        return self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()

    def assertMenuVisibleTo(self, menu_xmlid, user):
        menu = self.env.ref(menu_xmlid)
        self.assertIn(
            menu.id, self._visible_menus(user), f"{menu_xmlid} hidden from {user.login}"
        )

    def assertMenuHiddenFrom(self, menu_xmlid, user):
        menu = self.env.ref(menu_xmlid)
        self.assertNotIn(
            menu.id, self._visible_menus(user), f"{menu_xmlid} shown to {user.login}"
        )


class ChannelModuleInstallTests:
    """Install checks shared by the channel modules: mix into a ``RetailCommon``
    test class and set the attributes below."""

    module = None
    menu_xmlid = None
    backend_menu_xmlid = None
    backend_action_xmlid = None
    kind = None
    other_kind = None

    def test_module_is_installed(self):
        """Test that the module is installed on top of the connector base."""
        module = self.env["ir.module.module"].search([("name", "=", self.module)])
        self.assertEqual(module.state, "installed")
        self.assertIn("retail_connector_base", module.dependencies_id.mapped("name"))

    def test_menu_follows_groups(self):
        """Test that the module's menu shows for connector users only."""
        for menu in (self.menu_xmlid, self.backend_menu_xmlid):
            self.assertMenuVisibleTo(menu, self.retail_user)
            self.assertMenuVisibleTo(menu, self.retail_manager)
            self.assertMenuHiddenFrom(menu, self.internal_user)
        self.assertEqual(
            self.env.ref(self.menu_xmlid).parent_id,
            self.env.ref("retail_connector_base.retail_root_menu"),
        )

    def test_backend_action_lists_its_kind_only(self):
        """Test that the menu's action lists and creates backends of its kind only."""
        Backend = self.env["retail.backend"]
        mine = Backend.create({"name": "Mine", "kind": self.kind})
        other = Backend.create({"name": "Other", "kind": self.other_kind})
        action = self.env.ref(self.backend_action_xmlid)
        listed = Backend.with_user(self.retail_user).search(safe_eval(action.domain))
        self.assertIn(mine, listed)
        self.assertNotIn(other, listed)
        created = Backend.with_context(**safe_eval(action.context)).create(
            {"name": "New"}
        )
        self.assertEqual(created.kind, self.kind)
