"""Dossiers for compulsory rehabilitation and the documents they hold.

What is encrypted, and why: the reason a court refused, the notes on a
dossier and on each document are free text about the person, sealed under
the commune's key; scans are stored files, encrypted by core. Dates, steps,
numbers of decisions, the court, the facility and staff names stay in
clear: the deadlines and the figures are computed from them and they name
no one but officials.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date

from sqlalchemy import Date, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import (
    Base,
    EncryptedText,
    Recorded,
    TenantOwned,
    Timestamped,
    new_id,
    person_reference,
    text_enum,
)


class Status(enum.StrEnum):
    """Where a dossier is on its path."""

    PREPARING = "preparing"
    SUBMITTED = "submitted"
    HEARING = "hearing"
    DECIDED = "decided"
    REFUSED = "refused"
    ADMITTED = "admitted"
    RELEASED = "released"


class PendingManager(enum.StrEnum):
    """Who manages the person while the decision is pending."""

    COMMUNE = "commune"
    FACILITY = "facility"


def _case_key(column: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", column], ["cases.tenant_id", "cases.id"], ondelete="RESTRICT"
    )


class Dossier(TenantOwned, Timestamped, Recorded, Base):
    """A person's dossier, from its preparation to release from the facility.

    ``case_id`` is core's referral case, opened on submission;
    ``post_case_id`` the post-rehab case opened on release.
    """

    __tablename__ = "compulsory_rehab_dossiers"
    __table_args__ = (
        person_reference(),
        _case_key("case_id"),
        _case_key("post_case_id"),
        Index(None, "tenant_id", "person_id"),
        Index(None, "tenant_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column()
    ruleset: Mapped[str] = mapped_column(String(32))
    status: Mapped[Status] = mapped_column(
        text_enum(Status, 16), default=Status.PREPARING
    )
    opened_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(EncryptedText())
    # Submission: the commune's referral, and who manages the person meanwhile.
    submitted_on: Mapped[date | None] = mapped_column(Date)
    referral_number: Mapped[str | None] = mapped_column(String(64))
    referred_by: Mapped[str | None] = mapped_column(String(200))
    pending_manager: Mapped[PendingManager | None] = mapped_column(
        text_enum(PendingManager, 16)
    )
    age_group: Mapped[str | None] = mapped_column(String(8))
    # The court's hearing and decision.
    hearing_on: Mapped[date | None] = mapped_column(Date)
    court: Mapped[str | None] = mapped_column(String(200))
    decided_on: Mapped[date | None] = mapped_column(Date)
    decision_number: Mapped[str | None] = mapped_column(String(64))
    term_months: Mapped[int | None] = mapped_column(Integer)
    facility: Mapped[str | None] = mapped_column(String(200))
    refusal_reason: Mapped[str | None] = mapped_column(EncryptedText())
    # The stay in the facility.
    admitted_on: Mapped[date | None] = mapped_column(Date)
    release_due_on: Mapped[date | None] = mapped_column(Date)
    released_on: Mapped[date | None] = mapped_column(Date)
    certificate_number: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[uuid.UUID | None] = mapped_column()
    post_case_id: Mapped[uuid.UUID | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Document(TenantOwned, Recorded, Base):
    """One document of a dossier: its kind, who prepared it and when, who
    confirmed it where the ruleset asks, and its scan."""

    __tablename__ = "compulsory_rehab_documents"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "dossier_id"],
            ["compulsory_rehab_dossiers.tenant_id", "compulsory_rehab_dossiers.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(["tenant_id", "file_id"], ["files.tenant_id", "files.id"]),
        Index(None, "tenant_id", "dossier_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    dossier_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(32))
    prepared_by: Mapped[str] = mapped_column(String(200))
    prepared_on: Mapped[date] = mapped_column(Date)
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(EncryptedText())
    file_id: Mapped[uuid.UUID | None] = mapped_column()
