"""Server-rendered pages: sign-in, sign-out, and each user's communes.

The full web app for every role is built on these; here are only the pages
that let each account sign in and see where it serves.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from core.access.policy import (
    permissions_in_commune,
    public,
    requires,
    roles_in_commune,
    signed_in,
)
from core.access.roles import ROLES
from core.audit.trail import record
from core.db import request_session
from core.errors import TooManyRequests
from core.identity import authn, service
from core.identity.api import describe_memberships

logger = logging.getLogger(__name__)

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


def commune_menu() -> list[dict[str, str]]:
    """Menu entries of the plugins this commune runs, for permissions held."""
    commune, principal = g.get("commune"), authn.current_principal()
    if commune is None or principal is None:
        return []
    db = request_session()
    held = permissions_in_commune(db, principal, commune)
    host = current_app.extensions["binhyen.plugins"]
    items = host.flatten(host.call_enabled(db, "binhyen_menu_items", commune=commune))
    return [
        {"label": item.label_vi, "url": url_for(item.endpoint, commune=commune.slug)}
        for _plugin, item in items
        if item.permission in held
    ]


@bp.app_context_processor
def _template_globals() -> dict[str, Any]:
    return {
        "commune_menu": commune_menu,
        "csrf_token": authn.csrf_token,
        "principal": authn.current_principal(),
        "sso_providers": sorted(
            current_app.extensions.get("binhyen.oidc", {}).values(),
            key=lambda p: p.name,
        ),
    }


@bp.get("/")
@public("the home page sends anonymous visitors to sign in")
def home() -> Any:
    principal = authn.current_principal()
    if principal is None:
        return redirect(url_for("web.sign_in"))
    memberships = describe_memberships(request_session(), principal.user_id)
    for membership in memberships:
        membership["label"] = ROLES[membership["role"]].label_vi
    return render_template("home.html", memberships=memberships)


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
            error, status = refused.message, 401
            record(db, "sign_in.refused", details={"via": "password"}, platform=True)
            db.commit()
        except TooManyRequests as throttled:
            # Keep its Retry-After, so a client knows when to try again.
            error, status, headers = throttled.detail, 429, throttled.headers
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


@bp.get("/c/<commune>/")
@requires("communes:read")
def commune_home() -> Any:
    held = roles_in_commune(request_session(), signed_in(), g.commune)
    return render_template(
        "commune.html", commune=g.commune, roles=[role for _m, role in held]
    )
