"""Rules of mentoring: one responsible officer per person at a time with the
history kept, and contacts recorded by the officers who made them."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.access.service import holders_of
from core.db import local_today
from core.errors import Conflict, Forbidden, Invalid, NotFound, field_error
from core.identity.models import User
from core.mentoring.models import Assignment, Channel, Contact
from core.people.models import Person
from core.worklist import service as worklist
from core.worklist.service import LOOKAHEAD
from tenants.isolation import bound_commune

logger = logging.getLogger(__name__)

# Roles whose holders may be made responsible for a person.
MENTOR_ROLES = frozenset({"officer", "commune_chief"})


def current_assignment(db: Session, person_id: uuid.UUID) -> Assignment | None:
    return db.scalars(
        select(Assignment).where(
            Assignment.person_id == person_id, Assignment.ended_on.is_(None)
        )
    ).first()


def officer_or_chief(db: Session, person_id: uuid.UUID) -> worklist.Assignee:
    """Who works an item about the person: their responsible officer, or the
    chief's desk while they have none."""
    current = current_assignment(db, person_id)
    if current is None:
        return worklist.CHIEF_DESK
    return worklist.Assignee(officer_id=current.officer_id)


def assignments(db: Session, person_id: uuid.UUID) -> list[Assignment]:
    """Every assignment of the person, the current one first."""
    return list(
        db.scalars(
            select(Assignment)
            .where(Assignment.person_id == person_id)
            .order_by(Assignment.started_on.desc(), Assignment.id.desc())
        )
    )


def people_of(db: Session, officer_id: uuid.UUID) -> Select[Any]:
    """Ids of the people the officer is now responsible for."""
    return select(Assignment.person_id).where(
        Assignment.officer_id == officer_id, Assignment.ended_on.is_(None)
    )


def assign(
    db: Session,
    person: Person,
    officer_id: uuid.UUID,
    *,
    started_on: date | None,
    reason: str | None,
    by_name: str,
) -> Assignment:
    """Make ``officer_id`` responsible for ``person`` from ``started_on``,
    ending the current assignment that day."""
    started_on = started_on or local_today()
    if officer_id not in holders_of(db, bound_commune(db), set(MENTOR_ROLES)):
        raise Invalid(
            "Only an officer or the chief of this commune can be made "
            "responsible for a person.",
            errors=[field_error("officer_id", "Not an officer of this commune.")],
        )
    current = current_assignment(db, person.id)
    if current is not None:
        if current.officer_id == officer_id:
            raise Conflict("This officer is already responsible for this person.")
        if started_on < current.started_on:
            raise Invalid(
                "A new assignment cannot start before the current one began.",
                errors=[field_error("started_on", "Before the current assignment.")],
            )
        current.ended_on = started_on
    officer = db.get(User, officer_id)
    assert officer is not None
    assignment = Assignment(
        person_id=person.id,
        officer_id=officer_id,
        officer_name=officer.full_name,
        started_on=started_on,
        assigned_by_name=by_name,
        reason=reason or None,
    )
    db.add(assignment)
    db.flush()
    worklist.reassign(db, person.id, officer_id)
    worklist.resolve(db, person_id=person.id, kinds=["assign_officer"], by_name=by_name)
    logger.info("person %s assigned to an officer", person.id)
    return assignment


def release(db: Session, person_id: uuid.UUID, ended_on: date) -> None:
    """End the person's current assignment, if any (they moved, or their file
    closed)."""
    current = current_assignment(db, person_id)
    if current is not None:
        current.ended_on = max(ended_on, current.started_on)
        db.flush()
        worklist.reassign(db, person_id, None)


# -- contacts ------------------------------------------------------------------


def _check_contact(values: Mapping[str, Any], contact: Contact | None) -> None:
    contacted_on = values.get("contacted_on") or (contact and contact.contacted_on)
    if contacted_on and contacted_on > local_today():
        raise Invalid(
            "A contact is recorded once it has happened; its date cannot be in "
            "the future.",
            errors=[field_error("contacted_on", "In the future.")],
        )
    next_due = values.get("next_due_on", contact.next_due_on if contact else None)
    if next_due is not None and contacted_on and next_due <= contacted_on:
        raise Invalid(
            "The next contact is due after this one.",
            errors=[field_error("next_due_on", "Not after the contact date.")],
        )
    channel = values.get("channel") or (contact.channel if contact else None)
    confirmed = values.get(
        "residence_confirmed", contact.residence_confirmed if contact else False
    )
    if confirmed and channel is not None and Channel(channel) is not Channel.VISIT:
        raise Invalid(
            "Residence is confirmed by a visit, not by a call or a message.",
            errors=[field_error("residence_confirmed", "Only with a visit.")],
        )


def record_contact(
    db: Session,
    person: Person,
    values: Mapping[str, Any],
    *,
    officer_id: uuid.UUID | None,
    officer_name: str,
) -> Contact:
    """Record a contact made by the caller, and close what it settles: the
    person's due contact, and a due residence check when it confirmed one."""
    _check_contact(values, None)
    contact = Contact(
        person_id=person.id,
        officer_id=officer_id,
        officer_name=officer_name,
        **{**values, "channel": Channel(values["channel"])},
    )
    db.add(contact)
    db.flush()
    _settle(db, contact)
    return contact


def check_may_correct(contact: Contact, user_id: Any, manages: bool) -> None:
    """Only the officer who recorded a contact, or the chief (who manages
    assignments), may correct it."""
    if contact.officer_id != user_id and not manages:
        raise Forbidden(
            "Only the officer who recorded this contact, or the chief, can change it."
        )


def update_contact(db: Session, contact: Contact, values: Mapping[str, Any]) -> Contact:
    _check_contact(values, contact)
    for key, value in values.items():
        setattr(contact, key, Channel(value) if key == "channel" else value)
    db.flush()
    _settle(db, contact)
    return contact


def _settle(db: Session, contact: Contact) -> None:
    worklist.resolve(
        db,
        person_id=contact.person_id,
        kinds=["contact_due"],
        due_until=contact.contacted_on + LOOKAHEAD,
        by_name=contact.officer_name,
    )
    if contact.residence_confirmed:
        worklist.resolve(
            db,
            person_id=contact.person_id,
            kinds=["residence_check"],
            due_until=contact.contacted_on + LOOKAHEAD,
            by_name=contact.officer_name,
        )


def get_contact(db: Session, person_id: uuid.UUID, contact_id: uuid.UUID) -> Contact:
    contact = db.scalars(
        select(Contact).where(Contact.id == contact_id, Contact.person_id == person_id)
    ).first()
    if contact is None:
        raise NotFound("This person has no contact with that id.")
    return contact


def contacts(db: Session, person_id: uuid.UUID) -> Select[Any]:
    """The person's contacts, newest first."""
    return (
        select(Contact)
        .where(Contact.person_id == person_id)
        .order_by(Contact.contacted_on.desc(), Contact.id.desc())
    )


def last_residence_check(db: Session, person_id: uuid.UUID, since: date) -> date | None:
    """The latest visit on or after ``since`` that confirmed residence."""
    return db.scalars(
        select(Contact.contacted_on)
        .where(
            Contact.person_id == person_id,
            Contact.residence_confirmed.is_(True),
            Contact.contacted_on >= since,
        )
        .order_by(Contact.contacted_on.desc())
    ).first()
