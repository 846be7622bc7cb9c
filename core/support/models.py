"""One measure of support for one person."""

from __future__ import annotations

import enum
import uuid
from datetime import date

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto.fields import EncryptedText
from core.db import Base, Timestamped, new_id, text_enum
from core.people.models import person_reference
from tenants.isolation import TenantOwned


class SupportKind(enum.StrEnum):
    WORK = "work"
    VOCATIONAL_TRAINING = "vocational_training"
    LOAN = "loan"
    HEALTH_INSURANCE = "health_insurance"
    LEGAL_AID = "legal_aid"
    COUNSELLING = "counselling"
    OTHER = "other"


class SupportOutcome(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DECLINED = "declined"


class Support(TenantOwned, Timestamped, Base):
    """Help given to a person: what, by whom, when, and how it went."""

    __tablename__ = "support"
    __table_args__ = (person_reference(), Index(None, "tenant_id", "person_id"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[SupportKind] = mapped_column(text_enum(SupportKind, 32))
    # What and by whom are short and about the help, not the person
    # ("vay vốn 20 triệu", "Ngân hàng Chính sách xã hội"); the note is where
    # anything personal goes, so only the note is encrypted.
    what: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str | None] = mapped_column(String(200))
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[SupportOutcome] = mapped_column(
        text_enum(SupportOutcome, 16), default=SupportOutcome.PLANNED
    )
    note: Mapped[str | None] = mapped_column(EncryptedText())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
