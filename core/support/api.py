"""REST endpoints for reintegration support:
/api/v1/c/<commune>/persons/<person_id>/support/...

Hamlet teams give community support too, so they hold these permissions;
core.people.reach keeps them to the people of their own hamlets.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from core.access.policy import requires
from core.api.conditional import IF_MATCH_PARAMETER, check_if_match, etag_headers
from core.api.pagination import PAGINATION
from core.db import request_session
from core.people.reach import note_read, page_read, reachable
from core.support import service
from core.support.models import Support
from core.support.schemas import SupportPatchSchema, SupportQuerySchema, SupportSchema

blp = Blueprint(
    "support",
    __name__,
    url_prefix="/api/v1/c/<commune>/persons/<uuid:person_id>/support",
    description="Reintegration support (hỗ trợ tái hòa nhập) for a person.",
)

SUPPORT_FIELDS = frozenset(SupportSchema().fields)


def _support(person_id: uuid.UUID, support_id: uuid.UUID) -> Support:
    db = request_session()
    return service.get(db, reachable(db, person_id), support_id)


@blp.route("/")
class SupportList(MethodView):
    @requires("support:read")
    @blp.arguments(SupportQuerySchema, location="query")
    @blp.response(200, SupportSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(
        self, args: dict[str, Any], person_id: uuid.UUID, pagination_parameters: Any
    ) -> Any:
        """The person's support, the latest started first."""
        db = request_session()
        person = reachable(db, person_id)
        return page_read(
            db,
            person,
            service.list_query(person, **args),
            pagination_parameters,
            "support",
            SUPPORT_FIELDS,
        )

    @requires("support:write")
    @blp.arguments(SupportSchema)
    @blp.response(201, SupportSchema)
    def post(self, values: dict[str, Any], person_id: uuid.UUID) -> Any:
        """Record support given or planned."""
        db = request_session()
        support = service.create(db, reachable(db, person_id), values)
        db.commit()
        return support, 201, etag_headers(support)


@blp.route("/<uuid:support_id>")
class SupportById(MethodView):
    @requires("support:read")
    @blp.response(200, SupportSchema)
    def get(self, person_id: uuid.UUID, support_id: uuid.UUID) -> Any:
        """Read one measure of support; the ETag is what If-Match wants back."""
        db = request_session()
        support = _support(person_id, support_id)
        note_read(
            db, person_id, "support", SUPPORT_FIELDS, {"support": str(support.id)}
        )
        db.commit()
        return support, 200, etag_headers(support)

    @requires("support:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(SupportPatchSchema)
    @blp.response(200, SupportSchema)
    def patch(
        self, values: dict[str, Any], person_id: uuid.UUID, support_id: uuid.UUID
    ) -> Any:
        """Change a measure of support (its outcome, its end). Needs If-Match."""
        db = request_session()
        support = _support(person_id, support_id)
        check_if_match(support)
        service.update(db, support, values)
        db.commit()
        return support, 200, etag_headers(support)

    @requires("support:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.response(204)
    def delete(self, person_id: uuid.UUID, support_id: uuid.UUID) -> None:
        """Delete a measure of support recorded by mistake. Needs If-Match."""
        db = request_session()
        support = _support(person_id, support_id)
        check_if_match(support)
        service.delete(db, support)
        db.commit()
