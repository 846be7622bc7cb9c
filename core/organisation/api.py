"""REST endpoints for a commune's organisation: teams and their members at
/api/v1/c/<commune>/teams/, and the staff serving each hamlet at
/api/v1/c/<commune>/hamlets/<id>/staff."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from core.access.policy import requires
from core.api.conditional import IF_MATCH_PARAMETER, check_if_match, etag_headers
from core.api.pagination import PAGINATION, page_of
from core.db import request_session
from core.hamlets import service as hamlets
from core.organisation import service
from core.organisation.schemas import (
    StaffSchema,
    TeamMemberPatchSchema,
    TeamMemberSchema,
    TeamPatchSchema,
    TeamQuerySchema,
    TeamSchema,
)

blp = Blueprint(
    "organisation",
    __name__,
    url_prefix="/api/v1/c/<commune>",
    description="The steering committee, hamlet teams, health team and hamlet staff.",
)


@blp.route("/teams/")
class Teams(MethodView):
    @requires("teams:read")
    @blp.arguments(TeamQuerySchema, location="query")
    @blp.response(200, TeamSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """The commune's teams."""
        db = request_session()
        return page_of(db, service.teams(db, args.get("kind")), pagination_parameters)

    @requires("teams:write")
    @blp.arguments(TeamSchema)
    @blp.response(201, TeamSchema)
    def post(self, values: dict[str, Any]) -> Any:
        """Add a team (one steering committee, one health team, one per hamlet)."""
        db = request_session()
        team = service.create_team(db, values)
        db.commit()
        return team, 201, etag_headers(team)


@blp.route("/teams/<uuid:team_id>")
class TeamById(MethodView):
    @requires("teams:read")
    @blp.response(200, TeamSchema)
    def get(self, team_id: uuid.UUID) -> Any:
        """One team."""
        team = service.get_team(request_session(), team_id)
        return team, 200, etag_headers(team)

    @requires("teams:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(TeamPatchSchema)
    @blp.response(200, TeamSchema)
    def patch(self, values: dict[str, Any], team_id: uuid.UUID) -> Any:
        """Rename or re-point a team. Needs If-Match."""
        db = request_session()
        team = service.get_team(db, team_id)
        check_if_match(team)
        service.update_team(db, team, values)
        db.commit()
        return team, 200, etag_headers(team)

    @requires("teams:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.response(204)
    def delete(self, team_id: uuid.UUID) -> None:
        """Remove a team and its member list. Needs If-Match."""
        db = request_session()
        team = service.get_team(db, team_id)
        check_if_match(team)
        service.delete_team(db, team)
        db.commit()


@blp.route("/teams/<uuid:team_id>/members/")
class Members(MethodView):
    @requires("teams:read")
    @blp.response(200, TeamMemberSchema(many=True))
    def get(self, team_id: uuid.UUID) -> Any:
        """The team's members, current ones first."""
        db = request_session()
        return service.members(db, service.get_team(db, team_id).id)

    @requires("teams:write")
    @blp.arguments(TeamMemberSchema)
    @blp.response(201, TeamMemberSchema)
    def post(self, values: dict[str, Any], team_id: uuid.UUID) -> Any:
        """Add a member with their position."""
        db = request_session()
        member = service.add_member(db, service.get_team(db, team_id), values)
        db.commit()
        return member, 201, etag_headers(member)


@blp.route("/teams/<uuid:team_id>/members/<uuid:member_id>")
class MemberById(MethodView):
    @requires("teams:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(TeamMemberPatchSchema)
    @blp.response(200, TeamMemberSchema)
    def patch(
        self, values: dict[str, Any], team_id: uuid.UUID, member_id: uuid.UUID
    ) -> Any:
        """Change a member's position or dates. Needs If-Match."""
        db = request_session()
        member = service.get_member(db, team_id, member_id)
        check_if_match(member)
        service.update_member(db, member, values)
        db.commit()
        return member, 200, etag_headers(member)

    @requires("teams:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.response(204)
    def delete(self, team_id: uuid.UUID, member_id: uuid.UUID) -> None:
        """Take a member off the team. Needs If-Match."""
        db = request_session()
        member = service.get_member(db, team_id, member_id)
        check_if_match(member)
        service.remove_member(db, member)
        db.commit()


@blp.route("/hamlets/<uuid:hamlet_id>/staff")
class HamletStaff(MethodView):
    @requires("teams:read")
    @blp.response(200, StaffSchema(many=True))
    def get(self, hamlet_id: uuid.UUID) -> Any:
        """The staff serving this hamlet."""
        db = request_session()
        return service.staff_of_hamlet(db, hamlets.get(db, hamlet_id).id)


@blp.route("/hamlets/<uuid:hamlet_id>/staff/<uuid:user_id>")
class HamletStaffMember(MethodView):
    @requires("teams:write")
    @blp.response(204)
    def put(self, hamlet_id: uuid.UUID, user_id: uuid.UUID) -> None:
        """Have a staff member serve this hamlet: an officer then reaches its
        people."""
        db = request_session()
        service.serve_hamlet(db, hamlets.get(db, hamlet_id), user_id)
        db.commit()

    @requires("teams:write")
    @blp.response(204)
    def delete(self, hamlet_id: uuid.UUID, user_id: uuid.UUID) -> None:
        """The staff member no longer serves this hamlet."""
        db = request_session()
        service.leave_hamlet(db, hamlets.get(db, hamlet_id), user_id)
        db.commit()
