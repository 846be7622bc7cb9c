"""The RQ workers that run Bình Yên's jobs.

RQ's worker listens on a pub/sub channel for commands (stop a job, shut
down) in a thread that waits up to a minute per read. redis-py 8.2 made
stopping that thread wait for it, so a worker asked to stop could hang for
that minute. The workers here wait one second per read instead, so they
stop promptly and a rolling deploy does not stall on them.
"""

from __future__ import annotations

import logging
from typing import Any

from redis import Redis
from rq import Queue, SimpleWorker, Worker

from core.jobs.outbox import QUEUE_NAME

logger = logging.getLogger(__name__)

COMMAND_WAIT_SECONDS = 1


class _PromptStop:
    """Listen for commands with short reads (see the module's docstring)."""

    connection: Redis
    pubsub: Any
    pubsub_thread: Any
    pubsub_channel_name: str

    def subscribe(self) -> None:
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(
            **{self.pubsub_channel_name: self.handle_payload}  # type: ignore[attr-defined]
        )
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=COMMAND_WAIT_SECONDS,
            daemon=True,
            exception_handler=self._pubsub_exception_handler,  # type: ignore[attr-defined]
        )


class JobWorker(_PromptStop, Worker):
    """Runs each job in a forked work horse (``binhyen worker``)."""


class InProcessWorker(_PromptStop, SimpleWorker):
    """Runs each job in its own process, without forking (tests, debugging)."""


def make_worker(redis: Redis, *, fork: bool = True) -> JobWorker | InProcessWorker:
    """A worker on Bình Yên's queue."""
    kind = JobWorker if fork else InProcessWorker
    return kind([Queue(QUEUE_NAME, connection=redis)], connection=redis)
