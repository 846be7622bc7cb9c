"""Roles: named bundles of permissions, held in a commune or in a region.

These are the roles of DESIGN.md §1. A region role applies to every commune
in that region and below it. A hamlet-scoped role reaches only the hamlets
listed on the membership.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace

from flask import current_app, has_app_context


class Scope(enum.StrEnum):
    REGION = "region"
    COMMUNE = "commune"


@dataclass(frozen=True)
class Role:
    name: str
    scope: Scope
    permissions: frozenset[str]
    label_vi: str
    label_en: str
    hamlet_scoped: bool = False
    # Reaches only the people assigned to the holder and the people of the
    # hamlets the holder serves (DESIGN.md §1: a police officer).
    assignment_scoped: bool = False
    # Only someone who administers the commune's region may give this role
    # (DESIGN.md §1: region admins appoint commune admins).
    appointed_by_region: bool = False


def _perms(*names: str) -> frozenset[str]:
    return frozenset(names)


_STAFF_BASE = _perms("communes:read", "hamlets:read", "teams:read", "tokens:create")
# What the police who keep the files do with them beyond the file itself.
_CASEWORK = _perms(
    "commitments:read", "commitments:write", "support:read", "support:write"
)

ROLES: dict[str, Role] = {
    role.name: role
    for role in (
        Role(
            "region_admin",
            Scope.REGION,
            _perms(
                "regions:read",
                "regions:write",
                "communes:read",
                "communes:write",
                "users:read",
                "users:write",
                "users:grant",
                "tokens:create",
                "statistics:read",
                "plugins:read",
                "plugins:manage",
                "access:request",
            ),
            "Quản trị vùng",
            "Region admin",
        ),
        Role(
            "commune_chief",
            Scope.COMMUNE,
            _STAFF_BASE
            | _perms(
                "hamlets:write",
                "users:read",
                "users:grant",
                "statistics:read",
                "plugins:read",
                "plugins:manage",
                "jobs:read",
                "jobs:manage",
                "audit:read",
                "access:request",
                "access:approve",
                "persons:read",
                "persons:write",
                "cases:read",
                "cases:write",
                "tiers:write",
                "assignments:read",
                "assignments:write",
                "contacts:read",
                "contacts:write",
                "work:read",
                "work:manage",
                "teams:write",
                "transfers:read",
                "transfers:write",
                "transfers:approve",
            )
            | _CASEWORK,
            "Trưởng Công an xã",
            "Commune chief",
            appointed_by_region=True,
        ),
        Role(
            "officer",
            Scope.COMMUNE,
            _STAFF_BASE
            | _perms(
                "access:request",
                "persons:read",
                "persons:write",
                "cases:read",
                "cases:write",
                "assignments:read",
                "contacts:read",
                "contacts:write",
                "work:read",
                "transfers:read",
                "transfers:write",
            )
            | _CASEWORK,
            "Cán bộ công an",
            "Police officer",
            assignment_scoped=True,
        ),
        Role(
            "health_worker",
            Scope.COMMUNE,
            _STAFF_BASE
            | _perms("persons:read", "cases:read", "assignments:read", "work:read"),
            "Cán bộ y tế",
            "Health worker",
        ),
        Role(
            "hamlet_member",
            Scope.COMMUNE,
            _perms(
                "communes:read",
                "hamlets:read",
                "teams:read",
                "persons:read",
                "tokens:create",
                "support:read",
                "support:write",
            ),
            "Tổ công tác thôn, xóm",
            "Hamlet team member",
            hamlet_scoped=True,
        ),
        Role(
            "committee_member",
            Scope.COMMUNE,
            _perms("communes:read", "hamlets:read", "teams:read", "statistics:read"),
            "Thành viên Ban chỉ đạo",
            "Steering committee member",
        ),
        Role(
            "viewer",
            Scope.COMMUNE,
            _perms("communes:read", "hamlets:read", "teams:read"),
            "Người xem",
            "Viewer",
        ),
    )
}


def with_grants(grants: Iterable[tuple[str, str]]) -> dict[str, Role]:
    """The built-in roles, each also holding the (role, permission) pairs that
    plugins grant it. Granting to a role that does not exist is an error."""
    extra: dict[str, set[str]] = {}
    for role_name, permission in grants:
        if role_name not in ROLES:
            raise KeyError(f"no role named {role_name!r} to give {permission} to")
        extra.setdefault(role_name, set()).add(permission)
    return {
        name: replace(
            role, permissions=role.permissions | frozenset(extra.get(name, ()))
        )
        for name, role in ROLES.items()
    }


def current_roles() -> dict[str, Role]:
    """The roles of the running app (with plugin permissions), else the built-in."""
    if has_app_context():
        roles: dict[str, Role] | None = current_app.extensions.get("binhyen.roles")
        if roles is not None:
            return roles
    from core.plugin_host.collect import installed_roles

    return installed_roles()


def get_role(name: str) -> Role:
    try:
        return current_roles()[name]
    except KeyError:
        known = ", ".join(sorted(ROLES))
        raise KeyError(f"unknown role {name!r}; known roles: {known}") from None
