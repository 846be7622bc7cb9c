"""REST endpoints for roles: who holds what in a commune or a region."""

from __future__ import annotations

import uuid
from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from core.access import service
from core.access.models import Membership, MembershipHamlet
from core.access.policy import requires, signed_in
from core.access.schemas import GrantSchema, MemberSchema
from core.db import request_session
from core.identity.models import User
from core.identity.service import get_user
from tenants import onboarding

blp = Blueprint(
    "members", __name__, url_prefix="/api/v1", description="Roles held by staff."
)


def _describe(db: Any, membership: Membership) -> dict[str, Any]:
    user = db.get(User, membership.user_id)
    hamlets = []
    if membership.commune_id is not None:
        hamlets = list(
            db.scalars(
                select(MembershipHamlet.hamlet_id).where(
                    MembershipHamlet.membership_id == membership.id
                )
            )
        )
    return {
        "id": membership.id,
        "username": user.username,
        "full_name": user.full_name,
        "role": membership.role,
        "hamlets": hamlets,
    }


@blp.route("/c/<commune>/members")
class CommuneMembers(MethodView):
    @requires("users:read")
    @blp.response(200, MemberSchema(many=True))
    def get(self) -> Any:
        """Staff of this commune and their roles."""
        db = request_session()
        memberships = db.scalars(
            select(Membership)
            .where(Membership.commune_id == g.commune.id)
            .order_by(Membership.created_at)
        )
        return [_describe(db, m) for m in memberships]

    @requires("users:grant")
    @blp.arguments(GrantSchema)
    @blp.response(201, MemberSchema)
    def post(self, values: dict[str, Any]) -> Any:
        """Give a staff account a role in this commune."""
        db = request_session()
        membership = service.grant_in_commune(
            db,
            signed_in(),
            get_user(db, values["username"]),
            g.commune,
            values["role"],
            values["hamlets"],
        )
        db.commit()
        return _describe(db, membership)


@blp.route("/c/<commune>/members/<uuid:membership_id>")
class CommuneMember(MethodView):
    @requires("users:grant")
    @blp.response(204)
    def delete(self, membership_id: uuid.UUID) -> None:
        """Take a role away."""
        db = request_session()
        service.revoke_in_commune(db, signed_in(), g.commune, membership_id)
        db.commit()


@blp.route("/regions/<code>/members")
class RegionMembers(MethodView):
    @requires("users:grant")
    @blp.arguments(GrantSchema)
    @blp.response(201, MemberSchema)
    def post(self, values: dict[str, Any], code: str) -> Any:
        """Give a staff account a role in a region (region admin)."""
        db = request_session()
        membership = service.grant_in_region(
            db,
            signed_in(),
            get_user(db, values["username"]),
            onboarding.get_region(db, code),
            values["role"],
        )
        db.commit()
        return _describe(db, membership)
