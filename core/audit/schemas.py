"""What the audit API returns and filters by."""

from __future__ import annotations

from datetime import UTC

import marshmallow as ma


class AuditEventSchema(ma.Schema):
    seq = ma.fields.Integer()
    at = ma.fields.DateTime()
    actor_name = ma.fields.String()
    action = ma.fields.String()
    object_type = ma.fields.String(allow_none=True)
    object_id = ma.fields.String(allow_none=True)
    # Named apart: ``fields`` is taken by marshmallow's Schema itself.
    field_names = ma.fields.List(
        ma.fields.String(), attribute="fields", data_key="fields"
    )
    source = ma.fields.String(allow_none=True)
    request_id = ma.fields.String(allow_none=True)
    details = ma.fields.Dict()
    hash = ma.fields.String()


class AuditQuerySchema(ma.Schema):
    object_type = ma.fields.String()
    object_id = ma.fields.String()
    actor = ma.fields.String(metadata={"description": "Username of the actor"})
    action = ma.fields.String()
    # A time given without a zone is taken as UTC, the zone of ``at``.
    since = ma.fields.AwareDateTime(default_timezone=UTC)
    until = ma.fields.AwareDateTime(default_timezone=UTC)
