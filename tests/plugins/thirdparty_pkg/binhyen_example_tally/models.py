"""The tally's one table: marks, each belonging to a commune."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, TenantOwned, Timestamped, UtcDateTime, new_id


class Mark(TenantOwned, Timestamped, Base):
    """One tally mark; ``checked_at`` is stamped by the ``tally.check`` job."""

    __tablename__ = "tally_marks"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    label: Mapped[str] = mapped_column(String(80))
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
