"""What the outreach API accepts and returns."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from plugins.outreach.models import AGE_GROUPS, SEXES, SessionStatus, Setting


class OutreachSpeakerSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=120))
    role = ma.fields.String(load_default="", validate=validate.Length(max=120))
    respected_local = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "A respected local person (village elder, head of "
            "a clan, religious dignitary) rather than staff."
        },
    )

    class Meta:
        unknown = ma.RAISE


class OutreachAudienceSchema(ma.Schema):
    """How many of one sex and one age group came."""

    sex = ma.fields.String(required=True, validate=validate.OneOf(SEXES))
    age_group = ma.fields.String(required=True, validate=validate.OneOf(AGE_GROUPS))
    count = ma.fields.Integer(required=True, validate=validate.Range(min=0, max=10000))

    class Meta:
        unknown = ma.RAISE


class OutreachSessionSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    setting = ma.fields.Enum(Setting, by_value=True, required=True)
    school = ma.fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=200)
    )
    class_name = ma.fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=60)
    )
    hamlet_id = ma.fields.UUID(allow_none=True, load_default=None)
    place = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    topic = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    status = ma.fields.Enum(
        SessionStatus, by_value=True, load_default=SessionStatus.PLANNED
    )
    planned_on = ma.fields.Date(required=True)
    held_on = ma.fields.Date(allow_none=True, load_default=None)
    speakers = ma.fields.List(
        ma.fields.Nested(OutreachSpeakerSchema),
        load_default=list,
        validate=validate.Length(max=20),
    )
    materials = ma.fields.List(
        ma.fields.String(validate=validate.Length(min=1, max=200)),
        load_default=list,
        validate=validate.Length(max=30),
    )
    audience = ma.fields.List(
        ma.fields.Nested(OutreachAudienceSchema),
        load_default=list,
        validate=validate.Length(max=len(SEXES) * len(AGE_GROUPS)),
    )
    audience_total = ma.fields.Integer(dump_only=True)
    version = ma.fields.Integer(dump_only=True)
    recorded_by = ma.fields.String(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class OutreachSessionPatchSchema(OutreachSessionSchema):
    setting = ma.fields.Enum(Setting, by_value=True)
    school = ma.fields.String(allow_none=True, validate=validate.Length(max=200))
    class_name = ma.fields.String(allow_none=True, validate=validate.Length(max=60))
    hamlet_id = ma.fields.UUID(allow_none=True)
    place = ma.fields.String(validate=validate.Length(min=1, max=200))
    topic = ma.fields.String(validate=validate.Length(min=1, max=200))
    status = ma.fields.Enum(SessionStatus, by_value=True)
    planned_on = ma.fields.Date()
    held_on = ma.fields.Date(allow_none=True)
    speakers = ma.fields.List(
        ma.fields.Nested(OutreachSpeakerSchema), validate=validate.Length(max=20)
    )
    materials = ma.fields.List(
        ma.fields.String(validate=validate.Length(min=1, max=200)),
        validate=validate.Length(max=30),
    )
    audience = ma.fields.List(
        ma.fields.Nested(OutreachAudienceSchema),
        validate=validate.Length(max=len(SEXES) * len(AGE_GROUPS)),
    )


class OutreachQuerySchema(ma.Schema):
    status = ma.fields.Enum(SessionStatus, by_value=True)
    setting = ma.fields.Enum(Setting, by_value=True)
    start = ma.fields.Date(metadata={"description": "From this day (inclusive)"})
    end = ma.fields.Date(metadata={"description": "Before this day (exclusive)"})

    class Meta:
        unknown = ma.RAISE


class OutreachMonthQuerySchema(ma.Schema):
    month = ma.fields.String(
        validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"),
        metadata={"description": "YYYY-MM; this month in Vietnam by default"},
    )

    class Meta:
        unknown = ma.RAISE


class OutreachDaySchema(ma.Schema):
    day = ma.fields.Date()
    sessions = ma.fields.List(ma.fields.Nested(OutreachSessionSchema))


class OutreachCalendarSchema(ma.Schema):
    month = ma.fields.String()
    days = ma.fields.List(ma.fields.Nested(OutreachDaySchema))
