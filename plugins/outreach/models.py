"""Outreach sessions: talks on drugs at schools and in hamlets, planned and
held, with who came (counts only), who spoke and what was handed out.

Nothing here is about a managed person: an audience is a count by sex and
age group, and speakers are staff or respected local people who spoke in
public, so no column is encrypted.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import (
    Base,
    Recorded,
    TenantOwned,
    Timestamped,
    new_id,
    text_enum,
)


class Setting(enum.StrEnum):
    """Where a session is held: a school (and a class), or a hamlet."""

    SCHOOL = "school"
    HAMLET = "hamlet"


class SessionStatus(enum.StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


SEXES = ("male", "female")
AGE_GROUPS = ("under_15", "15_to_17", "18_to_30", "over_30")


class OutreachSession(TenantOwned, Timestamped, Recorded, Base):
    """One talk, planned for a day and, once it took place, held on one."""

    __tablename__ = "outreach_sessions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "hamlet_id"],
            ["hamlets.tenant_id", "hamlets.id"],
            ondelete="RESTRICT",
        ),
        Index(None, "tenant_id", "planned_on"),
        Index(None, "tenant_id", "held_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    setting: Mapped[Setting] = mapped_column(text_enum(Setting, 16))
    school: Mapped[str | None] = mapped_column(String(200))
    class_name: Mapped[str | None] = mapped_column(String(60))
    hamlet_id: Mapped[uuid.UUID | None] = mapped_column()
    place: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(200))
    status: Mapped[SessionStatus] = mapped_column(
        text_enum(SessionStatus, 16), default=SessionStatus.PLANNED
    )
    planned_on: Mapped[date] = mapped_column(Date)
    held_on: Mapped[date | None] = mapped_column(Date)
    # [{"name": ..., "role": ..., "respected_local": bool}]: who spoke.
    speakers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Leaflets, posters, films: what was shown or handed out.
    materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    # [{"sex": ..., "age_group": ..., "count": n}]: who came, as counts.
    audience: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def audience_total(self) -> int:
        return sum(int(cell["count"]) for cell in self.audience or ())
