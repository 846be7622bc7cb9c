"""gunicorn's configuration, read from the BINHYEN_* settings.

Serve with ``gunicorn --config python:core.gunicorn_conf`` (the container's
default command). Worker class and count, threads, timeout, the address and
the trusted proxies come from ``core/config.py``; logs go through the app's
own handler, so they are JSON when ``BINHYEN_LOG_FORMAT=json``.

Each worker builds its own app (no ``preload_app``): a database pool must
not be shared across a fork. Nothing is kept in a worker's memory between
requests that another worker would need, so any worker serves any request.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

from core.config import read_setting

logger = logging.getLogger(__name__)

wsgi_app = "core.wsgi:app"

bind = [read_setting("web_bind")]
workers = read_setting("web_workers")
worker_class = read_setting("web_worker_class")
threads = read_setting("web_threads")
timeout = read_setting("web_timeout")
graceful_timeout = timeout
keepalive = 5
# Heartbeat files: /dev/shm where it exists (no disk writes, works with a
# read-only root file system), else the temporary folder.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# gunicorn's run-time control socket would be written under $HOME, which a
# read-only root file system refuses; nothing here uses it.
control_socket_disable = True

# Whose X-Forwarded-Proto gunicorn believes; the app's TrustedProxy reads the
# same list for X-Forwarded-For.
forwarded_allow_ips = read_setting("forwarded_allow_ips")

# Access log: method, path without its query string, status, size, duration,
# request id and worker. Paths hold commune slugs and record UUIDs only; no
# client address, query string, referrer or user agent is written.
accesslog = "-"
access_log_format = (
    "%(m)s %(U)s %(s)s %(B)s %(M)sms request=%({x-request-id}o)s worker=%(p)s"
)
_log_format = read_setting("log_format")
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": read_setting("log_level").upper(), "handlers": ["binhyen"]},
    "loggers": {
        name: {"level": "INFO", "handlers": ["binhyen"], "propagate": False}
        for name in ("gunicorn.error", "gunicorn.access")
    },
    "handlers": {
        "binhyen": {"()": "core.logging.make_handler", "log_format": _log_format}
    },
    "formatters": {},
}


def on_starting(_server: Any) -> None:
    """Empty the multiprocess metrics folder: files of an earlier run would
    add a dead process's counts to this one's."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(_server: Any, worker: Any) -> None:
    """Drop the live gauges of a worker that has exited."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
