"""REST endpoints of outreach: /api/v1/c/<commune>/outreach/..."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from core.toolkit import (
    IF_MATCH_PARAMETER,
    PAGINATION,
    check_if_match,
    etag_headers,
    local_today,
    page_of,
    request_session,
    requires,
    signed_in,
)
from plugins.outreach import service
from plugins.outreach.schemas import (
    OutreachCalendarSchema,
    OutreachMonthQuerySchema,
    OutreachQuerySchema,
    OutreachSessionPatchSchema,
    OutreachSessionSchema,
)

blp = Blueprint(
    "outreach_api",
    __name__,
    url_prefix="/api/v1/c/<commune>/outreach",
    description="Outreach sessions on drugs at schools and in hamlets.",
)


@blp.route("/sessions")
class Sessions(MethodView):
    @requires("outreach:read")
    @blp.arguments(OutreachQuerySchema, location="query")
    @blp.response(200, OutreachSessionSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Sessions by day (held, else planned), oldest first."""
        return page_of(request_session(), service.listed(args), pagination_parameters)

    @requires("outreach:write")
    @blp.arguments(OutreachSessionSchema)
    @blp.response(201, OutreachSessionSchema)
    def post(self, values: dict[str, Any]) -> Any:
        """Plan a session, or record one already held."""
        db = request_session()
        talk = service.create(db, values, signed_in())
        db.commit()
        return talk, 201, etag_headers(talk)


@blp.route("/sessions/<uuid:session_id>")
class SessionById(MethodView):
    @requires("outreach:read")
    @blp.response(200, OutreachSessionSchema)
    def get(self, session_id: uuid.UUID) -> Any:
        """One session."""
        talk = service.get(request_session(), session_id)
        return talk, 200, etag_headers(talk)

    @requires("outreach:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(OutreachSessionPatchSchema)
    @blp.response(200, OutreachSessionSchema)
    def patch(self, values: dict[str, Any], session_id: uuid.UUID) -> Any:
        """Change a session, e.g. mark it held with its audience. Needs If-Match."""
        db = request_session()
        talk = service.get(db, session_id)
        check_if_match(talk)
        service.change(db, talk, values)
        db.commit()
        return talk, 200, etag_headers(talk)

    @requires("outreach:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.response(204)
    def delete(self, session_id: uuid.UUID) -> None:
        """Remove a session recorded by mistake. Needs If-Match."""
        db = request_session()
        talk = service.get(db, session_id)
        check_if_match(talk)
        service.remove(db, talk)
        db.commit()


@blp.route("/calendar")
class Calendar(MethodView):
    @requires("outreach:read")
    @blp.arguments(OutreachMonthQuerySchema, location="query")
    @blp.response(200, OutreachCalendarSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """A month's sessions, day by day (this month in Vietnam by default)."""
        first, after = service.month_bounds(args.get("month"), local_today())
        return {
            "month": first.strftime("%Y-%m"),
            "days": service.calendar(request_session(), first, after),
        }
