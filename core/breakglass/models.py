"""A request for access to one file, kept in the commune that owns the file."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto.fields import EncryptedText
from core.db import Base, UtcDateTime, new_id, utcnow
from tenants.isolation import TenantOwned


class GrantStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    DENIED = "denied"
    REVOKED = "revoked"


class AccessGrant(TenantOwned, Base):
    """Someone from outside asks for one file; the commune chief decides."""

    __tablename__ = "access_grants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    requester_id: Mapped[uuid.UUID] = mapped_column()
    requester_name: Mapped[str] = mapped_column(String(64))
    # What is asked for: for now always a person's file.
    subject_type: Mapped[str] = mapped_column(String(40), default="person")
    subject_id: Mapped[uuid.UUID] = mapped_column()
    # Why: free text that may name people, so encrypted.
    reason: Mapped[str] = mapped_column(EncryptedText())
    hours: Mapped[int] = mapped_column(Integer)
    status: Mapped[GrantStatus] = mapped_column(
        Enum(
            GrantStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=GrantStatus.REQUESTED,
    )
    decided_by: Mapped[uuid.UUID | None] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    def is_active(self, now: datetime) -> bool:
        """Approved and not yet expired: access ends by itself."""
        return (
            self.status is GrantStatus.APPROVED
            and self.expires_at is not None
            and now < self.expires_at
        )
