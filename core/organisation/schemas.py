"""What the organisation API accepts and returns."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.organisation.models import TeamKind

_KINDS = [k.value for k in TeamKind]


class TeamSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(_KINDS))
    name = ma.fields.String(required=True, validate=validate.Length(1, 160))
    hamlet_id = ma.fields.UUID(allow_none=True)
    version = ma.fields.Integer(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class TeamPatchSchema(TeamSchema):
    kind = ma.fields.String(validate=validate.OneOf(_KINDS))
    name = ma.fields.String(validate=validate.Length(1, 160))


class TeamQuerySchema(ma.Schema):
    kind = ma.fields.String(validate=validate.OneOf(_KINDS))


class TeamMemberSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    user_id = ma.fields.UUID(
        allow_none=True, metadata={"description": "A staff account, if any"}
    )
    full_name = ma.fields.String(validate=validate.Length(max=200))
    position = ma.fields.String(required=True, validate=validate.Length(1, 120))
    phone = ma.fields.String(allow_none=True, validate=validate.Length(max=30))
    started_on = ma.fields.Date(allow_none=True)
    ended_on = ma.fields.Date(allow_none=True)
    version = ma.fields.Integer(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class TeamMemberPatchSchema(TeamMemberSchema):
    position = ma.fields.String(validate=validate.Length(1, 120))


class StaffSchema(ma.Schema):
    user_id = ma.fields.UUID(attribute="id")
    username = ma.fields.String()
    full_name = ma.fields.String()
