"""The two halves of a transfer: the request kept by the commune the person
leaves, and the copy of the file kept by the commune asked to receive them.

Each half is owned by its own commune, so neither commune ever reads the
other's rows; the jobs in ``core.transfers.service`` carry what must cross.
Both halves share one id.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto.fields import EncryptedText
from core.db import Base, Timestamped, UtcDateTime, new_id, text_enum
from core.people.models import person_reference
from tenants.isolation import TenantOwned


class TransferStatus(enum.StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    CANCELLED = "cancelled"


class OutgoingTransfer(TenantOwned, Timestamped, Base):
    """A request to move a person's file to another commune."""

    __tablename__ = "transfers_out"
    __table_args__ = (
        person_reference(),
        Index(None, "tenant_id", "person_id"),
        Index(None, "tenant_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column()
    # Communes are global rows; named by id, not by a foreign key, since
    # every key of a commune table leads with its own commune.
    to_commune_id: Mapped[uuid.UUID] = mapped_column()
    to_commune_name: Mapped[str] = mapped_column(String(120))
    status: Mapped[TransferStatus] = mapped_column(
        text_enum(TransferStatus, 16), default=TransferStatus.REQUESTED
    )
    reason: Mapped[str] = mapped_column(EncryptedText())
    requested_by_name: Mapped[str] = mapped_column(String(200))
    # Set once the file has been handed to the receiving commune.
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class IncomingTransfer(TenantOwned, Timestamped, Base):
    """A file offered to this commune, waiting for its chief, then kept as
    the history of the person from before they arrived."""

    __tablename__ = "transfers_in"
    __table_args__ = (
        person_reference(),
        Index(None, "tenant_id", "status"),
        Index(None, "tenant_id", "person_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    from_commune_id: Mapped[uuid.UUID] = mapped_column()
    from_commune_name: Mapped[str] = mapped_column(String(120))
    source_person_id: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[TransferStatus] = mapped_column(
        text_enum(TransferStatus, 16), default=TransferStatus.REQUESTED
    )
    reason: Mapped[str] = mapped_column(EncryptedText())
    # The file as it stood when it was sent: identity, tier, cases, tier
    # history, officers and contacts (JSON, encrypted under this commune's
    # key).
    file: Mapped[str] = mapped_column(EncryptedText())
    # The person's file here, once accepted.
    person_id: Mapped[uuid.UUID | None] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
