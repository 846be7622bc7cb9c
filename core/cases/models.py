"""Cases (hồ sơ quản lý): one period of management of a person, of one kind,
on a legal basis, with the ruleset that computed its dates; and the decisions
that extend one."""

from __future__ import annotations

import enum
import uuid
from datetime import date

from sqlalchemy import Boolean, Date, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto.fields import EncryptedText
from core.db import Base, Timestamped, new_id, text_enum
from core.people.models import person_reference
from tenants.isolation import TenantOwned


class CaseKind(enum.StrEnum):
    ILLEGAL_USE_MANAGEMENT = "illegal_use_management"
    VOLUNTARY_REHAB = "voluntary_rehab"
    METHADONE_TREATMENT = "methadone_treatment"
    COMPULSORY_REHAB_REFERRAL = "compulsory_rehab_referral"
    POST_REHAB_MANAGEMENT = "post_rehab_management"


class RehabSetting(enum.StrEnum):
    """Where a voluntary rehabilitation takes place."""

    HOME = "home"
    COMMUNITY = "community"
    FACILITY = "facility"


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CaseOutcome(enum.StrEnum):
    COMPLETED = "completed"
    # A decision ended the measure before its date.
    ENDED_EARLY = "ended_early"
    # Another measure replaced this one (e.g. referral to compulsory rehab).
    REPLACED = "replaced"
    MOVED = "moved"
    DECEASED = "deceased"
    OTHER = "other"


class Case(TenantOwned, Timestamped, Base):
    """One period of management of a person."""

    __tablename__ = "cases"
    __table_args__ = (
        person_reference(),
        # NO ACTION rather than RESTRICT: checked at the end of a statement,
        # so a statement removing a whole chain of cases is not refused.
        ForeignKeyConstraint(
            ["tenant_id", "follows_case_id"], ["cases.tenant_id", "cases.id"]
        ),
        Index(None, "tenant_id", "person_id"),
        Index(None, "tenant_id", "status", "end_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[CaseKind] = mapped_column(text_enum(CaseKind, 40))
    setting: Mapped[RehabSetting | None] = mapped_column(text_enum(RehabSetting, 16))
    status: Mapped[CaseStatus] = mapped_column(
        text_enum(CaseStatus, 16), default=CaseStatus.OPEN
    )
    # The ruleset in force on the start date, which computed the dates below.
    ruleset: Mapped[str] = mapped_column(String(40))
    start_on: Mapped[date] = mapped_column(Date)
    term_months: Mapped[int | None] = mapped_column(Integer)
    # The end the ruleset gave, and the end now in force (later if extended).
    planned_end_on: Mapped[date | None] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    # A repeat rehabilitation, which some rulesets make longer.
    later: Mapped[bool] = mapped_column(Boolean, default=False)
    # minor (12 to under 18) or adult on the start date; None if unknown.
    age_group: Mapped[str | None] = mapped_column(String(8))
    # The event the decision answers (a positive test, addiction determined).
    trigger_on: Mapped[date | None] = mapped_column(Date)
    # The legal basis.
    decision_number: Mapped[str] = mapped_column(String(60))
    decision_on: Mapped[date] = mapped_column(Date)
    decided_by: Mapped[str] = mapped_column(String(200))
    # A post-rehab case names the rehabilitation or treatment it follows.
    follows_case_id: Mapped[uuid.UUID | None] = mapped_column()
    outcome: Mapped[CaseOutcome | None] = mapped_column(text_enum(CaseOutcome, 16))
    closed_on: Mapped[date | None] = mapped_column(Date)
    closing_note: Mapped[str | None] = mapped_column(EncryptedText())
    # The completion certificate (Form 54) that ends post-rehab management.
    certificate_number: Mapped[str | None] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class CaseExtension(TenantOwned, Timestamped, Base):
    """A decision that moves a case's end date."""

    __tablename__ = "case_extensions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "case_id"],
            ["cases.tenant_id", "cases.id"],
            ondelete="RESTRICT",
        ),
        Index(None, "tenant_id", "case_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column()
    decision_number: Mapped[str] = mapped_column(String(60))
    decision_on: Mapped[date] = mapped_column(Date)
    decided_by: Mapped[str] = mapped_column(String(200))
    previous_end_on: Mapped[date | None] = mapped_column(Date)
    new_end_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(EncryptedText())
