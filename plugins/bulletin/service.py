"""The bulletin's rules and its two jobs (announce, expire)."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from core.toolkit import NotFound, enqueue_job, plugin_settings, staff_of, utcnow
from plugins.bulletin.models import Notice, Receipt

logger = logging.getLogger(__name__)

NAME = "bulletin"


def settings(session: Session) -> dict[str, Any]:
    return plugin_settings(session, NAME)


def get(session: Session, notice_id: uuid.UUID) -> Notice:
    notice = session.scalars(select(Notice).where(Notice.id == notice_id)).first()
    if notice is None:
        raise NotFound("No notice of this commune has that id.")
    return notice


def post(session: Session, values: dict[str, Any], author: uuid.UUID | None) -> Notice:
    notice = Notice(author_id=author, **values)
    session.add(notice)
    session.flush()
    if settings(session)["announce"]:
        enqueue_job(session, "bulletin.announce", notice_id=notice.id)
    return notice


def announce(session: Session, commune: Any, notice_id: str) -> None:
    """Job: put the notice in the inbox of every staff member of the commune.

    Idempotent: members who already have it are skipped.
    """
    notice = session.scalars(
        select(Notice).where(Notice.id == uuid.UUID(notice_id))
    ).first()
    if notice is None:
        return  # deleted before the job ran
    members = staff_of(session, commune)
    have = set(
        session.scalars(select(Receipt.user_id).where(Receipt.notice_id == notice.id))
    )
    for user_id in members - have:
        session.add(Receipt(notice_id=notice.id, user_id=user_id))
    # A bulk UPDATE leaves the version alone: delivery is not an edit, and
    # must not make stale the ETag its author was just given.
    session.execute(
        update(Notice).where(Notice.id == notice.id).values(announced_at=utcnow())
    )
    logger.info("notice %s delivered to %d inboxes", notice.id, len(members - have))


def expire(session: Session, commune: Any) -> None:
    """Job: remove unpinned notices older than the commune's ``keep_days``."""
    cutoff = utcnow() - timedelta(days=settings(session)["keep_days"])
    old = delete(Notice).where(Notice.pinned.is_(False), Notice.created_at < cutoff)
    removed = cast(CursorResult[Any], session.execute(old))
    logger.info("%d old notices removed", removed.rowcount)
