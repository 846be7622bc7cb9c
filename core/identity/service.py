"""Rules for accounts, sign-in and API tokens; used by the CLI, API and pages."""

from __future__ import annotations

import hmac
import logging
import re
import unicodedata
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.crypto.fields import open_platform, seal_platform
from core.db import utcnow
from core.errors import Conflict, Invalid, NotFound, TooManyRequests, field_error
from core.identity.authn import Principal
from core.identity.models import ApiToken, User
from core.identity.passwords import hash_password, verify_password
from core.identity.secrets import digest, new_api_token
from core.identity.throttle import Throttle
from tenants.models import Commune, Region

logger = logging.getLogger(__name__)

TOTP_KEY = "totp"
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


def normalise_username(username: str) -> str:
    return username.strip().lower()


def get_user(db: Session, username: str) -> User:
    user = db.scalars(
        select(User).where(User.username == normalise_username(username))
    ).first()
    if user is None:
        raise NotFound(
            "No account is named “%(username)s”. Check the spelling, or ask the "
            "region admin to create it.",
            values={"username": username},
        )
    return user


def create_user(
    db: Session,
    *,
    username: str,
    full_name: str,
    password: str | None = None,
    with_totp: bool = False,
) -> User:
    """Provision a staff account. Without a password it can only use SSO."""
    username = normalise_username(username)
    if not USERNAME_PATTERN.match(username):
        raise Invalid(
            "A username is 3 to 64 lower-case letters, digits, '.', '_' or '-'.",
            errors=[field_error("username", "3-64 of a-z, 0-9, '.', '_', '-'.")],
        )
    if not full_name.strip():
        raise Invalid(
            "Give the account holder's full name.",
            errors=[field_error("full_name", "Required.")],
        )
    if db.scalars(select(User.id).where(User.username == username)).first():
        raise Conflict(
            f"The username {username!r} is taken.",
            errors=[field_error("username", "Already in use.")],
        )
    user = User(
        username=username,
        full_name=unicodedata.normalize("NFC", full_name.strip()),
        password_hash=hash_password(password) if password else None,
        totp_secret=seal_platform(db, TOTP_KEY, pyotp.random_base32())
        if with_totp
        else None,
    )
    db.add(user)
    db.flush()
    logger.info("account %s created", user.id)
    return user


def totp_secret(db: Session, user: User) -> str | None:
    """The account's TOTP secret in clear, for the authenticator set-up."""
    if not user.totp_secret:
        return None
    return open_platform(db, TOTP_KEY, user.totp_secret)


def totp_uri(db: Session, user: User) -> str | None:
    secret = totp_secret(db, user)
    if secret is None:
        return None
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.username, issuer_name="Bình Yên"
    )


class SignInRefused(Exception):
    """Sign-in failed. Deliberately one message whatever the reason, so that
    nobody can learn which usernames exist."""

    message = "Wrong username, password or code."


def sign_in(
    db: Session,
    throttle: Throttle,
    *,
    username: str,
    password: str,
    code: str | None,
    client: str,
) -> User:
    """Check a password (and TOTP code); throttle repeated failures.

    Failures count against the account and against the client address; while
    either is over its limit every try is refused without checking, so an
    attacker learns nothing from it.
    """
    name = normalise_username(username)
    if throttle.is_blocked("account", name) or throttle.is_blocked(
        "client", client, limit=throttle.limit * 10
    ):
        raise TooManyRequests(
            "Too many failed sign-ins. Wait a few minutes before trying again.",
            headers={"Retry-After": str(throttle.retry_after())},
        )
    user = db.scalars(select(User).where(User.username == name)).first()
    ok = verify_password(user.password_hash if user else None, password)
    if ok and user is not None and user.totp_secret:
        ok = _accept_totp(db, user, code)
    if not ok or user is None or not user.is_active:
        throttle.record_failure("account", name)
        throttle.record_failure("client", client)
        logger.info("sign-in refused")
        raise SignInRefused()
    throttle.clear("account", name)
    return user


def _accept_totp(db: Session, user: User, code: str | None) -> bool:
    """True for a current code (one step of clock drift either way) that is
    newer than the last one accepted; records it so it cannot be replayed."""
    secret = totp_secret(db, user)
    if not code or not secret:
        return False
    totp = pyotp.TOTP(secret)
    now = datetime.now(UTC)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code.strip()):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            user.totp_last_step = step
            return True
    return False


def create_token(
    db: Session,
    user: User,
    *,
    name: str,
    permissions: set[str],
    holdable: frozenset[str],
    days: int,
    max_days: int,
    commune: Commune | None = None,
    region: Region | None = None,
    parent: ApiToken | None = None,
) -> tuple[ApiToken, str]:
    """Make a token; returns the record and the secret, which is shown once.

    ``holdable`` is what the user holds in the scope now; asking for more is
    refused rather than quietly trimmed, so the caller knows what they got.
    A token made with another token (``parent``) expires no later than it,
    so a leaked short-lived token cannot keep itself alive.
    """
    if not permissions:
        raise Invalid(
            "Name at least one permission for the token.",
            errors=[field_error("permissions", "At least one.")],
        )
    beyond = sorted(permissions - holdable)
    if beyond:
        raise Invalid(
            "A token cannot carry permissions you do not hold there: "
            + ", ".join(beyond),
            errors=[field_error("permissions", "Not held: " + ", ".join(beyond))],
        )
    if not 1 <= days <= max_days:
        raise Invalid(
            f"A token lives between 1 and {max_days} days.",
            errors=[field_error("days", f"Between 1 and {max_days}.")],
        )
    now = utcnow()
    expires_at = now + timedelta(days=days)
    if parent is not None:
        # Capped, not refused: the answer shows the expiry the token got.
        expires_at = min(expires_at, parent.expires_at)
    secret = new_api_token()
    token = ApiToken(
        user_id=user.id,
        name=name.strip() or "token",
        prefix=secret[:10],
        token_hash=digest(secret),
        commune_id=commune.id if commune else None,
        region_id=region.id if region else None,
        permissions=sorted(permissions),
        created_at=now,
        expires_at=expires_at,
    )
    db.add(token)
    db.flush()
    logger.info("API token %s created", token.id)
    return token, secret


def count_users(db: Session) -> int:
    return int(db.scalar(select(func.count(User.id))) or 0)


def display_name(db: Session, principal: Principal) -> str:
    """The name to show for what ``principal`` did: an account's full name,
    or the operator's name at the command line."""
    if principal.user_id is not None:
        user = db.get(User, principal.user_id)
        if user is not None:
            return user.full_name
    return principal.username
