"""Raising, resolving and listing work items.

Items are raised by key (:func:`raise_item`): a key names why the item exists
(``residence_check:<case>:<date>``), and a key already raised in the commune
is never raised again, so the daily job and plugins may raise as often as
they like. Items close when the work is recorded (a contact resolves a
residence check, closing a case resolves its items), or by hand.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select, update
from sqlalchemy.orm import Session

from core.db import add_once, utcnow
from core.errors import Conflict, NotFound
from core.people.models import Person
from core.worklist.models import Desk, ItemStatus, WorkItem

logger = logging.getLogger(__name__)

# Recurring checks and contacts show up this long before they are due.
LOOKAHEAD = timedelta(days=7)
# The end of a period shows up this long before it comes.
PERIOD_NOTICE = timedelta(days=30)


@dataclass(frozen=True)
class Assignee:
    """Who works an item: one officer, or a desk."""

    officer_id: uuid.UUID | None = None
    desk: Desk | None = None

    def __post_init__(self) -> None:
        if (self.officer_id is None) == (self.desk is None):
            raise ValueError("an item goes to one officer or to one desk")


CHIEF_DESK = Assignee(desk=Desk.CHIEF)
HEALTH_DESK = Assignee(desk=Desk.HEALTH)


def raise_item(
    db: Session,
    *,
    key: str,
    kind: str,
    title_vi: str,
    title_en: str,
    due_on: date,
    assignee: Assignee,
    person_id: uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    origin: str = "core",
) -> WorkItem | None:
    """Raise an item unless its ``key`` was raised before; returns the new
    item, or None when it already existed (open or closed).

    Titles are generic ("Monthly residence check") and hold no personal
    data: lists show the person separately, to those who may see them.
    """
    exists = db.scalars(select(WorkItem.id).where(WorkItem.key == key)).first()
    if exists is not None:
        return None
    item = WorkItem(
        key=key,
        kind=kind,
        origin=origin,
        title_vi=title_vi,
        title_en=title_en,
        person_id=person_id,
        subject_id=subject_id,
        due_on=due_on,
        assignee_id=assignee.officer_id,
        desk=assignee.desk,
    )
    # A concurrent run may raise the same key between our look and our
    # write; the unique key then refuses the second, and only it.
    if not add_once(db, item):
        logger.info("work item %s was raised concurrently", kind)
        return None
    return item


def resolve(
    db: Session,
    *,
    person_id: uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    kinds: Iterable[str] | None = None,
    keep_kinds: Iterable[str] | None = None,
    due_until: date | None = None,
    status: ItemStatus = ItemStatus.DONE,
    by_name: str = "",
) -> int:
    """Close the open items matching every condition given; returns how many."""
    if person_id is None and subject_id is None:
        raise ValueError("name the person or the subject whose items to close")
    conditions: list[ColumnElement[bool]] = [WorkItem.status == ItemStatus.OPEN]
    if person_id is not None:
        conditions.append(WorkItem.person_id == person_id)
    if subject_id is not None:
        conditions.append(WorkItem.subject_id == subject_id)
    if kinds is not None:
        conditions.append(WorkItem.kind.in_(list(kinds)))
    if keep_kinds is not None:
        conditions.append(WorkItem.kind.not_in(list(keep_kinds)))
    if due_until is not None:
        conditions.append(WorkItem.due_on <= due_until)
    items = db.scalars(select(WorkItem).where(*conditions)).all()
    for item in items:
        _close(item, status, by_name)
    db.flush()
    return len(items)


def reassign(db: Session, person_id: uuid.UUID, officer_id: uuid.UUID | None) -> None:
    """Give a person's open officer items to their new officer (or to the
    chief's desk when they have none)."""
    target = Assignee(officer_id=officer_id) if officer_id else CHIEF_DESK
    db.execute(
        update(WorkItem)
        .where(
            WorkItem.person_id == person_id,
            WorkItem.status == ItemStatus.OPEN,
            WorkItem.assignee_id.is_not(None),
        )
        .values(
            assignee_id=target.officer_id,
            desk=target.desk,
            version=WorkItem.version + 1,
        )
        .execution_options(synchronize_session="fetch")
    )


def get(db: Session, item_id: uuid.UUID) -> WorkItem:
    item = db.scalars(select(WorkItem).where(WorkItem.id == item_id)).first()
    if item is None:
        raise NotFound("No work item of this commune has that id.")
    return item


def close_by_hand(
    db: Session, item: WorkItem, status: ItemStatus, by_name: str
) -> WorkItem:
    if item.status is not ItemStatus.OPEN:
        raise Conflict("This item is already closed; nothing more to do.")
    if status is ItemStatus.OPEN:
        raise Conflict("An open item is closed as done or dismissed.")
    _close(item, status, by_name)
    db.flush()
    return item


def _close(item: WorkItem, status: ItemStatus, by_name: str) -> None:
    item.status = status
    item.closed_at = utcnow()
    item.closed_by_name = by_name or "system"


def list_query(
    db: Session,
    *,
    today: date,
    mine: uuid.UUID | None = None,
    desks: Iterable[Desk] = (),
    assignee_id: uuid.UUID | None = None,
    desk: Desk | None = None,
    status: ItemStatus | None = ItemStatus.OPEN,
    kind: str | None = None,
    hamlet_id: uuid.UUID | None = None,
    tier: int | None = None,
    overdue: bool | None = None,
    due_before: date | None = None,
    within: ColumnElement[bool] | None = None,
) -> Select[Any]:
    """Work items, soonest due first.

    ``mine`` and ``desks`` narrow to what one person works (their own items
    and their desks' items); leave both out for the whole commune.
    ``within`` narrows to people the caller reaches.
    """
    query = select(WorkItem).order_by(WorkItem.due_on, WorkItem.id)
    if mine is not None or desks:
        own: list[ColumnElement[bool]] = (
            [WorkItem.desk.in_(list(desks))] if desks else []
        )
        if mine is not None:
            own.append(WorkItem.assignee_id == mine)
        query = query.where(or_(*own))
    if assignee_id is not None:
        query = query.where(WorkItem.assignee_id == assignee_id)
    if desk is not None:
        query = query.where(WorkItem.desk == desk)
    if status is not None:
        query = query.where(WorkItem.status == status)
    if kind:
        query = query.where(WorkItem.kind == kind)
    if overdue is not None:
        query = query.where(
            (WorkItem.due_on < today) if overdue else (WorkItem.due_on >= today)
        )
    if due_before is not None:
        query = query.where(WorkItem.due_on < due_before)
    if hamlet_id is not None or tier is not None or within is not None:
        query = query.join(Person, Person.id == WorkItem.person_id, isouter=True)
        if hamlet_id is not None:
            query = query.where(Person.hamlet_id == hamlet_id)
        if tier is not None:
            query = query.where(Person.tier == tier)
        if within is not None:
            query = query.where(or_(WorkItem.person_id.is_(None), within))
    return query
