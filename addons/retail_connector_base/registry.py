# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Where each platform's code is found: one adapter class per platform and
capability, registered by the module that implements it.

A capability is one thing a backend does with its platform, named by the
module that uses it: ``connection`` and ``webhook`` (this module),
``marketplace``, ``pos``, ``loyalty``, ``payouts``. Models never test
``backend.platform``: they ask the backend for the adapter of a capability
(``backend._adapter("webhook")``) and call it, much as Odoo's payment
providers are found by their ``code`` and OCA ``connector`` finds a
component by its usage.

Adding a platform: a module adds the code to ``retail.backend.platform``
(``selection_add``) and registers, per capability it supports::

    @registry.register("myshop", "webhook")
    class MyShopWebhook(registry.Adapter):
        def verify(self, headers, body): ...

Registration happens when Python imports the module; an adapter is served
only in databases where its Odoo module is installed, so a server with
several databases never reaches code a database does not have.
"""

_ADAPTERS = {}


class Adapter:
    """What every adapter starts from: the backend it serves."""

    platform = None
    capability = None

    def __init__(self, backend):
        backend.ensure_one()
        self.backend = backend
        self.env = backend.env

    @classmethod
    def backend_defaults(cls, vals):
        """Values a new backend of the platform gets unless ``vals`` (its
        create values) gives them: an API host, a pinned API version, the
        platform's rate limit."""
        return {}

    def access_scopes(self):
        """The platform permissions the backend's enabled features need
        from this adapter, ``[(scope, feature)]``: the connection test names
        the ones the platform did not grant (where it tells)."""
        return []

    def webhook_topics(self):
        """The platform's webhook topics the backend's enabled features need
        from this adapter: a platform whose webhook adapter registers its
        own subscriptions subscribes to those of every installed module, so
        each module names the topics it reads without depending on the
        module that registers them."""
        return []

    def request(self, method, path, json_body=None, params=None, **options):
        """A call to the platform through the connector's client (rate
        limit, circuit breaker, request log, https only)."""
        return self.backend._request(method, path, json_body, params, **options)


def register(platform, capability):
    """Class decorator: ``cls`` is the ``capability`` of ``platform``."""

    def decorator(cls):
        key = (platform, capability)
        module = (
            cls.__module__.split(".")[2]
            if cls.__module__.startswith("odoo.addons.")
            else None
        )
        known = _ADAPTERS.get(key)
        if known and known[1].__qualname__ != cls.__qualname__:
            raise ValueError(
                f"{cls.__qualname__} and {known[1].__qualname__} both claim the "
                f"{capability} of {platform}"
            )
        cls.platform, cls.capability = platform, capability
        _ADAPTERS[key] = (module, cls)
        return cls

    return decorator


def adapter_class(env, platform, capability):
    """The class registered for ``capability`` of ``platform`` by a module
    installed in ``env``'s database, or None."""
    entry = _ADAPTERS.get((platform, capability))
    if not entry:
        return None
    module, cls = entry
    if module and module not in env.registry._init_modules:
        return None
    return cls


def adapter_classes(env, platform):
    """The classes of every capability of ``platform`` that a module
    installed in ``env``'s database registers."""
    classes = (
        adapter_class(env, code, capability)
        for code, capability in _ADAPTERS
        if code == platform
    )
    return [cls for cls in classes if cls]


def backend_defaults(env, platform, vals):
    """What every adapter of ``platform`` installed in ``env``'s database
    gives a new backend created with ``vals``."""
    defaults = {}
    for adapter in adapter_classes(env, platform):
        defaults.update(adapter.backend_defaults(vals))
    return defaults


def platforms(env, capability):
    """Platform codes that have ``capability`` in ``env``'s database."""
    return sorted(
        platform
        for (platform, name) in _ADAPTERS
        if name == capability and adapter_class(env, platform, name)
    )
