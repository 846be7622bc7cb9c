"""What the API accepts and returns for hamlets."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.hamlets.models import HamletKind

_KINDS = [k.value for k in HamletKind]


class HamletSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=120))
    kind = ma.fields.String(required=True, validate=validate.OneOf(_KINDS))
    code = ma.fields.String(
        allow_none=True,
        validate=validate.Regexp(
            r"^[A-Za-z0-9_-]{1,20}$",
            error="Use 1 to 20 letters, digits, '_' or '-'.",
        ),
    )
    version = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class HamletPatchSchema(HamletSchema):
    """The same fields, all optional: send only what changes."""

    name = ma.fields.String(validate=validate.Length(min=1, max=120))
    kind = ma.fields.String(validate=validate.OneOf(_KINDS))


class HamletQuerySchema(ma.Schema):
    kind = ma.fields.String(validate=validate.OneOf(_KINDS))
    q = ma.fields.String(
        validate=validate.Length(max=120),
        metadata={"description": "Part of the name, with or without diacritics"},
    )
