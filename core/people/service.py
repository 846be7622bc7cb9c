"""Rules for people: one file per person per commune, found by name without
diacritics or exactly by identification number."""

from __future__ import annotations

import logging
import re
import unicodedata
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from core.crypto.fields import blind_index
from core.errors import Conflict, Invalid, NotFound, field_error
from core.hamlets.models import Hamlet
from core.people.models import Person, Sex, digits
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
    within: ColumnElement[bool] | None = None,
) -> Select[Any]:
    """People of the bound commune by folded name, exact number or hamlet;
    ``within`` narrows to a caller's reach (core.people.reach)."""
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
    if within is not None:
        query = query.where(within)
    return query


def file_path(db: Session, person_id: uuid.UUID) -> str:
    """The API address of a person's file in the session's commune; records
    about the person (commitments, support, ...) hang below it."""
    commune = db.get(Commune, current_tenant(db))
    if commune is None:
        raise RuntimeError("a person's address needs a session bound to a commune")
    return f"/api/v1/c/{commune.slug}/persons/{person_id}"
