"""Methadone treatment tracking: enrolments at dispensing points with their
phases and doses, daily attendance (entered by day or imported from a
point's CSV export), missed-dose rules that alert the person's officer, and
adherence over a period.

Registered under the ``binhyen.plugins`` entry point ``methadone`` in
pyproject.toml; a commune switches it on for itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

import plugins.methadone.models  # noqa: F401  (its tables join the metadata)
from core.toolkit import (
    Event,
    JobDefinition,
    MenuItem,
    Metric,
    PeriodicJob,
    Permission,
    PluginInfo,
    TimelineEntry,
    hookimpl,
)
from plugins.methadone import attendance, demo, rules, service
from plugins.methadone.schemas import MethadoneSettings

HEALTH = ("commune_chief", "health_worker")


@hookimpl
def binhyen_plugin_info() -> PluginInfo:
    return PluginInfo(
        name=service.NAME,
        title_vi="Điều trị Methadone",
        title_en="Methadone treatment",
        version="1.0.0",
        description="Enrolments, doses and daily attendance at dispensing "
        "points; missed-dose alerts to the officer; adherence.",
        settings_schema=MethadoneSettings,
    )


@hookimpl
def binhyen_permissions() -> Iterable[Permission]:
    return (
        Permission(
            "methadone:read",
            "See the treatment, phases and attendance of the people one reaches.",
            roles=("commune_chief", "officer", "health_worker"),
        ),
        Permission(
            "methadone:read_doses",
            "See Methadone doses and their history.",
            roles=HEALTH,
        ),
        Permission(
            "methadone:write",
            "Enrol people, change doses, record and import attendance.",
            roles=HEALTH,
        ),
        Permission(
            "methadone:manage",
            "Keep the dispensing points and read their adherence.",
            roles=HEALTH,
        ),
    )


@hookimpl
def binhyen_api_blueprints() -> Iterable[Any]:
    from plugins.methadone.api import blp

    return [blp]


@hookimpl
def binhyen_web_blueprints() -> Iterable[Any]:
    from plugins.methadone.web import bp

    return [bp]


@hookimpl
def binhyen_menu_items(commune: Any) -> Iterable[MenuItem]:
    return (
        MenuItem("Methadone", "Methadone", "methadone_web.points", "methadone:read"),
    )


@hookimpl
def binhyen_jobs() -> Iterable[JobDefinition]:
    return (
        JobDefinition(rules.EVALUATE_JOB, rules.evaluate_job),
        JobDefinition(attendance.IMPORT_JOB, attendance.import_job),
    )


@hookimpl
def binhyen_periodic_jobs() -> Iterable[PeriodicJob]:
    # 22:30 UTC is 05:30 in Vietnam: yesterday's doses are in by then.
    return (PeriodicJob(rules.EVALUATE_JOB, cron="30 22 * * *"),)


@hookimpl
def binhyen_timeline(
    session: Session, commune: Any, person_id: uuid.UUID
) -> Iterable[TimelineEntry]:
    return service.timeline_entries(session, commune, person_id)


@hookimpl
def binhyen_metrics(session: Session, start: date, end: date) -> Iterable[Metric]:
    return service.metrics(session, start, end)


@hookimpl
def binhyen_on_event(session: Session, event: Event) -> None:
    if event.kind == "case_opened" and event.details.get("case_kind") == (
        "methadone_treatment"
    ):
        case_id = uuid.UUID(event.details["case_id"])
        service.ask_to_enrol(session, event.subject_id, case_id)
    elif event.kind == "person_moved" and event.details.get("direction") == "out":
        # Treated, from now on, where they live.
        service.end_for_move(session, event.subject_id)


@hookimpl
def binhyen_demo_seed(session: Session) -> None:
    demo.seed(session)


@hookimpl
def binhyen_migrations() -> Path:
    return Path(__file__).parent / "migrations" / "versions"
