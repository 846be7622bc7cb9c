"""What the support API accepts and returns."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.support.models import SupportKind, SupportOutcome

_KINDS = [k.value for k in SupportKind]
_OUTCOMES = [o.value for o in SupportOutcome]


class SupportSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    person_id = ma.fields.UUID(dump_only=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(_KINDS))
    what = ma.fields.String(
        required=True,
        validate=validate.Length(1, 200),
        metadata={"description": "The help, in a few words"},
    )
    provider = ma.fields.String(
        allow_none=True,
        validate=validate.Length(max=200),
        metadata={"description": "The organisation or person giving it"},
    )
    start_on = ma.fields.Date(required=True)
    end_on = ma.fields.Date(allow_none=True)
    outcome = ma.fields.String(validate=validate.OneOf(_OUTCOMES))
    note = ma.fields.String(allow_none=True, validate=validate.Length(max=5000))
    version = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class SupportPatchSchema(SupportSchema):
    """The same fields, all optional: send only what changes."""

    kind = ma.fields.String(validate=validate.OneOf(_KINDS))
    what = ma.fields.String(validate=validate.Length(1, 200))
    start_on = ma.fields.Date()


class SupportQuerySchema(ma.Schema):
    kind = ma.fields.String(validate=validate.OneOf(_KINDS))
    outcome = ma.fields.String(validate=validate.OneOf(_OUTCOMES))
