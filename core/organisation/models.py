"""Teams of a commune, their members, and the hamlets each staff member serves."""

from __future__ import annotations

import enum
import uuid
from datetime import date

from sqlalchemy import (
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto.fields import EncryptedText
from core.db import Base, Timestamped, new_id, text_enum
from tenants.isolation import TenantOwned


class TeamKind(enum.StrEnum):
    STEERING_COMMITTEE = "steering_committee"  # Ban chỉ đạo
    HAMLET_TEAM = "hamlet_team"  # Tổ công tác thôn, xóm
    HEALTH_TEAM = "health_team"  # Trạm y tế / tổ y tế


class Team(TenantOwned, Timestamped, Base):
    """A team of the commune; a hamlet team covers exactly one hamlet."""

    __tablename__ = "teams"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "hamlet_id"],
            ["hamlets.tenant_id", "hamlets.id"],
            ondelete="RESTRICT",
        ),
        UniqueConstraint("tenant_id", "name"),
        # One team per hamlet (NULLs, for the other kinds, do not collide).
        UniqueConstraint("tenant_id", "hamlet_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[TeamKind] = mapped_column(text_enum(TeamKind, 24))
    name: Mapped[str] = mapped_column(String(160))
    hamlet_id: Mapped[uuid.UUID | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class TeamMember(TenantOwned, Timestamped, Base):
    """Someone on a team, with a position; a staff account if they have one
    (a village elder or a Women's Union delegate may not)."""

    __tablename__ = "team_members"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "team_id"],
            ["teams.tenant_id", "teams.id"],
            ondelete="CASCADE",
        ),
        Index(None, "tenant_id", "team_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    team_id: Mapped[uuid.UUID] = mapped_column()
    user_id: Mapped[uuid.UUID | None] = mapped_column()
    full_name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(EncryptedText())
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class HamletStaff(TenantOwned, Timestamped, Base):
    """A staff member (usually a police officer) serving a hamlet: they reach
    the people of that hamlet."""

    __tablename__ = "hamlet_staff"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "hamlet_id"],
            ["hamlets.tenant_id", "hamlets.id"],
            ondelete="CASCADE",
        ),
        Index(None, "tenant_id", "user_id"),
    )

    hamlet_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
