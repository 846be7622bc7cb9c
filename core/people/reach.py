"""Which people the caller of a request may reach, and the audit of each read.

Every endpoint that shows any part of a person's file (the file itself, its
cases, contacts, commitments, support, timeline) finds the person through
:func:`reachable` and notes the read with :func:`note_read`, so one rule
decides who reaches whom and no read goes unrecorded.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from flask import g
from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import Session

from core.access.models import MembershipHamlet
from core.access.policy import caller_holds, roles_in_commune, signed_in
from core.api.pagination import page_of
from core.audit.trail import record
from core.errors import Forbidden, NotFound, field_error
from core.mentoring import service as mentoring
from core.organisation.models import HamletStaff
from core.people import visibility
from core.people.models import Person

NOT_HERE = "No person of this commune that you may reach has that id."


def people_in_reach(db: Session) -> ColumnElement[bool] | None:
    """A condition on :class:`Person` narrowing to the caller's reach in the
    request's commune, or None when the caller reaches everyone there.

    A role that reads people commune-wide (the chief, the health team) reaches
    everyone; a hamlet team member reaches the people of their hamlets; a
    police officer reaches the people assigned to them and the people of the
    hamlets they serve. Several roles add up.
    """
    principal = signed_in()
    if principal.is_operator:
        return None
    reaches: list[ColumnElement[bool]] = []
    for membership, role in roles_in_commune(db, principal, g.commune):
        if "persons:read" not in role.permissions:
            continue
        if role.assignment_scoped:
            assert principal.user_id is not None  # only accounts hold roles
            reaches.append(Person.id.in_(mentoring.people_of(db, principal.user_id)))
            reaches.append(
                Person.hamlet_id.in_(
                    select(HamletStaff.hamlet_id).where(
                        HamletStaff.user_id == principal.user_id
                    )
                )
            )
        elif role.hamlet_scoped:
            reaches.append(
                Person.hamlet_id.in_(
                    select(MembershipHamlet.hamlet_id).where(
                        MembershipHamlet.membership_id == membership.id
                    )
                )
            )
        else:
            return None
    return or_(*reaches) if reaches else false()


def reachable(db: Session, person_id: uuid.UUID) -> Person:
    """The person with ``person_id``, if the caller may reach them.

    A person out of reach is reported exactly like one that does not exist,
    so the answer says nothing about files the caller may not see.
    """
    query = select(Person).where(Person.id == person_id)
    condition = people_in_reach(db)
    if condition is not None:
        query = query.where(condition)
    person = db.scalars(query).first()
    if person is None:
        raise NotFound(NOT_HERE)
    return person


def note_read(
    db: Session,
    person: Person | uuid.UUID,
    part: str,
    fields: Iterable[str],
    details: dict[str, Any] | None = None,
) -> None:
    """Audit that the caller saw ``fields`` of ``part`` of a person's file.

    ``part`` is ``file`` for the person's own record, or the name of what was
    listed (``cases``, ``contacts``, ...). Values are never recorded.
    """
    person_id = person.id if isinstance(person, Person) else person
    record(
        db,
        "person.read",
        object_type="person",
        object_id=person_id,
        fields=sorted(fields),
        details={"part": part, **(details or {})},
    )


def page_read(
    db: Session,
    person: Person | uuid.UUID,
    query: Select[Any],
    pagination: Any,
    part: str,
    fields: Iterable[str],
    details: dict[str, Any] | None = None,
) -> list[Any]:
    """One page of ``query``, a list from a person's file, with the read
    noted (:func:`note_read`) and committed."""
    found = page_of(db, query, pagination)
    note_read(db, person, part, fields, details)
    db.commit()
    return found


# At most this many people in a form's chooser of a person.
CHOOSER_SIZE = 500


def people_to_choose(db: Session) -> list[tuple[str, str]]:
    """The people the caller reaches, as (id, name) by name, for a form that
    picks a person; listing them is audited as core's list is. Empty for a
    caller who may not read people's files."""
    if not caller_holds("persons:read"):
        return []
    query = select(Person.id, Person.full_name).order_by(Person.full_name)
    reach = people_in_reach(db)
    if reach is not None:
        query = query.where(reach)
    found = [(str(i), name) for i, name in db.execute(query.limit(CHOOSER_SIZE))]
    if found:
        record(db, "persons.list", object_type="persons", fields=["full_name"])
    return found


def visible_fields(db: Session) -> frozenset[str]:
    """The fields of a person the caller's roles in the bound commune see."""
    held = roles_in_commune(db, signed_in(), g.commune)
    return visibility.fields_for([role.name for _m, role in held])


def refuse_hidden_filters(terms: Iterable[str], fields: frozenset[str]) -> None:
    """Refuse a list or search whose filters would tell the caller, who sees
    ``fields``, what their role does not see (a hamlet team member asking
    for tier 3 learns who is in tier 3)."""
    hidden = visibility.hidden_filters(terms, fields, caller_holds)
    if hidden:
        raise Forbidden(
            "Your role does not see what these filters ask about; leave them out.",
            errors=[
                field_error(term, "Not a filter your role may use.") for term in hidden
            ],
        )
