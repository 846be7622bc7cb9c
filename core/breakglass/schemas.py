"""What the break-glass API accepts and returns. The reason is shown to the
deciding chief only."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate


class AccessRequestSchema(ma.Schema):
    subject_id = ma.fields.UUID(required=True, metadata={"description": "Person file"})
    reason = ma.fields.String(required=True, validate=validate.Length(max=2000))
    hours = ma.fields.Integer(load_default=24)

    class Meta:
        unknown = ma.RAISE


class AccessGrantSchema(ma.Schema):
    id = ma.fields.UUID()
    requester_name = ma.fields.String()
    subject_type = ma.fields.String()
    subject_id = ma.fields.UUID()
    hours = ma.fields.Integer()
    status = ma.fields.Function(lambda grant: grant.status.value)
    decided_at = ma.fields.DateTime(allow_none=True)
    expires_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()


class AccessGrantForChiefSchema(AccessGrantSchema):
    reason = ma.fields.String()


class AccessDecisionSchema(ma.Schema):
    approve = ma.fields.Boolean(required=True)

    class Meta:
        unknown = ma.RAISE
