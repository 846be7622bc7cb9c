"""Dispensing points, enrolments in Methadone treatment with their dose
history, daily attendance, and the alerts the missed-dose rules raised.

The patient code a dispensing point gives each person is encrypted, with a
keyed blind index so that a point's export can be matched to enrolments
without the code ever sitting in clear; the reason for a dose change is
free text, so encrypted too. Doses, phases and attendance stay in clear:
the rules, the adherence figures and the dashboard count them, and they
name no one.
"""

from __future__ import annotations

import enum
import unicodedata
import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import (
    Base,
    EncryptedBytes,
    EncryptedText,
    Recorded,
    TenantOwned,
    Timestamped,
    UtcDateTime,
    new_id,
    person_reference,
    text_enum,
)


class Phase(enum.StrEnum):
    INDUCTION = "induction"
    DOSE_ADJUSTMENT = "dose_adjustment"
    MAINTENANCE = "maintenance"
    TAPER = "taper"


class EnrolmentStatus(enum.StrEnum):
    ACTIVE = "active"
    # Marked by the rules after too many days without a dose.
    DROPPED_OUT = "dropped_out"
    ENDED = "ended"


class Attended(enum.StrEnum):
    TAKEN = "taken"
    MISSED = "missed"
    # Doses the point let the person take home for the day.
    TAKE_HOME = "take_home"


class AlertKind(enum.StrEnum):
    MISSED_DOSES = "missed_doses"
    REINDUCTION = "reinduction"
    DROPOUT = "dropout"


def patient_code_key(code: str) -> str:
    """A patient code as it is compared: NFC, trimmed, upper case."""
    return unicodedata.normalize("NFC", code).strip().upper()


def _enrolment_key() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", "enrolment_id"],
        ["methadone_enrolments.tenant_id", "methadone_enrolments.id"],
        ondelete="CASCADE",
    )


class DispensingPoint(TenantOwned, Timestamped, Base):
    """A place that dispenses Methadone to the commune's people."""

    __tablename__ = "methadone_points"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Enrolment(TenantOwned, Timestamped, Base):
    """One period of treatment of a person at a dispensing point. The phase
    and dose are the latest of its dose changes."""

    __tablename__ = "methadone_enrolments"
    __table_args__ = (
        person_reference(),
        ForeignKeyConstraint(
            ["tenant_id", "point_id"],
            ["methadone_points.tenant_id", "methadone_points.id"],
        ),
        Index(None, "tenant_id", "point_id", "patient_code_index"),
        Index(None, "tenant_id", "person_id"),
        Index(None, "tenant_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column()
    point_id: Mapped[uuid.UUID] = mapped_column()
    patient_code: Mapped[str] = mapped_column(
        EncryptedText(index="patient_code_index", normalize=patient_code_key)
    )
    patient_code_index: Mapped[str | None] = mapped_column(String(64))
    started_on: Mapped[date] = mapped_column(Date)
    phase: Mapped[Phase] = mapped_column(text_enum(Phase, 16))
    dose_mg: Mapped[int] = mapped_column(Integer)
    status: Mapped[EnrolmentStatus] = mapped_column(
        text_enum(EnrolmentStatus, 16), default=EnrolmentStatus.ACTIVE
    )
    ended_on: Mapped[date | None] = mapped_column(Date)
    # Set by the rules after many missed doses; cleared by a change of dose
    # back to the induction phase.
    reinduction_due: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class DoseChange(TenantOwned, Recorded, Base):
    """A prescribed dose from a day on, in a phase of treatment."""

    __tablename__ = "methadone_dose_changes"
    __table_args__ = (
        _enrolment_key(),
        Index(None, "tenant_id", "enrolment_id", "changed_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    enrolment_id: Mapped[uuid.UUID] = mapped_column()
    changed_on: Mapped[date] = mapped_column(Date)
    phase: Mapped[Phase] = mapped_column(text_enum(Phase, 16))
    dose_mg: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(EncryptedText())


class Attendance(TenantOwned, Recorded, Base):
    """What happened on one day of an enrolment: the dose taken at the
    point, taken home, or missed."""

    __tablename__ = "methadone_attendance"
    __table_args__ = (_enrolment_key(),)

    enrolment_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[Attended] = mapped_column(text_enum(Attended, 16))
    dose_mg: Mapped[int | None] = mapped_column(Integer)


class ImportStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class AttendanceImport(TenantOwned, Recorded, Base):
    """A point's CSV export sent from the page, checked when it was sent and
    recorded by a job, so that the page can show how far it has come. Only
    the checked lines are kept (enrolment, day, what happened; never the
    file, its codes or names), encrypted, and only until the job has
    recorded them."""

    __tablename__ = "methadone_imports"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "point_id"],
            ["methadone_points.tenant_id", "methadone_points.id"],
        ),
        Index(None, "tenant_id", "point_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    point_id: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[ImportStatus] = mapped_column(
        text_enum(ImportStatus, 16), default=ImportStatus.PENDING
    )
    progress: Mapped[int] = mapped_column(Integer, default=0)
    lines: Mapped[int] = mapped_column(Integer)
    recorded: Mapped[int | None] = mapped_column(Integer)
    content: Mapped[bytes | None] = mapped_column(EncryptedBytes(), deferred=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Alert(TenantOwned, Base):
    """A missed-dose rule that fired for an enrolment. ``since`` is the day
    of the last dose (or the start), so each run of missed doses alerts
    once, however often the rules are evaluated."""

    __tablename__ = "methadone_alerts"
    __table_args__ = (
        _enrolment_key(),
        person_reference(),
        UniqueConstraint("tenant_id", "enrolment_id", "kind", "since"),
        Index(None, "tenant_id", "person_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    enrolment_id: Mapped[uuid.UUID] = mapped_column()
    person_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[AlertKind] = mapped_column(text_enum(AlertKind, 16))
    since: Mapped[date] = mapped_column(Date)
    missed: Mapped[int] = mapped_column(Integer)
    raised_on: Mapped[date] = mapped_column(Date)
