"""What the commitments API accepts and returns."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.commitments.models import (
    CommitmentStatus,
    ReviewOutcome,
    SignerKind,
)

_SIGNERS = [k.value for k in SignerKind]
_OUTCOMES = [o.value for o in ReviewOutcome]
_STATUSES = [s.value for s in CommitmentStatus]


class CommitmentSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    person_id = ma.fields.UUID(dump_only=True)
    signer_kind = ma.fields.String(required=True, validate=validate.OneOf(_SIGNERS))
    signer_name = ma.fields.String(
        allow_none=True,
        validate=validate.Length(max=200),
        metadata={"description": "Who signed, for a family signer"},
    )
    signer_relation = ma.fields.String(
        allow_none=True,
        validate=validate.Length(max=100),
        metadata={"description": "How the family signer is related (mẹ, vợ...)"},
    )
    signed_on = ma.fields.Date(required=True)
    terms = ma.fields.String(required=True, validate=validate.Length(1, 5000))
    review_on = ma.fields.Date(required=True)
    status = ma.fields.String(
        dump_only=True,
        metadata={"description": "active, renewed or ended; set by reviews"},
    )
    version = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class CommitmentPatchSchema(CommitmentSchema):
    """The same fields, all optional: send only what changes."""

    signer_kind = ma.fields.String(validate=validate.OneOf(_SIGNERS))
    signed_on = ma.fields.Date()
    terms = ma.fields.String(validate=validate.Length(1, 5000))
    review_on = ma.fields.Date()


class CommitmentQuerySchema(ma.Schema):
    status = ma.fields.String(validate=validate.OneOf(_STATUSES))


class CommitmentReviewSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    commitment_id = ma.fields.UUID(dump_only=True)
    reviewed_on = ma.fields.Date(required=True)
    outcome = ma.fields.String(
        required=True,
        validate=validate.OneOf(_OUTCOMES),
        metadata={
            "description": "continued (give next_review_on), renewed (a new "
            "commitment replaces it) or ended"
        },
    )
    next_review_on = ma.fields.Date(allow_none=True)
    reviewed_by = ma.fields.String(dump_only=True, attribute="recorded_by")
    recorded_at = ma.fields.DateTime(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class CommitmentBreachSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    commitment_id = ma.fields.UUID(dump_only=True)
    occurred_on = ma.fields.Date(required=True)
    description = ma.fields.String(required=True, validate=validate.Length(1, 5000))
    recorded_by = ma.fields.String(dump_only=True)
    recorded_at = ma.fields.DateTime(dump_only=True)

    class Meta:
        unknown = ma.RAISE
