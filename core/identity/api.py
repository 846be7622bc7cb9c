"""REST endpoints for accounts and API tokens."""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from core.access.models import Membership
from core.access.policy import (
    permissions_in_commune,
    permissions_in_region,
    requires,
    requires_sign_in,
    signed_in,
)
from core.db import request_session
from core.identity import service
from core.identity.models import User
from core.identity.schemas import MeSchema, TokenRequestSchema, TokenSchema, UserSchema
from tenants import onboarding
from tenants.models import Commune, Region

blp = Blueprint(
    "identity", __name__, url_prefix="/api/v1", description="Accounts and API tokens."
)


def describe_memberships(db: Any, user_id: Any) -> list[dict[str, Any]]:
    described = []
    for membership in db.scalars(
        select(Membership).where(Membership.user_id == user_id)
    ):
        commune = (
            db.get(Commune, membership.commune_id) if membership.commune_id else None
        )
        region = db.get(Region, membership.region_id) if membership.region_id else None
        described.append(
            {
                "id": membership.id,
                "role": membership.role,
                "commune": commune.slug if commune else None,
                "region": region.code if region else None,
            }
        )
    return described


@blp.route("/me")
class Me(MethodView):
    @requires_sign_in
    @blp.response(200, MeSchema)
    def get(self) -> Any:
        """Your account and the roles you hold."""
        db = request_session()
        user = db.get(User, signed_in().user_id)
        return {
            "id": user.id if user else None,
            "username": user.username if user else signed_in().username,
            "full_name": user.full_name if user else "",
            "is_active": user.is_active if user else True,
            "memberships": describe_memberships(db, signed_in().user_id),
        }


@blp.route("/users")
class Users(MethodView):
    @requires("users:write")
    @blp.arguments(UserSchema)
    @blp.response(201, UserSchema)
    def post(self, values: dict[str, Any]) -> Any:
        """Provision a staff account; give it roles with the members endpoints."""
        db = request_session()
        user = service.create_user(
            db,
            username=values["username"],
            full_name=values["full_name"],
            password=values.get("password"),
        )
        db.commit()
        return user


def _token_response(token: Any, secret: str) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "permissions": token.permissions,
        "expires_at": token.expires_at,
        "token": secret,
    }


@blp.route("/c/<commune>/tokens")
class CommuneTokens(MethodView):
    @requires("tokens:create")
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    def post(self, values: dict[str, Any]) -> Any:
        """Create an API token for yourself in this commune. Shown once."""
        db = request_session()
        principal = signed_in()
        user = db.get(User, principal.user_id)
        assert user is not None
        token, secret = service.create_token(
            db,
            user,
            name=values["name"],
            permissions=set(values["permissions"]),
            holdable=permissions_in_commune(db, principal, g.commune),
            days=values["days"],
            max_days=current_app.config["BINHYEN_SETTINGS"].token_max_days,
            commune=g.commune,
            parent=principal.token,
        )
        db.commit()
        return _token_response(token, secret)


@blp.route("/regions/<code>/tokens")
class RegionTokens(MethodView):
    @requires("tokens:create")
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    def post(self, values: dict[str, Any], code: str) -> Any:
        """Create an API token for yourself in a region you administer."""
        db = request_session()
        principal = signed_in()
        region = onboarding.get_region(db, code)
        user = db.get(User, principal.user_id)
        assert user is not None
        token, secret = service.create_token(
            db,
            user,
            name=values["name"],
            permissions=set(values["permissions"]),
            holdable=permissions_in_region(db, principal, region),
            days=values["days"],
            max_days=current_app.config["BINHYEN_SETTINGS"].token_max_days,
            region=region,
            parent=principal.token,
        )
        db.commit()
        return _token_response(token, secret)
