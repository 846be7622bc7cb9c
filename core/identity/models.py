"""Accounts and credentials. These tables are global: a user may serve
several communes, and what they may do in each is in ``core.access``."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, Timestamped, UtcDateTime, new_id, utcnow


class User(Timestamped, Base):
    """A person who signs in: staff of a commune or region, or an operator."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # Empty for accounts that sign in only through single sign-on.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Sealed with the platform key "totp" (core.crypto.fields.seal_platform).
    totp_secret: Mapped[str | None] = mapped_column(String(200))
    # The last TOTP time step accepted, so a code cannot be used twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class BrowserSession(Base):
    """A signed-in browser. The cookie holds a random key; only its hash is here,
    so a copy of this table cannot be replayed, and deleting a row signs the
    browser out wherever it is."""

    __tablename__ = "browser_sessions"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ApiToken(Base):
    """A bearer token for API clients, scoped to one commune or one region and
    to a set of permissions, with an expiry. Only a hash of it is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint(
            "(commune_id IS NULL) <> (region_id IS NULL)", name="one_scope"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    commune_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"), index=True
    )
    region_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE"), index=True
    )
    permissions: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ThrottleCounter(Base):
    """Failure counts per key and window, for the embedded default (no Redis).

    Keys are keyed hashes, never a username or an address in clear."""

    __tablename__ = "throttle_counters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class ExternalIdentity(Base):
    """An identity at a single sign-on provider, linked to an account by an
    admin. The identifier is kept only as a keyed hash: for VNeID it is the
    person's identification number."""

    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("provider", "subject_hash"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    provider: Mapped[str] = mapped_column(String(40))
    subject_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
