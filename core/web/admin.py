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
    permissions_in_region,
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
from core.errors import Invalid, NotFound, field_error
from core.hamlets.models import Hamlet
from core.identity import service as identity
from core.identity.models import User
from core.identity.schemas import UserSchema
from core.organisation import service as organisation
from core.organisation.schemas import TeamMemberSchema, TeamSchema
from core.plugin_host import service as plugins
from core.web import i18n
from core.web.forms import Refusal, attempt, flash_refusal, read_form
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
    # The chief is appointed by an admin of the commune's region, who holds
    # users:grant there; others give the commune's other roles.
    appoints = "users:grant" in permissions_in_region(db, signed_in(), g.commune.region)
    roles = [
        (name, role.label_en if english else role.label_vi)
        for name, role in current_roles().items()
        if role.scope is Scope.COMMUNE and (appoints or not role.appointed_by_region)
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
        flash_refusal(refusal)
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
        flash_refusal(refusal)
    return _back()


@bp.post("/c/<commune>/admin/staff/<uuid:membership_id>/revoke")
@requires("users:grant")
def revoke_role(membership_id: uuid.UUID) -> Any:
    """Take a role away, under the same rules as giving it."""
    db = request_session()
    held_here = select(Membership.id).where(
        Membership.id == membership_id, Membership.commune_id == g.commune.id
    )
    if db.scalar(held_here) is None:
        raise NotFound("No role of this commune has that id.")
    _done, refusal = attempt(
        lambda: access.revoke_in_commune(db, signed_in(), g.commune, membership_id)
    )
    if refusal is None:
        db.commit()
        flash(_("The role is taken away."))
    else:
        flash_refusal(refusal)
    return _back()


@bp.post("/c/<commune>/admin/accounts")
@requires("users:write")
def create_account() -> Any:
    """Provision a staff account, as the API does; a role is given next."""
    db = request_session()

    def create() -> User:
        values = read_form(UserSchema())
        user = identity.create_user(
            db,
            username=values["username"],
            full_name=values["full_name"],
            password=values.get("password"),
        )
        db.commit()
        return user

    made, refusal = attempt(create)
    if made is None:
        flash_refusal(refusal or Refusal(_("Give a username and a name.")))
    else:
        logger.info("account %s created from the page", made.id)
        flash(
            _(
                "The account %(username)s is created; give it a role below.",
                username=made.username,
            )
        )
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
        flash_refusal(refusal)
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
        flash_refusal(refusal or Refusal(_("Choose a commune.")))
    return redirect(url_for(".region", code=code))


# -- organisation -------------------------------------------------------------------


@bp.get("/c/<commune>/admin/teams")
@requires("teams:read")
def teams(refusal: Any = None, status: int = 200) -> Any:
    """The commune's teams, their members, and who serves each hamlet."""
    db = request_session()
    found = list(db.scalars(organisation.teams(db)))
    members = {team.id: organisation.members(db, team.id) for team in found}
    hamlets = list(db.scalars(select(Hamlet).order_by(Hamlet.name)))
    serving = {h.id: organisation.staff_of_hamlet(db, h.id) for h in hamlets}
    staff_ids = access.staff_of(db, g.commune)
    staff = list(
        db.scalars(select(User).where(User.id.in_(staff_ids)).order_by(User.full_name))
    )
    return render_template(
        "admin/teams.html",
        teams=found,
        members=members,
        hamlets=hamlets,
        serving=serving,
        staff=staff,
        refusal=refusal,
        form=request.form if refusal else None,
    ), status


def _team_change(work: Any, done: str) -> Any:
    db = request_session()

    def change() -> Any:
        result = work(db)
        db.commit()
        return result

    _result, refusal = attempt(change)
    if refusal is not None:
        return teams(refusal=refusal, status=refusal.status)
    flash(done)
    return redirect(url_for(".teams", commune=g.commune.slug))


@bp.post("/c/<commune>/admin/teams")
@requires("teams:write")
def new_team() -> Any:
    return _team_change(
        lambda db: organisation.create_team(db, read_form(TeamSchema())),
        _("The team is formed."),
    )


@bp.post("/c/<commune>/admin/teams/<uuid:team_id>/members")
@requires("teams:write")
def new_member(team_id: uuid.UUID) -> Any:
    db = request_session()
    team = organisation.get_team(db, team_id)
    return _team_change(
        lambda db: organisation.add_member(db, team, read_form(TeamMemberSchema())),
        _("The member is added."),
    )


@bp.post("/c/<commune>/admin/hamlets/<uuid:hamlet_id>/staff")
@requires("teams:write")
def serve_hamlet(hamlet_id: uuid.UUID) -> Any:
    db = request_session()
    hamlet = db.scalars(select(Hamlet).where(Hamlet.id == hamlet_id)).first()
    if hamlet is None:
        raise NotFound("No hamlet of this commune has that id.")

    def serve(db: Any) -> Any:
        user_id = request.form.get("user_id", "")
        try:
            chosen = uuid.UUID(user_id)
        except ValueError as exc:
            raise Invalid(
                "Choose a staff member.",
                errors=[field_error("user_id", "Missing.", "form")],
            ) from exc
        return organisation.serve_hamlet(db, hamlet, chosen)

    return _team_change(serve, _("The staff member now serves this hamlet."))
