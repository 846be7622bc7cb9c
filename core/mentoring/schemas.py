"""What the mentoring API accepts and returns: assignments and contacts."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.mentoring.models import Channel

_CHANNELS = [c.value for c in Channel]


class AssignmentSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    officer_id = ma.fields.UUID(required=True)
    officer_name = ma.fields.String(dump_only=True)
    started_on = ma.fields.Date(metadata={"description": "Defaults to today"})
    ended_on = ma.fields.Date(dump_only=True)
    assigned_by_name = ma.fields.String(dump_only=True)
    reason = ma.fields.String(allow_none=True, validate=validate.Length(max=1000))

    class Meta:
        unknown = ma.RAISE


class ContactSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    person_id = ma.fields.UUID(dump_only=True)
    officer_id = ma.fields.UUID(dump_only=True)
    officer_name = ma.fields.String(dump_only=True)
    contacted_on = ma.fields.Date(required=True)
    channel = ma.fields.String(required=True, validate=validate.OneOf(_CHANNELS))
    residence_confirmed = ma.fields.Boolean(
        metadata={"description": "A visit that confirmed where the person lives"}
    )
    note = ma.fields.String(allow_none=True, validate=validate.Length(max=4000))
    next_due_on = ma.fields.Date(allow_none=True)
    version = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class ContactPatchSchema(ContactSchema):
    contacted_on = ma.fields.Date()
    channel = ma.fields.String(validate=validate.OneOf(_CHANNELS))
