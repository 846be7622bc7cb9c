"""A work item: one thing someone in the commune must do by a date."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, Timestamped, UtcDateTime, new_id, text_enum
from core.people.models import person_reference
from tenants.isolation import TenantOwned


class ItemStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    DISMISSED = "dismissed"


class Desk(enum.StrEnum):
    """Who works an item that is not assigned to one officer."""

    CHIEF = "chief"
    HEALTH = "health"


class WorkItem(TenantOwned, Timestamped, Base):
    """Something due: a residence check, the end of a period, a review.

    ``key`` makes raising idempotent: the daily job and plugins raise items
    by a key that names the item's reason (kind, subject, due date), and a
    key already raised in the commune is not raised again. Items hold no
    personal data beyond the person's id; titles are generic.
    """

    __tablename__ = "work_items"
    __table_args__ = (
        person_reference(),
        UniqueConstraint("tenant_id", "key"),
        Index(None, "tenant_id", "status", "assignee_id", "due_on"),
        Index(None, "tenant_id", "person_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(60))
    # "core", or the plugin that raised it.
    origin: Mapped[str] = mapped_column(String(40))
    title_vi: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[uuid.UUID | None] = mapped_column()
    # What the item is about within the person's file (a case, a
    # commitment, a plugin's record); not a foreign key, since plugins
    # raise items about their own rows.
    subject_id: Mapped[uuid.UUID | None] = mapped_column()
    due_on: Mapped[date] = mapped_column(Date)
    # One officer, or a desk (the chief's, the health team's).
    assignee_id: Mapped[uuid.UUID | None] = mapped_column()
    desk: Mapped[Desk | None] = mapped_column(text_enum(Desk, 16))
    status: Mapped[ItemStatus] = mapped_column(
        text_enum(ItemStatus, 16), default=ItemStatus.OPEN
    )
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_by_name: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
