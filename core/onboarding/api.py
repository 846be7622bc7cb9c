"""REST endpoints for onboarding: /api/v1/regions and /api/v1/communes."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from core.access.policy import (
    communes_where,
    regions_where,
    require_in_commune,
    require_in_region,
    requires,
    signed_in,
)
from core.api.conditional import IF_MATCH_PARAMETER, check_if_match, etag_headers
from core.api.pagination import PAGINATION
from core.db import request_session
from core.errors import Forbidden
from core.onboarding.schemas import (
    CommuneOutSchema,
    CommunePatchSchema,
    CommuneQuerySchema,
    CommuneSchema,
    RegionOutSchema,
    RegionSchema,
)
from tenants import onboarding
from tenants.models import Commune, CommuneStatus, RegionKind

blp = Blueprint(
    "onboarding",
    __name__,
    url_prefix="/api/v1",
    description="Regions and communes, as a region admin onboards them.",
)


@blp.route("/regions")
class Regions(MethodView):
    @requires("regions:read")
    @blp.response(200, RegionOutSchema(many=True))
    def get(self) -> Any:
        """Regions you administer, and those below them."""
        db = request_session()
        return onboarding.regions_under(
            db, regions_where(db, signed_in(), "regions:read")
        )

    @requires("regions:write")
    @blp.arguments(RegionSchema)
    @blp.response(201, RegionOutSchema)
    def post(self, values: dict[str, Any]) -> Any:
        """Add a district or grouping below a region you administer."""
        db = request_session()
        principal = signed_in()
        if not values.get("parent"):
            raise Forbidden(
                "Provinces are added by an operator with `binhyen regions create`; "
                "through the API, name the parent region."
            )
        parent = onboarding.get_region(db, values["parent"])
        require_in_region(principal, parent, "regions:write")
        region = onboarding.create_region(
            db,
            kind=RegionKind(values["kind"]),
            code=values["code"],
            name=values.get("name"),
            parent=parent,
        )
        db.commit()
        return region


@blp.route("/regions/<code>")
class RegionByCode(MethodView):
    @requires("regions:read")
    @blp.response(200, RegionOutSchema)
    def get(self, code: str) -> Any:
        """One region."""
        region = onboarding.get_region(request_session(), code)
        require_in_region(signed_in(), region, "regions:read")
        return region


@blp.route("/communes")
class Communes(MethodView):
    @requires("communes:read")
    @blp.arguments(CommuneQuerySchema, location="query")
    @blp.response(200, CommuneOutSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Communes you may see: those of your regions and your own."""
        db = request_session()
        principal = signed_in()
        found = {
            c.id: c
            for c in onboarding.communes_under(
                db, regions_where(db, principal, "communes:read")
            )
        }
        own = communes_where(db, principal, "communes:read")
        if own:
            for commune in db.scalars(select(Commune).where(Commune.id.in_(own))):
                found[commune.id] = commune
        communes = sorted(found.values(), key=lambda c: c.code)
        if args.get("status"):
            communes = [c for c in communes if c.status.value == args["status"]]
        pagination_parameters.item_count = len(communes)
        start = pagination_parameters.first_item
        return communes[start : start + pagination_parameters.page_size]

    @requires("communes:write")
    @blp.arguments(CommuneSchema)
    @blp.response(201, CommuneOutSchema)
    def post(self, values: dict[str, Any]) -> Any:
        """Onboard a commune from the official list into one of your regions."""
        db = request_session()
        region = onboarding.get_region(db, values["region"])
        require_in_region(signed_in(), region, "communes:write")
        commune = onboarding.create_commune(
            db,
            region=region,
            code=values["code"],
            name=values.get("name"),
            slug=values.get("slug"),
        )
        db.commit()
        return commune, 201, etag_headers(commune)


@blp.route("/communes/<slug>")
class CommuneBySlug(MethodView):
    @requires("communes:read")
    @blp.response(200, CommuneOutSchema)
    def get(self, slug: str) -> Any:
        """One commune, whatever its status."""
        commune = onboarding.get_commune(request_session(), slug)
        require_in_commune(signed_in(), commune, "communes:read")
        return commune, 200, etag_headers(commune)

    @requires("communes:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(CommunePatchSchema)
    @blp.response(200, CommuneOutSchema)
    def patch(self, values: dict[str, Any], slug: str) -> Any:
        """Rename, suspend, archive or reactivate a commune. Needs If-Match.

        A suspended or archived commune answers no request under its address,
        and keeps every row of its data.
        """
        db = request_session()
        commune = onboarding.get_commune(db, slug)
        require_in_commune(signed_in(), commune, "communes:write")
        check_if_match(commune)
        if values.get("name"):
            commune.name = values["name"].strip()
        if values.get("status"):
            onboarding.set_commune_status(db, commune, CommuneStatus(values["status"]))
        db.commit()
        return commune, 200, etag_headers(commune)
