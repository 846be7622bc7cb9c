"""Prometheus metrics at /metrics: requests, latency, jobs, audit verification.

Labels carry the route's template (``/api/v1/c/<commune>/hamlets/``), never
the path as filled in, so no commune, id or personal value becomes a label.

Request counts and latency are kept per process; under gunicorn with
``PROMETHEUS_MULTIPROC_DIR`` set, every worker writes its own files there and
a scrape of any worker adds them all up (prometheus-client's multiprocess
mode; ``core/gunicorn_conf.py`` clears the folder at start and a dead
worker's gauges with it).

The job and audit figures are read from Redis when Prometheus scrapes:
the queue's length straight from RQ, and two small records written
elsewhere. The outbox sweep, which already walks every commune on the
audited cross-commune path, leaves the totals of failed and waiting jobs;
``binhyen audit verify`` leaves how long it took and what it found. Reading
them costs no commune's rows, which the application role could not see
without a commune bound anyway. Without Redis (the embedded default) these
figures are absent.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from redis import Redis
from redis.exceptions import RedisError

from core.access.policy import public
from core.errors import Unauthorized

logger = logging.getLogger(__name__)

bp = Blueprint("metrics", __name__)

OUTBOX_KEY = "binhyen:metrics:outbox"
AUDIT_KEY = "binhyen:metrics:audit_verify"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # no route: one label for every unknown path

REQUESTS = Counter(
    "binhyen_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "binhyen_http_request_duration_seconds",
    "Time from the start of a request to its response, by route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def install(app: Flask) -> None:
    """Count and time every request; call before other before_request hooks,
    so that requests they refuse are counted too."""

    @app.before_request
    def _start_clock() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        rule = request.url_rule
        route = rule.rule if rule is not None else UNMATCHED
        method = request.method if request.method in METHODS else "OTHER"
        REQUESTS.labels(method, route, str(response.status_code)).inc()
        started = g.get("metrics_started")
        if started is not None:
            LATENCY.labels(method, route).observe(time.perf_counter() - started)
        return response

    app.register_blueprint(bp)


# -- figures left in Redis by other processes ----------------------------------


def note_outbox(redis: Redis | None, *, failed: int, waiting: int) -> None:
    """Leave the outbox totals the sweep counted, for the next scrape."""
    _leave(redis, OUTBOX_KEY, {"failed": failed, "waiting": waiting})


def note_audit_verification(
    redis: Redis | None, *, seconds: float, chains: int, broken: int
) -> None:
    """Leave how the last ``binhyen audit verify`` went, for the next scrape."""
    _leave(redis, AUDIT_KEY, {"seconds": seconds, "chains": chains, "broken": broken})


def _leave(redis: Redis | None, key: str, figures: dict[str, float]) -> None:
    if redis is None:
        return
    mapping: dict[str | bytes, float] = {"at": time.time()}
    mapping.update(figures.items())
    try:
        redis.hset(key, mapping=mapping)
    except RedisError as exc:
        logger.warning("metrics: could not store %s (%s)", key, type(exc).__name__)


class JobsAndAudit(Collector):
    """Figures read from Redis at scrape time, for the app it was made for."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            yield from self._queue()
            yield from self._left(
                OUTBOX_KEY,
                {
                    "failed": ("binhyen_jobs_failed", "Jobs out of attempts."),
                    "waiting": (
                        "binhyen_jobs_waiting",
                        "Jobs in the outbox not yet handed to the queue.",
                    ),
                    "at": (
                        "binhyen_jobs_counted_timestamp_seconds",
                        "When the outbox sweep last counted the jobs.",
                    ),
                },
            )
            yield from self._left(
                AUDIT_KEY,
                {
                    "seconds": (
                        "binhyen_audit_verify_duration_seconds",
                        "How long the last audit-chain verification took.",
                    ),
                    "chains": (
                        "binhyen_audit_verify_chains",
                        "Chains the last verification walked.",
                    ),
                    "broken": (
                        "binhyen_audit_verify_broken_chains",
                        "Chains the last verification found broken.",
                    ),
                    "at": (
                        "binhyen_audit_verify_timestamp_seconds",
                        "When the last audit-chain verification ended.",
                    ),
                },
            )
        except RedisError as exc:
            logger.warning("metrics: Redis unreachable (%s)", type(exc).__name__)

    def _queue(self) -> Iterator[GaugeMetricFamily]:
        from rq import Queue

        from core.jobs.outbox import QUEUE_NAME

        queue = Queue(QUEUE_NAME, connection=self.redis)
        depth = GaugeMetricFamily(
            "binhyen_job_queue_depth",
            "Jobs in the RQ queue: queued, scheduled for later, or started.",
            labels=["state"],
        )
        depth.add_metric(["queued"], queue.count)
        # Counted without RQ's clean-up, which would move jobs about.
        for state, registry in (
            ("scheduled", queue.scheduled_job_registry),
            ("started", queue.started_job_registry),
        ):
            depth.add_metric([state], registry.get_job_count(cleanup=False))
        yield depth

    def _left(
        self, key: str, names: dict[str, tuple[str, str]]
    ) -> Iterator[GaugeMetricFamily]:
        stored = self.redis.hgetall(key)
        for field, (name, help_text) in names.items():
            raw = stored.get(field.encode())
            if raw is not None:
                yield GaugeMetricFamily(name, help_text, value=float(raw))


class _ThisProcess(Collector):
    """The process-wide registry, when there is no multiprocess folder."""

    def collect(self) -> Iterator[Any]:
        yield from REGISTRY.collect()


def _check_token() -> None:
    token = current_app.config["BINHYEN_SETTINGS"].metrics_token
    if not token:
        return
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        sent.strip().encode(), token.encode()
    ):
        raise Unauthorized(
            "Send BINHYEN_METRICS_TOKEN as 'Authorization: Bearer ...' to read "
            "the metrics.",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )


@bp.get("/metrics")
@public("scraped by Prometheus; BINHYEN_METRICS_TOKEN guards it when set")
def metrics() -> Response:
    _check_token()
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    redis = current_app.extensions.get("binhyen.redis")
    if redis is not None:
        registry.register(JobsAndAudit(redis))
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


# The bearer token above is Prometheus's, not an API token: the request
# pipeline must not try to sign anyone in with it.
metrics.own_authorization = True  # type: ignore[attr-defined]
