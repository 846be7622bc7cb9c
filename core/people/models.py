"""The person: identity and contact details, the sensitive ones encrypted."""

from __future__ import annotations

import enum
import uuid
from datetime import date

from sqlalchemy import Date, Enum, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto.fields import EncryptedText
from core.db import Base, Timestamped, new_id
from tenants.isolation import TenantOwned


class Sex(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"


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
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


def person_key() -> ForeignKeyConstraint:
    """The composite foreign key of a record about one person: ``(tenant_id,
    person_id)``, so it cannot point at a person of another commune. The
    record goes with the person's file if that is ever deleted."""
    return ForeignKeyConstraint(
        ["tenant_id", "person_id"],
        ["persons.tenant_id", "persons.id"],
        ondelete="CASCADE",
    )
