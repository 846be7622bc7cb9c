"""The health team's Methadone pages: /c/<commune>/methadone/...

The commune's dispensing points, with the form that adds one; the form that
enrols a person at a point, chosen among the people the caller reaches; a
point's day on one screen (each person enrolled there whom the caller
reaches, what they took), and the import of the point's CSV export.

The point and enrolment forms go through the API's schemas and services,
with the API's permissions, so a page refuses exactly what the API refuses.
The day and the import go through the checks of the API's batches: one
wrong line refuses the whole batch, each wrong line named beside its row,
and nothing is half written. The day shows what the API would: the point's
code for a person and the doses only to holders of ``methadone:read_doses``,
and each row shown is audited with the fields it showed; so is the list of
people the enrolment form offers.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date
from typing import Any

import marshmallow as ma
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    Invalid,
    Person,
    Refusal,
    attempt,
    caller_holds,
    choices,
    field_error,
    local_today,
    note_read,
    people_in_reach,
    people_to_choose,
    reachable,
    read_form,
    request_session,
    requires,
    signed_in,
)
from plugins.methadone import attendance, service
from plugins.methadone.models import (
    Attendance,
    AttendanceImport,
    Attended,
    DispensingPoint,
    Enrolment,
    EnrolmentStatus,
    Phase,
)
from plugins.methadone.schemas import DispensingPointSchema, EnrolmentSchema

logger = logging.getLogger(__name__)

WRITE = "methadone:write"
DOSES = "methadone:read_doses"
MANAGE = "methadone:manage"
# What a row of the day shows of each person: their name and what happened;
# with methadone:read_doses also the point's code for them and the dose.
SHOWN = ("full_name", "status")
SHOWN_WITH_DOSES = ("full_name", "patient_code", "status", "dose_mg")

bp = Blueprint(
    "methadone_web",
    __name__,
    url_prefix="/c/<commune>/methadone",
    template_folder="templates",
)


@bp.get("/")
@requires(service.READ)
def points(refusal: Refusal | None = None, status: int = 200) -> Any:
    """The commune's dispensing points, each leading to its day; for holders
    of ``methadone:manage``, the form that adds one."""
    db = request_session()
    found = list(db.scalars(service.points_query()))
    db.commit()
    return render_template(
        "methadone/points.html",
        points=found,
        manages=caller_holds(MANAGE),
        writes=caller_holds(WRITE),
        refusal=refusal,
        sent=request.form if refusal else {},
    ), status


@bp.post("/points")
@requires(MANAGE)
def add_point() -> Any:
    """Add a dispensing point, through the API's schema and service."""
    db = request_session()

    def add() -> DispensingPoint:
        point = service.save_point(db, read_form(DispensingPointSchema()))
        db.commit()
        return point

    point, refusal = attempt(add)
    if refusal is not None:
        return points(refusal=refusal, status=refusal.status)
    assert point is not None
    logger.info("dispensing point %s added from the page", point.id)
    flash(_("The dispensing point is added."))
    return redirect(url_for(".day_at_point", commune=g.commune.slug, point_id=point.id))


# -- enrolment ------------------------------------------------------------------


class EnrolmentFormSchema(EnrolmentSchema):
    """The API's enrolment, with the person it is for: the API takes them
    from its address, the form from its chooser. Every other rule is the
    API's schema's."""

    person_id = ma.fields.UUID(required=True)


@bp.get("/enrolments/new")
@requires(WRITE)
def enrol_form(refusal: Refusal | None = None, status: int = 200) -> Any:
    """The form that starts a person's treatment at a dispensing point;
    ``?point=<id>`` chooses the point beforehand."""
    db = request_session()
    open_points = [
        (str(p.id), p.name) for p in db.scalars(service.points_query()) if p.active
    ]
    people = people_to_choose(db)
    db.commit()
    sent: Any = (
        request.form
        if refusal is not None
        else {
            "point_id": request.args.get("point", ""),
            "started_on": local_today().isoformat(),
            "phase": Phase.INDUCTION.value,
        }
    )
    return render_template(
        "methadone/enrol.html",
        points=open_points,
        people=people,
        phases=choices(Phase),
        today=local_today(),
        refusal=refusal,
        sent=sent,
    ), status


@bp.post("/enrolments/new")
@requires(WRITE)
def enrol() -> Any:
    """Start the person's treatment, through the API's schema and service:
    refused, as by the API, for a person already in treatment, a patient
    code taken at the point, a closed point or a day to come."""
    db = request_session()

    def start() -> Enrolment:
        values = read_form(EnrolmentFormSchema())
        person = reachable(db, values.pop("person_id"))
        enrolment = service.enrol(db, person, values, signed_in())
        db.commit()
        return enrolment

    enrolment, refusal = attempt(start)
    if refusal is not None:
        return enrol_form(refusal=refusal, status=refusal.status)
    assert enrolment is not None
    logger.info("enrolment %s started from the page", enrolment.id)
    flash(_("The treatment is started at the point."))
    return redirect(
        url_for(".day_at_point", commune=g.commune.slug, point_id=enrolment.point_id)
    )


# -- a point's day ----------------------------------------------------------------


def _asked_day() -> date:
    """The day the page shows: ``?day=`` or today; never a day to come."""
    raw = request.values.get("day", "")
    try:
        day = date.fromisoformat(raw) if raw else local_today()
    except ValueError:
        raise Invalid(
            "Not a date: write it as 2026-03-02.",
            errors=[field_error("day", "Not a date.", "query")],
        ) from None
    if day > local_today():
        raise Invalid(
            "Attendance is recorded for today or an earlier day.",
            errors=[field_error("day", "A day to come.", "query")],
        )
    return day


def _roll(point_id: uuid.UUID, day: date) -> list[dict[str, Any]]:
    """Who is enrolled at the point and active, among the people the caller
    reaches, with what is recorded for the day: one row per person, by name."""
    db = request_session()
    query = (
        select(Enrolment, Person)
        .join(Person, Person.id == Enrolment.person_id)
        .where(
            Enrolment.point_id == point_id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
            Enrolment.started_on <= day,
        )
        .order_by(Person.full_name)
    )
    reach = people_in_reach(db)
    if reach is not None:
        query = query.where(reach)
    rows = db.execute(query).all()
    recorded = {
        a.enrolment_id: a
        for a in db.scalars(
            select(Attendance).where(
                Attendance.day == day,
                Attendance.enrolment_id.in_([e.id for e, _p in rows]),
            )
        )
    }
    return [
        {"enrolment": e, "person": p, "recorded": recorded.get(e.id)} for e, p in rows
    ]


@bp.get("/points/<uuid:point_id>")
@requires(service.READ)
def day_at_point(
    point_id: uuid.UUID, refusal: Refusal | None = None, status: int = 200
) -> Any:
    """A point's day on one screen."""
    db = request_session()
    point = service.get_point(db, point_id)
    day, asked = attempt(_asked_day)
    refusal = refusal or asked
    day = day or local_today()
    roll = _roll(point.id, day)
    doses = caller_holds(DOSES)
    shown = SHOWN_WITH_DOSES if doses else SHOWN
    for row in roll:
        note_read(
            db,
            row["person"],
            "methadone_attendance",
            shown,
            {"day": str(day), "enrolment": str(row["enrolment"].id)},
        )
    db.commit()
    return render_template(
        "methadone/day.html",
        point=point,
        day=day,
        roll=roll,
        doses=doses,
        writes=caller_holds(WRITE),
        statuses=choices(Attended),
        imports=_recent_imports(point.id) if caller_holds(WRITE) else [],
        refusal=refusal,
    ), status


def _recent_imports(point_id: uuid.UUID) -> list[AttendanceImport]:
    """The point's last imports, newest first, for the page to follow."""
    return list(
        request_session().scalars(
            select(AttendanceImport)
            .where(AttendanceImport.point_id == point_id)
            .order_by(AttendanceImport.recorded_at.desc())
            .limit(5)
        )
    )


@bp.post("/points/<uuid:point_id>")
@requires(WRITE)
def record_day(point_id: uuid.UUID) -> Any:
    """Record the day for everyone given a status; blank rows are left as
    they were."""
    db = request_session()

    def record() -> int:
        point = service.get_point(db, point_id)
        day = _asked_day()
        rows = []
        for index in range(int(request.form.get("count", "0") or 0)):
            chosen = request.form.get(f"rows[{index}].status", "")
            if not chosen:
                continue
            row: dict[str, Any] = {
                "person_id": request.form.get(f"rows[{index}].person_id", ""),
                "status": chosen,
            }
            dose = request.form.get(f"rows[{index}].dose_mg", "").strip()
            if dose:
                row["dose_mg"] = dose
            rows.append((index, row))
        if not rows:
            raise Invalid("Choose what happened for at least one person.")
        lines = attendance.check(
            db, point, attendance.from_day(day, [r for _i, r in rows]), "form"
        )
        written = attendance.record(db, lines, signed_in())
        db.commit()
        return written

    written, refusal = attempt(record)
    if refusal is not None:
        return day_at_point(point_id, refusal=_on_page_rows(refusal), status=422)
    flash(_("%(n)s lines recorded.", n=written))
    day = request.form.get("day", "")
    return redirect(
        url_for(".day_at_point", commune=g.commune.slug, point_id=point_id, day=day)
    )


def _on_page_rows(refusal: Refusal) -> Refusal:
    """The batch's errors name the rows sent (``rows[2].status``); the page
    numbers every row it shows, so the names are mapped back to its rows."""
    sent = [
        index
        for index in range(int(request.form.get("count", "0") or 0))
        if request.form.get(f"rows[{index}].status")
    ]
    fields = {}
    for name, message in refusal.fields.items():
        if name.startswith("rows[") and "]" in name:
            position, rest = name[5:].split("]", 1)
            if position.isdigit() and int(position) < len(sent):
                name = f"rows[{sent[int(position)]}]{rest}"
        fields[name] = message
    return Refusal(refusal.detail, fields, refusal.status)


@bp.post("/points/<uuid:point_id>/imports")
@requires(WRITE)
def import_csv(point_id: uuid.UUID) -> Any:
    """Check the point's CSV export now (refused whole, each wrong line
    named) and leave its recording to a job the day's page follows."""
    db = request_session()

    def load() -> AttendanceImport:
        point = service.get_point(db, point_id)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise Invalid(
                "Choose the CSV file to import.",
                errors=[field_error("file", "No file chosen.", "form")],
            )
        started = attendance.start_import(db, point, upload.read(), signed_in())
        db.commit()
        return started

    started, refusal = attempt(load)
    if started is None:
        assert refusal is not None
        return day_at_point(point_id, refusal=refusal, status=refusal.status)
    flash(_("The file is checked: %(n)s lines are being recorded.", n=started.lines))
    return redirect(
        url_for(
            ".day_at_point",
            commune=g.commune.slug,
            point_id=point_id,
            _anchor="import-h",
        )
    )
