"""What the work-list API accepts and returns."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from core.errors import caller_prefers_english
from core.people.models import TIERS
from core.worklist.models import Desk, ItemStatus

_STATUSES = [s.value for s in ItemStatus]


class WorkQuerySchema(ma.Schema):
    scope = ma.fields.String(
        load_default="mine",
        validate=validate.OneOf(["mine", "commune"]),
        metadata={
            "description": "mine: your items and your desk's; commune: all "
            "(needs work:manage)"
        },
    )
    status = ma.fields.String(
        load_default="open", validate=validate.OneOf([*_STATUSES, "all"])
    )
    kind = ma.fields.String(validate=validate.Length(max=60))
    hamlet_id = ma.fields.UUID()
    tier = ma.fields.Integer(validate=validate.OneOf(list(TIERS)))
    overdue = ma.fields.Boolean()
    due_before = ma.fields.Date()
    assignee_id = ma.fields.UUID()
    desk = ma.fields.String(validate=validate.OneOf([d.value for d in Desk]))


class ItemPersonSchema(ma.Schema):
    """The person an item is about, cut to what the caller's role sees."""

    id = ma.fields.UUID()
    full_name = ma.fields.String()
    hamlet_id = ma.fields.UUID(allow_none=True)
    tier = ma.fields.Integer(allow_none=True)


class WorkItemSchema(ma.Schema):
    id = ma.fields.UUID()
    kind = ma.fields.String()
    origin = ma.fields.String()
    title = ma.fields.Method("_title")
    due_on = ma.fields.Date()
    overdue = ma.fields.Boolean()
    status = ma.fields.String()
    person = ma.fields.Nested(ItemPersonSchema, allow_none=True)
    subject_id = ma.fields.UUID(allow_none=True)
    assignee_id = ma.fields.UUID(allow_none=True)
    desk = ma.fields.String(allow_none=True)
    closed_at = ma.fields.DateTime(allow_none=True)
    closed_by_name = ma.fields.String(allow_none=True)
    version = ma.fields.Integer()

    def _title(self, item: Any) -> str:
        return str(item["title_en"] if caller_prefers_english() else item["title_vi"])


class CloseItemSchema(ma.Schema):
    status = ma.fields.String(
        required=True, validate=validate.OneOf(["done", "dismissed"])
    )

    class Meta:
        unknown = ma.RAISE


class RaisedSchema(ma.Schema):
    raised = ma.fields.Integer()
