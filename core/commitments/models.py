"""A commitment, its reviews, its breaches and its scans."""

from __future__ import annotations

import enum
import uuid
from datetime import date

from sqlalchemy import Date, ForeignKeyConstraint, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto.fields import EncryptedText
from core.db import Base, Recorded, Timestamped, new_id, text_enum
from core.people.models import person_reference
from tenants.isolation import TenantOwned


class SignerKind(enum.StrEnum):
    PERSON = "person"
    FAMILY = "family"


class CommitmentStatus(enum.StrEnum):
    # Reviewed on its date while active; a review that keeps it moves the
    # date on, one that renews it means a new commitment replaces it.
    ACTIVE = "active"
    RENEWED = "renewed"
    ENDED = "ended"


class ReviewOutcome(enum.StrEnum):
    CONTINUED = "continued"
    RENEWED = "renewed"
    ENDED = "ended"


def _commitment_key() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", "commitment_id"],
        ["commitments.tenant_id", "commitments.id"],
        ondelete="CASCADE",
    )


class Commitment(TenantOwned, Timestamped, Base):
    """A signed undertaking by a person, or by their family for them."""

    __tablename__ = "commitments"
    __table_args__ = (
        person_reference(),
        Index(None, "tenant_id", "person_id"),
        Index(None, "tenant_id", "status", "review_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column()
    signer_kind: Mapped[SignerKind] = mapped_column(text_enum(SignerKind, 16))
    # For a family signer only: who, and how they are related. Personal data
    # of a third party, so encrypted.
    signer_name: Mapped[str | None] = mapped_column(EncryptedText())
    signer_relation: Mapped[str | None] = mapped_column(EncryptedText())
    signed_on: Mapped[date] = mapped_column(Date)
    terms: Mapped[str] = mapped_column(EncryptedText())
    review_on: Mapped[date] = mapped_column(Date)
    status: Mapped[CommitmentStatus] = mapped_column(
        text_enum(CommitmentStatus, 16), default=CommitmentStatus.ACTIVE
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class CommitmentReview(TenantOwned, Recorded, Base):
    """A review of a commitment on or after its review date."""

    __tablename__ = "commitment_reviews"
    __table_args__ = (_commitment_key(), Index(None, "tenant_id", "commitment_id"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    commitment_id: Mapped[uuid.UUID] = mapped_column()
    reviewed_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[ReviewOutcome] = mapped_column(text_enum(ReviewOutcome, 16))
    next_review_on: Mapped[date | None] = mapped_column(Date)


class CommitmentBreach(TenantOwned, Recorded, Base):
    """A breach of a commitment, as the officer who saw it recorded it."""

    __tablename__ = "commitment_breaches"
    __table_args__ = (_commitment_key(), Index(None, "tenant_id", "commitment_id"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    commitment_id: Mapped[uuid.UUID] = mapped_column()
    occurred_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(EncryptedText())


class CommitmentScan(TenantOwned, Base):
    """A scan of the signed paper: a stored file attached to a commitment."""

    __tablename__ = "commitment_scans"
    __table_args__ = (
        _commitment_key(),
        ForeignKeyConstraint(
            ["tenant_id", "file_id"],
            ["files.tenant_id", "files.id"],
            ondelete="CASCADE",
        ),
        # A file is the scan of one commitment only.
        Index(None, "tenant_id", "file_id", unique=True),
    )

    commitment_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    file_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
