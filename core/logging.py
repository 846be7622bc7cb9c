"""Logging set-up: one logger per module, each line tagged with the request id
and commune of the request it belongs to. Never log a personal field.

Two formats, chosen by ``BINHYEN_LOG_FORMAT``: readable text for development,
and one JSON object per line for a log collector in production. gunicorn's
own loggers (its error log and its access log) get the same handler through
:func:`make_handler`, named in ``core/gunicorn_conf.py``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import g, has_request_context

TEXT_FORMAT = (
    "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(commune)s] %(message)s"
)
ACCESS_LOGGER = "gunicorn.access"
# What an access-log line may carry, by gunicorn's atom names: the method,
# the path without its query string, status, size, duration, the request id
# the app answered with and the worker's pid. No client address, query,
# referrer or user agent.
ACCESS_FIELDS = {
    "m": "method",
    "U": "path",
    "s": "status",
    "B": "bytes",
    "M": "duration_ms",
    "{x-request-id}o": "request_id",
}


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` and ``commune`` to every record (``-`` outside)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = commune = "-"
        if has_request_context():
            request_id = g.get("request_id", "-")
            found = g.get("commune")
            commune = found.slug if found is not None else "-"
        record.request_id = request_id
        record.commune = commune
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with the request id and commune bound."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process or os.getpid(),
            "request_id": getattr(record, "request_id", "-"),
            "commune": getattr(record, "commune", "-"),
        }
        if record.name == ACCESS_LOGGER and isinstance(record.args, Mapping):
            # gunicorn hands its access atoms over as the record's arguments:
            # keep the allowed ones as fields instead of one formatted string.
            line["message"] = "request"
            for atom, field in ACCESS_FIELDS.items():
                line[field] = record.args.get(atom, "-")
        else:
            line["message"] = record.getMessage()
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


QUERY = re.compile(r"\?[^\s\"]*")


class AddressOnlyFilter(logging.Filter):
    """Cuts the query string out of the development server's request lines:
    an address may be logged, what follows its '?' may not."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                QUERY.sub("", a) if isinstance(a, str) else a for a in record.args
            )
        return True


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def make_handler(log_format: str = "text") -> logging.Handler:
    """A handler to standard error in ``log_format`` (text or json)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.binhyen = True  # type: ignore[attr-defined]
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(formatter(log_format))
    return handler


def configure(level: str, log_format: str = "text") -> None:
    """Send every record to one handler in ``log_format``; calling it again
    (another app in the same process) changes the format, adds no handler."""
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, "binhyen", False)]
    if ours:
        for handler in ours:
            handler.setFormatter(formatter(log_format))
    else:
        root.addHandler(make_handler(log_format))
    root.setLevel(level.upper())
    # Alembic narrates every plugin it loads at INFO; keep its warnings only.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, AddressOnlyFilter) for f in werkzeug.filters):
        werkzeug.addFilter(AddressOnlyFilter())
