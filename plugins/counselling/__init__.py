"""Counselling (tư vấn): the hotline and counselling log, with its free text
encrypted and every read audited; and reminders (appointments, commitment
reviews, Methadone) to a person or their family who agreed to them, sent by
e-mail, an SMS gateway or a Zalo Official Account through the job outbox,
outside quiet hours, retried when a channel fails.

Registered under the ``binhyen.plugins`` entry point ``counselling`` in
pyproject.toml; a commune switches it on for itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

import plugins.counselling.models  # noqa: F401  (its tables join the metadata)
from core.toolkit import (
    JobDefinition,
    MenuItem,
    Metric,
    Permission,
    PersonPage,
    PluginInfo,
    hookimpl,
)
from plugins.counselling import demo, service
from plugins.counselling.schemas import CounsellingSettings

COUNSELLORS = ("commune_chief", "officer", "health_worker")


@hookimpl
def binhyen_plugin_info() -> PluginInfo:
    return PluginInfo(
        name=service.NAME,
        title_vi="Tư vấn",
        title_en="Counselling",
        version="1.0.0",
        description="Hotline and counselling log; reminders by e-mail, SMS "
        "and Zalo to people and families who consented.",
        settings_schema=CounsellingSettings,
    )


@hookimpl
def binhyen_permissions() -> Iterable[Permission]:
    return (
        Permission(
            "counselling:read",
            "Read the counselling log, reminder contacts and deliveries.",
            roles=COUNSELLORS,
        ),
        Permission(
            "counselling:write",
            "Log counselling, keep contacts and their consent, send reminders.",
            roles=COUNSELLORS,
        ),
        Permission(
            "counselling:manage",
            "Set up the commune's e-mail, SMS and Zalo channels and their secrets.",
            roles=("commune_chief",),
        ),
    )


@hookimpl
def binhyen_api_blueprints() -> Iterable[Any]:
    from plugins.counselling.api import blp

    return [blp]


@hookimpl
def binhyen_web_blueprints() -> Iterable[Any]:
    from plugins.counselling.web import bp

    return [bp]


@hookimpl
def binhyen_menu_items(commune: Any) -> Iterable[MenuItem]:
    return (
        MenuItem("Tư vấn", "Counselling", "counselling_web.log", "counselling:read"),
    )


@hookimpl
def binhyen_person_pages(commune: Any) -> Iterable[PersonPage]:
    return (
        PersonPage(
            "Người nhận nhắc lịch và lời nhắc",
            "Reminder contacts and reminders",
            "counselling_web.person_reminders",
            "counselling:read",
        ),
    )


@hookimpl
def binhyen_jobs() -> Iterable[JobDefinition]:
    # Retries are the delivery's own (a new job per try, after the commune's
    # wait), so that each attempt's outcome is kept; one run of the job is
    # tried again by the runner only if it crashed.
    return (JobDefinition(service.DELIVER_JOB, service.deliver, max_attempts=3),)


@hookimpl
def binhyen_metrics(session: Session, start: date, end: date) -> Iterable[Metric]:
    return service.metrics(session, start, end)


@hookimpl
def binhyen_demo_seed(session: Session) -> None:
    demo.seed(session)


@hookimpl
def binhyen_migrations() -> Path:
    return Path(__file__).parent / "migrations" / "versions"
