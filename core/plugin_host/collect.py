"""Gathering what plugins declare at start-up: permissions, role grants, jobs.

Shared by the app factory and by code that runs outside an app (scripts, the
tests' factories), so both see the same catalogue and the same roles.
"""

from __future__ import annotations

import functools

from core.access.permissions import Catalogue
from core.access.roles import ROLES, Role, with_grants
from core.jobs.outbox import JobRegistry
from core.plugin_host.host import CORE_NAME, PluginHost, build_host


def collect_permissions(host: PluginHost) -> tuple[Catalogue, dict[str, Role]]:
    """Every permission core and the plugins declare, and the roles holding them.

    A plugin's permissions are named after it (``bulletin:read``), so two
    plugins cannot collide; a plugin that breaks this is left out.
    """
    catalogue = Catalogue()
    grants: list[tuple[str, str]] = []
    for owner, permissions in host.call_each("binhyen_permissions", at_start_up=True):
        try:
            for permission in permissions:
                resource = permission.name.split(":", 1)[0]
                if owner != CORE_NAME and resource != owner:
                    raise ValueError(
                        f"permission {permission.name} must be named {owner}:<action>"
                    )
                if any(role not in ROLES for role in permission.roles):
                    raise ValueError(f"{permission.name} is given to an unknown role")
            # Try the whole list on a copy first, so that a plugin refused
            # halfway through it leaves none of its permissions granted.
            Catalogue((*catalogue, *permissions))
        except ValueError as exc:
            if owner == CORE_NAME:
                raise
            host.drop(owner, str(exc))
            continue
        for permission in permissions:
            catalogue.add(permission)
            grants.extend((role, permission.name) for role in permission.roles)
    return catalogue, with_grants(grants)


def collect_jobs(host: PluginHost) -> JobRegistry:
    """Every job core and the plugins declare. A plugin whose job is misnamed
    or named twice is left out whole, with none of its jobs registered."""
    registry = JobRegistry()
    for owner, definitions in host.call_each("binhyen_jobs", at_start_up=True):
        names = [definition.name for definition in definitions]
        problem = None
        if owner != CORE_NAME:
            misnamed = [n for n in names if not n.startswith(owner + ".")]
            if misnamed:
                problem = f"job {misnamed[0]} must be named {owner}.<verb>"
        twice = [n for n in names if registry.get(n) or names.count(n) > 1]
        if twice:
            problem = f"job {twice[0]} is declared twice"
        if problem is not None:
            if owner == CORE_NAME:
                raise ValueError(problem)
            host.drop(owner, problem)
            continue
        for definition in definitions:
            registry.add(definition, None if owner == CORE_NAME else owner)
    return registry


@functools.cache
def installed_roles() -> dict[str, Role]:
    """The roles as the installed plugins extend them, for code with no app."""
    _catalogue, roles = collect_permissions(build_host())
    return roles
