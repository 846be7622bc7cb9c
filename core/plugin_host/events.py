"""Telling plugins what happened in core: a case opened or closed, a tier
changed, a person moved.

:func:`emit` calls ``binhyen_on_event`` on every plugin the session's commune
has enabled, inside the transaction that made the change, so a plugin's
reaction commits or rolls back with it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from core.plugin_host.contributions import EVENT_KINDS, Event
from tenants.isolation import bound_commune

logger = logging.getLogger(__name__)


def emit(session: Session, kind: str, subject_id: uuid.UUID, /, **details: Any) -> None:
    """Tell the commune's enabled plugins about ``kind`` (one of EVENT_KINDS).

    ``details`` are plain values (ids, dates, tiers), never personal data.
    Without an app there are no plugins, and nothing to tell.
    """
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}; known: {sorted(EVENT_KINDS)}")
    if not has_app_context() or "binhyen.plugins" not in current_app.extensions:
        return
    commune = bound_commune(session)
    host = current_app.extensions["binhyen.plugins"]
    host.call_enabled(
        session,
        "binhyen_on_event",
        commune=commune,
        event=Event(kind=kind, subject_id=subject_id, details=details),
    )
    logger.debug("event %s on %s told to plugins", kind, subject_id)
