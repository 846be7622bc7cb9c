"""The counselling log, the commune's message channels, the contacts who may
be sent reminders (with their consent), and each reminder's delivery.

What is encrypted, and why: everything a caller or counsellor wrote (who
called, what about in their words, the advice, the referral), every name and
address of a contact (phone, e-mail, Zalo id), the place a reminder names,
and each channel's secret (API token, SMTP password). Kinds, times, topics
as categories and delivery states stay in clear: they are what lists, jobs
and figures work on, and they name no one.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import (
    Base,
    EncryptedText,
    Recorded,
    TenantOwned,
    Timestamped,
    UtcDateTime,
    new_id,
    person_reference,
    text_enum,
)


class Means(enum.StrEnum):
    """How a counselling contact came in."""

    PHONE = "phone"
    MESSAGING = "messaging"
    IN_PERSON = "in_person"


class Topic(enum.StrEnum):
    DRUG_USE = "drug_use"
    TREATMENT = "treatment"
    RELAPSE = "relapse"
    FAMILY = "family"
    LEGAL = "legal"
    OTHER = "other"


class ChannelKind(enum.StrEnum):
    """Where reminders go out: e-mail, an SMS gateway, a Zalo Official Account."""

    EMAIL = "email"
    SMS = "sms"
    ZALO = "zalo"


class Relation(enum.StrEnum):
    SELF = "self"
    FAMILY = "family"


class Purpose(enum.StrEnum):
    """Why a reminder is sent: kept for the record, never put in the text."""

    APPOINTMENT = "appointment"
    COMMITMENT_REVIEW = "commitment_review"
    METHADONE = "methadone"


class Delivery(enum.StrEnum):
    QUEUED = "queued"
    RETRYING = "retrying"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Entry(TenantOwned, Timestamped, Recorded, Base):
    """One call, message or visit to the hotline or a counsellor."""

    __tablename__ = "counselling_entries"
    __table_args__ = (
        person_reference(),
        Index(None, "tenant_id", "occurred_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    means: Mapped[Means] = mapped_column(text_enum(Means, 16))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    # Who called, in the counsellor's words, when they gave a name.
    caller: Mapped[str | None] = mapped_column(EncryptedText())
    # The managed person the contact was about, when it was one.
    person_id: Mapped[uuid.UUID | None] = mapped_column()
    topic: Mapped[Topic] = mapped_column(text_enum(Topic, 32))
    details: Mapped[str | None] = mapped_column(EncryptedText())
    advice: Mapped[str | None] = mapped_column(EncryptedText())
    referral: Mapped[str | None] = mapped_column(EncryptedText())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Channel(TenantOwned, Timestamped, Base):
    """How the commune reaches one kind of channel; one row per kind."""

    __tablename__ = "counselling_channels"

    kind: Mapped[ChannelKind] = mapped_column(
        text_enum(ChannelKind, 16), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # The SMS gateway's or Zalo API's address; unused for e-mail.
    url: Mapped[str | None] = mapped_column(String(500))
    # E-mail: the SMTP server, and who the messages come from.
    host: Mapped[str | None] = mapped_column(String(200))
    port: Mapped[int | None] = mapped_column(Integer)
    starttls: Mapped[bool] = mapped_column(Boolean, default=True)
    username: Mapped[str | None] = mapped_column(String(200))
    sender: Mapped[str | None] = mapped_column(String(200))
    # The API token or SMTP password: written, never shown again.
    secret: Mapped[str | None] = mapped_column(EncryptedText())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Contact(TenantOwned, Timestamped, Recorded, Base):
    """A person, or one of their family, who may be sent reminders, and
    whether they agreed to be."""

    __tablename__ = "counselling_contacts"
    __table_args__ = (person_reference(),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column()
    relation: Mapped[Relation] = mapped_column(text_enum(Relation, 16))
    name: Mapped[str] = mapped_column(EncryptedText())
    channel: Mapped[ChannelKind] = mapped_column(text_enum(ChannelKind, 16))
    phone: Mapped[str | None] = mapped_column(EncryptedText())
    email: Mapped[str | None] = mapped_column(EncryptedText())
    zalo_user_id: Mapped[str | None] = mapped_column(EncryptedText())
    language: Mapped[str] = mapped_column(String(2), default="vi")
    # Consent to reminders: when it was given (and how), and when withdrawn.
    consented_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    consent_basis: Mapped[str | None] = mapped_column(String(16))
    consent_recorded_by: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def consenting(self) -> bool:
        return self.consented_at is not None and self.withdrawn_at is None


class Message(TenantOwned, Timestamped, Recorded, Base):
    """One reminder to one contact, and how its delivery went."""

    __tablename__ = "counselling_messages"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "contact_id"],
            ["counselling_contacts.tenant_id", "counselling_contacts.id"],
            ondelete="CASCADE",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    contact_id: Mapped[uuid.UUID] = mapped_column()
    purpose: Mapped[Purpose] = mapped_column(text_enum(Purpose, 32))
    channel: Mapped[ChannelKind] = mapped_column(text_enum(ChannelKind, 16))
    # When and where, which is all the text says.
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    place: Mapped[str] = mapped_column(EncryptedText())
    status: Mapped[Delivery] = mapped_column(
        text_enum(Delivery, 16), default=Delivery.QUEUED
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A short code (http_503, unreachable, smtp_...), never a personal value.
    last_error: Mapped[str | None] = mapped_column(String(64))
    not_before: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
