"""The missed-dose rules, set per commune (MethadoneSettings): after so many
missed doses in a row the person's officer is alerted, after more the
person is flagged for re-induction, and after so many days without a dose
the treatment is marked dropped out.

A run of missed doses is counted from the last dose (or from the start):
each rule fires once per run, keyed by that day, and a dose taken again
settles the officer's alert. The rules run in a job queued after each
batch of attendance, and daily for everyone in treatment, since days
without anyone recording anything count too.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.toolkit import (
    HEALTH_DESK,
    Assignee,
    add_once,
    local_today,
    officer_or_chief,
    plugin_settings,
    raise_item,
    resolve,
)
from plugins.methadone.models import (
    Alert,
    AlertKind,
    Attendance,
    Attended,
    Enrolment,
    EnrolmentStatus,
)
from plugins.methadone.service import DOSES, NAME, item_kind

logger = logging.getLogger(__name__)

EVALUATE_JOB = "methadone.evaluate"
TITLES = {
    AlertKind.MISSED_DOSES: (
        "Bỏ uống Methadone nhiều ngày liên tiếp",
        "Methadone doses missed in a row",
    ),
    AlertKind.REINDUCTION: (
        "Cần dò liều Methadone lại từ đầu",
        "Methadone re-induction needed",
    ),
    AlertKind.DROPOUT: ("Bỏ điều trị Methadone", "Dropped out of Methadone"),
}


def _alert(
    db: Session,
    enrolment: Enrolment,
    kind: AlertKind,
    since: date,
    missed: int,
    today: date,
    assignees: list[Assignee],
) -> bool:
    """Record the alert and raise its items, unless this run raised it
    already; returns whether it is new."""
    exists = db.scalars(
        select(Alert.id).where(
            Alert.enrolment_id == enrolment.id,
            Alert.kind == kind,
            Alert.since == since,
        )
    ).first()
    if exists is not None:
        return False
    alert = Alert(
        enrolment_id=enrolment.id,
        person_id=enrolment.person_id,
        kind=kind,
        since=since,
        missed=missed,
        raised_on=today,
    )
    # The daily run and a batch's run may race; the unique key keeps one.
    if not add_once(db, alert):
        return False
    # A newer run of the same rule (the record was corrected, the person
    # came and went again) replaces what is still open of an older one.
    resolve(db, subject_id=enrolment.id, kinds=[item_kind(kind)], by_name=NAME)
    title_vi, title_en = TITLES[kind]
    for number, assignee in enumerate(assignees):
        raise_item(
            db,
            key=f"{item_kind(kind)}:{enrolment.id}:{since.isoformat()}:{number}",
            kind=item_kind(kind),
            title_vi=title_vi,
            title_en=title_en,
            due_on=today,
            assignee=assignee,
            person_id=enrolment.person_id,
            subject_id=enrolment.id,
            origin=NAME,
        )
    logger.info("methadone alert %s raised for enrolment %s", kind, enrolment.id)
    return True


def evaluate(
    db: Session, enrolment: Enrolment, today: date, rules: dict[str, Any]
) -> None:
    """Apply the commune's rules to one enrolment in treatment."""
    if enrolment.status is not EnrolmentStatus.ACTIVE:
        return
    last_dose = db.scalar(
        select(func.max(Attendance.day)).where(
            Attendance.enrolment_id == enrolment.id, Attendance.status.in_(DOSES)
        )
    )
    since = last_dose or enrolment.started_on
    after = Attendance.day > since if last_dose else Attendance.day >= since
    missed = (
        db.scalar(
            select(func.count())
            .select_from(Attendance)
            .where(
                Attendance.enrolment_id == enrolment.id,
                Attendance.status == Attended.MISSED,
                after,
            )
        )
        or 0
    )
    officer = officer_or_chief(db, enrolment.person_id)

    if missed >= rules["alert_after_missed"]:
        _alert(db, enrolment, AlertKind.MISSED_DOSES, since, missed, today, [officer])
    else:
        # A dose taken again: the officer need not chase them any more.
        resolve(
            db,
            subject_id=enrolment.id,
            kinds=[item_kind(AlertKind.MISSED_DOSES)],
            by_name=NAME,
        )
    if missed >= rules["reinduction_after_missed"]:
        kind, desks = AlertKind.REINDUCTION, [officer, HEALTH_DESK]
        if _alert(db, enrolment, kind, since, missed, today, desks):
            _mark(db, enrolment, reinduction_due=True)
    if (today - since).days >= rules["dropout_after_days"]:
        _mark(db, enrolment, status=EnrolmentStatus.DROPPED_OUT, ended_on=today)
        _alert(db, enrolment, AlertKind.DROPOUT, since, missed, today, [officer])


def _mark(db: Session, enrolment: Enrolment, **values: Any) -> None:
    # The rules' doing, not an edit: a bulk UPDATE leaves the version (and
    # so the ETag a health worker holds) alone.
    db.execute(
        update(Enrolment)
        .where(Enrolment.id == enrolment.id)
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )


def evaluate_job(
    db: Session,
    _commune: Any,
    enrolment_ids: list[str] | None = None,
    today: str | None = None,
) -> None:
    """Job handler: apply the rules to the enrolments named (after a batch
    of attendance), or to everyone in treatment (the daily run)."""
    day = date.fromisoformat(today) if today else local_today()
    rules = plugin_settings(db, NAME)
    query = select(Enrolment).where(Enrolment.status == EnrolmentStatus.ACTIVE)
    if enrolment_ids is not None:
        query = query.where(Enrolment.id.in_([uuid.UUID(i) for i in enrolment_ids]))
    enrolments = list(db.scalars(query.order_by(Enrolment.id)))
    for enrolment in enrolments:
        evaluate(db, enrolment, day, rules)
    logger.info("missed-dose rules applied to %d enrolments", len(enrolments))
