"""Rules for people: one file per person per commune, found by name without
diacritics or exactly by identification number."""

from __future__ import annotations

import logging
import re
import unicodedata
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from core.cases.models import Case, CaseKind, CaseStatus
from core.crypto.fields import blind_index
from core.db import local_today
from core.errors import Conflict, Invalid, NotFound, field_error
from core.hamlets.models import Hamlet
from core.identity.authn import Principal
from core.identity.service import display_name
from core.mentoring import service as mentoring
from core.people.models import (
    TIERS,
    Person,
    PersonStatus,
    Sex,
    TierChange,
    digits,
)
from core.plugin_host.events import emit
from tenants.divisions import fold
from tenants.isolation import current_tenant
from tenants.models import Commune

logger = logging.getLogger(__name__)

NATIONAL_ID = re.compile(r"^\d{12}$")


def _clean(db: Session, values: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    for field in ("full_name", "other_names", "address", "family_contacts"):
        if cleaned.get(field):
            cleaned[field] = unicodedata.normalize("NFC", cleaned[field].strip())
    if cleaned.get("national_id"):
        number = digits(cleaned["national_id"])
        if not NATIONAL_ID.match(number):
            raise Invalid(
                "A personal identification number has 12 digits.",
                errors=[field_error("national_id", "Twelve digits.")],
            )
        cleaned["national_id"] = number
    if cleaned.get("sex"):
        cleaned["sex"] = Sex(cleaned["sex"])
    hamlet = cleaned.get("hamlet_id")
    if (
        hamlet is not None
        and db.scalars(select(Hamlet.id).where(Hamlet.id == hamlet)).first() is None
    ):
        raise Invalid(
            "That hamlet is not a hamlet of this commune.",
            errors=[field_error("hamlet_id", "Unknown here.")],
        )
    return cleaned


def _refuse_duplicate(
    db: Session, national_id: str | None, exclude: uuid.UUID | None = None
) -> None:
    if not national_id:
        return
    query = select(Person.id).where(
        Person.national_id_index == blind_index(db, national_id, digits)
    )
    if exclude is not None:
        query = query.where(Person.id != exclude)
    existing = db.scalars(query).first()
    if existing is not None:
        raise Conflict(
            "This commune already has a file for this identification number; "
            "open that file instead of making a second one.",
            errors=[field_error("national_id", "Already on file here.")],
            existing=str(existing),
        )


def _name_search(full_name: str | None, other_names: str | None) -> str:
    return fold(" ".join(n for n in (full_name, other_names) if n))


def create(db: Session, values: Mapping[str, Any]) -> Person:
    cleaned = _clean(db, values)
    _refuse_duplicate(db, cleaned.get("national_id"))
    cleaned["name_search"] = _name_search(
        cleaned.get("full_name"), cleaned.get("other_names")
    )
    person = Person(**cleaned)
    db.add(person)
    db.flush()
    logger.info("person %s created", person.id)
    return person


def update(db: Session, person: Person, values: Mapping[str, Any]) -> Person:
    cleaned = _clean(db, values)
    if "national_id" in cleaned:
        _refuse_duplicate(db, cleaned["national_id"], exclude=person.id)
    for key, value in cleaned.items():
        setattr(person, key, value)
    person.name_search = _name_search(person.full_name, person.other_names)
    db.flush()
    return person


def get(db: Session, person_id: uuid.UUID) -> Person:
    person = db.scalars(select(Person).where(Person.id == person_id)).first()
    if person is None:
        raise NotFound("No person of this commune has that id.")
    return person


def search(
    db: Session,
    *,
    q: str | None = None,
    national_id: str | None = None,
    hamlet_id: uuid.UUID | None = None,
    tier: int | None = None,
    status: str | None = None,
    case_kind: str | None = None,
    within: ColumnElement[bool] | None = None,
) -> Select[Any]:
    """People of the bound commune by folded name, exact number, hamlet, tier,
    status or kind of open case; ``within`` narrows to a caller's reach
    (core.people.reach)."""
    query = select(Person).order_by(Person.name_search, Person.id)
    if q:
        for word in fold(q).split():
            query = query.where(Person.name_search.contains(word, autoescape=True))
    if national_id:
        query = query.where(
            Person.national_id_index == blind_index(db, national_id, digits)
        )
    if hamlet_id:
        query = query.where(Person.hamlet_id == hamlet_id)
    if tier is not None:
        query = query.where(Person.tier == tier)
    if status:
        query = query.where(Person.status == PersonStatus(status))
    if case_kind:
        query = query.where(
            Person.id.in_(
                select(Case.person_id).where(
                    Case.kind == CaseKind(case_kind), Case.status == CaseStatus.OPEN
                )
            )
        )
    if within is not None:
        query = query.where(within)
    return query


# -- tiers ---------------------------------------------------------------------

MIN_TIER_REASON = 10


def change_tier(
    db: Session,
    person: Person,
    *,
    tier: int,
    reason: str,
    decided_on: date,
    decided_by: Principal,
    officer_id: uuid.UUID | None = None,
) -> TierChange:
    """Place ``person`` in ``tier`` with the reason and who decided.

    A tier-2 person has a responsible officer: name one in ``officer_id``
    unless they already have one.
    """
    reason = reason.strip()
    if tier not in TIERS:
        raise Invalid(
            "A tier is 1, 2 or 3.", errors=[field_error("tier", "1, 2 or 3.")]
        )
    if tier == person.tier:
        raise Conflict(
            "This person is already in tier %(tier)s.", values={"tier": tier}
        )
    if len(reason) < MIN_TIER_REASON:
        raise Invalid(
            "Say why, in at least %(n)s characters: the reason stays in the "
            "person's tier history.",
            errors=[field_error("reason", "Too short.")],
            values={"n": MIN_TIER_REASON},
        )
    if decided_on > local_today():
        raise Invalid(
            "A tier decision is recorded once it is made; its date cannot be in "
            "the future.",
            errors=[field_error("decided_on", "In the future.")],
        )
    name = display_name(db, decided_by)
    if officer_id is not None:
        mentoring.assign(
            db, person, officer_id, started_on=decided_on, reason=None, by_name=name
        )
    if tier == 2 and mentoring.current_assignment(db, person.id) is None:
        raise Invalid(
            "A tier-2 person has a responsible officer: give officer_id.",
            errors=[field_error("officer_id", "Needed for tier 2.")],
        )
    change = TierChange(
        person_id=person.id,
        from_tier=person.tier,
        to_tier=tier,
        decided_on=decided_on,
        decided_by_id=decided_by.user_id,
        decided_by_name=name,
        reason=reason,
    )
    db.add(change)
    person.tier = tier
    db.flush()
    emit(db, "tier_changed", person.id, from_tier=change.from_tier, to_tier=tier)
    logger.info("person %s moved to tier %d", person.id, tier)
    return change


def tier_history(db: Session, person_id: uuid.UUID) -> list[TierChange]:
    """Every tier decision about the person, newest first."""
    return list(
        db.scalars(
            select(TierChange)
            .where(TierChange.person_id == person_id)
            .order_by(TierChange.decided_on.desc(), TierChange.recorded_at.desc())
        )
    )


def file_path(db: Session, person_id: uuid.UUID) -> str:
    """The API address of a person's file in the session's commune; records
    about the person (commitments, support, ...) hang below it."""
    commune = db.get(Commune, current_tenant(db))
    if commune is None:
        raise RuntimeError("a person's address needs a session bound to a commune")
    return f"/api/v1/c/{commune.slug}/persons/{person_id}"
