"""What the drug-testing API accepts and returns, and its per-commune
settings.

Officers without ``drug_testing:read_results`` see a summary of each test
and referral (``SUMMARY``); the other fields are absent from what they get,
not blanked. The view decides for each request (``show_everything``).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from core.toolkit import Restricted
from plugins.drug_testing.models import (
    SUBSTANCES,
    Basis,
    Determination,
    Method,
    Reading,
)

# What an officer sees of a test: that it was done, when, and how it came out.
TEST_SUMMARY = frozenset({"id", "person_id", "tested_on", "outcome"})
REFERRAL_SUMMARY = frozenset(
    {"id", "person_id", "referred_on", "status", "determination", "determined_on"}
)


def _values(members: Any) -> list[str]:
    return [member.value for member in members]


class DrugTestingSettings(ma.Schema):
    """A commune's settings for drug testing: the schedule of each case kind."""

    management_every_days = ma.fields.Integer(
        load_default=90,
        validate=validate.Range(min=0, max=366),
        metadata={
            "description": "Days between tests during management of illegal "
            "use (cases of kind illegal_use_management); 0 for none."
        },
    )
    voluntary_rehab_every_days = ma.fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=366),
        metadata={
            "description": "Days between tests during voluntary rehab at home "
            "or in the community; 0 for none."
        },
    )
    post_rehab_random_days = ma.fields.Integer(
        load_default=90,
        validate=validate.Range(min=0, max=366),
        metadata={
            "description": "During post-rehab management, one test on a "
            "random day in every period of this many days; 0 for none."
        },
    )
    notice_days = ma.fields.Integer(
        load_default=7,
        validate=validate.Range(min=0, max=30),
        metadata={
            "description": "A scheduled test reaches the health desk's work "
            "list this many days before it is due."
        },
    )

    class Meta:
        unknown = ma.RAISE


class DrugTestSchema(Restricted):
    SUMMARY = TEST_SUMMARY

    id = ma.fields.UUID(dump_only=True)
    person_id = ma.fields.UUID(dump_only=True)
    case_id = ma.fields.UUID(dump_only=True, allow_none=True)
    reason = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True)
    due_on = ma.fields.Date(required=True)
    tested_on = ma.fields.Date(dump_only=True)
    place = ma.fields.String(dump_only=True)
    sample_id = ma.fields.String(dump_only=True)
    method = ma.fields.String(dump_only=True)
    substances = ma.fields.Dict(dump_only=True)
    outcome = ma.fields.String(dump_only=True)
    sampled_by = ma.fields.String(dump_only=True)
    read_by = ma.fields.String(dump_only=True)
    basis = ma.fields.String(dump_only=True)
    summons_number = ma.fields.String(dump_only=True)
    note = ma.fields.String(allow_none=True, validate=validate.Length(max=5000))
    recorded_by = ma.fields.String(dump_only=True)
    recorded_at = ma.fields.DateTime(dump_only=True)
    version = ma.fields.Integer(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class DrugTestQuerySchema(ma.Schema):
    status = ma.fields.String(validate=validate.OneOf(["due", "done", "cancelled"]))


# The reading for each substance; a substance left out was not tested.
SubstancesSchema = ma.Schema.from_dict(
    {
        substance: ma.fields.String(
            load_default=Reading.NOT_TESTED.value,
            validate=validate.OneOf(_values(Reading)),
        )
        for substance in SUBSTANCES
    },
    name="DrugTestSubstances",
)


class DrugTestResultSchema(ma.Schema):
    """The result of a due test, as the health team records it."""

    tested_on = ma.fields.Date(required=True)
    place = ma.fields.String(required=True, validate=validate.Length(1, 200))
    sample_id = ma.fields.String(required=True, validate=validate.Length(1, 60))
    method = ma.fields.String(required=True, validate=validate.OneOf(_values(Method)))
    substances = ma.fields.Nested(SubstancesSchema, required=True)
    sampled_by = ma.fields.String(
        required=True,
        validate=validate.Length(1, 200),
        metadata={"description": "Who took the sample"},
    )
    read_by = ma.fields.String(
        required=True,
        validate=validate.Length(1, 200),
        metadata={"description": "Who read the result"},
    )
    basis = ma.fields.String(
        required=True,
        validate=validate.OneOf(_values(Basis)),
        metadata={"description": "consent, or summons (give summons_number)"},
    )
    summons_number = ma.fields.String(allow_none=True, validate=validate.Length(max=60))
    note = ma.fields.String(allow_none=True, validate=validate.Length(max=5000))

    class Meta:
        unknown = ma.RAISE


class AddictionReferralSchema(Restricted):
    SUMMARY = REFERRAL_SUMMARY

    id = ma.fields.UUID(dump_only=True)
    person_id = ma.fields.UUID(dump_only=True)
    test_id = ma.fields.UUID(allow_none=True)
    referred_on = ma.fields.Date(required=True)
    facility = ma.fields.String(
        required=True,
        validate=validate.Length(1, 200),
        metadata={"description": "The health facility asked to determine"},
    )
    status = ma.fields.String(dump_only=True)
    determination = ma.fields.String(dump_only=True)
    determined_on = ma.fields.Date(dump_only=True)
    conclusion_number = ma.fields.String(dump_only=True)
    note = ma.fields.String(allow_none=True, validate=validate.Length(max=5000))
    recorded_by = ma.fields.String(dump_only=True)
    recorded_at = ma.fields.DateTime(dump_only=True)
    version = ma.fields.Integer(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class DeterminationSchema(ma.Schema):
    """What the facility concluded."""

    determination = ma.fields.String(
        required=True, validate=validate.OneOf(_values(Determination))
    )
    determined_on = ma.fields.Date(required=True)
    conclusion_number = ma.fields.String(
        allow_none=True, validate=validate.Length(max=60)
    )
    note = ma.fields.String(allow_none=True, validate=validate.Length(max=5000))

    class Meta:
        unknown = ma.RAISE


class DisclosureSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    person_id = ma.fields.UUID(dump_only=True)
    officer_id = ma.fields.UUID(
        required=True,
        metadata={"description": "The officer who may read the full results"},
    )
    until = ma.fields.Date(
        required=True, metadata={"description": "The last day it holds"}
    )
    reason = ma.fields.String(required=True, validate=validate.Length(1, 2000))
    revoked_at = ma.fields.DateTime(dump_only=True)
    granted_by = ma.fields.String(dump_only=True, attribute="recorded_by")
    granted_at = ma.fields.DateTime(dump_only=True, attribute="recorded_at")

    class Meta:
        unknown = ma.RAISE
