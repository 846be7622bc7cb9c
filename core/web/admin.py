"""Administration pages: a commune's plugins, staff and roles, break-glass
requests and audit trail; a region's communes and onboarding.

Each form calls the service the API calls, behind the same permission.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, time
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from core.access import service as access
from core.access.models import Membership
from core.access.policy import (
    caller_holds,
    regions_where,
    require_in_region,
    requires,
    signed_in,
)
from core.access.roles import Scope, current_roles
from core.audit import service as audit
from core.breakglass import service as breakglass
from core.breakglass.models import AccessGrant, GrantStatus
from core.db import VIETNAM, request_session
from core.errors import Invalid, field_error
from core.hamlets.models import Hamlet
from core.identity import service as identity
from core.identity.models import User
from core.plugin_host import service as plugins
from core.web import i18n
from core.web.forms import attempt
from tenants import divisions, onboarding
from tenants.models import Commune, CommuneStatus

logger = logging.getLogger(__name__)

bp = Blueprint("admin_web", __name__)


def _back() -> Any:
    return redirect(url_for(".commune", commune=g.commune.slug))


@bp.get("/c/<commune>/admin")
@requires("plugins:read")
def commune() -> Any:
    """The commune's modules, staff, access requests and trail."""
    db = request_session()
    host = current_app.extensions["binhyen.plugins"]
    enabled = host.enabled_in(db)
    english = i18n.chosen_language() == "en"
    modules = [
        {
            "name": name,
            "title": p.info.title_en if english else p.info.title_vi,
            "enabled": name in enabled,
        }
        for name, p in sorted(host.plugins.items())
    ]
    staff: list[dict[str, Any]] = []
    if caller_holds("users:read"):
        memberships = db.scalars(
            select(Membership).where(Membership.commune_id == g.commune.id)
        )
        for membership in memberships:
            user = db.get(User, membership.user_id)
            staff.append({"membership": membership, "user": user})
    requests = []
    if caller_holds("access:approve"):
        requests = list(
            db.scalars(
                select(AccessGrant)
                .where(
                    AccessGrant.status.in_(
                        [GrantStatus.REQUESTED, GrantStatus.APPROVED]
                    )
                )
                .order_by(AccessGrant.created_at.desc())
            )
        )
    roles = [
        (name, role.label_en if english else role.label_vi)
        for name, role in current_roles().items()
        if role.scope is Scope.COMMUNE and not role.appointed_by_region
    ]
    hamlets = list(db.scalars(select(Hamlet).order_by(Hamlet.name)))
    return render_template(
        "admin/commune.html",
        modules=modules,
        staff=staff,
        requests=requests,
        roles=roles,
        hamlets=hamlets,
    )


@bp.post("/c/<commune>/admin/plugins/<plugin>")
@requires("plugins:manage")
def switch_plugin(plugin: str) -> Any:
    db = request_session()
    host = current_app.extensions["binhyen.plugins"]
    wanted = request.form.get("enabled")
    if wanted not in {"true", "false"}:
        raise Invalid(
            "Say whether to switch the module on or off.",
            errors=[field_error("enabled", "true or false.", "form")],
        )
    on = wanted == "true"
    _done, refusal = attempt(lambda: plugins.set_enabled(db, host, plugin, on))
    if refusal is None:
        db.commit()
        flash(
            _("Module switched on.")
            if on
            else _("Module switched off; its data is kept.")
        )
    else:
        flash(refusal.detail)
    return _back()


@bp.post("/c/<commune>/admin/staff")
@requires("users:grant")
def grant_role() -> Any:
    db = request_session()

    def grant() -> Any:
        user = identity.get_user(db, request.form.get("username", ""))
        hamlets = [uuid.UUID(h) for h in request.form.getlist("hamlets") if h]
        return access.grant_in_commune(
            db, signed_in(), user, g.commune, request.form.get("role", ""), hamlets
        )

    _done, refusal = attempt(grant)
    if refusal is None:
        db.commit()
        flash(_("The role is given."))
    else:
        flash(refusal.detail)
    return _back()


@bp.post("/c/<commune>/admin/break-glass/<uuid:grant_id>")
@requires("access:approve")
def decide_access(grant_id: uuid.UUID) -> Any:
    db = request_session()
    verdict = request.form.get("decision")
    grant = breakglass.get(db, grant_id)

    def decide() -> Any:
        if verdict == "revoke":
            return breakglass.revoke(db, grant)
        return breakglass.decide(db, signed_in(), grant, verdict == "approve")

    _done, refusal = attempt(decide)
    if refusal is None:
        db.commit()
        flash(_("Your decision is recorded."))
    else:
        flash(refusal.detail)
    return _back()


@bp.get("/c/<commune>/admin/audit")
@requires("audit:read")
def audit_trail() -> Any:
    """The commune's audit trail, newest first, filtered like the API."""
    db = request_session()
    filters = {k: v for k, v in request.args.items() if v}

    def moment(name: str, end: bool = False) -> datetime | None:
        if name not in filters:
            return None
        day = datetime.fromisoformat(filters[name]).date()
        return datetime.combine(day, time.max if end else time.min, tzinfo=VIETNAM)

    query = audit.query(
        object_type=filters.get("object_type"),
        actor=filters.get("actor"),
        action=filters.get("action"),
        since=moment("since"),
        until=moment("until", end=True),
    )
    events = list(db.scalars(query.limit(200)))
    return render_template("admin/audit.html", events=events, filters=filters)


# -- regions ---------------------------------------------------------------------


@bp.get("/regions/<code>/")
@requires("regions:read")
def region(code: str) -> Any:
    """A region's communes and, for its admins, onboarding."""
    db = request_session()
    place = onboarding.get_region(db, code)
    require_in_region(signed_in(), place, "regions:read")
    lineage_ids = {r.id for r in onboarding.regions_under(db, {place.id})}
    communes = onboarding.communes_under(db, lineage_ids)
    offered = []
    if place.id in regions_where(db, signed_in(), "communes:write") or any(
        r in regions_where(db, signed_in(), "communes:write") for r in lineage_ids
    ):
        taken = {c.code for c in communes}
        province = onboarding.province_of(db, place) or place
        offered = sorted(
            (
                c
                for c in divisions.communes().values()
                if c.province_code == province.code and c.code not in taken
            ),
            key=lambda c: c.name,
        )
    return render_template(
        "admin/region.html",
        region=place,
        communes=communes,
        offered=offered,
        statuses=CommuneStatus,
    )


@bp.post("/regions/<code>/communes")
@requires("communes:write")
def onboard(code: str) -> Any:
    db = request_session()
    place = onboarding.get_region(db, code)

    def create() -> Commune:
        require_in_region(signed_in(), place, "communes:write")
        made = onboarding.create_commune(
            db, region=place, code=request.form.get("code", "")
        )
        db.commit()
        return made

    made, refusal = attempt(create)
    if made is not None:
        flash(
            _("%(name)s is onboarded at /c/%(slug)s/.", name=made.name, slug=made.slug)
        )
    else:
        flash(refusal.detail if refusal else _("Choose a commune."))
    return redirect(url_for(".region", code=code))
