"""The tally's background job."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from binhyen_example_tally.models import Mark
from core.toolkit import utcnow


def check(session: Session, commune: Any, mark_id: str) -> None:
    """Job ``tally.check``: stamp a mark as checked.

    Idempotent: a mark already checked, or deleted meanwhile, is left alone.
    """
    mark = session.scalars(select(Mark).where(Mark.id == uuid.UUID(mark_id))).first()
    if mark is not None and mark.checked_at is None:
        mark.checked_at = utcnow()
