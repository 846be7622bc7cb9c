"""What the Methadone API accepts and returns, and its per-commune settings
(the missed-dose rules).

Doses are clinical detail: callers without ``methadone:read_doses`` (the
officers) see enrolments and attendance without them (``SUMMARY``); the
dose fields are absent, not blanked.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import marshmallow as ma
from marshmallow import validate

from core.toolkit import N_, Restricted
from plugins.methadone.models import Attended, Phase

_PHASES = [phase.value for phase in Phase]
_ATTENDED = [status.value for status in Attended]
DOSE = validate.Range(min=1, max=1000)
# The largest batch one request may carry: a month of a large point.
MAX_ROWS = 10_000


class MethadoneSettings(ma.Schema):
    """A commune's missed-dose rules."""

    alert_after_missed = ma.fields.Integer(
        load_default=3,
        validate=validate.Range(min=1, max=60),
        metadata={
            "description": "Alert the person's officer after this many missed "
            "doses in a row."
        },
    )
    reinduction_after_missed = ma.fields.Integer(
        load_default=5,
        validate=validate.Range(min=1, max=60),
        metadata={
            "description": "Flag the person for re-induction after this many "
            "missed doses in a row."
        },
    )
    dropout_after_days = ma.fields.Integer(
        load_default=30,
        validate=validate.Range(min=2, max=365),
        metadata={
            "description": "Mark the person as dropped out after this many days "
            "without a dose."
        },
    )

    class Meta:
        unknown = ma.RAISE


class Day(ma.fields.Date):
    """A date written as the API writes it (2026-03-02) or as a Vietnamese
    spreadsheet does (02/03/2026)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> date:
        if isinstance(value, str) and "/" in value:
            try:
                return datetime.strptime(value.strip(), "%d/%m/%Y").date()
            except ValueError as exc:
                raise self.make_error("invalid") from exc
        parsed: date = super()._deserialize(value, attr, data, **kwargs)
        return parsed


class DispensingPointSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(required=True, validate=validate.Length(1, 200))
    address = ma.fields.String(allow_none=True, validate=validate.Length(max=300))
    active = ma.fields.Boolean(load_default=True)
    version = ma.fields.Integer(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class DispensingPointPatchSchema(DispensingPointSchema):
    name = ma.fields.String(validate=validate.Length(1, 200))
    active = ma.fields.Boolean()


class EnrolmentSchema(Restricted):
    SUMMARY = frozenset(
        {
            "id",
            "person_id",
            "point_id",
            "started_on",
            "phase",
            "status",
            "ended_on",
            "reinduction_due",
            "version",
        }
    )

    id = ma.fields.UUID(dump_only=True)
    person_id = ma.fields.UUID(dump_only=True)
    point_id = ma.fields.UUID(required=True)
    patient_code = ma.fields.String(
        required=True,
        validate=validate.Length(1, 40),
        metadata={"description": "The code the dispensing point gives the person"},
    )
    started_on = ma.fields.Date(required=True)
    phase = ma.fields.String(
        load_default=Phase.INDUCTION.value, validate=validate.OneOf(_PHASES)
    )
    dose_mg = ma.fields.Integer(required=True, validate=DOSE)
    status = ma.fields.String(dump_only=True)
    ended_on = ma.fields.Date(dump_only=True)
    reinduction_due = ma.fields.Boolean(dump_only=True)
    version = ma.fields.Integer(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class EnrolmentPatchSchema(ma.Schema):
    """End a treatment (give ``ended_on``), or take it up again (``active``)."""

    status = ma.fields.String(
        required=True, validate=validate.OneOf(["active", "ended"])
    )
    ended_on = ma.fields.Date()

    class Meta:
        unknown = ma.RAISE


class DoseChangeSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    changed_on = ma.fields.Date(required=True)
    phase = ma.fields.String(required=True, validate=validate.OneOf(_PHASES))
    dose_mg = ma.fields.Integer(required=True, validate=DOSE)
    reason = ma.fields.String(allow_none=True, validate=validate.Length(max=2000))
    recorded_by = ma.fields.String(dump_only=True)
    recorded_at = ma.fields.DateTime(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class AttendanceSchema(Restricted):
    SUMMARY = frozenset({"day", "status"})

    day = ma.fields.Date()
    status = ma.fields.String()
    dose_mg = ma.fields.Integer()
    recorded_by = ma.fields.String()


class AttendanceRowSchema(ma.Schema):
    """One line of attendance: who (their person id, or the point's code for
    them), which day, what happened, and the dose given if any."""

    person_id = ma.fields.UUID()
    patient_code = ma.fields.String(validate=validate.Length(1, 40))
    date = Day(
        required=True,
        error_messages={"invalid": N_("Not a date: write 2026-03-02 or 02/03/2026.")},
    )
    status = ma.fields.String(required=True, validate=validate.OneOf(_ATTENDED))
    dose_mg = ma.fields.Integer(allow_none=True, validate=DOSE)

    class Meta:
        unknown = ma.RAISE


class BulkAttendanceSchema(ma.Schema):
    """A day of attendance at one point, many people at once."""

    date = ma.fields.Date(required=True)
    rows = ma.fields.List(
        ma.fields.Dict(),
        required=True,
        validate=validate.Length(1, MAX_ROWS),
        metadata={
            "description": "Each {person_id or patient_code, status "
            "(taken, missed or take_home), dose_mg}"
        },
    )

    class Meta:
        unknown = ma.RAISE


class RecordedSchema(ma.Schema):
    """How many lines a batch wrote (new or corrected)."""

    recorded = ma.fields.Integer()


class PeriodSchema(ma.Schema):
    """A period, ``start <= day < end``; the last 30 days when left out."""

    start = ma.fields.Date()
    end = ma.fields.Date(metadata={"description": "The first day after it"})

    class Meta:
        unknown = ma.RAISE


class AdherenceSchema(ma.Schema):
    start = ma.fields.Date()
    end = ma.fields.Date()
    people = ma.fields.Integer()
    days = ma.fields.Integer(
        metadata={"description": "Days of treatment in the period"}
    )
    taken = ma.fields.Integer()
    take_home = ma.fields.Integer()
    missed = ma.fields.Integer()
    unrecorded = ma.fields.Integer()
    rate = ma.fields.Float(
        allow_none=True,
        metadata={"description": "Doses (taken or taken home) per day of treatment"},
    )
