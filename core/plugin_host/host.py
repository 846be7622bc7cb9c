"""Finding, loading and calling plugins.

Plugins come only from the ``binhyen.plugins`` entry-point group, the
built-in ones too, so a plugin installed with pip is a first-class citizen.
The host is built inside the app factory, never at import time. A plugin
that fails to import, implements a hook that does not exist, or describes
itself wrongly is reported and left out; the app starts without it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
from flask import g, has_request_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.plugin_host import hookspecs
from core.plugin_host.contributions import PluginInfo
from core.plugin_host.models import CommunePlugin
from tenants.isolation import current_tenant

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "binhyen.plugins"
CORE_NAME = "core"


@dataclass(frozen=True)
class LoadedPlugin:
    name: str
    info: PluginInfo
    module: Any
    distribution: str | None


class PluginHost:
    """The pluggy manager of one app, and what it learnt from each plugin."""

    def __init__(self) -> None:
        self.manager = pluggy.PluginManager(hookspecs.PROJECT)
        self.manager.add_hookspecs(hookspecs)
        self.plugins: dict[str, LoadedPlugin] = {}
        self.failed: dict[str, str] = {}
        # Blueprint name -> plugin name, to answer 404 where it is disabled.
        self.blueprint_owner: dict[str, str] = {}

    # -- loading ------------------------------------------------------------

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> None:
        for entry_point in sorted(entry_points(group=group), key=lambda e: e.name):
            try:
                module = entry_point.load()
            except Exception as exc:
                self._fail(entry_point.name, f"cannot be imported ({exc!r})")
                continue
            dist = entry_point.dist.name if entry_point.dist else None
            self.add(entry_point.name, module, distribution=dist)

    def add(
        self, name: str, module: ModuleType | object, distribution: str | None = None
    ) -> bool:
        """Register one plugin; returns False (and reports why) if it is refused."""
        if name in self.plugins or name == CORE_NAME:
            self._fail(name, "the name is taken by another plugin")
            return False
        try:
            self.manager.register(module, name=name)
            self.manager.check_pending()
        except Exception as exc:
            if self.manager.is_registered(module):
                self.manager.unregister(module)
            self._fail(name, f"implements hooks wrongly ({exc})")
            return False
        caller = self.manager.subset_hook_caller(
            "binhyen_plugin_info",
            remove_plugins=[p for p in self.manager.get_plugins() if p is not module],
        )
        try:
            infos = caller()
        except Exception as exc:
            self.manager.unregister(module)
            self._fail(name, f"binhyen_plugin_info failed ({exc!r})")
            return False
        if not infos or not isinstance(infos[0], PluginInfo) or infos[0].name != name:
            self.manager.unregister(module)
            self._fail(
                name,
                "binhyen_plugin_info must return a PluginInfo named like its entry "
                "point",
            )
            return False
        self.plugins[name] = LoadedPlugin(name, infos[0], module, distribution)
        logger.info("plugin %s %s loaded", name, infos[0].version)
        return True

    def add_core_defaults(self, module: ModuleType) -> None:
        """Core's own hook implementations, so core uses the API it offers."""
        self.manager.register(module, name=CORE_NAME)

    def _fail(self, name: str, reason: str) -> None:
        self.failed[name] = reason
        logger.error("plugin %s left out: %s", name, reason)

    # -- calling ------------------------------------------------------------

    def call_each(
        self, hook: str, *, at_start_up: bool = False, **kwargs: Any
    ) -> list[tuple[str, Any]]:
        """Call ``hook`` on core and every plugin; pair each result with its
        owner's name (``"core"`` for core's defaults). None results are dropped.

        ``at_start_up``: a plugin whose hook raises is left out (and reported)
        instead of stopping the app, and an iterable result is read at once
        so that its errors surface here too.
        """
        results = []
        for impl in getattr(self.manager.hook, hook).get_hookimpls():
            try:
                value = _call(impl, kwargs)
                if (
                    at_start_up
                    and value is not None
                    and not isinstance(value, str | Path)
                ):
                    value = list(value)
            except Exception as exc:
                if not at_start_up or impl.plugin_name == CORE_NAME:
                    raise
                self.drop(impl.plugin_name, f"{hook} failed ({exc!r})")
                continue
            if value is not None:
                results.append((impl.plugin_name, value))
        return [(name, value) for name, value in results if name not in self.failed]

    def drop(self, name: str, reason: str) -> None:
        """Leave a loaded plugin out after all (its start-up contribution failed)."""
        module = self.manager.get_plugin(name)
        if module is not None:
            self.manager.unregister(module)
        self.plugins.pop(name, None)
        self._fail(name, reason)

    def call_enabled(
        self, session: Session, hook: str, **kwargs: Any
    ) -> list[tuple[str, Any]]:
        """Like :meth:`call_each`, only for plugins the session's commune enabled."""
        enabled = self.enabled_in(session) | {CORE_NAME}
        results = []
        for impl in getattr(self.manager.hook, hook).get_hookimpls():
            if impl.plugin_name in enabled:
                value = _call(impl, {"session": session, **kwargs})
                if value is not None:
                    results.append((impl.plugin_name, value))
        return results

    def implementing(self, hook: str) -> list[str]:
        """The loaded plugins (not core) that implement ``hook``."""
        return [
            impl.plugin_name
            for impl in getattr(self.manager.hook, hook).get_hookimpls()
            if impl.plugin_name in self.plugins
        ]

    def flatten(self, pairs: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
        return [(name, item) for name, items in pairs for item in items]

    # -- per-commune state ----------------------------------------------------

    def enabled_in(self, session: Session) -> set[str]:
        """Installed plugins the session's commune has switched on.

        Asked several times per request (routes, menus, hooks), so the answer
        is kept on the request until :meth:`forget_enabled`.
        """
        tenant = current_tenant(session)
        cache: dict[Any, set[str]] | None = (
            g.setdefault("binhyen_enabled_plugins", {})
            if has_request_context()
            else None
        )
        if cache is not None and tenant in cache:
            return set(cache[tenant])
        names = set(
            session.scalars(
                select(CommunePlugin.name).where(CommunePlugin.enabled.is_(True))
            )
        ) & set(self.plugins)
        if cache is not None:
            cache[tenant] = names
        return names

    def forget_enabled(self) -> None:
        if has_request_context():
            g.pop("binhyen_enabled_plugins", None)


def _call(impl: pluggy.HookImpl, kwargs: dict[str, Any]) -> Any:
    """Call one implementation with the arguments it names. As with pluggy's
    own calls, an implementation may leave out arguments it does not use."""
    return impl.function(**{name: kwargs[name] for name in impl.argnames})


def build_host() -> PluginHost:
    """Core's defaults plus every plugin found through the entry points."""
    from core.plugin_host import defaults

    host = PluginHost()
    host.add_core_defaults(defaults)
    host.load_entry_points()
    return host
