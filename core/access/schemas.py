"""What the members API accepts and returns."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate


class GrantSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=validate.Length(min=3, max=64))
    role = ma.fields.String(required=True)
    hamlets = ma.fields.List(ma.fields.UUID(), load_default=list)

    class Meta:
        unknown = ma.RAISE


class MemberSchema(ma.Schema):
    id = ma.fields.UUID()
    username = ma.fields.String()
    full_name = ma.fields.String()
    role = ma.fields.String()
    hamlets = ma.fields.List(ma.fields.UUID())
