"""Attendance in batches: one day at a point entered for many people at
once, or a month of a point's CSV export.

Every line is checked before anything is written. One wrong line refuses the
whole batch, with an error for each wrong line naming it (``rows[12].date``,
and for a file its line number), and nothing is written: a batch is recorded
whole or not at all. A line for a day already recorded corrects it, so a
file sent twice records nothing twice.

The CSV file: UTF-8, comma-separated, a first line naming the columns
``patient_code`` (the point's code for the person), ``date`` (2026-03-02 or
02/03/2026), ``status`` (taken, missed or take_home) and, optionally,
``dose_mg``. Other columns (a point's export may carry names) are ignored,
never stored.

The page sends its file to :func:`start_import`: checked at once (a wrong
file is refused there, line by line, in the caller's language), then
recorded by the job :func:`import_job`, which reports its progress on the
import's row for the page to show.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    N_,
    Actor,
    Invalid,
    enqueue_job,
    field_error,
    in_callers_language,
    local_today,
    stamp,
    utcnow,
)
from plugins.methadone.models import (
    Attendance,
    AttendanceImport,
    Attended,
    DispensingPoint,
    Enrolment,
    ImportStatus,
    patient_code_key,
)
from plugins.methadone.rules import EVALUATE_JOB
from plugins.methadone.schemas import MAX_ROWS, AttendanceRowSchema
from plugins.methadone.service import with_code

logger = logging.getLogger(__name__)

COLUMNS = ("patient_code", "date", "status", "dose_mg")
REQUIRED = COLUMNS[:3]
# Errors listed in one answer; a file wrong throughout needs no more to fix.
MAX_ERRORS = 100


@dataclass(frozen=True)
class RawRow:
    """A line as sent, before any check: its values, the line of the file it
    came from (None for JSON), and what is wrong with its shape, if anything."""

    values: Mapping[str, Any]
    line: int | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Line:
    """A checked line: whose treatment, which day, what happened."""

    enrolment: Enrolment
    day: date
    status: Attended
    dose_mg: int | None


@dataclass
class _Errors:
    """The wrong lines of a batch, as problem+json field errors."""

    location: str
    found: list[dict[str, str]] = field(default_factory=list)

    def add(self, index: int, row: RawRow, name: str | None, message: str) -> None:
        where = f"rows[{index}]" + (f".{name}" if name else "")
        said = in_callers_language(message)
        if row.line:
            said = in_callers_language(
                "Line %(line)s: %(message)s", line=row.line, message=said
            )
        self.found.append(field_error(where, said, self.location))

    def refuse_if_any(self) -> None:
        if not self.found:
            return
        count = len(self.found)
        detail = in_callers_language(
            "%(count)s errors in the batch, so nothing was recorded. Correct the "
            "lines named and send the whole batch again.",
            count=count,
        )
        if count > MAX_ERRORS:
            more = in_callers_language("The first %(n)s are listed.", n=MAX_ERRORS)
            detail = f"{detail} {more}"
        raise Invalid(detail, errors=self.found[:MAX_ERRORS])


def from_day(day: date, rows: list[dict[str, Any]]) -> list[RawRow]:
    """The lines of a day entered at once: each names the person and what
    happened; the day is the batch's."""
    twice = N_("Give the day once, as date at the top.")
    return [
        RawRow(
            {**row, "date": day.isoformat()}, problem=twice if "date" in row else None
        )
        for row in rows
    ]


def from_csv(data: bytes) -> list[RawRow]:
    """The lines of a point's CSV export. A file that cannot be read at all
    is refused here, naming the file rather than a line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(
            "The file is not UTF-8 text. Export it from the point's software as "
            "CSV in UTF-8 and send it again.",
            errors=[field_error("file", "Not UTF-8 text.", "files")],
        ) from exc
    reader = csv.reader(io.StringIO(text))
    header = [name.strip().lower() for name in next(reader, [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise Invalid(
            "The first line of the file names its columns: patient_code, date, "
            "status and, if given, dose_mg.",
            errors=[field_error("file", f"No column {n}.", "files") for n in missing],
        )
    rows: list[RawRow] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines end many exports
        if len(rows) == MAX_ROWS:
            raise Invalid(
                f"The file has more than {MAX_ROWS} lines; send it in parts.",
                errors=[field_error("file", "Too many lines.", "files")],
            )
        problem = None
        if len(cells) != len(header):
            problem = f"{len(cells)} columns where the first line names {len(header)}."
        values = {
            name: cell.strip()
            for name, cell in zip(header, cells, strict=False)
            if name in COLUMNS and cell.strip()
        }
        if "status" in values:
            values["status"] = values["status"].lower()
        rows.append(RawRow(values, line=reader.line_num, problem=problem))
    return rows


def check(
    db: Session, point: DispensingPoint, rows: list[RawRow], location: str
) -> list[Line]:
    """Every line checked against the point's enrolments; refuses the whole
    batch, listing each wrong line, if any is wrong."""
    errors = _Errors(location)
    schema = AttendanceRowSchema()
    today = local_today()
    loaded: list[tuple[int, RawRow, dict[str, Any]]] = []
    for index, row in enumerate(rows):
        if row.problem:
            errors.add(index, row, None, row.problem)
            continue
        try:
            values = schema.load(row.values)
        except ma.ValidationError as exc:
            for name, messages in exc.normalized_messages().items():
                said = messages[0] if isinstance(messages, list) else str(messages)
                errors.add(index, row, str(name), said)
            continue
        if ("person_id" in values) == ("patient_code" in values):
            errors.add(index, row, "person_id", N_("Give person_id or patient_code."))
        elif values["date"] > today:
            errors.add(index, row, "date", N_("In the future."))
        elif values["status"] == Attended.MISSED.value and values.get("dose_mg"):
            errors.add(index, row, "dose_mg", N_("A missed dose has no amount."))
        else:
            loaded.append((index, row, values))

    found = _enrolments(db, point, [values for _i, _r, values in loaded])
    lines: list[Line] = []
    seen: dict[tuple[uuid.UUID, date], int] = {}
    for index, row, values in loaded:
        who = "person_id" if "person_id" in values else "patient_code"
        candidates = found.get(_whose(values), [])
        if not candidates:
            errors.add(index, row, who, N_("Nobody in treatment at this point has it."))
            continue
        day = values["date"]
        enrolment = next(
            (
                e
                for e in candidates
                if e.started_on <= day and (e.ended_on is None or day <= e.ended_on)
            ),
            None,
        )
        if enrolment is None:
            errors.add(index, row, "date", N_("Outside the person's treatment here."))
            continue
        if (enrolment.id, day) in seen:
            first = seen[(enrolment.id, day)]
            said = in_callers_language("Same person and day as rows[%(n)s].", n=first)
            errors.add(index, row, "date", said)
            continue
        seen[(enrolment.id, day)] = index
        status = Attended(values["status"])
        lines.append(Line(enrolment, day, status, values.get("dose_mg")))
    errors.refuse_if_any()
    return lines


def _whose(values: Mapping[str, Any]) -> Any:
    if "person_id" in values:
        return values["person_id"]
    return patient_code_key(values["patient_code"])


def _enrolments(
    db: Session, point: DispensingPoint, rows: list[dict[str, Any]]
) -> dict[Any, list[Enrolment]]:
    """The point's enrolments of the people the lines name, by person id and
    by (normalised) patient code."""
    people = {row["person_id"] for row in rows if "person_id" in row}
    codes = {patient_code_key(r["patient_code"]) for r in rows if "patient_code" in r}
    found: dict[Any, list[Enrolment]] = {}
    if people:
        for enrolment in db.scalars(
            select(Enrolment).where(
                Enrolment.point_id == point.id, Enrolment.person_id.in_(people)
            )
        ):
            found.setdefault(enrolment.person_id, []).append(enrolment)
    if codes:
        for enrolment in db.scalars(with_code(db, point.id, codes)):
            found.setdefault(enrolment.patient_code, []).append(enrolment)
    return found


def record(db: Session, lines: list[Line], by: Actor, *, evaluate: bool = True) -> int:
    """Write checked lines (a day already recorded is corrected) and, unless
    ``evaluate`` is false (the caller queues them itself), queue the
    missed-dose rules for the people concerned; returns how many."""
    if not lines:
        return 0
    ids = {line.enrolment.id for line in lines}
    days = [line.day for line in lines]
    existing = {
        (row.enrolment_id, row.day): row
        for row in db.scalars(
            select(Attendance).where(
                Attendance.enrolment_id.in_(ids),
                Attendance.day >= min(days),
                Attendance.day <= max(days),
            )
        )
    }
    for line in lines:
        row = existing.get((line.enrolment.id, line.day))
        if row is None:
            row = Attendance(enrolment_id=line.enrolment.id, day=line.day)
            db.add(row)
        row.status, row.dose_mg = line.status, line.dose_mg
        for column, value in stamp(by).items():
            setattr(row, column, value)
    db.flush()
    if evaluate:
        _evaluate(db, ids)
    logger.info("%d lines of attendance recorded", len(lines))
    return len(lines)


def _evaluate(db: Session, enrolment_ids: set[uuid.UUID]) -> None:
    """Queue the missed-dose rules for these enrolments, in the transaction."""
    enqueue_job(db, EVALUATE_JOB, enrolment_ids=sorted(str(i) for i in enrolment_ids))


IMPORT_JOB = "methadone.import_attendance"
# Lines recorded between two reports of progress.
CHUNK = 500


@dataclass
class _Uploader:
    """Whoever sent the file, as the job stamps the lines they recorded."""

    user_id: uuid.UUID | None
    username: str


def start_import(
    db: Session, point: DispensingPoint, data: bytes, by: Actor
) -> AttendanceImport:
    """Check a point's CSV export now, refusing it whole if a line is wrong,
    and queue the job that records it. The caller commits."""
    lines = check(db, point, from_csv(data), "form")
    kept = [
        [str(line.enrolment.id), line.day.isoformat(), line.status.value, line.dose_mg]
        for line in lines
    ]
    started = AttendanceImport(
        point_id=point.id,
        lines=len(lines),
        content=json.dumps(kept).encode(),
        **stamp(by),
    )
    db.add(started)
    db.flush()
    enqueue_job(db, IMPORT_JOB, import_id=str(started.id))
    logger.info("import %s of %d lines queued", started.id, len(lines))
    return started


def import_job(db: Session, commune: Any, import_id: str) -> None:
    """Job handler: record an import's checked lines, a chunk at a time.

    Each chunk is committed with the progress it brings, so the page waiting
    for the import sees it advance. The missed-dose rules are queued once,
    with the import's end, so that no rule judges a person on half their
    month. A run cut short and retried records the same lines again, which
    corrects rather than doubles them; a finished import is left alone."""
    started = db.scalars(
        select(AttendanceImport).where(AttendanceImport.id == uuid.UUID(import_id))
    ).first()
    if started is None or started.status is ImportStatus.DONE:
        return
    started.status = ImportStatus.RUNNING
    db.commit()
    try:
        lines = _kept_lines(db, started)
        by = _Uploader(started.recorded_by_id, started.recorded_by)
        written = 0
        for first in range(0, len(lines), CHUNK):
            written += record(db, lines[first : first + CHUNK], by, evaluate=False)
            started.progress = min(99, 100 * written // len(lines))
            db.commit()
    except Exception as exc:
        db.rollback()
        logger.warning("import %s failed with %s", started.id, type(exc).__name__)
        started.status = ImportStatus.FAILED
        db.commit()
        raise
    if lines:
        _evaluate(db, {line.enrolment.id for line in lines})
    started.recorded, started.content = written, None
    started.status, started.progress = ImportStatus.DONE, 100
    started.finished_at = utcnow()
    logger.info("import %s done: %d lines recorded", started.id, written)


def _kept_lines(db: Session, started: AttendanceImport) -> list[Line]:
    """The lines kept when the file was checked, with their enrolments (a line
    whose enrolment was deleted since is dropped)."""
    kept = json.loads(started.content or b"[]")
    ids = {uuid.UUID(row[0]) for row in kept}
    enrolments = {
        e.id: e for e in db.scalars(select(Enrolment).where(Enrolment.id.in_(ids)))
    }
    return [
        Line(enrolments[uuid.UUID(e)], date.fromisoformat(d), Attended(s), dose)
        for e, d, s, dose in kept
        if uuid.UUID(e) in enrolments
    ]
