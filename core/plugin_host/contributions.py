"""The values plugins hand to core through hooks, one small class each."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class PluginInfo:
    """Who a plugin is. ``settings_schema`` is a marshmallow Schema class
    validating the plugin's per-commune settings, or None."""

    name: str
    title_vi: str
    title_en: str
    version: str
    description: str = ""
    settings_schema: type | None = None


@dataclass(frozen=True)
class JobDefinition:
    """A background job: ``handler(session, commune, **arguments)``."""

    name: str
    handler: Callable[..., Any]
    max_attempts: int = 5


@dataclass(frozen=True)
class PeriodicJob:
    """Run the job ``job`` per enabled commune, by ``cron`` or ``interval``."""

    job: str
    cron: str | None = None
    interval: int | None = None

    def __post_init__(self) -> None:
        if bool(self.cron) == bool(self.interval):
            raise ValueError(f"periodic job {self.job}: give a cron or an interval")


@dataclass(frozen=True)
class TimelineEntry:
    """One dated line of a person's timeline; ``permission`` gates who sees it.
    ``link`` is the API address of what the line is about; ``page``, where
    the plugin has one, the web app's page for it (the person's page links
    the line there)."""

    at: datetime
    kind: str
    summary: str
    permission: str
    source: str = ""
    link: str | None = None
    page: str | None = None


@dataclass(frozen=True)
class Metric:
    """A count for the dashboard. ``key`` is ``<plugin>.<figure>``.

    ``hamlet_id``: the count for one hamlet rather than the whole commune
    (the hot-spot check reads these). ``stock``: a level at the end of the
    period (people in treatment) rather than a count of what happened in it
    (tests done); periods then take the last month's value instead of the
    sum of the months. ``concentration``: a count, such as tips about places
    of use, where one hamlet holding most of it is itself a warning.
    ``link``: the endpoint of one of the plugin's pages (taking the commune)
    that lists what the figure counts; the dashboard links the figure there.
    """

    key: str
    label_vi: str
    label_en: str
    value: int
    hamlet_id: uuid.UUID | None = None
    stock: bool = False
    concentration: bool = False
    link: str | None = None


@dataclass(frozen=True)
class MenuItem:
    """An entry of the commune menu, shown to holders of ``permission``."""

    label_vi: str
    label_en: str
    endpoint: str
    permission: str


@dataclass(frozen=True)
class PublicPage:
    """A page anyone may open without an account (a resident's way in),
    linked from the sign-in page; ``endpoint`` takes no arguments."""

    label_vi: str
    label_en: str
    endpoint: str


@dataclass(frozen=True)
class PersonPage:
    """A plugin's page about one person, linked from the person's file for
    holders of ``permission``; ``endpoint`` takes ``commune`` and
    ``person_id``."""

    label_vi: str
    label_en: str
    endpoint: str
    permission: str


@dataclass(frozen=True)
class Event:
    """Something that happened in core. ``kind`` is one of EVENT_KINDS."""

    kind: str
    subject_id: uuid.UUID
    details: dict[str, Any] = field(default_factory=dict)


EVENT_KINDS = frozenset(
    {"case_opened", "case_closed", "tier_changed", "person_moved", "plugin_enabled"}
)
