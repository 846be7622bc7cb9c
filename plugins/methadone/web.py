"""The health team's Methadone pages: /c/<commune>/methadone/...

A dispensing point's day on one screen (each person enrolled there whom the
caller reaches, what they took), and the import of the point's CSV export.
Both go through the checks of the API's batches: one wrong line refuses the
whole batch, each wrong line named beside its row, and nothing is half
written. The day shows what the API would: the point's code for a person and
the doses only to holders of ``methadone:read_doses``, and each row shown is
audited with the fields it showed.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    Invalid,
    Person,
    Refusal,
    attempt,
    caller_holds,
    field_error,
    local_today,
    note_read,
    people_in_reach,
    request_session,
    requires,
    signed_in,
)
from plugins.methadone import attendance, service
from plugins.methadone.models import (
    Attendance,
    AttendanceImport,
    Attended,
    Enrolment,
    EnrolmentStatus,
)

logger = logging.getLogger(__name__)

WRITE = "methadone:write"
DOSES = "methadone:read_doses"
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
def points() -> Any:
    """The commune's dispensing points."""
    db = request_session()
    found = list(db.scalars(service.points_query()))
    db.commit()
    return render_template("methadone/points.html", points=found)


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
        statuses=[(a.value, _(a.value)) for a in Attended],
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
