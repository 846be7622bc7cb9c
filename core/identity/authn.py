"""Authentication: who is calling, from a bearer token or a browser session.

Runs before every request. A bearer token in ``Authorization`` wins; else the
signed session cookie's key is looked up among the live browser sessions.
Browser requests that change something must carry the session's CSRF token
(form field ``csrf_token`` or header ``X-CSRF-Token``); token-authenticated
API calls carry no ambient credential and need none.
"""

from __future__ import annotations

import hmac
import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app, g, request, session
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.errors import Forbidden, Unauthorized
from core.identity.models import ApiToken, BrowserSession, User
from core.identity.secrets import TOKEN_PREFIX, digest, new_secret

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOUCH_EVERY = timedelta(minutes=5)


@dataclass
class Principal:
    """The caller of a request, or the operator at the command line."""

    user_id: uuid.UUID | None
    username: str
    via: str  # "session", "token" or "operator"
    token: ApiToken | None = None
    cache: dict[object, object] = field(default_factory=dict, repr=False)

    @property
    def is_operator(self) -> bool:
        return self.via == "operator"


def operator(name: str = "operator") -> Principal:
    """The principal of the command line: someone with a shell on the server,
    who already holds the database credentials and so every permission."""
    return Principal(user_id=None, username=name, via="operator")


def current_principal() -> Principal | None:
    principal: Principal | None = g.get("principal")
    return principal


def authenticate(db: Session) -> Principal | None:
    """Identify the caller of the current request; None when anonymous."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != "bearer" or not credential.startswith(TOKEN_PREFIX):
            raise Unauthorized(
                "Send an API token as 'Authorization: Bearer by_...'. Create one "
                "with `binhyen tokens create` or POST /api/v1/c/<commune>/tokens.",
                headers={"WWW-Authenticate": 'Bearer realm="binhyen"'},
            )
        return _from_token(db, credential.strip())
    return _from_browser_session(db)


def _from_token(db: Session, credential: str) -> Principal:
    token = db.scalars(
        select(ApiToken).where(ApiToken.token_hash == digest(credential))
    ).first()
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise Unauthorized(
            "This API token is unknown, revoked or expired; create a new one.",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    user = db.get(User, token.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("The account behind this API token is disabled.")
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        # Coarse on purpose: a write on every API call would cost more than
        # knowing the minute a token was last used is worth.
        token.last_used_at = now
        db.commit()
    return Principal(user_id=user.id, username=user.username, via="token", token=token)


def _from_browser_session(db: Session) -> Principal | None:
    key = session.get("key")
    if not key:
        return None
    record = db.get(BrowserSession, digest(key))
    if record is None or record.expires_at <= utcnow():
        session.pop("key", None)
        return None
    user = db.get(User, record.user_id)
    if user is None or not user.is_active:
        session.pop("key", None)
        return None
    lifetime = _session_lifetime()
    if record.expires_at - utcnow() < lifetime - TOUCH_EVERY:
        # The session lasts session_hours from the last activity; extended at
        # most every few minutes so that reads do not all become writes.
        record.expires_at = utcnow() + lifetime
        db.commit()
    return Principal(user_id=user.id, username=user.username, via="session")


def _session_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["BINHYEN_SETTINGS"].session_hours)


def start_browser_session(db: Session, user: User) -> None:
    """Sign ``user`` in on this browser: a fresh key and a fresh CSRF token."""
    key = new_secret()
    now = utcnow()
    db.add(
        BrowserSession(
            key_hash=digest(key),
            user_id=user.id,
            created_at=now,
            expires_at=now + _session_lifetime(),
        )
    )
    user.last_sign_in_at = now
    session.clear()
    session["key"] = key
    session["csrf"] = new_secret()
    session.permanent = True


def end_browser_session(db: Session) -> None:
    key = session.get("key")
    if key:
        db.execute(delete(BrowserSession).where(BrowserSession.key_hash == digest(key)))
    session.clear()


def csrf_token() -> str:
    """The CSRF token of this browser, made on first use (also when anonymous)."""
    token = session.get("csrf")
    if not token:
        token = new_secret()
        session["csrf"] = token
    return str(token)


def check_csrf() -> None:
    """Refuse a state-changing browser request without the session's token."""
    if request.method in SAFE_METHODS or request.headers.get("Authorization"):
        return
    if request.routing_exception is not None:
        return  # no such route or method: nothing to protect, let it 404/405
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "csrf_exempt", False):
        return
    expected = session.get("csrf")
    sent = request.headers.get("X-CSRF-Token") or (
        request.form.get("csrf_token")
        if request.mimetype.endswith("form-urlencoded")
        or request.mimetype == "multipart/form-data"
        else None
    )
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise Forbidden(
            "This form or request lacks a valid CSRF token. Reload the page and "
            "try again; API clients should use a bearer token instead.",
            slug="csrf",
        )


def csrf_exempt(view: Any) -> Any:
    """Let a view take state-changing requests without a CSRF token: only
    for a public endpoint that ignores the browser session, so no ambient
    credential can be ridden (an API endpoint anyone may call)."""
    view.csrf_exempt = True
    return view
