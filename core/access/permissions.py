"""The catalogue of permissions, each named ``resource:action``.

Routes name the permission they need by its string; the app refuses to start
if a route names one that is not in the catalogue, so a typo can never
silently grant nothing. Plugins add theirs to the same catalogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NAME_PATTERN = re.compile(r"^[a-z][a-z_]*:[a-z][a-z_]*$")


@dataclass(frozen=True)
class Permission:
    """A permission; ``roles`` names the built-in roles a plugin gives it to."""

    name: str
    description: str
    roles: tuple[str, ...] = ()


class Catalogue:
    """Every permission known to one application."""

    def __init__(self, permissions: tuple[Permission, ...] = ()) -> None:
        self._by_name: dict[str, Permission] = {}
        for permission in permissions:
            self.add(permission)

    def add(self, permission: Permission) -> None:
        if not NAME_PATTERN.match(permission.name):
            raise ValueError(
                f"permission {permission.name!r} must be named resource:action "
                "in lower case"
            )
        if permission.name in self._by_name:
            raise ValueError(f"permission {permission.name!r} is declared twice")
        self._by_name[permission.name] = permission

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_name.values())

    def names(self) -> frozenset[str]:
        return frozenset(self._by_name)


CORE_PERMISSIONS: tuple[Permission, ...] = (
    Permission("regions:read", "See regions and the communes in them."),
    Permission("regions:write", "Create regions below one you administer."),
    Permission("communes:read", "See a commune's record and status."),
    Permission("communes:write", "Onboard, rename, suspend or archive communes."),
    Permission("users:read", "See staff accounts and their roles."),
    Permission("users:write", "Create staff accounts."),
    Permission("users:grant", "Give or take roles, never beyond one's own."),
    Permission("tokens:create", "Create API tokens for oneself."),
    Permission("hamlets:read", "See a commune's hamlets."),
    Permission("hamlets:write", "Create, change and delete hamlets."),
    Permission("statistics:read", "See aggregate figures."),
    Permission("plugins:read", "See installed plugins and a commune's choice."),
    Permission("plugins:manage", "Switch plugins on or off for a commune."),
    Permission("jobs:read", "See a commune's background jobs and failures."),
    Permission("jobs:manage", "Run a failed background job again."),
    Permission("audit:read", "Read the commune's audit trail."),
    Permission("access:request", "Ask for time-limited access to one file."),
    Permission("persons:read", "Find and open people's files (fields by role)."),
    Permission("persons:write", "Open and change people's files."),
    Permission("access:approve", "Decide on requests for the commune's files."),
    Permission("cases:read", "See people's cases, deadlines and tier history."),
    Permission("cases:write", "Open, extend, correct and close cases."),
    Permission("tiers:write", "Place a person in a tier, with a reason."),
    Permission("assignments:read", "See who is responsible for a person."),
    Permission("assignments:write", "Make an officer responsible for a person."),
    Permission("contacts:read", "See the contacts with a person, with notes."),
    Permission("contacts:write", "Record contacts with the people one mentors."),
    Permission("work:read", "See one's own work list and one's desk's."),
    Permission("work:manage", "See and close the whole commune's work."),
    Permission("teams:read", "See the commune's teams and hamlet staff."),
    Permission("teams:write", "Form teams and assign staff to hamlets."),
    Permission("transfers:read", "See files moved to or from other communes."),
    Permission("transfers:write", "Send a person's file to the commune they moved to."),
    Permission("transfers:approve", "Accept or refuse a file another commune sends."),
    Permission("commitments:read", "See people's commitments, reviews and scans."),
    Permission("commitments:write", "Record commitments, reviews, breaches, scans."),
    Permission("support:read", "See the reintegration support people get."),
    Permission("support:write", "Record and change reintegration support."),
)
