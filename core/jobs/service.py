"""Looking at jobs and running a failed one again."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.errors import Conflict, NotFound
from core.jobs.models import Job, JobStatus
from core.jobs.outbox import NEW_JOBS_KEY

logger = logging.getLogger(__name__)


def list_query(status: str | None = None) -> Select[Any]:
    query = select(Job).order_by(Job.created_at.desc(), Job.id)
    if status:
        query = query.where(Job.status == JobStatus(status))
    return query


def retry(session: Session, job_id: uuid.UUID) -> Job:
    """Give a failed job a fresh set of attempts; it leaves after commit."""
    job = session.scalars(select(Job).where(Job.id == job_id)).first()
    if job is None:
        raise NotFound("No job of this commune has that id.")
    if job.status is not JobStatus.FAILED:
        raise Conflict(
            f"Only a failed job can be run again; this one is {job.status.value}."
        )
    job.status = JobStatus.PENDING
    job.attempts = 0
    job.run_after = None
    job.finished_at = None
    session.flush()
    session.info.setdefault(NEW_JOBS_KEY, []).append((job.tenant_id, job.id))
    logger.info("job %s queued again by hand", job.id)
    return job
