"""The bulletin's tables: notices, and one receipt per staff member per notice."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKeyConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import (
    Base,
    EncryptedText,
    TenantOwned,
    Timestamped,
    UtcDateTime,
    new_id,
)


class Notice(TenantOwned, Timestamped, Base):
    """A notice to the commune's staff."""

    __tablename__ = "bulletin_notices"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    # Free text written by staff may name people: encrypted at rest.
    body: Mapped[str] = mapped_column(EncryptedText(), default="")
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    # The person file a notice concerns, if any; shown on that person's
    # timeline. Plain id: the people table belongs to case management.
    subject_id: Mapped[uuid.UUID | None] = mapped_column()
    # The account that wrote it. Accounts are global, so no foreign key from
    # this commune-owned table (its keys must all start with tenant_id).
    author_id: Mapped[uuid.UUID | None] = mapped_column()
    announced_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Receipt(TenantOwned, Base):
    """A notice delivered to one staff member, and whether they read it."""

    __tablename__ = "bulletin_receipts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "notice_id"],
            ["bulletin_notices.tenant_id", "bulletin_notices.id"],
            ondelete="CASCADE",
        ),
    )

    notice_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
