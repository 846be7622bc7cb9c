"""Logging set-up: one logger per module, each line tagged with the request id
and commune of the request it belongs to. Never log a personal field."""

from __future__ import annotations

import logging
import sys

from flask import g, has_request_context


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


def configure(level: str) -> None:
    root = logging.getLogger()
    if any(getattr(h, "binhyen", False) for h in root.handlers):
        root.setLevel(level.upper())
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.binhyen = True  # type: ignore[attr-defined]
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(
        logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(commune)s] "
            "%(message)s"
        )
    )
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Alembic narrates every plugin it loads at INFO; keep its warnings only.
    logging.getLogger("alembic").setLevel(logging.WARNING)
