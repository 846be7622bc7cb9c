"""Rules of a commune's organisation: one steering committee and one health
team, one team per hamlet, members who are staff or local people, and the
hamlets each staff member serves."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.access.service import staff_of
from core.errors import Conflict, Invalid, NotFound, field_error
from core.hamlets.models import Hamlet
from core.identity.models import User
from core.organisation.models import HamletStaff, Team, TeamKind, TeamMember
from tenants.isolation import bound_commune

logger = logging.getLogger(__name__)

# Kinds a commune has one of.
SINGLE = frozenset({TeamKind.STEERING_COMMITTEE, TeamKind.HEALTH_TEAM})


def _check_team(db: Session, values: Mapping[str, Any], team: Team | None) -> None:
    kind = TeamKind(values.get("kind") or (team.kind if team else ""))
    hamlet_id = values.get("hamlet_id", team.hamlet_id if team else None)
    if (kind is TeamKind.HAMLET_TEAM) != (hamlet_id is not None):
        message = (
            "A hamlet team covers one hamlet: give hamlet_id."
            if kind is TeamKind.HAMLET_TEAM
            else "Only a hamlet team has a hamlet."
        )
        raise Invalid(message, errors=[field_error("hamlet_id", message)])
    if (
        hamlet_id is not None
        and db.get(Hamlet, (bound_commune(db).id, hamlet_id)) is None
    ):
        raise Invalid(
            "That hamlet is not a hamlet of this commune.",
            errors=[field_error("hamlet_id", "Unknown here.")],
        )
    if kind in SINGLE:
        other = db.scalars(
            select(Team.id).where(
                Team.kind == kind, Team.id != (team.id if team else None)
            )
        ).first()
        if other is not None:
            raise Conflict(
                "The commune already has this team; add members to it instead.",
                existing=str(other),
            )


def _flush_unique(db: Session, what: str) -> None:
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"Another {what} of this commune already has this name or hamlet."
        ) from exc


def teams(db: Session, kind: str | None = None) -> Select[Any]:
    query = select(Team).order_by(Team.kind, Team.name, Team.id)
    if kind:
        query = query.where(Team.kind == TeamKind(kind))
    return query


def get_team(db: Session, team_id: uuid.UUID) -> Team:
    team = db.scalars(select(Team).where(Team.id == team_id)).first()
    if team is None:
        raise NotFound("No team of this commune has that id.")
    return team


def create_team(db: Session, values: Mapping[str, Any]) -> Team:
    _check_team(db, values, None)
    team = Team(**{**values, "kind": TeamKind(values["kind"])})
    db.add(team)
    _flush_unique(db, "team")
    return team


def update_team(db: Session, team: Team, values: Mapping[str, Any]) -> Team:
    _check_team(db, values, team)
    for key, value in values.items():
        setattr(team, key, TeamKind(value) if key == "kind" else value)
    _flush_unique(db, "team")
    return team


def delete_team(db: Session, team: Team) -> None:
    db.delete(team)
    db.flush()


# -- members -------------------------------------------------------------------


def _check_member(db: Session, values: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    user_id = cleaned.get("user_id")
    if user_id is not None:
        if user_id not in staff_of(db, bound_commune(db)):
            raise Invalid(
                "Link only accounts of this commune's staff; add anyone else by "
                "name alone.",
                errors=[field_error("user_id", "Not staff of this commune.")],
            )
        if not cleaned.get("full_name"):
            user = db.get(User, user_id)
            assert user is not None
            cleaned["full_name"] = user.full_name
    if "full_name" in cleaned and not cleaned["full_name"]:
        raise Invalid(
            "Give the member's name, or link a staff account.",
            errors=[field_error("full_name", "Missing.")],
        )
    started, ended = cleaned.get("started_on"), cleaned.get("ended_on")
    if started and ended and ended < started:
        raise Invalid(
            "A membership ends after it starts.",
            errors=[field_error("ended_on", "Before the start.")],
        )
    return cleaned


def members(db: Session, team_id: uuid.UUID) -> list[TeamMember]:
    return list(
        db.scalars(
            select(TeamMember)
            .where(TeamMember.team_id == team_id)
            .order_by(TeamMember.ended_on.is_not(None), TeamMember.full_name)
        )
    )


def get_member(db: Session, team_id: uuid.UUID, member_id: uuid.UUID) -> TeamMember:
    member = db.scalars(
        select(TeamMember).where(
            TeamMember.id == member_id, TeamMember.team_id == team_id
        )
    ).first()
    if member is None:
        raise NotFound("This team has no member with that id.")
    return member


def add_member(db: Session, team: Team, values: Mapping[str, Any]) -> TeamMember:
    member = TeamMember(team_id=team.id, **_check_member(db, values))
    db.add(member)
    db.flush()
    return member


def update_member(
    db: Session, member: TeamMember, values: Mapping[str, Any]
) -> TeamMember:
    for key, value in _check_member(db, values).items():
        setattr(member, key, value)
    db.flush()
    return member


def remove_member(db: Session, member: TeamMember) -> None:
    db.delete(member)
    db.flush()


# -- hamlet staff --------------------------------------------------------------


def staff_of_hamlet(db: Session, hamlet_id: uuid.UUID) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .join(HamletStaff, HamletStaff.user_id == User.id)
            .where(HamletStaff.hamlet_id == hamlet_id)
            .order_by(User.full_name)
        )
    )


def serve_hamlet(db: Session, hamlet: Hamlet, user_id: uuid.UUID) -> HamletStaff:
    """Have a staff member serve ``hamlet``; an officer then reaches its people."""
    if user_id not in staff_of(db, bound_commune(db)):
        raise Invalid(
            "Only staff of this commune serve its hamlets.",
            errors=[field_error("user_id", "Not staff of this commune.", "path")],
        )
    found = db.scalars(
        select(HamletStaff).where(
            HamletStaff.hamlet_id == hamlet.id, HamletStaff.user_id == user_id
        )
    ).first()
    if found is not None:
        return found
    row = HamletStaff(hamlet_id=hamlet.id, user_id=user_id)
    db.add(row)
    db.flush()
    logger.info("a staff member now serves hamlet %s", hamlet.id)
    return row


def leave_hamlet(db: Session, hamlet: Hamlet, user_id: uuid.UUID) -> None:
    row = db.scalars(
        select(HamletStaff).where(
            HamletStaff.hamlet_id == hamlet.id, HamletStaff.user_id == user_id
        )
    ).first()
    if row is None:
        raise NotFound("That staff member does not serve this hamlet.")
    db.delete(row)
    db.flush()
