"""Periodic work: the outbox sweep, and plugins' jobs on their timetables.

With Redis, ``binhyen scheduler`` runs RQ's own cron scheduler, which puts
:func:`fan_out` and :func:`sweep_now` on the queue for a worker to run. With
no Redis (the embedded default) the same two functions run in this process
on the same timetable.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from croniter import croniter
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.trail import note_cross_commune
from core.db import get_database
from core.jobs import runner
from core.jobs.outbox import QUEUE_NAME, JobRegistry, enqueue_job, sweep
from core.plugin_host.contributions import PeriodicJob
from core.plugin_host.host import CORE_NAME, PluginHost
from core.plugin_host.models import CommunePlugin
from tenants.isolation import each_commune
from tenants.models import Commune

logger = logging.getLogger(__name__)

SWEEP_EVERY = 60


def fan_out(job_name: str) -> int:
    """Queue ``job_name`` once in every commune whose plugin is switched on."""
    app = runner.worker_app()
    with app.app_context():
        return fan_out_in(app, job_name)


def fan_out_in(app: Flask, job_name: str) -> int:
    registry: JobRegistry = app.extensions["binhyen.jobs"]
    registered = registry.get(job_name)
    if registered is None:
        logger.error("periodic job %s is not a known job", job_name)
        return 0

    def queue_if_enabled(session: Session, _commune: Commune) -> int:
        if registered.plugin is not None:
            enabled = session.scalars(
                select(CommunePlugin.enabled).where(
                    CommunePlugin.name == registered.plugin
                )
            ).first()
            if not enabled:
                return 0
        enqueue_job(session, job_name)
        session.commit()
        return 1

    note_cross_commune(get_database(app), f"periodic {job_name}")
    queued = sum(
        each_commune(get_database(app), f"periodic {job_name}", queue_if_enabled)
    )
    logger.info("periodic %s queued in %d communes", job_name, queued)
    return queued


def sweep_now() -> int:
    app = runner.worker_app()
    with app.app_context():
        return sweep(get_database(app), app.extensions["binhyen.dispatcher"])


def periodic_jobs(host: PluginHost) -> list[PeriodicJob]:
    return [
        job
        for owner, jobs in host.call_each("binhyen_periodic_jobs")
        for job in jobs
        if owner == CORE_NAME or job.job.startswith(owner + ".")
    ]


def run_with_rq(app: Flask) -> None:
    """Hand the timetable to RQ's cron scheduler; blocks until stopped."""
    cron_scheduler(app).start()


def cron_scheduler(app: Flask) -> Any:
    """RQ's cron scheduler loaded with the sweep and every plugin's timetable."""
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=app.extensions["binhyen.redis"])
    scheduler.register(sweep_now, QUEUE_NAME, interval=SWEEP_EVERY)
    for job in periodic_jobs(app.extensions["binhyen.plugins"]):
        scheduler.register(
            fan_out,
            QUEUE_NAME,
            args=(job.job,),
            cron=job.cron,
            interval=job.interval,
            name=f"binhyen:{job.job}",
        )
    return scheduler


@dataclass
class _Timer:
    action: Callable[[], object]
    cron: str | None
    interval: int | None
    due: float = 0.0

    def plan(self, now: float) -> None:
        """Set the next time this timer is due, after ``now``."""
        if self.interval:
            self.due = now + self.interval
        else:
            start = datetime.fromtimestamp(now, UTC)
            self.due = croniter(self.cron, start).get_next(float)


def run_in_process(app: Flask, stop: Callable[[], bool] = lambda: False) -> None:
    """The embedded scheduler: the same timetable, run here, one at a time."""
    database = get_database(app)
    dispatcher = app.extensions["binhyen.dispatcher"]

    def sweep_here() -> object:
        return sweep(database, dispatcher)

    def fan_out_here(name: str) -> Callable[[], object]:
        return lambda: fan_out_in(app, name)

    timers = [_Timer(sweep_here, None, SWEEP_EVERY)]
    for job in periodic_jobs(app.extensions["binhyen.plugins"]):
        timers.append(_Timer(fan_out_here(job.job), job.cron, job.interval))
    now = time.time()
    for timer in timers[1:]:
        timer.plan(now)
    # The sweep's first run is now: work missed while nothing ran goes first.
    timers[0].due = now
    while not stop():
        timer = min(timers, key=lambda t: t.due)
        time.sleep(max(0.0, min(timer.due - time.time(), 5.0)))
        if time.time() >= timer.due:
            with app.app_context():
                timer.action()
            timer.plan(time.time())
