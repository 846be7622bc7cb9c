"""The wrapped data key of each commune. Global: it must be found before the
commune's own rows can be read."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UtcDateTime, utcnow
from tenants.models import Commune


class CommuneKey(Base):
    """A commune's data key, encrypted (wrapped) under a master key."""

    __tablename__ = "commune_keys"

    commune_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communes.id", ondelete="RESTRICT"), primary_key=True
    )
    # Empty once destroyed: the commune's encrypted fields are then noise.
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Fingerprint of the master key that wrapped it, to pick it on rotation.
    master_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    destroyed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    # Lets the unit of work insert the commune before its key.
    commune: Mapped[Commune] = relationship()


class PlatformKey(Base):
    """A key of the platform itself (not of a commune), wrapped the same way:
    for instance the key that hashes single sign-on identifiers."""

    __tablename__ = "platform_keys"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    master_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
