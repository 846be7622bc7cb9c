"""What the bulletin API accepts and returns, and its per-commune settings."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate


class Settings(ma.Schema):
    """A commune's settings for the bulletin."""

    keep_days = ma.fields.Integer(
        load_default=180,
        validate=validate.Range(min=1, max=3650),
        metadata={"description": "Unpinned notices older than this are removed."},
    )
    announce = ma.fields.Boolean(
        load_default=True,
        metadata={"description": "Deliver each new notice to every staff inbox."},
    )

    class Meta:
        unknown = ma.RAISE


class NoticeSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    title = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = ma.fields.String(load_default="", validate=validate.Length(max=5000))
    pinned = ma.fields.Boolean(load_default=False)
    subject_id = ma.fields.UUID(allow_none=True, load_default=None)
    announced_at = ma.fields.DateTime(dump_only=True)
    version = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class NoticePatchSchema(NoticeSchema):
    title = ma.fields.String(validate=validate.Length(min=1, max=200))
    body = ma.fields.String(validate=validate.Length(max=5000))
    pinned = ma.fields.Boolean()
    subject_id = ma.fields.UUID(allow_none=True)
