"""REST endpoints for mentoring: a person's responsible officer and contacts,
under /api/v1/c/<commune>/persons/<id>/. Reads are audited as reads of the
person's file."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from core.access.policy import caller_holds, requires, signed_in
from core.api.conditional import IF_MATCH_PARAMETER, check_if_match, etag_headers
from core.api.pagination import PAGINATION
from core.db import request_session
from core.identity.service import display_name
from core.mentoring import service
from core.mentoring.schemas import AssignmentSchema, ContactPatchSchema, ContactSchema
from core.people.reach import note_read, page_read, reachable

blp = Blueprint(
    "mentoring",
    __name__,
    url_prefix="/api/v1/c/<commune>/persons/<uuid:person_id>",
    description="The officer responsible for a person, and their contacts.",
)


@blp.route("/assignments")
class Assignments(MethodView):
    @requires("assignments:read")
    @blp.response(200, AssignmentSchema(many=True))
    def get(self, person_id: uuid.UUID) -> Any:
        """Who has been responsible for this person, the current officer first."""
        db = request_session()
        person = reachable(db, person_id)
        found = service.assignments(db, person.id)
        note_read(db, person, "assignments", AssignmentSchema().fields)
        db.commit()
        return found

    @requires("assignments:write")
    @blp.arguments(AssignmentSchema)
    @blp.response(201, AssignmentSchema)
    def post(self, values: dict[str, Any], person_id: uuid.UUID) -> Any:
        """Make an officer responsible; the current assignment ends that day."""
        db = request_session()
        person = reachable(db, person_id)
        assignment = service.assign(
            db,
            person,
            values["officer_id"],
            started_on=values.get("started_on"),
            reason=values.get("reason"),
            by_name=display_name(db, signed_in()),
        )
        db.commit()
        return assignment


@blp.route("/contacts/")
class Contacts(MethodView):
    @requires("contacts:read")
    @blp.response(200, ContactSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, person_id: uuid.UUID, pagination_parameters: Any) -> Any:
        """The person's contacts, newest first."""
        db = request_session()
        person = reachable(db, person_id)
        return page_read(
            db,
            person,
            service.contacts(db, person.id),
            pagination_parameters,
            "contacts",
            ContactSchema().fields,
        )

    @requires("contacts:write")
    @blp.arguments(ContactSchema)
    @blp.response(201, ContactSchema)
    def post(self, values: dict[str, Any], person_id: uuid.UUID) -> Any:
        """Record a contact you made; it settles the due contact, and a due
        residence check when the visit confirmed residence."""
        db = request_session()
        person = reachable(db, person_id)
        principal = signed_in()
        contact = service.record_contact(
            db,
            person,
            values,
            officer_id=principal.user_id,
            officer_name=display_name(db, principal),
        )
        db.commit()
        return contact, 201, etag_headers(contact)


@blp.route("/contacts/<uuid:contact_id>")
class ContactById(MethodView):
    @requires("contacts:read")
    @blp.response(200, ContactSchema)
    def get(self, person_id: uuid.UUID, contact_id: uuid.UUID) -> Any:
        """One contact."""
        db = request_session()
        person = reachable(db, person_id)
        contact = service.get_contact(db, person.id, contact_id)
        note_read(
            db, person, "contacts", ContactSchema().fields, {"contact": str(contact_id)}
        )
        db.commit()
        return contact, 200, etag_headers(contact)

    @requires("contacts:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(ContactPatchSchema)
    @blp.response(200, ContactSchema)
    def patch(
        self, values: dict[str, Any], person_id: uuid.UUID, contact_id: uuid.UUID
    ) -> Any:
        """Correct a contact: its author, or the chief. Needs If-Match."""
        db = request_session()
        contact = service.get_contact(db, reachable(db, person_id).id, contact_id)
        service.check_may_correct(
            contact, signed_in().user_id, caller_holds("assignments:write")
        )
        check_if_match(contact)
        service.update_contact(db, contact, values)
        db.commit()
        return contact, 200, etag_headers(contact)
