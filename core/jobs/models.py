"""The job outbox: one row per job, owned by the commune it works for."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UtcDateTime, new_id, utcnow
from tenants.isolation import TenantOwned


class JobStatus(enum.StrEnum):
    PENDING = "pending"  # written, not yet handed to a queue
    QUEUED = "queued"  # handed to Redis
    RUNNING = "running"
    RETRYING = "retrying"  # failed, another attempt will come
    DONE = "done"
    FAILED = "failed"  # out of attempts; an admin can retry it
    SKIPPED = "skipped"  # its plugin is not enabled in the commune


OPEN_STATUSES = (
    JobStatus.PENDING,
    JobStatus.QUEUED,
    JobStatus.RUNNING,
    JobStatus.RETRYING,
)


class Job(TenantOwned, Base):
    """A unit of background work for one commune."""

    __tablename__ = "jobs"
    __table_args__ = (Index(None, "tenant_id", "status", "run_after"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    # Identifiers and flags only: never personal data (they reach Redis).
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(
        Enum(
            JobStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=JobStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_after: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The exception's type only: its message could quote personal data.
    last_error: Mapped[str | None] = mapped_column(String(200))
