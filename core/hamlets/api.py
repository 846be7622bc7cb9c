"""REST endpoints for a commune's hamlets: /api/v1/c/<commune>/hamlets."""

from __future__ import annotations

import uuid
from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from core.access.policy import hamlet_scope, requires, signed_in
from core.api.conditional import IF_MATCH_PARAMETER, check_if_match, etag_headers
from core.api.pagination import PAGINATION, page_of
from core.audit.trail import record
from core.db import request_session
from core.errors import NotFound
from core.hamlets import service
from core.hamlets.schemas import HamletPatchSchema, HamletQuerySchema, HamletSchema

blp = Blueprint(
    "hamlets",
    __name__,
    url_prefix="/api/v1/c/<commune>/hamlets",
    description="Hamlets (xóm, thôn, bản, tổ dân phố) of a commune.",
)


def _visible(hamlet_id: uuid.UUID) -> Any:
    db = request_session()
    hamlet = service.get(db, hamlet_id)
    scope = hamlet_scope(db, signed_in(), g.commune)
    if scope is not None and hamlet.id not in scope:
        raise NotFound("No hamlet of this commune has that id.")
    return hamlet


@blp.route("/")
class Hamlets(MethodView):
    @requires("hamlets:read")
    @blp.arguments(HamletQuerySchema, location="query")
    @blp.response(200, HamletSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """List the commune's hamlets (only your own, for a hamlet team)."""
        db = request_session()
        scope = hamlet_scope(db, signed_in(), g.commune)
        if args.get("q"):
            # Searches are audited; what was searched for is not kept.
            record(db, "search", object_type="hamlets", fields=["name"])
            db.commit()
        query = service.list_query(
            db, kind=args.get("kind"), q=args.get("q"), only=scope
        )
        return page_of(db, query, pagination_parameters)

    @requires("hamlets:write")
    @blp.arguments(HamletSchema)
    @blp.response(201, HamletSchema)
    def post(self, values: dict[str, Any]) -> Any:
        """Add a hamlet."""
        db = request_session()
        hamlet = service.create(db, values)
        db.commit()
        return hamlet, 201, etag_headers(hamlet)


@blp.route("/<uuid:hamlet_id>")
class HamletById(MethodView):
    @requires("hamlets:read")
    @blp.response(200, HamletSchema)
    def get(self, hamlet_id: uuid.UUID) -> Any:
        """Read one hamlet; the ETag header is what If-Match wants back."""
        hamlet = _visible(hamlet_id)
        return hamlet, 200, etag_headers(hamlet)

    @requires("hamlets:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(HamletPatchSchema)
    @blp.response(200, HamletSchema)
    def patch(self, values: dict[str, Any], hamlet_id: uuid.UUID) -> Any:
        """Change a hamlet. Needs If-Match."""
        db = request_session()
        hamlet = _visible(hamlet_id)
        check_if_match(hamlet)
        service.update(db, hamlet, values)
        db.commit()
        return hamlet, 200, etag_headers(hamlet)

    @requires("hamlets:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.response(204)
    def delete(self, hamlet_id: uuid.UUID) -> None:
        """Delete a hamlet. Needs If-Match."""
        db = request_session()
        hamlet = _visible(hamlet_id)
        check_if_match(hamlet)
        service.delete(db, hamlet)
        db.commit()
