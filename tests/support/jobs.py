"""Running background jobs in tests, on whichever backend the app has."""

from __future__ import annotations

from flask import Flask

from core.db import get_database
from core.jobs import runner
from core.jobs.outbox import sweep
from core.jobs.worker import make_worker


def drain(app: Flask) -> None:
    """With Redis: work the queue in this process until it is empty."""
    redis = app.extensions.get("binhyen.redis")
    if redis is not None:
        runner.bind_app(app)
        make_worker(redis, fork=False).work(burst=True, logging_level="WARNING")


def run_due_jobs(app: Flask, rounds: int = 1) -> None:
    """Run every job that is due, ``rounds`` times over (a job may queue
    another).

    The sweep hands over what waits in the outbox: with no Redis it runs the
    jobs here; with Redis it queues them, and :func:`drain` works the queue.
    """
    for _ in range(rounds):
        sweep(get_database(app), app.extensions["binhyen.dispatcher"])
        drain(app)
