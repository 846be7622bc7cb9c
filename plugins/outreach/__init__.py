"""Outreach (tuyên truyền): sessions on drugs at schools and in hamlets,
planned and held, with their audiences counted by sex and age group, a
calendar, and the commune's figures.

Registered under the ``binhyen.plugins`` entry point ``outreach`` in
pyproject.toml; a commune switches it on for itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

import plugins.outreach.models  # noqa: F401  (its tables join the metadata)
from core.toolkit import MenuItem, Metric, Permission, PluginInfo, hookimpl
from plugins.outreach import demo, service

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
        title_vi="Tuyên truyền",
        title_en="Outreach",
        version="1.0.0",
        description="Outreach sessions at schools and in hamlets: planned and "
        "held, audiences, speakers, materials, a calendar and figures.",
        settings_schema=None,
    )


@hookimpl
def binhyen_permissions() -> Iterable[Permission]:
    # Sessions are public events counted without names: every member of
    # staff may read them; those who organise them may write.
    return (
        Permission(
            "outreach:read", "See the commune's outreach sessions.", roles=STAFF
        ),
        Permission(
            "outreach:write",
            "Plan outreach sessions and record them held.",
            roles=("commune_chief", "officer"),
        ),
    )


@hookimpl
def binhyen_api_blueprints() -> Iterable[Any]:
    from plugins.outreach.api import blp

    return [blp]


@hookimpl
def binhyen_web_blueprints() -> Iterable[Any]:
    from plugins.outreach.web import bp

    return [bp]


@hookimpl
def binhyen_menu_items(commune: Any) -> Iterable[MenuItem]:
    return (
        MenuItem("Tuyên truyền", "Outreach", "outreach_web.calendar", "outreach:read"),
    )


@hookimpl
def binhyen_metrics(session: Session, start: date, end: date) -> Iterable[Metric]:
    return service.metrics(session, start, end)


@hookimpl
def binhyen_demo_seed(session: Session) -> None:
    demo.seed(session)


@hookimpl
def binhyen_migrations() -> Path:
    return Path(__file__).parent / "migrations" / "versions"
