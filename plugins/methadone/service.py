"""The rules of Methadone treatment records: dispensing points, enrolments
and their dose history, adherence over a period, and what the timeline and
the dashboard show. Attendance batches live in ``attendance``, the
missed-dose rules in ``rules``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from core.toolkit import (
    HEALTH_DESK,
    Actor,
    Conflict,
    Metric,
    NotFound,
    Person,
    TimelineEntry,
    blind_index,
    local_today,
    not_after_today,
    raise_item,
    refuse,
    resolve,
    stamp,
    start_of,
    tidy,
)
from plugins.methadone.models import (
    Alert,
    AlertKind,
    Attendance,
    Attended,
    DispensingPoint,
    DoseChange,
    Enrolment,
    EnrolmentStatus,
    Phase,
    patient_code_key,
)

logger = logging.getLogger(__name__)

NAME = "methadone"
READ = "methadone:read"
ENROL = "methadone_enrol"
ENROL_TITLES = (
    "Đăng ký điều trị Methadone tại một cơ sở cấp phát",
    "Enrol at a Methadone dispensing point",
)
DOSES = (Attended.TAKEN, Attended.TAKE_HOME)


def item_kind(kind: AlertKind) -> str:
    """The work-item kind of an alert (``methadone_missed_doses``, ...)."""
    return f"{NAME}_{kind.value}"


# -- dispensing points ----------------------------------------------------------


def points_query() -> Select[Any]:
    return select(DispensingPoint).order_by(
        DispensingPoint.active.desc(), DispensingPoint.name, DispensingPoint.id
    )


def get_point(db: Session, point_id: uuid.UUID) -> DispensingPoint:
    point = db.scalars(
        select(DispensingPoint).where(DispensingPoint.id == point_id)
    ).first()
    if point is None:
        raise NotFound("No dispensing point of this commune has that id.")
    return point


def _named_once(db: Session, name: str, point_id: uuid.UUID | None) -> None:
    same = select(DispensingPoint.id).where(DispensingPoint.name == name)
    if point_id is not None:
        same = same.where(DispensingPoint.id != point_id)
    if db.scalars(same).first() is not None:
        raise Conflict("The commune has a dispensing point of that name already.")


def save_point(
    db: Session, values: Mapping[str, Any], point: DispensingPoint | None = None
) -> DispensingPoint:
    """Create a dispensing point, or change one."""
    cleaned = tidy(values, ("name", "address"), required=("name",))
    if "name" in cleaned:
        _named_once(db, cleaned["name"], point.id if point else None)
    if point is None:
        point = DispensingPoint(**cleaned)
        db.add(point)
    else:
        for key, value in cleaned.items():
            setattr(point, key, value)
    db.flush()
    return point


# -- enrolments and doses -------------------------------------------------------


def enrolments_of(person_id: uuid.UUID) -> Select[Any]:
    return (
        select(Enrolment)
        .where(Enrolment.person_id == person_id)
        .order_by(Enrolment.started_on.desc(), Enrolment.id.desc())
    )


def get_enrolment(
    db: Session, person_id: uuid.UUID, enrolment_id: uuid.UUID
) -> Enrolment:
    enrolment = db.scalars(
        enrolments_of(person_id).where(Enrolment.id == enrolment_id)
    ).first()
    if enrolment is None:
        raise NotFound("This person has no enrolment with that id.")
    return enrolment


def with_code(db: Session, point_id: uuid.UUID, codes: Iterable[str]) -> Select[Any]:
    """Enrolments at a point under any of the point's patient ``codes``."""
    keys = [blind_index(db, code, patient_code_key) for code in codes]
    return select(Enrolment).where(
        Enrolment.point_id == point_id, Enrolment.patient_code_index.in_(keys)
    )


def enrol(
    db: Session, person: Person, values: Mapping[str, Any], by: Actor
) -> Enrolment:
    """Start a person's treatment at a dispensing point, with its first dose."""
    point = get_point(db, values["point_id"])
    if not point.active:
        raise refuse(
            "point_id", "Closed.", "This dispensing point is closed; choose another."
        )
    not_after_today("started_on", values["started_on"])
    active = db.scalars(
        enrolments_of(person.id).where(Enrolment.status == EnrolmentStatus.ACTIVE)
    ).first()
    if active is not None:
        raise Conflict(
            "This person is already in treatment; end that enrolment before "
            "starting another."
        )
    code = patient_code_key(values["patient_code"])
    taken = db.scalars(
        with_code(db, point.id, [code]).where(
            Enrolment.status == EnrolmentStatus.ACTIVE
        )
    ).first()
    if taken is not None:
        raise Conflict(
            "Someone in treatment at this point has that patient code; check the "
            "code on the point's records."
        )
    enrolment = Enrolment(
        person_id=person.id,
        point_id=point.id,
        patient_code=code,
        started_on=values["started_on"],
        phase=Phase(values["phase"]),
        dose_mg=values["dose_mg"],
    )
    db.add(enrolment)
    db.flush()
    db.add(
        DoseChange(
            enrolment_id=enrolment.id,
            changed_on=enrolment.started_on,
            phase=enrolment.phase,
            dose_mg=enrolment.dose_mg,
            reason=None,
            **stamp(by),
        )
    )
    db.flush()
    resolve(db, person_id=person.id, kinds=[ENROL], by_name=by.username)
    logger.info("enrolment %s started", enrolment.id)
    return enrolment


def end_or_resume(
    db: Session, enrolment: Enrolment, values: Mapping[str, Any]
) -> Enrolment:
    """End a treatment on a day, or take up a dropped-out or ended one again."""
    if values["status"] == EnrolmentStatus.ENDED.value:
        ended_on: date = values.get("ended_on") or local_today()
        not_after_today("ended_on", ended_on)
        if ended_on < enrolment.started_on:
            raise refuse(
                "ended_on", "Before the start.", "A treatment ends after it starts."
            )
        enrolment.status, enrolment.ended_on = EnrolmentStatus.ENDED, ended_on
    else:
        enrolment.status, enrolment.ended_on = EnrolmentStatus.ACTIVE, None
    db.flush()
    return enrolment


def doses_of(enrolment: Enrolment) -> Select[Any]:
    return (
        select(DoseChange)
        .where(DoseChange.enrolment_id == enrolment.id)
        .order_by(DoseChange.changed_on.desc(), DoseChange.recorded_at.desc())
    )


def change_dose(
    db: Session, enrolment: Enrolment, values: Mapping[str, Any], by: Actor
) -> DoseChange:
    """Record a new dose (and phase) from a day on. Back to induction clears
    a re-induction flag."""
    cleaned = tidy(values, ("reason",))
    changed_on: date = cleaned["changed_on"]
    not_after_today("changed_on", changed_on)
    if changed_on < enrolment.started_on:
        raise refuse(
            "changed_on", "Before the start.", "A dose changes after treatment starts."
        )
    change = DoseChange(
        enrolment_id=enrolment.id,
        changed_on=changed_on,
        phase=Phase(cleaned["phase"]),
        dose_mg=cleaned["dose_mg"],
        reason=cleaned.get("reason"),
        **stamp(by),
    )
    db.add(change)
    db.flush()
    latest = db.scalars(doses_of(enrolment)).first()
    if latest is change:
        enrolment.phase, enrolment.dose_mg = change.phase, change.dose_mg
        if change.phase is Phase.INDUCTION and enrolment.reinduction_due:
            enrolment.reinduction_due = False
            kinds = [item_kind(AlertKind.REINDUCTION)]
            resolve(db, subject_id=enrolment.id, kinds=kinds, by_name=by.username)
        db.flush()
    return change


def ask_to_enrol(db: Session, person_id: uuid.UUID, case_id: uuid.UUID) -> None:
    """A Methadone treatment case opened: the health desk enrols the person
    at a point, unless they are in treatment already."""
    active = db.scalars(
        enrolments_of(person_id).where(Enrolment.status == EnrolmentStatus.ACTIVE)
    ).first()
    if active is None:
        raise_item(
            db,
            key=f"{ENROL}:{case_id}",
            kind=ENROL,
            title_vi=ENROL_TITLES[0],
            title_en=ENROL_TITLES[1],
            due_on=local_today(),
            assignee=HEALTH_DESK,
            person_id=person_id,
            subject_id=case_id,
            origin=NAME,
        )


def end_for_move(db: Session, person_id: uuid.UUID) -> None:
    """The person moved away: their treatment here ends today."""
    for enrolment in db.scalars(
        enrolments_of(person_id).where(Enrolment.status == EnrolmentStatus.ACTIVE)
    ):
        end_or_resume(db, enrolment, {"status": EnrolmentStatus.ENDED.value})


# -- adherence ------------------------------------------------------------------


@dataclass(frozen=True)
class Adherence:
    """How treatment went over ``start <= day < end``."""

    start: date
    end: date
    people: int
    days: int
    taken: int
    take_home: int
    missed: int
    unrecorded: int

    @property
    def rate(self) -> float | None:
        if not self.days:
            return None
        return round((self.taken + self.take_home) / self.days, 3)


def period(start: date | None, end: date | None) -> tuple[date, date]:
    """The period asked for; the last 30 days when left out."""
    end = end or local_today() + timedelta(days=1)
    start = start or end - timedelta(days=30)
    if start >= end:
        raise refuse("end", "Not after start.", "The period ends after it starts.")
    if (end - start).days > 366:
        raise refuse("start", "Too long.", "Ask for a year at most.")
    return start, end


def overlapping(start: date, end: date) -> list[ColumnElement[bool]]:
    """Conditions on enrolments in treatment on some day of the period."""
    return [
        Enrolment.started_on < end,
        or_(Enrolment.ended_on.is_(None), Enrolment.ended_on >= start),
    ]


def treated_in(start: date, end: date) -> Select[Any]:
    """Enrolments in treatment on some day of ``start <= day < end``."""
    return select(Enrolment).where(*overlapping(start, end))


def attendance_of(enrolment: Enrolment) -> Select[Any]:
    return select(Attendance).where(Attendance.enrolment_id == enrolment.id)


def adherence(
    db: Session, enrolments: Iterable[Enrolment], start: date, end: date
) -> Adherence:
    """Days of treatment in the period (up to today) against what was
    recorded for them."""
    chosen = list(enrolments)
    last = min(end, local_today() + timedelta(days=1))
    days = 0
    for enrolment in chosen:
        first = max(start, enrolment.started_on)
        stop = last
        if enrolment.ended_on is not None:
            stop = min(last, enrolment.ended_on + timedelta(days=1))
        days += max((stop - first).days, 0)
    counts = dict(
        db.execute(
            select(Attendance.status, func.count())
            .where(
                Attendance.enrolment_id.in_([e.id for e in chosen]),
                Attendance.day >= start,
                Attendance.day < last,
            )
            .group_by(Attendance.status)
        ).all()
    )
    taken = counts.get(Attended.TAKEN, 0)
    home = counts.get(Attended.TAKE_HOME, 0)
    missed = counts.get(Attended.MISSED, 0)
    return Adherence(
        start=start,
        end=end,
        people=len({e.person_id for e in chosen}),
        days=days,
        taken=taken,
        take_home=home,
        missed=missed,
        unrecorded=max(days - taken - home - missed, 0),
    )


# -- the timeline and the dashboard --------------------------------------------

_PHASE_WORDS = {
    Phase.INDUCTION: "dò liều",
    Phase.DOSE_ADJUSTMENT: "điều chỉnh liều",
    Phase.MAINTENANCE: "duy trì",
    Phase.TAPER: "giảm liều",
}
_ALERT_WORDS = {
    AlertKind.MISSED_DOSES: "Bỏ uống thuốc {missed} ngày liên tiếp",
    AlertKind.REINDUCTION: "Bỏ {missed} liều liên tiếp: cần dò liều lại",
    AlertKind.DROPOUT: "Bỏ điều trị: quá lâu không uống thuốc",
}


def timeline_entries(
    db: Session, commune: Any, person_id: uuid.UUID
) -> list[TimelineEntry]:
    """Starts, phases, ends and alerts of the person's treatment; never a
    dose, which only the health team reads."""
    base = f"/api/v1/c/{commune.slug}/methadone/persons/{person_id}/enrolments/"
    entries = []

    def add(day: date, kind: str, summary: str, enrolment_id: uuid.UUID) -> None:
        link = f"{base}{enrolment_id}"
        entries.append(TimelineEntry(start_of(day), kind, summary, READ, NAME, link))

    for enrolment, point in db.execute(
        select(Enrolment, DispensingPoint.name)
        .join(DispensingPoint, DispensingPoint.id == Enrolment.point_id)
        .where(Enrolment.person_id == person_id)
    ):
        add(
            enrolment.started_on,
            "methadone.started",
            f"Bắt đầu điều trị Methadone tại {point}",
            enrolment.id,
        )
        if enrolment.status is EnrolmentStatus.ENDED and enrolment.ended_on:
            add(
                enrolment.ended_on,
                "methadone.ended",
                "Kết thúc điều trị Methadone",
                enrolment.id,
            )
    changes = db.execute(
        select(DoseChange.enrolment_id, DoseChange.changed_on, DoseChange.phase)
        .join(Enrolment, Enrolment.id == DoseChange.enrolment_id)
        .where(Enrolment.person_id == person_id)
        .order_by(DoseChange.changed_on)
    )
    for enrolment_id, day, phase in changes:
        add(
            day,
            "methadone.dose_changed",
            f"Điều chỉnh liều, giai đoạn {_PHASE_WORDS[phase]}",
            enrolment_id,
        )
    for alert in db.scalars(select(Alert).where(Alert.person_id == person_id)):
        add(
            alert.raised_on,
            f"methadone.{alert.kind.value}",
            _ALERT_WORDS[alert.kind].format(missed=alert.missed),
            alert.enrolment_id,
        )
    return entries


def metrics(db: Session, start: date, end: date) -> list[Metric]:
    treated = select(func.count(func.distinct(Enrolment.person_id))).where(
        *overlapping(start, end)
    )

    def attended(*statuses: Attended) -> int:
        return (
            db.scalar(
                select(func.count())
                .select_from(Attendance)
                .where(
                    Attendance.status.in_(statuses),
                    Attendance.day >= start,
                    Attendance.day < end,
                )
            )
            or 0
        )

    dropouts = select(func.count(Alert.id)).where(
        Alert.kind == AlertKind.DROPOUT, Alert.raised_on >= start, Alert.raised_on < end
    )
    return [
        Metric(
            "methadone.treated",
            "Người điều trị Methadone",
            "People on Methadone",
            db.scalar(treated) or 0,
            link="methadone_web.points",
        ),
        Metric("methadone.doses", "Liều đã uống", "Doses taken", attended(*DOSES)),
        Metric(
            "methadone.missed", "Liều bỏ", "Doses missed", attended(Attended.MISSED)
        ),
        Metric(
            "methadone.dropouts", "Bỏ điều trị", "Drop-outs", db.scalar(dropouts) or 0
        ),
    ]
