"""REST endpoints for cases: /api/v1/c/<commune>/persons/<id>/cases/...,
the report of cases past their end, and the installed rulesets.

Reading a person's cases is a read of their file, audited like one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from core.access.policy import requires, requires_sign_in, signed_in
from core.api.conditional import IF_MATCH_PARAMETER, check_if_match, etag_headers
from core.api.pagination import PAGINATION, page_of
from core.cases import rules, service
from core.cases.models import Case
from core.cases.schemas import (
    CaseDetailSchema,
    CasePatchSchema,
    CaseSchema,
    CloseSchema,
    ExtensionSchema,
    PastEndSchema,
    RulesetSchema,
)
from core.db import local_today, request_session
from core.identity.service import display_name
from core.people.models import Person
from core.people.reach import note_read, page_read, people_in_reach, reachable

blp = Blueprint(
    "cases",
    __name__,
    url_prefix="/api/v1",
    description="Cases: periods of management, their legal basis and deadlines.",
)

LISTED = sorted(set(CaseSchema().fields) - {"closing_note"})


def _change(
    person_id: uuid.UUID, case_id: uuid.UUID, change: Callable[[Session, Case], Any]
) -> Case:
    """Apply ``change`` to one case of a reachable person, behind If-Match."""
    db = request_session()
    case = service.get(db, reachable(db, person_id).id, case_id)
    check_if_match(case)
    change(db, case)
    db.commit()
    return case


@blp.route("/c/<commune>/persons/<uuid:person_id>/cases/")
class Cases(MethodView):
    @requires("cases:read")
    @blp.response(200, CaseSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, person_id: uuid.UUID, pagination_parameters: Any) -> Any:
        """The person's cases, newest first."""
        db = request_session()
        person = reachable(db, person_id)
        query = service.cases_of(db, person.id)
        return page_read(db, person, query, pagination_parameters, "cases", LISTED)

    @requires("cases:write")
    @blp.arguments(CaseSchema)
    @blp.response(201, CaseDetailSchema)
    def post(self, values: dict[str, Any], person_id: uuid.UUID) -> Any:
        """Open a case on a decision; its dates come from the ruleset in force
        on its start date."""
        db = request_session()
        person = reachable(db, person_id)
        case = service.open_case(db, person, values)
        db.commit()
        return case, 201, etag_headers(case)


@blp.route("/c/<commune>/persons/<uuid:person_id>/cases/<uuid:case_id>")
class CaseById(MethodView):
    @requires("cases:read")
    @blp.response(200, CaseDetailSchema)
    def get(self, person_id: uuid.UUID, case_id: uuid.UUID) -> Any:
        """One case with its deadlines, each saying why it falls when it does."""
        db = request_session()
        person = reachable(db, person_id)
        case = service.get(db, person.id, case_id)
        note_read(
            db, person, "cases", CaseDetailSchema().fields, {"case": str(case.id)}
        )
        db.commit()
        return case, 200, etag_headers(case)

    @requires("cases:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(CasePatchSchema)
    @blp.response(200, CaseDetailSchema)
    def patch(
        self, values: dict[str, Any], person_id: uuid.UUID, case_id: uuid.UUID
    ) -> Any:
        """Correct the decision's number or the decider. Needs If-Match."""

        def correct(db: Session, case: Case) -> None:
            for key, value in values.items():
                setattr(case, key, value.strip())

        case = _change(person_id, case_id, correct)
        return case, 200, etag_headers(case)


@blp.route("/c/<commune>/persons/<uuid:person_id>/cases/<uuid:case_id>/extensions")
class Extensions(MethodView):
    @requires("cases:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(ExtensionSchema)
    @blp.response(201, CaseDetailSchema)
    def post(
        self, values: dict[str, Any], person_id: uuid.UUID, case_id: uuid.UUID
    ) -> Any:
        """Extend the case by a decision. Needs the case's If-Match."""
        case = _change(
            person_id, case_id, lambda db, case: service.extend(db, case, values)
        )
        return case, 201, etag_headers(case)


@blp.route("/c/<commune>/persons/<uuid:person_id>/cases/<uuid:case_id>/close")
class CloseCase(MethodView):
    @requires("cases:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(CloseSchema)
    @blp.response(200, CaseDetailSchema)
    def post(
        self, values: dict[str, Any], person_id: uuid.UUID, case_id: uuid.UUID
    ) -> Any:
        """Close the case with its outcome. Needs the case's If-Match."""

        def close(db: Session, case: Case) -> None:
            service.close(db, case, values, by_name=display_name(db, signed_in()))

        case = _change(person_id, case_id, close)
        return case, 200, etag_headers(case)


@blp.route("/c/<commune>/cases/past-end")
class PastEnd(MethodView):
    @requires("cases:read")
    @blp.response(200, PastEndSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, pagination_parameters: Any) -> Any:
        """Open cases whose end date has passed with no extension: close or
        extend each. Only people the caller reaches are listed."""
        db = request_session()
        today = local_today()
        query = service.past_end(db, today)
        within = people_in_reach(db)
        if within is not None:
            query = query.join(Person, Person.id == Case.person_id).where(within)
        return [
            {
                "case_id": case.id,
                "person_id": case.person_id,
                "kind": case.kind.value,
                "end_on": case.end_on,
                "days_past": (today - case.end_on).days,
            }
            for case in page_of(db, query, pagination_parameters)
        ]


@blp.route("/rulesets")
class Rulesets(MethodView):
    @requires_sign_in
    @blp.response(200, RulesetSchema(many=True))
    def get(self) -> Any:
        """The installed legal rulesets: each kind's periods and their sources."""
        return list(rules.rulesets())
