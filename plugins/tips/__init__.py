"""Tips (tin báo): residents report drug use, dealing, places of use and
people who need help, anonymously or signed; officers triage them; the
tipster's identity stays sealed unless the chief opens it with a reason.

Registered under the ``binhyen.plugins`` entry point ``tips`` in
pyproject.toml; a commune switches it on for itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

import plugins.tips.models  # noqa: F401  (its tables join the metadata)
from core.toolkit import (
    JobDefinition,
    MenuItem,
    Metric,
    PeriodicJob,
    Permission,
    PluginInfo,
    PublicPage,
    hookimpl,
)
from plugins.tips import service
from plugins.tips.schemas import Settings

DESK = ("commune_chief", "officer")


@hookimpl
def binhyen_plugin_info() -> PluginInfo:
    return PluginInfo(
        name=service.NAME,
        title_vi="Tin báo",
        title_en="Tips",
        version="1.0.0",
        description="Tips from residents, anonymous or signed, with a receipt "
        "code to follow them up, a triage desk and sealed tipster identities.",
        settings_schema=Settings,
    )


@hookimpl
def binhyen_permissions() -> Iterable[Permission]:
    return (
        Permission("tips:read", "Read tips and their dialogue.", roles=DESK),
        Permission(
            "tips:triage",
            "Triage tips: status, outcome, assignment, questions, links.",
            roles=DESK,
        ),
        Permission(
            "tips:unseal",
            "Open a tipster's sealed identity, with a written reason.",
            roles=("commune_chief",),
        ),
    )


@hookimpl
def binhyen_api_blueprints() -> Iterable[Any]:
    from plugins.tips.api import blp

    return [blp]


@hookimpl
def binhyen_web_blueprints() -> Iterable[Any]:
    from plugins.tips import choose
    from plugins.tips.web import bp

    return [bp, choose.bp]


@hookimpl
def binhyen_public_pages() -> Iterable[PublicPage]:
    return (
        PublicPage(
            "Gửi tin báo cho công an xã",
            "Send a tip to your commune's police",
            "tips_public.choose",
        ),
    )


@hookimpl
def binhyen_jobs() -> Iterable[JobDefinition]:
    return (
        JobDefinition(service.NOTIFY_JOB, service.notify),
        JobDefinition(service.PURGE_JOB, service.purge_submissions, max_attempts=3),
    )


@hookimpl
def binhyen_periodic_jobs() -> Iterable[PeriodicJob]:
    # 20:30 UTC is 03:30 in Vietnam, when nobody is working.
    return (PeriodicJob(service.PURGE_JOB, cron="30 20 * * *"),)


@hookimpl
def binhyen_metrics(session: Session, start: date, end: date) -> Iterable[Metric]:
    return service.metrics(session, start, end)


@hookimpl
def binhyen_menu_items() -> Iterable[MenuItem]:
    return (MenuItem("Tin báo", "Tips", "tips_web.desk", "tips:read"),)


@hookimpl
def binhyen_demo_seed(session: Session) -> None:
    from plugins.tips import demo

    demo.seed(session)


@hookimpl
def binhyen_migrations() -> Path:
    return Path(__file__).parent / "migrations" / "versions"
