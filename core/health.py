"""Liveness and readiness: /healthz says the process answers, /readyz that the
database (and Redis, where configured) can be reached."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from core.access.policy import public
from core.db import get_database
from core.errors import problem_response

logger = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public("probes carry no credentials")
def healthz() -> Any:
    return jsonify(status="ok")


@bp.get("/readyz")
@public("probes carry no credentials")
def readyz() -> Any:
    checks: dict[str, str] = {}
    try:
        with get_database().engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        logger.warning("readiness: database unreachable (%s)", type(exc).__name__)
        checks["database"] = "unreachable"
    redis = current_app.extensions.get("binhyen.redis")
    if redis is not None:
        try:
            redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            logger.warning("readiness: redis unreachable (%s)", type(exc).__name__)
            checks["redis"] = "unreachable"
    if all(v == "ok" for v in checks.values()):
        return jsonify(status="ok", checks=checks)
    return problem_response(
        503,
        "A service this app needs cannot be reached; see checks.",
        slug="not-ready",
        extra={"checks": checks},
    )
