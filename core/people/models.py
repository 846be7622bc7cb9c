"""The person: identity and contact details (the sensitive ones encrypted),
their tier in the commune's stratification and the history of that tier."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    Enum,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto.fields import EncryptedText
from core.db import Base, Timestamped, UtcDateTime, new_id, text_enum, utcnow
from tenants.isolation import TenantOwned

TIERS = (1, 2, 3)


class Sex(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"


class PersonStatus(enum.StrEnum):
    """Whether the commune still keeps this file open."""

    ACTIVE = "active"
    # Moved to another commune on the platform; the file stays readable here.
    MOVED_OUT = "moved_out"
    # No longer managed or supported by the commune (all cases closed).
    INACTIVE = "inactive"


def person_reference(column: str = "person_id") -> ForeignKeyConstraint:
    """The composite foreign key from a commune-owned table to the person a
    row is about: (tenant_id, column) -> persons, so no row can point at a
    person of another commune."""
    return ForeignKeyConstraint(
        ["tenant_id", column],
        ["persons.tenant_id", "persons.id"],
        ondelete="RESTRICT",
    )


def digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


class Person(TenantOwned, Timestamped, Base):
    """Someone the commune manages or supports."""

    __tablename__ = "persons"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "hamlet_id"],
            ["hamlets.tenant_id", "hamlets.id"],
            ondelete="RESTRICT",
        ),
        Index(None, "tenant_id", "name_search"),
        Index(None, "tenant_id", "national_id_index", unique=True),
        CheckConstraint("tier IN (1, 2, 3)", name="tier"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # Names are stored NFC-normalised, and folded (no diacritics, lower case)
    # in name_search for searching "nguyen van an" as "Nguyễn Văn An".
    full_name: Mapped[str] = mapped_column(String(200))
    other_names: Mapped[str | None] = mapped_column(String(200))
    name_search: Mapped[str] = mapped_column(String(400))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[Sex | None] = mapped_column(
        Enum(
            Sex,
            native_enum=False,
            length=8,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    hamlet_id: Mapped[uuid.UUID | None] = mapped_column()
    # The 12-digit personal identification number: encrypted, and found
    # exactly through its keyed blind index.
    national_id: Mapped[str | None] = mapped_column(
        EncryptedText(index="national_id_index", normalize=digits)
    )
    national_id_index: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(EncryptedText())
    address: Mapped[str | None] = mapped_column(EncryptedText())
    family_contacts: Mapped[str | None] = mapped_column(EncryptedText())
    # 1: illegal use under management; 2: addicted, early, good background,
    # with a mentor officer; 3: heavy or long-term, a compulsory-rehab
    # dossier. None until the commune decides. Changed only through
    # core.people.service.change_tier, which keeps the history.
    tier: Mapped[int | None] = mapped_column(SmallInteger)
    status: Mapped[PersonStatus] = mapped_column(
        text_enum(PersonStatus, 16), default=PersonStatus.ACTIVE
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class TierChange(TenantOwned, Base):
    """One decision placing a person in a tier: who, when and why."""

    __tablename__ = "tier_changes"
    __table_args__ = (
        person_reference(),
        Index(None, "tenant_id", "person_id", "decided_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column()
    from_tier: Mapped[int | None] = mapped_column(SmallInteger)
    to_tier: Mapped[int] = mapped_column(SmallInteger)
    decided_on: Mapped[date] = mapped_column(Date)
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column()
    decided_by_name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(EncryptedText())
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
