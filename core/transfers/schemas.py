"""What the transfers API accepts and returns."""

from __future__ import annotations

import json
from typing import Any

import marshmallow as ma
from marshmallow import validate

from core.transfers.models import TransferStatus

_STATUSES = [s.value for s in TransferStatus]


class TransferRequestSchema(ma.Schema):
    to_commune = ma.fields.String(
        required=True,
        validate=validate.Length(1, 80),
        metadata={"description": "The receiving commune's address, e.g. thung-nai"},
    )
    reason = ma.fields.String(required=True, validate=validate.Length(max=2000))

    class Meta:
        unknown = ma.RAISE


class OutgoingSchema(ma.Schema):
    id = ma.fields.UUID()
    person_id = ma.fields.UUID()
    to_commune_id = ma.fields.UUID()
    to_commune_name = ma.fields.String()
    status = ma.fields.String()
    reason = ma.fields.String()
    requested_by_name = ma.fields.String()
    delivered_at = ma.fields.DateTime(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    decided_by_name = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    version = ma.fields.Integer()


class IncomingQuerySchema(ma.Schema):
    status = ma.fields.String(validate=validate.OneOf(_STATUSES))


class IncomingSchema(ma.Schema):
    id = ma.fields.UUID()
    from_commune_name = ma.fields.String()
    status = ma.fields.String()
    person_id = ma.fields.UUID(allow_none=True)
    full_name = ma.fields.Method("_name")
    decided_at = ma.fields.DateTime(allow_none=True)
    decided_by_name = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    version = ma.fields.Integer()

    def _name(self, offered: Any) -> str:
        return str(json.loads(offered.file)["person"]["full_name"])


class IncomingDetailSchema(IncomingSchema):
    """One incoming transfer with the file as it was sent."""

    reason = ma.fields.String()
    file = ma.fields.Method("_file")

    def _file(self, offered: Any) -> Any:
        return json.loads(offered.file)


class DecisionSchema(ma.Schema):
    accept = ma.fields.Boolean(required=True)
    hamlet_id = ma.fields.UUID(
        allow_none=True, metadata={"description": "Where the person lives here"}
    )

    class Meta:
        unknown = ma.RAISE


# What a list of a person's transfers shows, as its audit records it.
TRANSFER_FIELDS = sorted(OutgoingSchema().fields)
