"""What the compulsory-rehab API accepts and returns."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from plugins.compulsory_rehab import rules
from plugins.compulsory_rehab.models import PendingManager, Status

NAME = validate.Length(min=1, max=200)
NUMBER = validate.Length(min=1, max=64)


class _Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class RehabDueSchema(ma.Schema):
    step = ma.fields.String()
    due_on = ma.fields.Date()
    title_vi = ma.fields.String()
    title_en = ma.fields.String()
    source = ma.fields.String()
    confirmed = ma.fields.Boolean(
        metadata={"description": "False where the legal reading is unconfirmed."}
    )
    met = ma.fields.Boolean(allow_none=True)


class RehabDossierSchema(_Strict):
    """A dossier; created with only ``opened_on`` and ``note``, the rest
    is filled by its steps."""

    id = ma.fields.UUID(dump_only=True)
    person_id = ma.fields.UUID(dump_only=True)
    ruleset = ma.fields.String(dump_only=True)
    status = ma.fields.Enum(Status, by_value=True, dump_only=True)
    opened_on = ma.fields.Date(load_default=None)
    note = ma.fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=4000)
    )
    submitted_on = ma.fields.Date(dump_only=True)
    referral_number = ma.fields.String(dump_only=True)
    referred_by = ma.fields.String(dump_only=True)
    pending_manager = ma.fields.Enum(PendingManager, by_value=True, dump_only=True)
    age_group = ma.fields.String(dump_only=True)
    hearing_on = ma.fields.Date(dump_only=True)
    court = ma.fields.String(dump_only=True)
    decided_on = ma.fields.Date(dump_only=True)
    decision_number = ma.fields.String(dump_only=True)
    term_months = ma.fields.Integer(dump_only=True)
    facility = ma.fields.String(dump_only=True)
    refusal_reason = ma.fields.String(dump_only=True)
    admitted_on = ma.fields.Date(dump_only=True)
    release_due_on = ma.fields.Date(dump_only=True)
    released_on = ma.fields.Date(dump_only=True)
    certificate_number = ma.fields.String(dump_only=True)
    case_id = ma.fields.UUID(dump_only=True)
    post_case_id = ma.fields.UUID(dump_only=True)
    missing = ma.fields.List(
        ma.fields.String(),
        dump_only=True,
        metadata={"description": "Required documents without a scan yet."},
    )
    deadlines = ma.fields.List(ma.fields.Nested(RehabDueSchema), dump_only=True)
    recorded_by = ma.fields.String(dump_only=True)
    version = ma.fields.Integer(dump_only=True)


class RehabDocumentSchema(_Strict):
    id = ma.fields.UUID(dump_only=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(rules.kinds()))
    prepared_by = ma.fields.String(required=True, validate=NAME)
    prepared_on = ma.fields.Date(required=True)
    confirmed_by = ma.fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )
    note = ma.fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=4000)
    )
    file_id = ma.fields.UUID(dump_only=True)
    recorded_by = ma.fields.String(dump_only=True)


class RehabSubmitSchema(_Strict):
    submitted_on = ma.fields.Date(required=True)
    referral_number = ma.fields.String(required=True, validate=NUMBER)
    referred_by = ma.fields.String(required=True, validate=NAME)
    pending_manager = ma.fields.String(
        required=True,
        validate=validate.OneOf([m.value for m in PendingManager]),
        metadata={
            "description": "Who manages the person until the decision: the "
            "commune where they live, or a facility (no stable residence)."
        },
    )


class RehabHearingSchema(_Strict):
    hearing_on = ma.fields.Date(required=True)
    court = ma.fields.String(required=True, validate=NAME)


class _DecisionBase(_Strict):
    decided_on = ma.fields.Date(required=True)
    decision_number = ma.fields.String(required=True, validate=NUMBER)
    court = ma.fields.String(required=True, validate=NAME)


class RehabDecisionSchema(_DecisionBase):
    term_months = ma.fields.Integer(required=True, validate=validate.Range(min=1))
    facility = ma.fields.String(required=True, validate=NAME)


class RehabRefusalSchema(_DecisionBase):
    reason = ma.fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=4000)
    )


class RehabAdmissionSchema(_Strict):
    admitted_on = ma.fields.Date(required=True)


class RehabReleaseSchema(_Strict):
    released_on = ma.fields.Date(required=True)
    certificate_number = ma.fields.String(required=True, validate=NUMBER)
