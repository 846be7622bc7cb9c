"""What the identity API accepts and returns. Password fields are load-only."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate


class UserSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    username = ma.fields.String(required=True, validate=validate.Length(min=3, max=64))
    full_name = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=200)
    )
    password = ma.fields.String(load_only=True, validate=validate.Length(max=256))
    is_active = ma.fields.Boolean(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class MembershipOutSchema(ma.Schema):
    id = ma.fields.UUID()
    role = ma.fields.String()
    commune = ma.fields.String(allow_none=True)
    region = ma.fields.String(allow_none=True)


class MeSchema(UserSchema):
    memberships = ma.fields.List(ma.fields.Nested(MembershipOutSchema))


class TokenRequestSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    permissions = ma.fields.List(
        ma.fields.String(), required=True, validate=validate.Length(min=1)
    )
    days = ma.fields.Integer(load_default=30)

    class Meta:
        unknown = ma.RAISE


class TokenSchema(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    prefix = ma.fields.String()
    permissions = ma.fields.List(ma.fields.String())
    expires_at = ma.fields.DateTime()
    token = ma.fields.String(
        metadata={"description": "The secret. Shown this once; store it safely."}
    )
