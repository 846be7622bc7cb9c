"""Bulletin (bảng tin): notices to a commune's staff, with an inbox each.

The reference plugin: it implements every hook of core.plugin_host.hookspecs
and is the worked example of docs/plugins.md. Registered under the
``binhyen.plugins`` entry point ``bulletin`` in pyproject.toml.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.toolkit import (
    Event,
    JobDefinition,
    MenuItem,
    Metric,
    PeriodicJob,
    Permission,
    PersonPage,
    PluginInfo,
    PublicPage,
    TimelineEntry,
    hookimpl,
)
from plugins.bulletin import service
from plugins.bulletin.models import Notice, Receipt
from plugins.bulletin.schemas import Settings

STAFF = (
    "commune_chief",
    "officer",
    "health_worker",
    "hamlet_member",
    "committee_member",
    "viewer",
)


@hookimpl
def binhyen_plugin_info() -> PluginInfo:
    return PluginInfo(
        name=service.NAME,
        title_vi="Bảng tin",
        title_en="Bulletin",
        version="1.0.0",
        description="Notices to a commune's staff, delivered to each inbox.",
        settings_schema=Settings,
    )


@hookimpl
def binhyen_permissions() -> Iterable[Permission]:
    return (
        Permission("bulletin:read", "Read the commune's notices.", roles=STAFF),
        Permission(
            "bulletin:write",
            "Post, change and remove notices.",
            roles=("commune_chief", "officer"),
        ),
    )


@hookimpl
def binhyen_api_blueprints() -> Iterable[Any]:
    from plugins.bulletin.api import blp

    return [blp]


@hookimpl
def binhyen_web_blueprints() -> Iterable[Any]:
    from plugins.bulletin.web import bp

    return [bp]


@hookimpl
def binhyen_jobs() -> Iterable[JobDefinition]:
    return (
        JobDefinition("bulletin.announce", service.announce),
        JobDefinition("bulletin.expire", service.expire, max_attempts=3),
    )


@hookimpl
def binhyen_periodic_jobs() -> Iterable[PeriodicJob]:
    # 20:00 UTC is 03:00 in Vietnam, when nobody is working.
    return (PeriodicJob("bulletin.expire", cron="0 20 * * *"),)


@hookimpl
def binhyen_timeline(
    session: Session, commune: Any, person_id: uuid.UUID
) -> Iterable[TimelineEntry]:
    notices = session.scalars(select(Notice).where(Notice.subject_id == person_id))
    return [
        TimelineEntry(
            at=notice.created_at,
            kind="bulletin.notice",
            summary=notice.title,
            permission="bulletin:read",
            source=service.NAME,
        )
        for notice in notices
    ]


@hookimpl
def binhyen_metrics(
    session: Session, commune: Any, start: date, end: date
) -> Iterable[Metric]:
    since = datetime.combine(start, time(), tzinfo=UTC)
    until = datetime.combine(end, time(), tzinfo=UTC)
    posted = session.scalar(
        select(func.count(Notice.id)).where(
            Notice.created_at >= since, Notice.created_at < until
        )
    )
    unread = session.scalar(
        select(func.count()).select_from(Receipt).where(Receipt.read_at.is_(None))
    )
    return (
        Metric("bulletin.posted", "Thông báo đã đăng", "Notices posted", posted or 0),
        # Unread deliveries are a level at the end of the period, not a count
        # of what happened in it.
        Metric(
            "bulletin.unread",
            "Lượt chưa đọc",
            "Unread deliveries",
            unread or 0,
            stock=True,
        ),
    )


@hookimpl
def binhyen_on_event(session: Session, commune: Any, event: Event) -> None:
    if event.kind == "person_moved":
        # A person who moved away is another commune's file now: notices
        # about them here have no business staying.
        session.execute(delete(Notice).where(Notice.subject_id == event.subject_id))


@hookimpl
def binhyen_notify(
    session: Session, commune: Any, topic: str, title: str, text: str
) -> None:
    # Core's messages to staff become pinned notices in every inbox.
    service.post(session, {"title": title, "body": text, "pinned": True}, None)


@hookimpl
def binhyen_menu_items(commune: Any) -> Iterable[MenuItem]:
    return (MenuItem("Bảng tin", "Bulletin", "bulletin_web.index", "bulletin:read"),)


@hookimpl
def binhyen_public_pages() -> Iterable[PublicPage]:
    # The notice board is for staff: nothing to offer residents.
    return ()


@hookimpl
def binhyen_person_pages(commune: Any) -> Iterable[PersonPage]:
    # Notices are about no one: the bulletin has no page about a person,
    # and says so with an empty answer (a plugin may leave a hook out).
    return ()


@hookimpl
def binhyen_demo_seed(session: Session, commune: Any) -> None:
    # Two invented notices, so the demo's board and inboxes are not empty.
    service.post(
        session,
        {
            "title": "Số điện thoại trực ban",
            "body": "Gọi 0210 000 000.",
            "pinned": True,
        },
        None,
    )
    service.post(
        session,
        {"title": "Họp giao ban thứ Hai", "body": "Tại trụ sở Công an xã."},
        None,
    )


@hookimpl
def binhyen_migrations() -> Path:
    return Path(__file__).parent / "migrations" / "versions"
