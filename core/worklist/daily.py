"""The daily job that raises what is coming due in one commune.

It reads the open cases (recurring checks, the approaching end, the end
passed with no extension, which proposes closure to the chief), the last
contact of each person (the next contact the officer set), commitments
coming up for review, and tier-2 people who have no responsible officer.
Each item has a key naming its reason, so running the job twice in a day,
or after a crash, raises nothing twice.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.cases import rules
from core.cases.models import Case, CaseStatus
from core.commitments import service as commitments
from core.db import local_today
from core.mentoring import service as mentoring
from core.mentoring.models import Assignment, Contact
from core.people.models import Person, PersonStatus, TierChange
from core.worklist.service import (
    CHIEF_DESK,
    LOOKAHEAD,
    PERIOD_NOTICE,
    raise_item,
)
from tenants.models import Commune

logger = logging.getLogger(__name__)

JOB_NAME = "core.raise_due_items"
# A commitment's review shows up this long before it is due.
REVIEW_NOTICE = timedelta(days=14)
# 05:00 in Vietnam (cron is read in UTC).
SCHEDULE = "0 22 * * *"

TITLES = {
    "residence_check": ("Kiểm tra cư trú hằng tháng", "Monthly residence check"),
    "period_end": ("Sắp hết thời hạn quản lý", "Management period ends soon"),
    "closure_proposal": (
        "Hết thời hạn: kết thúc hồ sơ hoặc gia hạn",
        "Period over: close the case or extend it",
    ),
    "contact_due": ("Đến hạn gặp gỡ, kèm cặp", "Contact due"),
    "commitment_review": ("Đến hạn xem xét bản cam kết", "Commitment review due"),
    "assign_officer": (
        "Phân công cán bộ kèm cặp (tầng 2)",
        "Assign a mentor officer (tier 2)",
    ),
}


def _raise(db: Session, kind: str, **values: Any) -> int:
    title_vi, title_en = TITLES[kind]
    made = raise_item(db, kind=kind, title_vi=title_vi, title_en=title_en, **values)
    return 0 if made is None else 1


def _case_items(db: Session, today: date) -> int:
    raised = 0
    open_cases = db.scalars(select(Case).where(Case.status == CaseStatus.OPEN))
    for case in open_cases:
        officer = mentoring.officer_or_chief(db, case.person_id)
        ruleset = rules.by_id(case.ruleset)
        for check in ruleset.kind(case.kind.value).checks:
            last = mentoring.last_residence_check(db, case.person_id, case.start_on)
            due = rules.next_check(check, case.start_on, last)
            before_end = case.end_on is None or due < case.end_on
            if before_end and due <= today + LOOKAHEAD:
                raised += _raise(
                    db,
                    check.kind,
                    key=f"{check.kind}:{case.id}:{due.isoformat()}",
                    due_on=due,
                    assignee=officer,
                    person_id=case.person_id,
                    subject_id=case.id,
                )
        if case.end_on is None:
            continue
        if case.end_on <= today + PERIOD_NOTICE:
            raised += _raise(
                db,
                "period_end",
                key=f"period_end:{case.id}:{case.end_on.isoformat()}",
                due_on=case.end_on,
                assignee=officer,
                person_id=case.person_id,
                subject_id=case.id,
            )
        if case.end_on <= today:
            raised += _raise(
                db,
                "closure_proposal",
                key=f"closure_proposal:{case.id}:{case.end_on.isoformat()}",
                due_on=case.end_on,
                assignee=CHIEF_DESK,
                person_id=case.person_id,
                subject_id=case.id,
            )
    return raised


def _contact_items(db: Session, today: date) -> int:
    latest = (
        select(Contact.person_id, func.max(Contact.contacted_on).label("last_on"))
        .group_by(Contact.person_id)
        .subquery()
    )
    due = db.scalars(
        select(Contact)
        .join(
            latest,
            (Contact.person_id == latest.c.person_id)
            & (Contact.contacted_on == latest.c.last_on),
        )
        .join(Person, Person.id == Contact.person_id)
        .where(
            Contact.next_due_on.is_not(None),
            Contact.next_due_on <= today + LOOKAHEAD,
            Person.status == PersonStatus.ACTIVE,
        )
    )
    raised = 0
    for contact in due:
        assert contact.next_due_on is not None
        raised += _raise(
            db,
            "contact_due",
            key=f"contact_due:{contact.id}",
            due_on=contact.next_due_on,
            assignee=mentoring.officer_or_chief(db, contact.person_id),
            person_id=contact.person_id,
            subject_id=contact.id,
        )
    return raised


def _unassigned_tier_two(db: Session, today: date) -> int:
    assigned = select(Assignment.person_id).where(Assignment.ended_on.is_(None))
    people = db.scalars(
        select(Person).where(
            Person.tier == 2,
            Person.status == PersonStatus.ACTIVE,
            Person.id.not_in(assigned),
        )
    )
    raised = 0
    for person in people:
        change = db.scalars(
            select(TierChange.id)
            .where(TierChange.person_id == person.id)
            .order_by(TierChange.recorded_at.desc())
        ).first()
        raised += _raise(
            db,
            "assign_officer",
            key=f"assign_officer:{person.id}:{change}",
            due_on=today,
            assignee=CHIEF_DESK,
            person_id=person.id,
        )
    return raised


def _commitment_items(db: Session, today: date) -> int:
    raised = 0
    for due in commitments.reviews_due(db, today + REVIEW_NOTICE):
        raised += _raise(
            db,
            "commitment_review",
            key=f"commitment_review:{due.commitment_id}:{due.review_on.isoformat()}",
            due_on=due.review_on,
            assignee=mentoring.officer_or_chief(db, due.person_id),
            person_id=due.person_id,
            subject_id=due.commitment_id,
        )
    return raised


def raise_due(db: Session, today: date) -> int:
    """Raise every item due by ``today`` (and what shows ahead of time) in
    the session's commune; returns how many new items were raised."""
    raised = (
        _case_items(db, today)
        + _contact_items(db, today)
        + _unassigned_tier_two(db, today)
        + _commitment_items(db, today)
    )
    db.flush()
    logger.info("raised %d work items", raised)
    return raised


def run(db: Session, _commune: Commune, today: str | None = None) -> None:
    """Job handler: raise today's items in one commune. ``today`` (ISO date)
    lets an operator replay a missed day."""
    raise_due(db, date.fromisoformat(today) if today else local_today())
