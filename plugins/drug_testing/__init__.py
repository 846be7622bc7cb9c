"""Drug testing (xét nghiệm ma túy): tests scheduled by case kind or ad hoc,
their results as health data, positive results sent for review, and
referrals for determination of addiction status.

Registered under the ``binhyen.plugins`` entry point ``drug_testing`` in
pyproject.toml; a commune switches it on for itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

import plugins.drug_testing.models  # noqa: F401  (its tables join the metadata)
from core.toolkit import (
    Event,
    JobDefinition,
    MenuItem,
    Metric,
    PeriodicJob,
    Permission,
    PersonPage,
    PluginInfo,
    TimelineEntry,
    hookimpl,
)
from plugins.drug_testing import demo, service
from plugins.drug_testing.schemas import DrugTestingSettings

HEALTH = ("commune_chief", "health_worker")


@hookimpl
def binhyen_plugin_info() -> PluginInfo:
    return PluginInfo(
        name=service.NAME,
        title_vi="Xét nghiệm ma túy",
        title_en="Drug testing",
        version="1.0.0",
        description="Drug tests by schedule or ad hoc, results as health data, "
        "reviews of positive results, referrals to determine addiction.",
        settings_schema=DrugTestingSettings,
    )


@hookimpl
def binhyen_permissions() -> Iterable[Permission]:
    return (
        Permission(
            "drug_testing:read",
            "See whether the people one reaches were tested, and positive or negative.",
            roles=("commune_chief", "officer", "health_worker"),
        ),
        Permission(
            "drug_testing:read_results",
            "See drug test results in full: readings, sample, method, notes.",
            roles=HEALTH,
        ),
        Permission(
            "drug_testing:write",
            "Schedule drug tests, record results and referrals.",
            roles=HEALTH,
        ),
        Permission(
            "drug_testing:disclose",
            "Let an officer read one person's full drug test results.",
            roles=("commune_chief",),
        ),
    )


@hookimpl
def binhyen_api_blueprints() -> Iterable[Any]:
    from plugins.drug_testing.api import blp

    return [blp]


@hookimpl
def binhyen_web_blueprints() -> Iterable[Any]:
    from plugins.drug_testing.web import bp

    return [bp]


@hookimpl
def binhyen_menu_items(commune: Any) -> Iterable[MenuItem]:
    return (
        MenuItem(
            "Xét nghiệm đến hạn",
            "Drug tests due",
            "drug_testing_web.due",
            "drug_testing:write",
        ),
    )


@hookimpl
def binhyen_person_pages(commune: Any) -> Iterable[PersonPage]:
    return (
        PersonPage(
            "Lên lịch xét nghiệm ma túy",
            "Schedule a drug test",
            "drug_testing_web.schedule_form",
            "drug_testing:write",
        ),
    )


@hookimpl
def binhyen_jobs() -> Iterable[JobDefinition]:
    return (
        JobDefinition(service.RAISE_JOB, service.raise_due_job),
        JobDefinition(service.REVIEW_JOB, service.review_positive),
    )


@hookimpl
def binhyen_periodic_jobs() -> Iterable[PeriodicJob]:
    # 22:15 UTC is 05:15 in Vietnam, just after core's own daily work list.
    return (PeriodicJob(service.RAISE_JOB, cron="15 22 * * *"),)


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
    # A closed case's schedule ends; a person who moved away is tested, if
    # at all, by their new commune.
    if event.kind == "case_closed":
        case_id = uuid.UUID(event.details["case_id"])
        service.cancel_due(session, event.subject_id, case_id)
    elif event.kind == "person_moved" and event.details.get("direction") == "out":
        service.cancel_due(session, event.subject_id)


@hookimpl
def binhyen_demo_seed(session: Session) -> None:
    demo.seed(session)


@hookimpl
def binhyen_migrations() -> Path:
    return Path(__file__).parent / "migrations" / "versions"
