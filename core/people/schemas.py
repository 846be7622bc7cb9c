"""What the people API accepts and returns. Responses are cut down to the
fields the caller's role may see (core.people.visibility)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import g
from marshmallow import validate

from core.cases.rules import CASE_KINDS
from core.people.models import TIERS, PersonStatus, Sex

_SEXES = [s.value for s in Sex]
VISIBLE_KEY = "person_fields"


class PersonSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    full_name = ma.fields.String(required=True, validate=validate.Length(1, 200))
    other_names = ma.fields.String(allow_none=True, validate=validate.Length(max=200))
    date_of_birth = ma.fields.Date(allow_none=True)
    sex = ma.fields.String(allow_none=True, validate=validate.OneOf(_SEXES))
    hamlet_id = ma.fields.UUID(allow_none=True)
    national_id = ma.fields.String(allow_none=True, validate=validate.Length(max=20))
    phone = ma.fields.String(allow_none=True, validate=validate.Length(max=30))
    address = ma.fields.String(allow_none=True, validate=validate.Length(max=500))
    family_contacts = ma.fields.String(
        allow_none=True, validate=validate.Length(max=2000)
    )
    tier = ma.fields.Integer(
        dump_only=True,
        metadata={"description": "Changed by a tier decision (POST .../tier)"},
    )
    status = ma.fields.String(dump_only=True)
    version = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)

    class Meta:
        unknown = ma.RAISE

    @ma.post_dump
    def _only_what_the_role_sees(self, data: dict[str, Any], **_: Any) -> Any:
        # The view puts the caller's visible fields on the request; with
        # none there, only the id is shown (fail closed).
        visible = g.get(VISIBLE_KEY) or frozenset({"id"})
        return {key: value for key, value in data.items() if key in visible}


class PersonPatchSchema(PersonSchema):
    full_name = ma.fields.String(validate=validate.Length(1, 200))


class PersonQuerySchema(ma.Schema):
    """Filters of the list, in the query string: none of them personal."""

    hamlet_id = ma.fields.UUID()
    tier = ma.fields.Integer(validate=validate.OneOf(list(TIERS)))
    status = ma.fields.String(validate=validate.OneOf([s.value for s in PersonStatus]))
    case_kind = ma.fields.String(
        validate=validate.OneOf(CASE_KINDS),
        metadata={"description": "People with an open case of this kind"},
    )


class PersonSearchSchema(PersonQuerySchema):
    """A search by name or number, sent in the body so that neither ends up
    in an address, a browser history or an access log."""

    q = ma.fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "Part of a name, with or without diacritics"},
    )
    national_id = ma.fields.String(validate=validate.Length(max=20))

    class Meta:
        unknown = ma.RAISE


class ReaderSchema(ma.Schema):
    actor_name = ma.fields.String()
    at = ma.fields.DateTime()
    field_names = ma.fields.List(
        ma.fields.String(), attribute="fields", data_key="fields"
    )
    action = ma.fields.String()
    part = ma.fields.Function(
        lambda event: (event.details or {}).get("part"),
        metadata={"description": "What was read: the file, its cases, ..."},
    )
    break_glass = ma.fields.Function(
        lambda event: (event.details or {}).get("break_glass"),
        metadata={"description": "The grant, for a read from outside the commune"},
    )


class TierDecisionSchema(ma.Schema):
    """A decision placing a person in a tier."""

    tier = ma.fields.Integer(required=True, validate=validate.OneOf(list(TIERS)))
    reason = ma.fields.String(required=True, validate=validate.Length(max=2000))
    decided_on = ma.fields.Date(metadata={"description": "Defaults to today"})
    officer_id = ma.fields.UUID(
        metadata={"description": "The officer responsible from now on (tier 2)"}
    )

    class Meta:
        unknown = ma.RAISE


class TierChangeSchema(ma.Schema):
    id = ma.fields.UUID()
    from_tier = ma.fields.Integer(allow_none=True)
    to_tier = ma.fields.Integer()
    decided_on = ma.fields.Date()
    decided_by_name = ma.fields.String()
    reason = ma.fields.String()
    recorded_at = ma.fields.DateTime()
