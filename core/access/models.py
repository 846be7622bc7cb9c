"""Memberships: a user's role in one commune or one region, and, for roles
that are narrowed to hamlets, which hamlets."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UtcDateTime, new_id, utcnow
from tenants.isolation import TenantOwned


class Membership(Base):
    """A role held by a user in exactly one commune or one region."""

    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint(
            "(commune_id IS NULL) <> (region_id IS NULL)", name="one_scope"
        ),
        # Lets commune-owned rows point at a membership with a key that
        # starts with the commune, so they cannot point into another one.
        UniqueConstraint("commune_id", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(40))
    commune_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"), index=True
    )
    region_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE"), index=True
    )
    granted_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class MembershipHamlet(TenantOwned, Base):
    """One hamlet that a hamlet-scoped membership reaches."""

    __tablename__ = "membership_hamlets"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "membership_id"],
            ["memberships.commune_id", "memberships.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "hamlet_id"],
            ["hamlets.tenant_id", "hamlets.id"],
            ondelete="CASCADE",
        ),
    )

    membership_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    hamlet_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
