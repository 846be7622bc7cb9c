"""Server-rendered pages: sign-in and sign-out, the choice of commune and
language, the installable shell, and the navigation every page shares.

The pages of each domain live beside this module (``people``, ``work``,
``admin``, ...), each a blueprint calling the same services and permission
checks as the API; a page never carries a rule of its own.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from core.access.policy import (
    caller_holds,
    holds_anywhere,
    permissions_in_commune,
    permissions_in_region,
    public,
    requires,
    signed_in,
)
from core.access.roles import current_roles
from core.audit.trail import record
from core.db import request_session
from core.errors import TooManyRequests, in_callers_language
from core.identity import authn, service
from core.identity.api import describe_memberships
from core.web import i18n
from core.web.words import N_
from tenants.models import Commune, Region

logger = logging.getLogger(__name__)

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

# The commune's own pages, in menu order: (endpoint, label, permission).
CORE_NAV = (
    ("web.commune_home", N_("Overview"), "communes:read"),
    ("work_web.index", N_("Work list"), "work:read"),
    ("people_web.index", N_("People"), "persons:read"),
    # Files offered by other communes, which the chief accepts or refuses.
    ("people_web.transfers", N_("Transfers"), "transfers:approve"),
    ("figures_web.commune", N_("Figures"), "statistics:read"),
    ("admin_web.teams", N_("Teams"), "teams:read"),
    ("admin_web.commune", N_("Administration"), "plugins:read"),
)


def commune_nav() -> list[dict[str, Any]]:
    """Menu entries of the commune's pages and its enabled plugins, for the
    permissions the caller holds there."""
    commune, principal = g.get("commune"), authn.current_principal()
    if commune is None or principal is None:
        return []
    db = request_session()
    held = permissions_in_commune(db, principal, commune)
    entries = [
        (endpoint, _(label), permission)
        for endpoint, label, permission in CORE_NAV
        if endpoint in current_app.view_functions
    ]
    host = current_app.extensions["binhyen.plugins"]
    english = i18n.chosen_language() == "en"
    for _plugin, item in host.flatten(
        host.call_enabled(db, "binhyen_menu_items", commune=commune)
    ):
        label = item.label_en if english else item.label_vi
        entries.append((item.endpoint, label, item.permission))
    return [
        {
            "url": url_for(endpoint, commune=commune.slug),
            "label": label,
            "current": request.endpoint == endpoint,
        }
        for endpoint, label, permission in entries
        if permission in held
    ]


@bp.app_context_processor
def _template_globals() -> dict[str, Any]:
    return {
        "commune_nav": commune_nav,
        "csrf_token": authn.csrf_token,
        "current_language": i18n.chosen_language,
        "holds": caller_holds,
        "holds_in_region": holds_in_region,
        "principal": authn.current_principal(),
        "role_label": role_label,
        "public_pages": public_pages,
        "sso_providers": sorted(
            current_app.extensions.get("binhyen.oidc", {}).values(),
            key=lambda p: p.name,
        ),
    }


def public_pages() -> list[tuple[str, str]]:
    """The plugins' pages for residents, as (label, address) in the page's
    language."""
    english = i18n.chosen_language() == "en"
    return [
        (page.label_en if english else page.label_vi, url_for(page.endpoint))
        for page in current_app.extensions.get("binhyen.public_pages", [])
    ]


def holds_in_region(permission: str, region: Region) -> bool:
    principal = authn.current_principal()
    if principal is None:
        return False
    return permission in permissions_in_region(request_session(), principal, region)


def role_label(name: str) -> str:
    role = current_roles().get(name)
    if role is None:
        return name
    return role.label_en if i18n.chosen_language() == "en" else role.label_vi


@bp.get("/")
@public("the home page sends anonymous visitors to sign in")
def home() -> Any:
    principal = authn.current_principal()
    if principal is None:
        return redirect(url_for("web.sign_in"))
    db = request_session()
    memberships = describe_memberships(db, principal.user_id)
    for membership in memberships:
        membership["label"] = role_label(membership["role"])
        if membership["commune"]:
            membership["commune_name"] = db.scalar(
                select(Commune.name).where(Commune.slug == membership["commune"])
            )
        if membership["region"]:
            membership["region_name"] = db.scalar(
                select(Region.name).where(Region.code == membership["region"])
            )
    places = {(m["commune"], m["region"]) for m in memberships}
    if len(places) == 1 and memberships[0]["commune"]:
        # One commune: go straight to it.
        return redirect(url_for("web.commune_home", commune=memberships[0]["commune"]))
    return render_template(
        "home.html",
        memberships=memberships,
        may_ask=holds_anywhere(db, principal, "access:request"),
    )


@bp.route("/login", methods=["GET", "POST"])
@public("the sign-in form")
def sign_in() -> Any:
    error = None
    status = 200
    headers: dict[str, str] = {}
    if request.method == "POST":
        db = request_session()
        try:
            user = service.sign_in(
                db,
                current_app.extensions["binhyen.throttle"],
                username=request.form.get("username", ""),
                password=request.form.get("password", ""),
                code=request.form.get("code") or None,
                client=request.remote_addr or "-",
            )
        except service.SignInRefused as refused:
            error, status = in_callers_language(refused.message), 401
            record(db, "sign_in.refused", details={"via": "password"}, platform=True)
            db.commit()
        except TooManyRequests as throttled:
            # Keep its Retry-After, so a client knows when to try again.
            error, status, headers = (
                in_callers_language(throttled.template, **throttled.values),
                429,
                throttled.headers,
            )
            record(db, "sign_in.throttled", details={"via": "password"}, platform=True)
            db.commit()
        else:
            g.audit_actor = user.username  # the sign-in is the account's own act
            authn.start_browser_session(db, user)
            record(
                db,
                "sign_in",
                object_type="user",
                object_id=user.id,
                details={"via": "password"},
                platform=True,
            )
            db.commit()
            logger.info("signed in: account %s", user.id)
            return redirect(url_for("web.home"))
    return render_template("login.html", error=error), status, headers


@bp.post("/logout")
@public("signing out needs only the session it ends")
def sign_out() -> Any:
    db = request_session()
    authn.end_browser_session(db)
    db.commit()
    return redirect(url_for("web.sign_in"))


@bp.post("/language")
@public("anyone may choose the language of the pages")
def language() -> Any:
    chosen = request.form.get("lang", i18n.DEFAULT)
    target = request.form.get("next", "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    answer = make_response(redirect(target))
    if chosen in i18n.LANGUAGES:
        answer.set_cookie(
            i18n.COOKIE,
            chosen,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return answer


@bp.get("/manifest.webmanifest")
@public("the installable app's manifest holds no data")
def manifest() -> Any:
    body = render_template("manifest.webmanifest")
    return Response(body, mimetype="application/manifest+json")


@bp.get("/sw.js")
@public("the service worker caches the app's shell only")
def service_worker() -> Any:
    answer = send_from_directory(bp.static_folder or "", "sw.js")
    answer.headers["Cache-Control"] = "no-cache"
    answer.headers["Service-Worker-Allowed"] = "/"
    return answer


@bp.get("/offline")
@public("the page shown when there is no network holds no data")
def offline() -> Any:
    return render_template("offline.html")


@bp.get("/c/<commune>/")
@requires("communes:read")
def commune_home() -> Any:
    """The commune's overview: the chief's dashboard, or a way in."""
    from core.web import dashboard

    signed_in()
    return dashboard.render()
