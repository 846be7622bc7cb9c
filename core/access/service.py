"""Giving and taking roles. Nobody can hand out more than they hold."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.models import Membership, MembershipHamlet
from core.access.policy import permissions_in_commune, permissions_in_region
from core.access.roles import Role, Scope, current_roles
from core.audit.trail import record
from core.errors import Conflict, Forbidden, Invalid, NotFound, field_error
from core.hamlets.models import Hamlet
from core.identity.authn import Principal
from core.identity.models import User
from tenants.isolation import bind_tenant
from tenants.models import Commune, Region

logger = logging.getLogger(__name__)


def _role(name: str, scope: Scope) -> Role:
    role = current_roles().get(name)
    if role is None or role.scope is not scope:
        choices = sorted(r.name for r in current_roles().values() if r.scope is scope)
        raise Invalid(
            f"{name!r} is not a {scope.value} role. Choose one of: "
            + ", ".join(choices),
            errors=[field_error("role", "One of: " + ", ".join(choices))],
        )
    return role


def _refuse_escalation(role: Role, held: frozenset[str]) -> None:
    if "users:grant" not in held:
        raise Forbidden("You need the permission users:grant here to give roles.")
    beyond = sorted(role.permissions - held)
    if beyond:
        raise Forbidden(
            f"You cannot give the role {role.name}: it carries permissions you do "
            "not hold here (" + ", ".join(beyond) + "). Ask the admin above you."
        )


def _refuse_commune_grantor(
    db: Session,
    grantor: Principal,
    commune: Commune,
    role: Role,
    grantee: uuid.UUID | None = None,
) -> None:
    """Refuse unless ``grantor`` may give (or take) ``role`` in ``commune``.

    A role the region appoints (the commune chief) is the business of an
    admin of the commune's region, who sees aggregates only and so does not
    hold the role's permissions; that admin may not appoint themselves, or
    they would reach the case files through it. Every other role needs
    users:grant in the commune and nothing beyond the grantor's own there.
    """
    if not role.appointed_by_region:
        _refuse_escalation(role, permissions_in_commune(db, grantor, commune))
        return
    if "users:grant" not in permissions_in_region(db, grantor, commune.region):
        raise Forbidden(
            f"The role {role.name} is given and taken by an admin of the "
            "commune's region."
        )
    if grantee is not None and grantee == grantor.user_id:
        raise Forbidden(
            f"You cannot appoint yourself {role.name}; ask another admin of the region."
        )


def _refuse_held_twice(
    db: Session, user: User, role: Role, where: Any, place: str
) -> None:
    held = db.scalars(
        select(Membership.id).where(
            Membership.user_id == user.id, Membership.role == role.name, where
        )
    ).first()
    if held is not None:
        raise Conflict(
            f"{user.username} already holds {role.name} {place}.",
            errors=[field_error("role", "Already held.")],
        )


def grant_in_commune(
    db: Session,
    grantor: Principal,
    user: User,
    commune: Commune,
    role_name: str,
    hamlet_ids: Iterable[uuid.UUID] = (),
) -> Membership:
    """Give ``user`` a commune role; hamlet roles need at least one hamlet."""
    role = _role(role_name, Scope.COMMUNE)
    _refuse_commune_grantor(db, grantor, commune, role, grantee=user.id)
    hamlet_ids = list(dict.fromkeys(hamlet_ids))
    if role.hamlet_scoped and not hamlet_ids:
        raise Invalid(
            "A hamlet team member works in named hamlets; choose at least one.",
            errors=[field_error("hamlets", "Choose at least one hamlet.")],
        )
    if hamlet_ids and not role.hamlet_scoped:
        raise Invalid(
            f"The role {role.name} covers the whole commune; leave hamlets empty.",
            errors=[field_error("hamlets", "Only for hamlet-scoped roles.")],
        )
    _refuse_held_twice(
        db, user, role, Membership.commune_id == commune.id, "in this commune"
    )

    bind_tenant(db, commune.id)
    found = set(db.scalars(select(Hamlet.id).where(Hamlet.id.in_(hamlet_ids))))
    missing = [str(h) for h in hamlet_ids if h not in found]
    if missing:
        raise Invalid(
            "Some hamlets are not hamlets of this commune.",
            errors=[field_error("hamlets", "Unknown here: " + ", ".join(missing))],
        )
    membership = Membership(
        user_id=user.id,
        role=role.name,
        commune_id=commune.id,
        granted_by=grantor.user_id,
    )
    db.add(membership)
    db.flush()
    for hamlet_id in hamlet_ids:
        db.add(MembershipHamlet(membership_id=membership.id, hamlet_id=hamlet_id))
    db.flush()
    record(
        db,
        "role.grant",
        object_type="membership",
        object_id=membership.id,
        details={
            "role": role.name,
            "user": str(user.id),
            "hamlets": [str(h) for h in hamlet_ids],
        },
    )
    logger.info("role %s given in a commune (membership %s)", role.name, membership.id)
    return membership


def grant_in_region(
    db: Session, grantor: Principal, user: User, region: Region, role_name: str
) -> Membership:
    role = _role(role_name, Scope.REGION)
    _refuse_escalation(role, permissions_in_region(db, grantor, region))
    _refuse_held_twice(
        db, user, role, Membership.region_id == region.id, f"in region {region.code}"
    )
    membership = Membership(
        user_id=user.id,
        role=role.name,
        region_id=region.id,
        granted_by=grantor.user_id,
    )
    db.add(membership)
    db.flush()
    record(
        db,
        "role.grant",
        object_type="membership",
        object_id=membership.id,
        details={"role": role.name, "user": str(user.id), "region": region.code},
        platform=True,
    )
    logger.info("role %s given in a region (membership %s)", role.name, membership.id)
    return membership


def revoke_in_commune(
    db: Session, grantor: Principal, commune: Commune, membership_id: uuid.UUID
) -> None:
    membership = db.scalars(
        select(Membership).where(
            Membership.id == membership_id, Membership.commune_id == commune.id
        )
    ).first()
    if membership is None:
        raise NotFound("No role of this commune has that id.")
    _refuse_commune_grantor(db, grantor, commune, current_roles()[membership.role])
    db.delete(membership)
    db.flush()
    record(
        db,
        "role.revoke",
        object_type="membership",
        object_id=membership_id,
        details={"role": membership.role, "user": str(membership.user_id)},
    )
    logger.info("membership %s revoked", membership_id)


def staff_of(db: Session, commune: Commune) -> set[uuid.UUID]:
    """Accounts holding any role in ``commune`` itself (not region admins)."""
    return set(
        db.scalars(
            select(Membership.user_id).where(Membership.commune_id == commune.id)
        )
    )


def named(db: Session, user_ids: Iterable[uuid.UUID]) -> list[tuple[str, str]]:
    """Each account's id and full name, by name: the choices of a form that
    picks a member of staff."""
    users = db.scalars(
        select(User).where(User.id.in_(list(user_ids))).order_by(User.full_name)
    )
    return [(str(user.id), user.full_name) for user in users]


def holders_of(db: Session, commune: Commune, roles: set[str]) -> set[uuid.UUID]:
    """Accounts holding one of ``roles`` in ``commune`` itself."""
    return set(
        db.scalars(
            select(Membership.user_id).where(
                Membership.commune_id == commune.id, Membership.role.in_(roles)
            )
        )
    )
