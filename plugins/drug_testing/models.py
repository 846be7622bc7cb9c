"""Drug tests, referrals for determination of addiction status, and the
chief's disclosures of full results to an officer.

What is encrypted, and why: a test's per-substance readings, its sample
identifier and every free-text note are sealed under the commune's key; they
are the clinical detail that only the health team (and officers the chief
names) may read. The overall outcome (positive or negative), dates, method,
place and staff names stay in clear: the outcome is what every officer is
shown anyway and what the review job, the work lists and the dashboard
count, and the rest names no one but staff.
"""

from __future__ import annotations

import enum
import json
import uuid
from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import (
    Base,
    EncryptedText,
    Recorded,
    TenantOwned,
    UtcDateTime,
    new_id,
    person_reference,
    text_enum,
)

# What a panel reads, in the order of the forms the health team fills in.
SUBSTANCES = (
    "heroin_morphine",
    "methamphetamine",
    "mdma",
    "ketamine",
    "cannabis",
    "other",
)


class Reason(enum.StrEnum):
    """Why a test is due: the case kind's schedule, a random draw within it,
    or a decision of the health team (ad hoc)."""

    SCHEDULED = "scheduled"
    RANDOM = "random"
    AD_HOC = "ad_hoc"


class Status(enum.StrEnum):
    DUE = "due"
    DONE = "done"
    CANCELLED = "cancelled"


class Method(enum.StrEnum):
    RAPID_URINE = "rapid_urine"
    RAPID_SALIVA = "rapid_saliva"
    LAB_URINE = "lab_urine"
    LAB_BLOOD = "lab_blood"
    HAIR = "hair"
    OTHER = "other"


class Reading(enum.StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    NOT_TESTED = "not_tested"


class Outcome(enum.StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"


class Basis(enum.StrEnum):
    """On what footing the sample was taken: the person agreed, or a summons
    (giấy triệu tập) required it."""

    CONSENT = "consent"
    SUMMONS = "summons"


class ReferralStatus(enum.StrEnum):
    REFERRED = "referred"
    DETERMINED = "determined"


class Determination(enum.StrEnum):
    ADDICTED = "addicted"
    NOT_ADDICTED = "not_addicted"
    # The facility could not conclude (the person did not attend, ...).
    UNDETERMINED = "undetermined"


class DrugTest(TenantOwned, Recorded, Base):
    """A test of one person: due on a date, then done with its result (or
    cancelled). ``recorded_by`` is who scheduled it or, once done, who
    recorded the result."""

    __tablename__ = "drug_testing_tests"
    __table_args__ = (
        person_reference(),
        ForeignKeyConstraint(["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"]),
        # A case's schedule raises one test per date, however often the
        # daily job runs.
        UniqueConstraint("tenant_id", "case_id", "due_on"),
        Index(None, "tenant_id", "person_id", "due_on"),
        Index(None, "tenant_id", "status", "due_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column()
    # The case whose schedule called for it; None for an ad-hoc test.
    case_id: Mapped[uuid.UUID | None] = mapped_column()
    reason: Mapped[Reason] = mapped_column(text_enum(Reason, 16))
    status: Mapped[Status] = mapped_column(text_enum(Status, 16), default=Status.DUE)
    due_on: Mapped[date] = mapped_column(Date)
    tested_on: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200))
    sample_id: Mapped[str | None] = mapped_column(EncryptedText())
    method: Mapped[Method | None] = mapped_column(text_enum(Method, 16))
    # JSON of substance -> reading; see ``substances``.
    panel: Mapped[str | None] = mapped_column(EncryptedText())
    outcome: Mapped[Outcome | None] = mapped_column(text_enum(Outcome, 16))
    sampled_by: Mapped[str | None] = mapped_column(String(200))
    read_by: Mapped[str | None] = mapped_column(String(200))
    basis: Mapped[Basis | None] = mapped_column(text_enum(Basis, 16))
    summons_number: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(EncryptedText())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def substances(self) -> dict[str, str] | None:
        """The reading for each substance, once the test is done."""
        return json.loads(self.panel) if self.panel else None


class Referral(TenantOwned, Recorded, Base):
    """A referral to a health facility to determine whether the person is
    addicted, and the facility's conclusion once it comes back."""

    __tablename__ = "drug_testing_referrals"
    __table_args__ = (
        person_reference(),
        ForeignKeyConstraint(
            ["tenant_id", "test_id"],
            ["drug_testing_tests.tenant_id", "drug_testing_tests.id"],
        ),
        Index(None, "tenant_id", "person_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column()
    # The test that led to it, if one did.
    test_id: Mapped[uuid.UUID | None] = mapped_column()
    referred_on: Mapped[date] = mapped_column(Date)
    facility: Mapped[str] = mapped_column(String(200))
    status: Mapped[ReferralStatus] = mapped_column(
        text_enum(ReferralStatus, 16), default=ReferralStatus.REFERRED
    )
    determination: Mapped[Determination | None] = mapped_column(
        text_enum(Determination, 16)
    )
    determined_on: Mapped[date | None] = mapped_column(Date)
    # The number of the facility's written conclusion.
    conclusion_number: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(EncryptedText())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Disclosure(TenantOwned, Recorded, Base):
    """The chief lets one officer read one person's full results until a
    date (``recorded_by`` is the chief who decided)."""

    __tablename__ = "drug_testing_disclosures"
    __table_args__ = (
        person_reference(),
        Index(None, "tenant_id", "person_id", "officer_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column()
    # A staff account: global, so a plain id (keys must start with tenant_id).
    officer_id: Mapped[uuid.UUID] = mapped_column()
    until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(EncryptedText())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
