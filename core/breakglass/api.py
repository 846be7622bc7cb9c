"""REST endpoints of break-glass access.

Asking happens at /api/v1/break-glass/<commune>: the caller does not serve in
that commune, so the route is not under /c/<commune>/ (whose routes admit
only the commune's own staff); it can create a request and list the caller's
own requests there, nothing else. Deciding happens under the commune's own
address, by its chief.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from core.access.policy import requires, roles_in_commune, signed_in
from core.breakglass import service
from core.breakglass.models import AccessGrant
from core.breakglass.schemas import (
    AccessDecisionSchema,
    AccessGrantForChiefSchema,
    AccessGrantSchema,
    AccessRequestSchema,
)
from core.db import request_session
from tenants import resolution

blp = Blueprint(
    "break_glass",
    __name__,
    url_prefix="/api/v1",
    description="Time-limited, approved access to one file of another commune.",
)


@blp.route("/break-glass/<target>")
class AskForAccess(MethodView):
    @requires("access:request")
    @blp.arguments(AccessRequestSchema)
    @blp.response(201, AccessGrantSchema)
    def post(self, values: dict[str, Any], target: str) -> Any:
        """Ask the chief of commune ``target`` for one file, with a reason."""
        db = request_session()
        principal = signed_in()
        commune = resolution.resolve(db, target)
        serves_here = any(
            membership.commune_id == commune.id
            for membership, _role in roles_in_commune(db, principal, commune)
        )
        grant = service.request_access(
            db,
            principal,
            commune,
            subject_id=values["subject_id"],
            reason=values["reason"],
            hours=values["hours"],
            serves_here=serves_here,
        )
        db.commit()
        return grant

    @requires("access:request")
    @blp.response(200, AccessGrantSchema(many=True))
    def get(self, target: str) -> Any:
        """Your own requests in commune ``target``, newest first."""
        db = request_session()
        resolution.resolve(db, target)
        return db.scalars(
            select(AccessGrant)
            .where(AccessGrant.requester_id == signed_in().user_id)
            .order_by(AccessGrant.created_at.desc())
        ).all()


@blp.route("/c/<commune>/break-glass")
class Requests(MethodView):
    @requires("access:approve")
    @blp.response(200, AccessGrantForChiefSchema(many=True))
    def get(self) -> Any:
        """Requests for this commune's files, newest first."""
        return (
            request_session()
            .scalars(select(AccessGrant).order_by(AccessGrant.created_at.desc()))
            .all()
        )


@blp.route("/c/<commune>/break-glass/<uuid:grant_id>/decision")
class Decide(MethodView):
    @requires("access:approve")
    @blp.arguments(AccessDecisionSchema)
    @blp.response(200, AccessGrantForChiefSchema)
    def post(self, values: dict[str, Any], grant_id: uuid.UUID) -> Any:
        """Approve (access starts now, for the hours asked) or deny."""
        db = request_session()
        grant = service.decide(
            db, signed_in(), service.get(db, grant_id), values["approve"]
        )
        db.commit()
        return grant


@blp.route("/c/<commune>/break-glass/<uuid:grant_id>/revoke")
class Revoke(MethodView):
    @requires("access:approve")
    @blp.response(200, AccessGrantForChiefSchema)
    def post(self, grant_id: uuid.UUID) -> Any:
        """End an approved access before its time."""
        db = request_session()
        grant = service.revoke(db, service.get(db, grant_id))
        db.commit()
        return grant
