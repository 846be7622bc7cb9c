"""Access decisions: what a principal may do in a commune or a region.

Permissions come from memberships: a commune role counts in its commune, a
region role in every commune of that region and below. An API token narrows
its user's permissions to the token's own list and scope; it never widens
them. Every API route declares its permission with :func:`requires` (or says
why it is open with :func:`public`); a test walks the URL map to hold that.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import g
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.models import Membership, MembershipHamlet
from core.access.roles import Role, current_roles
from core.db import request_session
from core.errors import Forbidden, Unauthorized
from core.identity.authn import Principal, current_principal
from tenants.models import Commune, Region
from tenants.onboarding import region_lineage

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
PERMISSION_ATTR = "binhyen_permission"
PUBLIC_ATTR = "binhyen_public"


def _memberships(db: Session, principal: Principal) -> list[Membership]:
    key = ("memberships",)
    if key not in principal.cache:
        principal.cache[key] = list(
            db.scalars(
                select(Membership).where(Membership.user_id == principal.user_id)
            )
        )
    return cast(list[Membership], principal.cache[key])


def _all_permissions() -> frozenset[str]:
    names: set[str] = set()
    for role in current_roles().values():
        names |= role.permissions
    return frozenset(names)


def roles_in_commune(
    db: Session, principal: Principal, commune: Commune
) -> list[tuple[Membership, Role]]:
    lineage = {r.id for r in region_lineage(db, commune.region_id)}
    held = []
    for membership in _memberships(db, principal):
        if membership.commune_id == commune.id or membership.region_id in lineage:
            held.append((membership, current_roles()[membership.role]))
    return held


def permissions_in_commune(
    db: Session, principal: Principal, commune: Commune
) -> frozenset[str]:
    if principal.is_operator:
        return _all_permissions()
    granted: frozenset[str] = frozenset()
    for _membership, role in roles_in_commune(db, principal, commune):
        granted |= role.permissions
    token = principal.token
    if token is not None:
        lineage = {r.id for r in region_lineage(db, commune.region_id)}
        if token.commune_id != commune.id and token.region_id not in lineage:
            return frozenset()
        granted &= frozenset(token.permissions)
    return granted


def permissions_in_region(
    db: Session, principal: Principal, region: Region
) -> frozenset[str]:
    if principal.is_operator:
        return _all_permissions()
    lineage = {r.id for r in region_lineage(db, region.id)}
    granted: frozenset[str] = frozenset()
    for membership in _memberships(db, principal):
        if membership.region_id in lineage:
            granted |= current_roles()[membership.role].permissions
    token = principal.token
    if token is not None:
        if token.region_id not in lineage:
            return frozenset()
        granted &= frozenset(token.permissions)
    return granted


def _held_in(
    db: Session, principal: Principal, permission: str, scope: str
) -> set[uuid.UUID]:
    """Ids of the regions or communes (``scope`` is the membership column,
    region_id or commune_id) where a role gives ``permission``, narrowed to a
    token's own scope and list."""
    found = set()
    for membership in _memberships(db, principal):
        place = getattr(membership, scope)
        if place and permission in current_roles()[membership.role].permissions:
            found.add(place)
    token = principal.token
    if token is not None:
        if permission not in token.permissions:
            return set()
        found &= {getattr(token, scope)} if getattr(token, scope) else set()
    return found


def regions_where(db: Session, principal: Principal, permission: str) -> set[uuid.UUID]:
    """Regions in which the principal holds ``permission`` through a region role."""
    return _held_in(db, principal, permission, "region_id")


def communes_where(
    db: Session, principal: Principal, permission: str
) -> set[uuid.UUID]:
    """Communes in which the principal holds ``permission`` through a commune role."""
    return _held_in(db, principal, permission, "commune_id")


def holds_anywhere(db: Session, principal: Principal, permission: str) -> bool:
    if principal.is_operator:
        return True
    return bool(
        regions_where(db, principal, permission)
        or communes_where(db, principal, permission)
    )


def hamlet_scope(
    db: Session, principal: Principal, commune: Commune
) -> frozenset[uuid.UUID] | None:
    """The hamlets the principal is narrowed to in ``commune``; None for all."""
    if principal.is_operator:
        return None
    held = roles_in_commune(db, principal, commune)
    if any(not role.hamlet_scoped for _m, role in held):
        return None
    membership_ids = [m.id for m, role in held if role.hamlet_scoped]
    if not membership_ids:
        return frozenset()
    return frozenset(
        db.scalars(
            select(MembershipHamlet.hamlet_id).where(
                MembershipHamlet.membership_id.in_(membership_ids)
            )
        )
    )


def require_in_commune(principal: Principal, commune: Commune, permission: str) -> None:
    if permission not in permissions_in_commune(request_session(), principal, commune):
        raise Forbidden(
            "You need the permission %(permission)s in this commune; ask its "
            "commune chief or your region admin for a role that has it.",
            values={"permission": permission},
        )


def caller_holds(permission: str) -> bool:
    """Whether the caller of this request holds ``permission`` in its commune
    (for showing a field or an action only to those who may use it)."""
    commune: Commune | None = g.get("commune")
    principal = current_principal()
    if commune is None or principal is None:
        return False
    return permission in permissions_in_commune(request_session(), principal, commune)


def require_in_region(principal: Principal, region: Region, permission: str) -> None:
    if permission not in permissions_in_region(request_session(), principal, region):
        raise Forbidden(
            f"You need the permission {permission} in region {region.code}; ask "
            "an admin of that region or the one above it."
        )


def signed_in() -> Principal:
    principal = current_principal()
    if principal is None:
        raise Unauthorized(
            "Sign in first, or send an API token as 'Authorization: Bearer ...'.",
            headers={"WWW-Authenticate": 'Bearer realm="binhyen"'},
        )
    return principal


def requires(permission: str) -> Callable[[F], F]:
    """Mark a view as needing ``permission`` and enforce it on every call.

    In a commune's URL the permission must be held in that commune; elsewhere
    it must be held somewhere, and the view narrows further to the region or
    commune the request is about.
    """

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            principal = signed_in()
            commune: Commune | None = g.get("commune")
            db = request_session()
            if commune is not None:
                require_in_commune(principal, commune, permission)
            elif not holds_anywhere(db, principal, permission):
                raise Forbidden(
                    f"You need the permission {permission}; none of your roles "
                    "gives it."
                )
            return view(*args, **kwargs)

        setattr(guarded, PERMISSION_ATTR, permission)
        return cast(F, guarded)

    return decorate


SIGNED_IN = "@signed-in"


def requires_sign_in(view: F) -> F:
    """Mark a view as open to any signed-in caller, about their own account."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        signed_in()
        return view(*args, **kwargs)

    setattr(guarded, PERMISSION_ATTR, SIGNED_IN)
    return cast(F, guarded)


def public(reason: str) -> Callable[[F], F]:
    """Mark a view as open to anyone, saying why."""

    def decorate(view: F) -> F:
        setattr(view, PUBLIC_ATTR, reason)
        return view

    return decorate
