"""Single sign-on with OpenID Connect: VNeID, a ministry identity provider,
or any other, each configured by BINHYEN_OIDC_<NAME>_* variables.

The authorization code flow with PKCE, state and nonce, through authlib.
The provider is found by discovery from its issuer; the id_token's
signature, issuer, audience, expiry and nonce are checked. Sign-on only
links to an account an admin provisioned with the same identifier
(``binhyen users link``): an unknown identity is refused, with a page that
says what to do, and the refusal is audited. Identifiers are kept only as
keyed hashes, since for VNeID they are personal identification numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.policy import public
from core.audit.trail import UNTRACED_KEY, record
from core.config import OidcProvider
from core.crypto.fields import active_keyring, open_platform, seal_platform
from core.db import request_session
from core.errors import Invalid, field_error
from core.identity import authn
from core.identity.models import ExternalIdentity, User

logger = logging.getLogger(__name__)

bp = Blueprint("sso", __name__, template_folder="templates")

PERSONAL_NUMBER = re.compile(r"^\d{12}$")
LEEWAY_SECONDS = 60
# How long to wait for each answer of a provider (discovery, keys, tokens):
# without a limit, a provider that stalls would hold a worker for good.
PROVIDER_TIMEOUT_SECONDS = 10.0
# A resident (not staff) proving who they are, to sign a tip: where to send
# them back, and the proven identity, sealed, in their own session cookie.
RESIDENT_BACK = "sso_resident_back"
RESIDENT_IDENTITY = "sso_resident_identity"
RESIDENT_SECONDS = 30 * 60
SAFE_BACK = re.compile(r"^/c/[a-z0-9-]+/[A-Za-z0-9/_-]*$")


def init_app(app: Flask) -> None:
    """Register every configured provider with authlib, and the routes."""
    oauth = OAuth(app)
    providers: dict[str, OidcProvider] = app.config["BINHYEN_SETTINGS"].oidc_providers
    for provider in providers.values():
        # Discovery is below the issuer, less any "/" it ends with.
        discovery = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
        oauth.register(
            name=provider.name,
            client_id=provider.client_id,
            client_secret=provider.client_secret or None,
            server_metadata_url=discovery,
            client_kwargs={
                "scope": "openid profile",
                "code_challenge_method": "S256",
                "default_timeout": PROVIDER_TIMEOUT_SECONDS,
            },
        )
    app.extensions["binhyen.oauth"] = oauth
    app.extensions["binhyen.oidc"] = providers
    app.register_blueprint(bp)


def providers() -> dict[str, OidcProvider]:
    found: dict[str, OidcProvider] = current_app.extensions.get("binhyen.oidc", {})
    return found


def identity_hash(db: Session, provider: str, value: str) -> str:
    """The keyed hash an identity is stored and found by. Its key is a
    platform key wrapped by the master key, so it survives key rotation."""
    key = active_keyring().platform_key(db, "identity index")
    return hmac.new(key, f"{provider}:{value}".encode(), hashlib.sha256).hexdigest()


def check_identifier(provider: OidcProvider, value: str) -> str:
    value = value.strip()
    if provider.profile == "vneid" and not PERSONAL_NUMBER.match(value):
        raise Invalid(
            "A VNeID identifier is the 12-digit personal identification number.",
            errors=[field_error("subject", "Twelve digits.")],
        )
    if not value:
        raise Invalid("Give the identifier.", errors=[field_error("subject", "Empty.")])
    return value


def link(db: Session, user: User, provider_name: str, value: str) -> ExternalIdentity:
    """Let ``user`` sign in through ``provider_name`` with identifier ``value``."""
    provider = providers().get(provider_name)
    if provider is None:
        configured = ", ".join(sorted(providers())) or "none"
        raise Invalid(
            f"No sign-on provider is named {provider_name!r} (configured: "
            f"{configured}).",
            errors=[field_error("provider", "Not configured.")],
        )
    subject = identity_hash(db, provider.name, check_identifier(provider, value))
    existing = db.scalars(
        select(ExternalIdentity).where(
            ExternalIdentity.provider == provider.name,
            ExternalIdentity.subject_hash == subject,
        )
    ).first()
    if existing is not None:
        existing.user_id = user.id
        return existing
    identity = ExternalIdentity(
        provider=provider.name, subject_hash=subject, user_id=user.id
    )
    db.add(identity)
    db.flush()
    return identity


def _refuse(provider: str, reason: str, status: int) -> Any:
    db = request_session()
    record(
        db,
        "sign_in.refused",
        details={"via": f"sso:{provider}", "reason": reason},
        platform=True,
    )
    db.commit()
    return render_template("sso_refused.html", reason=reason), status


@bp.get("/login/sso/<provider>")
@public("starts single sign-on with a configured provider")
def start(provider: str) -> Any:
    # Staff signing in: a resident's round trip left unfinished in this
    # browser must not turn this one into a resident's.
    session.pop(RESIDENT_BACK, None)
    return _authorize(provider)


def _authorize(provider: str) -> Any:
    if provider not in providers():
        abort(404)
    client = current_app.extensions["binhyen.oauth"].create_client(provider)
    callback = url_for("sso.callback", provider=provider, _external=True)
    try:
        return client.authorize_redirect(callback, nonce=secrets.token_urlsafe(24))
    except Exception as exc:
        # Discovery failed: the provider is down or misconfigured.
        logger.warning(
            "single sign-on provider %s unreachable: %s", provider, type(exc).__name__
        )
        return _refuse(provider, "provider_unreachable", 503)


@bp.get("/login/sso/<provider>/resident")
@public("a resident proves who they are, to sign a tip; no account is made")
def start_resident(provider: str) -> Any:
    """Single sign-on for a resident: no account is looked for or made; the
    proven identity waits, sealed, in the browser's session until the page
    that asked for it (``next``, a page of a commune) takes it."""
    back = request.args.get("next", "")
    if not SAFE_BACK.match(back):
        abort(400)
    request.environ[UNTRACED_KEY] = True
    session[RESIDENT_BACK] = back
    return _authorize(provider)


def _resident_proven(provider: str, claim: str, value: str, claims: Any) -> Any:
    db = request_session()
    proven = {"provider": provider, claim: value}
    if claims.get("name"):
        proven["name"] = str(claims["name"])
    session[RESIDENT_IDENTITY] = {
        "sealed": seal_platform(db, "resident identity", json.dumps(proven)),
        "at": int(time.time()),
    }
    db.commit()
    logger.info("a resident proved their identity through %s", provider)
    return redirect(session.pop(RESIDENT_BACK))


def resident_identity() -> dict[str, str] | None:
    """The identity a resident proved by single sign-on in this browser in
    the last half hour, or None."""
    held = session.get(RESIDENT_IDENTITY)
    if not held or time.time() - held.get("at", 0) > RESIDENT_SECONDS:
        return None
    opened: dict[str, str] = json.loads(
        open_platform(request_session(), "resident identity", held["sealed"])
    )
    return opened


def forget_resident_identity() -> None:
    session.pop(RESIDENT_IDENTITY, None)


@bp.get("/login/sso/<provider>/callback")
@public("the provider sends the browser back here")
def callback(provider: str) -> Any:
    config = providers().get(provider)
    if config is None:
        abort(404)
    if RESIDENT_BACK in session:
        request.environ[UNTRACED_KEY] = True
    client = current_app.extensions["binhyen.oauth"].create_client(provider)
    if request.args.get("error") == "access_denied":
        return _refuse(provider, "cancelled", 401)
    try:
        token = client.authorize_access_token(
            claims_options={
                "iss": {"essential": True, "values": [config.issuer]},
                "aud": {"essential": True, "values": [config.client_id]},
                "exp": {"essential": True},
            },
            leeway=LEEWAY_SECONDS,
        )
    except Exception as exc:
        # Bad signature, wrong issuer or audience, expiry, a replayed or
        # missing state: all end here, named in the log but not to the user.
        logger.info("single sign-on refused: %s", type(exc).__name__)
        return _refuse(provider, "invalid_response", 401)
    claims = token.get("userinfo")
    value = str(claims.get(config.claim, "")) if claims else ""
    if not value:
        return _refuse(provider, "missing_claim", 401)
    if RESIDENT_BACK in session:
        return _resident_proven(provider, config.claim, value, claims)

    db = request_session()
    identity = db.scalars(
        select(ExternalIdentity).where(
            ExternalIdentity.provider == provider,
            ExternalIdentity.subject_hash == identity_hash(db, provider, value),
        )
    ).first()
    user = db.get(User, identity.user_id) if identity else None
    if user is None or not user.is_active:
        return _refuse(provider, "unknown_identity", 403)

    authn.start_browser_session(db, user)
    record(
        db,
        "sign_in",
        object_type="user",
        object_id=user.id,
        details={"via": f"sso:{provider}"},
        platform=True,
    )
    db.commit()
    logger.info("signed in through %s: account %s", provider, user.id)
    return redirect(url_for("web.home"))
