"""Mentoring (kèm cặp): the officer responsible for a person, with history,
and each contact that officer has with them."""

from __future__ import annotations

import enum
import uuid
from datetime import date

from sqlalchemy import (
    Boolean,
    Date,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto.fields import EncryptedText
from core.db import Base, Timestamped, new_id, text_enum
from core.people.models import person_reference
from tenants.isolation import TenantOwned


class Assignment(TenantOwned, Timestamped, Base):
    """An officer made responsible for a person, from one day until another.

    A person has at most one current assignment (``ended_on`` empty); a
    reassignment ends it and starts the next, so the history stays whole.
    Accounts are global, so ``officer_id`` names one without a foreign key
    (every key of a commune table leads with ``tenant_id``); the service
    checks the officer serves the commune.
    """

    __tablename__ = "assignments"
    __table_args__ = (
        person_reference(),
        Index(None, "tenant_id", "person_id", "ended_on"),
        Index(None, "tenant_id", "officer_id", "ended_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column()
    officer_id: Mapped[uuid.UUID] = mapped_column()
    officer_name: Mapped[str] = mapped_column(String(200))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    assigned_by_name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(EncryptedText())


class Channel(enum.StrEnum):
    VISIT = "visit"
    CALL = "call"
    MEETING = "meeting"
    MESSAGE = "message"


class Contact(TenantOwned, Timestamped, Base):
    """A visit, call, meeting or message between an officer and a person."""

    __tablename__ = "contacts"
    __table_args__ = (
        person_reference(),
        Index(None, "tenant_id", "person_id", "contacted_on"),
        Index(None, "tenant_id", "officer_id", "next_due_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column()
    officer_id: Mapped[uuid.UUID | None] = mapped_column()
    officer_name: Mapped[str] = mapped_column(String(200))
    contacted_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[Channel] = mapped_column(text_enum(Channel, 16))
    # The visit confirmed the person lives where the file says (the monthly
    # residence check of a managed user).
    residence_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(EncryptedText())
    next_due_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
