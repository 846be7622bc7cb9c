"""Writing jobs into the outbox, and handing them over after commit.

:func:`enqueue_job` adds a job row to the caller's session; nothing leaves
the process until that session commits. Then the :class:`Dispatcher` of the
app hands each new job to Redis (RQ), or runs it in-process when no Redis is
configured. A job Redis could not take stays ``pending``; :func:`sweep`
hands it over later, and also re-queues work whose worker vanished.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import Session

from core.audit.trail import note_cross_commune
from core.db import Database, utcnow
from core.errors import Invalid, field_error
from core.jobs.models import Job, JobStatus
from core.plugin_host.contributions import JobDefinition
from tenants.isolation import bind_tenant, current_tenant, each_commune

logger = logging.getLogger(__name__)

NEW_JOBS_KEY = "binhyen.new_jobs"
DISPATCHER_KEY = "binhyen.dispatcher"
REGISTRY_KEY = "binhyen.job_registry"
QUEUE_NAME = "binhyen"
RUNNER = "core.jobs.runner.execute"
# How long a job may sit queued or running before the sweep asks RQ about it.
LEASE = timedelta(minutes=15)
RETRY_INTERVALS = [10, 60, 300, 900]


def back_off(retry: int) -> int:
    """Seconds to wait before the ``retry``-th retry (1 for the first); the
    last interval repeats for a job allowed more retries than listed."""
    return RETRY_INTERVALS[min(retry, len(RETRY_INTERVALS)) - 1]


def retry_intervals(max_attempts: int) -> list[int]:
    """The wait before each retry of a job, one per retry, as RQ's Retry takes
    them: RQ picks from the end of a list longer than the retries, so a list
    of exactly one interval per retry keeps the first wait the shortest."""
    return [back_off(retry) for retry in range(1, max_attempts)]


_SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class RegisteredJob:
    definition: JobDefinition
    plugin: str | None  # None for core's own jobs


class JobRegistry:
    """Every job the app can run, by name, with the plugin that owns it."""

    def __init__(self) -> None:
        self._jobs: dict[str, RegisteredJob] = {}

    def add(self, definition: JobDefinition, plugin: str | None) -> None:
        if definition.name in self._jobs:
            raise ValueError(f"job {definition.name!r} is declared twice")
        self._jobs[definition.name] = RegisteredJob(definition, plugin)

    def get(self, name: str) -> RegisteredJob | None:
        return self._jobs.get(name)

    def names(self) -> list[str]:
        return sorted(self._jobs)


def _check_arguments(arguments: dict[str, Any]) -> None:
    for key, value in arguments.items():
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, _SCALARS) for v in values):
            raise Invalid(
                "Job arguments are identifiers and flags (text, numbers, lists of "
                f"them); {key!r} is not.",
                errors=[field_error(key, "Not a plain value.", "job")],
            )


def enqueue_job(
    session: Session,
    name: str,
    /,
    *,
    run_after: datetime | None = None,
    max_attempts: int | None = None,
    **arguments: Any,
) -> Job:
    """Write a job for the session's commune; it leaves after commit.

    ``arguments`` must be plain values (ids, flags), never personal data:
    they are stored and sent to Redis as they are.
    """
    tenant = current_tenant(session)
    if tenant is None:
        raise RuntimeError("a job works for one commune: bind the session first")
    registry: JobRegistry | None = session.info.get(REGISTRY_KEY)
    registered = registry.get(name) if registry else None
    if registry is not None and registered is None:
        raise KeyError(f"no job is named {name!r}; known: {registry.names()}")
    arguments = {
        k: str(v) if isinstance(v, uuid.UUID) else v for k, v in arguments.items()
    }
    _check_arguments(arguments)
    job = Job(
        name=name,
        arguments=arguments,
        run_after=run_after,
        max_attempts=max_attempts
        or (registered.definition.max_attempts if registered else 5),
    )
    session.add(job)
    session.flush()
    session.info.setdefault(NEW_JOBS_KEY, []).append((tenant, job.id))
    return job


@event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    new = session.info.pop(NEW_JOBS_KEY, None)
    dispatcher: Dispatcher | None = session.info.get(DISPATCHER_KEY)
    if new and dispatcher is not None:
        dispatcher.dispatch(new)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(NEW_JOBS_KEY, None)


class Dispatcher:
    """Hands committed jobs to Redis, or runs them here when there is none."""

    def __init__(
        self,
        database: Database,
        redis: Redis | None,
        run_here: Callable[[uuid.UUID, uuid.UUID], Any],
    ) -> None:
        self.database = database
        self.redis = redis
        self.run_here = run_here

    def dispatch(self, jobs: Iterable[tuple[uuid.UUID, uuid.UUID]]) -> None:
        for tenant, job_id in jobs:
            if self.redis is None:
                self.run_here(tenant, job_id)
            else:
                self._to_redis(tenant, job_id)

    def _to_redis(self, tenant: uuid.UUID, job_id: uuid.UUID) -> bool:
        from rq import Queue, Retry

        with self.database.session() as session:
            bind_tenant(session, tenant)
            job = session.get(Job, (tenant, job_id))
            if job is None or job.status not in (
                JobStatus.PENDING,
                JobStatus.QUEUED,
                JobStatus.RETRYING,
            ):
                return False
            queue = Queue(QUEUE_NAME, connection=self.redis)
            options: dict[str, Any] = {
                "job_id": f"binhyen-{job_id}",
                "failure_ttl": 30 * 24 * 3600,
            }
            if job.max_attempts > 1:
                # With Retry, RQ also re-runs a job whose work horse was killed.
                options["retry"] = Retry(
                    max=job.max_attempts - 1,
                    interval=retry_intervals(job.max_attempts),
                )
            arguments = (str(tenant), str(job_id))
            try:
                if job.run_after and job.run_after > utcnow():
                    queue.enqueue_at(job.run_after, RUNNER, *arguments, **options)
                else:
                    queue.enqueue(RUNNER, *arguments, **options)
            except RedisError as exc:
                logger.warning(
                    "job %s waits in the outbox: Redis unreachable (%s)",
                    job_id,
                    type(exc).__name__,
                )
                return False
            # Only a pending row becomes queued: a fast worker may be done already.
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == JobStatus.PENDING)
                .values(status=JobStatus.QUEUED, queued_at=utcnow())
            )
            session.commit()
            return True


def sweep(database: Database, dispatcher: Dispatcher) -> int:
    """Hand over every job that is due and not with a queue; returns how many.

    Due means pending (Redis was down, or a delayed or retried job whose
    time has come), or queued or running for longer than the lease with no
    live RQ job behind it (its worker died).
    """

    counted = {JobStatus.FAILED: 0, JobStatus.PENDING: 0}

    def due_in(session: Session, _commune: Any) -> list[tuple[uuid.UUID, uuid.UUID]]:
        now = utcnow()
        # Counted on the way, for /metrics: the sweep is already the audited
        # walk over every commune, so the totals cost no walk of their own.
        for status, how_many in session.execute(
            select(Job.status, func.count())
            .where(Job.status.in_(list(counted)))
            .group_by(Job.status)
        ):
            counted[status] += how_many
        rows = session.scalars(
            select(Job).where(
                or_(
                    Job.status == JobStatus.PENDING,
                    Job.status.in_(
                        [JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.RETRYING]
                    )
                    & (Job.queued_at < now - LEASE),
                ),
                or_(Job.run_after.is_(None), Job.run_after <= now),
            )
        ).all()
        due = []
        for job in rows:
            if job.status is not JobStatus.PENDING and _alive_in_rq(dispatcher, job):
                continue
            job.status = JobStatus.PENDING
            due.append((job.tenant_id, job.id))
        session.commit()
        return due

    note_cross_commune(database, "job outbox sweep")
    handed = 0
    for due in each_commune(
        database, "job outbox sweep", due_in, include_suspended=True
    ):
        dispatcher.dispatch(due)
        handed += len(due)
    if handed:
        logger.info("sweep handed over %d jobs", handed)
    from core.metrics import note_outbox

    note_outbox(
        dispatcher.redis,
        failed=counted[JobStatus.FAILED],
        waiting=counted[JobStatus.PENDING],
    )
    return handed


def _alive_in_rq(dispatcher: Dispatcher, job: Job) -> bool:
    if dispatcher.redis is None:
        return False
    from rq.exceptions import NoSuchJobError
    from rq.job import Job as RQJob

    try:
        rq_job = RQJob.fetch(f"binhyen-{job.id}", connection=dispatcher.redis)
    except NoSuchJobError:
        return False
    except RedisError:
        return True  # cannot tell; leave it for the next sweep
    status = rq_job.get_status(refresh=False)
    return str(status) in {"queued", "started", "scheduled", "deferred"} or getattr(
        status, "value", None
    ) in {"queued", "started", "scheduled", "deferred"}
