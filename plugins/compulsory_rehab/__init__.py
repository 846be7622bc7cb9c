"""Compulsory rehabilitation (cai nghiện bắt buộc): a tier-3 person's
dossier with the documents the ruleset requires and their scans, its path
from preparation through the court's decision to admission and release,
and post-rehab management opened on release.

Registered under the ``binhyen.plugins`` entry point ``compulsory_rehab``
in pyproject.toml; a commune switches it on for itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

import plugins.compulsory_rehab.models  # noqa: F401  (its tables join the metadata)
from core.toolkit import (
    MenuItem,
    Metric,
    Permission,
    PersonPage,
    PluginInfo,
    TimelineEntry,
    hookimpl,
)
from plugins.compulsory_rehab import demo, service

CASEWORK = ("commune_chief", "officer")


@hookimpl
def binhyen_plugin_info() -> PluginInfo:
    return PluginInfo(
        name=service.NAME,
        title_vi="Cai nghiện bắt buộc",
        title_en="Compulsory rehabilitation",
        version="1.0.0",
        description="Dossiers for compulsory rehabilitation with their "
        "documents, the court's decision, admission, release and post-rehab "
        "management.",
        settings_schema=None,
    )


@hookimpl
def binhyen_permissions() -> Iterable[Permission]:
    return (
        Permission(
            service.READ,
            "Read the dossiers for compulsory rehabilitation of the people one "
            "reaches, their documents and scans.",
            roles=CASEWORK,
        ),
        Permission(
            service.WRITE,
            "Prepare dossiers for compulsory rehabilitation and record their "
            "steps: submission, hearing, decision, admission, release.",
            roles=CASEWORK,
        ),
    )


@hookimpl
def binhyen_api_blueprints() -> Iterable[Any]:
    from plugins.compulsory_rehab.api import blp

    return [blp]


@hookimpl
def binhyen_web_blueprints() -> Iterable[Any]:
    from plugins.compulsory_rehab.web import bp

    return [bp]


@hookimpl
def binhyen_menu_items(commune: Any) -> Iterable[MenuItem]:
    return (
        MenuItem(
            "Hồ sơ cai nghiện bắt buộc",
            "Compulsory rehab dossiers",
            "compulsory_rehab_web.index",
            service.READ,
        ),
    )


@hookimpl
def binhyen_person_pages(commune: Any) -> Iterable[PersonPage]:
    return (
        PersonPage(
            "Hồ sơ cai nghiện bắt buộc",
            "Compulsory rehab dossiers",
            "compulsory_rehab_web.person_dossiers",
            service.READ,
        ),
    )


@hookimpl
def binhyen_timeline(
    session: Session, commune: Any, person_id: uuid.UUID
) -> Iterable[TimelineEntry]:
    return service.timeline_entries(session, commune, person_id)


@hookimpl
def binhyen_metrics(session: Session, start: date, end: date) -> Iterable[Metric]:
    return service.metrics(session, start, end)


@hookimpl
def binhyen_demo_seed(session: Session) -> None:
    demo.seed(session)


@hookimpl
def binhyen_migrations() -> Path:
    return Path(__file__).parent / "migrations" / "versions"
