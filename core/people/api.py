"""REST endpoints for people: /api/v1/c/<commune>/persons/...

Every read of a file is audited with the fields shown; a search is audited
without what was searched for. Someone from outside the commune reads one
file only through an approved break-glass grant, at
/api/v1/break-glass/<commune>/persons/<id>.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from core.access.policy import requires, signed_in
from core.api.conditional import IF_MATCH_PARAMETER, check_if_match, etag_headers
from core.api.pagination import PAGINATION, page_of
from core.audit import service as audit_service
from core.audit.trail import record
from core.breakglass.service import active_grant
from core.db import local_today, request_session
from core.errors import Forbidden, Invalid, field_error
from core.people import service, visibility
from core.people.models import Person
from core.people.reach import (
    note_read,
    people_in_reach,
    reachable,
    refuse_hidden_filters,
    visible_fields,
)
from core.people.schemas import (
    VISIBLE_KEY,
    PersonPatchSchema,
    PersonQuerySchema,
    PersonSchema,
    PersonSearchSchema,
    ReaderSchema,
    TierChangeSchema,
    TierDecisionSchema,
)
from tenants import resolution

# Search terms that are personal data, refused in the query string.
PERSONAL_TERMS = ("q", "national_id", "phone", "full_name")

blp = Blueprint(
    "people",
    __name__,
    url_prefix="/api/v1",
    description="People a commune manages or supports, and their files.",
)


def _visible_fields() -> frozenset[str]:
    """The fields the caller's roles here may see; the response schema shows
    only those (PersonSchema drops the rest)."""
    fields = visible_fields(request_session())
    setattr(g, VISIBLE_KEY, fields)
    return fields


@blp.route("/c/<commune>/persons/")
class People(MethodView):
    @requires("persons:read")
    @blp.arguments(PersonQuerySchema, location="query")
    @blp.response(200, PersonSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """List the people you reach, by hamlet, tier or status. To find
        someone by name or number, use POST .../persons/search."""
        in_address = [term for term in PERSONAL_TERMS if term in request.args]
        if in_address:
            raise Invalid(
                "Search by name or number with POST .../persons/search: terms "
                "in an address end up in logs and browser histories.",
                errors=[
                    field_error(term, "Send it in the search body.", "query")
                    for term in in_address
                ],
            )
        return _find(args, pagination_parameters, "persons.list")

    @requires("persons:write")
    @blp.arguments(PersonSchema)
    @blp.response(201, PersonSchema)
    def post(self, values: dict[str, Any]) -> Any:
        """Open a file for a person; one per identification number."""
        db = request_session()
        person = service.create(db, values)
        db.commit()
        _visible_fields()
        return person, 201, etag_headers(person)


@blp.route("/c/<commune>/persons/search")
class PeopleSearch(MethodView):
    @requires("persons:read")
    @blp.arguments(PersonSearchSchema)
    @blp.response(200, PersonSchema(many=True))
    @blp.paginate(**PAGINATION)
    def post(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Find people by name (diacritics optional) or exactly by number.
        Changes nothing; a POST only so the terms stay out of addresses."""
        return _find(args, pagination_parameters, "search")


def _find(args: dict[str, Any], pagination: Any, action: str) -> list[Person]:
    db = request_session()
    refuse_hidden_filters(args, _visible_fields())
    # Every listing is audited; what was searched for is not kept, only which
    # filters were used, since a term may be a name or a number.
    record(db, action, object_type="persons", fields=sorted(args))
    _visible_fields()
    people = page_of(
        db, service.search(db, within=people_in_reach(db), **args), pagination
    )
    db.commit()
    return people


@blp.route("/c/<commune>/persons/<uuid:person_id>")
class PersonById(MethodView):
    @requires("persons:read")
    @blp.response(200, PersonSchema)
    def get(self, person_id: uuid.UUID) -> Any:
        """Open a person's file. The read is audited with the fields shown."""
        db = request_session()
        person = reachable(db, person_id)
        note_read(db, person, "file", _visible_fields())
        db.commit()
        return person, 200, etag_headers(person)

    @requires("persons:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(PersonPatchSchema)
    @blp.response(200, PersonSchema)
    def patch(self, values: dict[str, Any], person_id: uuid.UUID) -> Any:
        """Change a person's file. Needs If-Match."""
        db = request_session()
        person = reachable(db, person_id)
        check_if_match(person)
        service.update(db, person, values)
        db.commit()
        _visible_fields()
        return person, 200, etag_headers(person)


@blp.route("/c/<commune>/persons/<uuid:person_id>/tier")
class Tier(MethodView):
    @requires("cases:read")
    @blp.response(200, TierChangeSchema(many=True))
    def get(self, person_id: uuid.UUID) -> Any:
        """Every tier decision about the person, newest first."""
        db = request_session()
        person = reachable(db, person_id)
        history = service.tier_history(db, person.id)
        note_read(db, person, "tiers", TierChangeSchema().fields)
        db.commit()
        return history

    @requires("tiers:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(TierDecisionSchema)
    @blp.response(201, TierChangeSchema)
    def post(self, values: dict[str, Any], person_id: uuid.UUID) -> Any:
        """Place the person in a tier, with the reason; tier 2 needs a
        responsible officer. Needs the person's If-Match."""
        db = request_session()
        person = reachable(db, person_id)
        check_if_match(person)
        change = service.change_tier(
            db,
            person,
            tier=values["tier"],
            reason=values["reason"],
            decided_on=values.get("decided_on") or local_today(),
            decided_by=signed_in(),
            officer_id=values.get("officer_id"),
        )
        db.commit()
        return change, 201, etag_headers(person)


@blp.route("/c/<commune>/persons/<uuid:person_id>/readers")
class Readers(MethodView):
    @requires("audit:read")
    @blp.response(200, ReaderSchema(many=True))
    def get(self, person_id: uuid.UUID) -> Any:
        """Who opened this file, newest first."""
        db = request_session()
        person = service.get(db, person_id)
        return db.scalars(
            audit_service.query(
                object_type="person", object_id=str(person.id), action="person.read"
            )
        ).all()


@blp.route("/break-glass/<target>/persons/<uuid:person_id>")
class BreakGlassRead(MethodView):
    @requires("access:request")
    @blp.response(200, PersonSchema)
    def get(self, target: str, person_id: uuid.UUID) -> Any:
        """Read one file of another commune under an approved, live grant."""
        db = request_session()
        principal = signed_in()
        resolution.resolve(db, target)
        grant = active_grant(db, principal, person_id)
        if grant is None:
            raise Forbidden(
                "You have no approved, unexpired access to this file. Ask for it "
                "with POST /api/v1/break-glass/<commune>."
            )
        person = service.get(db, person_id)
        fields = visibility.BREAK_GLASS
        setattr(g, VISIBLE_KEY, fields)
        note_read(db, person, "file", fields, {"break_glass": str(grant.id)})
        db.commit()
        return person
