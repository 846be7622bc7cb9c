"""The tip plugin's tables: tips, their sealed tipster identities, the
dialogue with the tipster, links to people and hamlets, unseal records,
photos, and the answers kept for retried submissions.

What is encrypted, and how: a tip's text, place and outcome note, every
message and every unseal reason are sealed under the commune's key like any
free text. Anything that could identify the tipster (national identity
claims, contact details) is kept in its own table and sealed with a key
kept for that one purpose (``seal_apart``), so that no read of a tip, of a
list or of a dump reveals it; only the unseal action opens it. A tip's
receipt code is found by a keyed hash and its passphrase kept as an argon2
hash; neither is stored in clear. Nothing about the tipster's device or
network is stored at all.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
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
    utcnow,
)


class Category(enum.StrEnum):
    USE = "use"
    DEALING = "dealing"
    PLACE = "place"  # a place where people gather to use
    NEEDS_HELP = "needs_help"  # someone who needs help


class Status(enum.StrEnum):
    NEW = "new"
    VERIFYING = "verifying"
    ACTIONABLE = "actionable"
    NOT_ACTIONABLE = "not_actionable"
    CLOSED = "closed"


class Outcome(enum.StrEnum):
    """How a closed tip ended."""

    CASE_OPENED = "case_opened"
    PERSON_SUPPORTED = "person_supported"
    PLACE_HANDLED = "place_handled"
    PASSED_ON = "passed_on"
    NO_FINDING = "no_finding"
    DUPLICATE = "duplicate"
    FALSE = "false"


class Identified(enum.StrEnum):
    """How far the tipster made themselves known."""

    ANONYMOUS = "anonymous"
    CONTACT = "contact"  # gave a name or a way to reach them
    NATIONAL_ID = "national_id"  # signed in with the national identity


class Sender(enum.StrEnum):
    OFFICER = "officer"
    TIPSTER = "tipster"


class Tip(TenantOwned, Timestamped, Base):
    """A report from a resident, and where its triage stands."""

    __tablename__ = "tips_tips"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "hamlet_id"], ["hamlets.tenant_id", "hamlets.id"]
        ),
        # The receipt code finds its tip by this keyed hash, never in clear.
        UniqueConstraint("tenant_id", "code_index"),
        Index(None, "tenant_id", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    category: Mapped[Category] = mapped_column(text_enum(Category, 16))
    hamlet_id: Mapped[uuid.UUID | None] = mapped_column()
    place: Mapped[str | None] = mapped_column(EncryptedText())
    happened_on: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(EncryptedText())
    identified: Mapped[Identified] = mapped_column(text_enum(Identified, 16))
    code_index: Mapped[str] = mapped_column(String(64))
    passphrase_hash: Mapped[str] = mapped_column(String(200))
    status: Mapped[Status] = mapped_column(text_enum(Status, 16), default=Status.NEW)
    outcome: Mapped[Outcome | None] = mapped_column(text_enum(Outcome, 16))
    outcome_note: Mapped[str | None] = mapped_column(EncryptedText())
    # A staff account: global, so a plain id (keys must start with tenant_id).
    assignee_id: Mapped[uuid.UUID | None] = mapped_column()
    valuable: Mapped[bool] = mapped_column(Boolean, default=False)
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class SealedIdentity(TenantOwned, Base):
    """What identifies a tip's tipster, sealed apart (see the module)."""

    __tablename__ = "tips_identities"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "tip_id"],
            ["tips_tips.tenant_id", "tips_tips.id"],
            ondelete="CASCADE",
        ),
    )

    tip_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Message(TenantOwned, Base):
    """One turn of the dialogue: an officer's question or the tipster's answer."""

    __tablename__ = "tips_messages"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "tip_id"],
            ["tips_tips.tenant_id", "tips_tips.id"],
            ondelete="CASCADE",
        ),
        Index(None, "tenant_id", "tip_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tip_id: Mapped[uuid.UUID] = mapped_column()
    sender: Mapped[Sender] = mapped_column(text_enum(Sender, 16))
    body: Mapped[str] = mapped_column(EncryptedText())
    # The officer who asked; None for the tipster, who has no account.
    author_id: Mapped[uuid.UUID | None] = mapped_column()
    author_name: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class PersonLink(TenantOwned, Recorded, Base):
    """A person a tip is about, as the triage officer judged."""

    __tablename__ = "tips_person_links"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "tip_id"],
            ["tips_tips.tenant_id", "tips_tips.id"],
            ondelete="CASCADE",
        ),
        person_reference(),
        Index(None, "tenant_id", "person_id"),
    )

    tip_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class HamletLink(TenantOwned, Recorded, Base):
    """A further hamlet a tip concerns (its own is ``Tip.hamlet_id``)."""

    __tablename__ = "tips_hamlet_links"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "tip_id"],
            ["tips_tips.tenant_id", "tips_tips.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "hamlet_id"], ["hamlets.tenant_id", "hamlets.id"]
        ),
    )

    tip_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    hamlet_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class Unseal(TenantOwned, Recorded, Base):
    """The chief opened a tipster's identity, with a written reason;
    ``recorded_by`` is who did."""

    __tablename__ = "tips_unseals"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "tip_id"],
            ["tips_tips.tenant_id", "tips_tips.id"],
            ondelete="CASCADE",
        ),
        Index(None, "tenant_id", "tip_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tip_id: Mapped[uuid.UUID] = mapped_column()
    reason: Mapped[str] = mapped_column(EncryptedText())


class TipPhoto(TenantOwned, Base):
    """A photo sent with a tip; the file is stored encrypted by core."""

    __tablename__ = "tips_photos"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "tip_id"],
            ["tips_tips.tenant_id", "tips_tips.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(["tenant_id", "file_id"], ["files.tenant_id", "files.id"]),
    )

    tip_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    file_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class Submission(TenantOwned, Base):
    """The answer given to a submission with an ``Idempotency-Key``, kept
    for a day so that a retry gets the same receipt instead of a second tip.
    The key is kept as a keyed hash, the answer encrypted."""

    __tablename__ = "tips_submissions"

    key_index: Mapped[str] = mapped_column(String(64), primary_key=True)
    # A keyed hash of the request body: the same key with another body is
    # a client's mistake, refused rather than answered with another tip.
    fingerprint: Mapped[str] = mapped_column(String(64))
    answer: Mapped[str] = mapped_column(EncryptedText())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
