"""Audit tables. Rows are only ever inserted: the application role may not
update or delete them, and a trigger refuses it on PostgreSQL even to the
owner. Each row's hash covers the previous row's hash, so any change,
removal or reordering breaks the chain at that point."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UtcDateTime
from tenants.isolation import TenantOwned

APPEND_ONLY = {"append_only": True}
# Heads move forward (UPDATE) but are never removed by the application.
NO_DELETE = {"no_delete": True}


class _EventColumns:
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The account, or None for the operator and the system (see actor_name).
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_name: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(80))
    # Names of the fields read or changed, never their values.
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str | None] = mapped_column(String(64))  # client address
    request_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(TenantOwned, _EventColumns, Base):
    """One link of a commune's chain."""

    __tablename__ = "audit_events"
    __table_args__ = {"info": APPEND_ONLY}

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class AuditHead(TenantOwned, Base):
    """The last link of a commune's chain; locked while a link is added, so
    concurrent writers queue up instead of forking the chain."""

    __tablename__ = "audit_heads"
    __table_args__ = {"info": NO_DELETE}

    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class PlatformAuditEvent(_EventColumns, Base):
    """One link of the platform chain: sign-ins, onboarding, cross-commune work."""

    __tablename__ = "platform_audit_events"
    __table_args__ = {"info": APPEND_ONLY}

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    commune_id: Mapped[uuid.UUID | None] = mapped_column()


class PlatformAuditHead(Base):
    __tablename__ = "platform_audit_head"
    __table_args__ = {"info": NO_DELETE}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))
