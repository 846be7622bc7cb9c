"""What the people API accepts and returns. Responses are cut down to the
fields the caller's role may see (core.people.visibility)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import g
from marshmallow import validate

from core.people.models import Sex

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
    q = ma.fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "Part of a name, with or without diacritics"},
    )
    national_id = ma.fields.String(validate=validate.Length(max=20))
    hamlet_id = ma.fields.UUID()


class ReaderSchema(ma.Schema):
    actor_name = ma.fields.String()
    at = ma.fields.DateTime()
    field_names = ma.fields.List(
        ma.fields.String(), attribute="fields", data_key="fields"
    )
    action = ma.fields.String()
