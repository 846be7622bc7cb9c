"""Running one job: in an RQ work horse, or in-process in the embedded default.

:func:`execute` is what RQ calls, with the commune and job ids as text. It
loads the job in a session bound to its commune, skips it if done (jobs may
be delivered twice) or if its plugin is disabled there, and otherwise runs
the handler and marks the job done in the handler's own transaction, so its
effects and its completion commit together.
"""

from __future__ import annotations

import logging
import os
import uuid
from datetime import timedelta
from typing import Any

from flask import Flask, g

from core.db import get_database, utcnow
from core.jobs.models import Job, JobStatus
from core.jobs.outbox import JobRegistry, back_off
from tenants.isolation import bind_tenant
from tenants.models import Commune

logger = logging.getLogger(__name__)

_app: Flask | None = None
_app_pid: int | None = None


def bind_app(app: Flask) -> None:
    """Let workers started by ``binhyen worker`` use the app they were built from."""
    global _app, _app_pid
    _app, _app_pid = app, os.getpid()


def worker_app() -> Flask:
    global _app
    if _app is None:
        from core.app import create_app

        bind_app(create_app())
    assert _app is not None
    if os.getpid() != _app_pid:
        # A forked work horse: never reuse the parent's database connections.
        get_database(_app).engine.dispose(close=False)
        bind_app(_app)
    return _app


def execute(tenant_id: str, job_id: str) -> str:
    """Entry point for RQ. Raises on failure so that RQ retries the job."""
    app = worker_app()
    with app.app_context():
        g.audit_actor = "job"  # what a job changes is audited as its doing
        return run(app, uuid.UUID(tenant_id), uuid.UUID(job_id), in_process=False)


def run(app: Flask, tenant: uuid.UUID, job_id: uuid.UUID, *, in_process: bool) -> str:
    """Run one job; returns what became of it (done, skipped, ...)."""
    database = get_database(app)
    registry: JobRegistry = app.extensions["binhyen.jobs"]

    with database.session() as session:
        bind_tenant(session, tenant)
        job = session.get(Job, (tenant, job_id))
        if job is None:
            logger.warning("job %s no longer exists", job_id)
            return "missing"
        if job.status in (JobStatus.DONE, JobStatus.SKIPPED, JobStatus.FAILED):
            # Done jobs may be delivered twice; failed ones wait for a person
            # to retry them, which sets them pending again.
            return job.status.value
        delayed = job.run_after is not None and job.run_after > utcnow()
        if in_process and delayed and job.attempts == 0:
            # Handed over at commit but written to start later (enqueue_job's
            # run_after): with no queue to hold it, it waits for the sweep.
            return "waiting"
        registered = registry.get(job.name)
        if registered is None:
            job.status, job.last_error = JobStatus.FAILED, "UnknownJob"
            session.commit()
            logger.error("job %s names no known job (%s)", job_id, job.name)
            return "failed"
        if registered.plugin and registered.plugin not in app.extensions[
            "binhyen.plugins"
        ].enabled_in(session):
            job.status, job.finished_at = JobStatus.SKIPPED, utcnow()
            session.commit()
            logger.info(
                "job %s skipped: plugin %s is off here", job_id, registered.plugin
            )
            return "skipped"
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.queued_at = job.queued_at or utcnow()
        attempt = job.attempts
        session.commit()

    with database.session() as session:
        bind_tenant(session, tenant)
        try:
            commune = session.get(Commune, tenant)
            job = session.get(Job, (tenant, job_id))
            assert job is not None and commune is not None
            registered.definition.handler(session, commune, **job.arguments)
            job.status, job.finished_at = JobStatus.DONE, utcnow()
            session.commit()
        except Exception as exc:
            session.rollback()
            _record_failure(app, tenant, job_id, attempt, exc, in_process)
            if in_process:
                return "failed"
            raise
    logger.info("job %s done (%s)", job_id, registered.definition.name)
    return "done"


def _record_failure(
    app: Flask,
    tenant: uuid.UUID,
    job_id: uuid.UUID,
    attempt: int,
    exc: Exception,
    in_process: bool,
) -> None:
    database = get_database(app)
    with database.session() as session:
        bind_tenant(session, tenant)
        job = session.get(Job, (tenant, job_id))
        if job is None:
            return
        job.last_error = type(exc).__name__
        if attempt >= job.max_attempts:
            job.status, job.finished_at = JobStatus.FAILED, utcnow()
        elif in_process:
            # No queue to retry it: the sweep picks it up after the back-off.
            job.status = JobStatus.PENDING
            job.run_after = utcnow() + timedelta(seconds=back_off(attempt))
        else:
            job.status = JobStatus.RETRYING
        session.commit()
    logger.warning(
        "job %s failed on attempt %d with %s", job_id, attempt, type(exc).__name__
    )


def run_here(app: Flask) -> Any:
    """The in-process runner handed to the dispatcher when there is no Redis."""

    def run_now(tenant: uuid.UUID, job_id: uuid.UUID) -> None:
        # The commit that hands the job over may happen outside any app
        # context (a script, the outbox sweep); handlers may need one, as
        # they have under RQ (plugin_settings reads current_app).
        with app.app_context():
            run(app, tenant, job_id, in_process=True)

    return run_now
