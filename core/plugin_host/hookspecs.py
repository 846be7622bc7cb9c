"""Every hook a plugin may implement: the plugin author's contract.

A plugin is a module (or package) registered under the ``binhyen.plugins``
entry-point group; the entry point's name is the plugin's name. It
implements any of the hooks below with ``@hookimpl`` from ``core.toolkit``.
Hooks that take a ``commune`` are only called for plugins that commune has
enabled; the others are called once, at start-up, for every plugin
installed.

Each hook says when it is called, what it is given and what it returns.
``plugins/bulletin`` implements every one of them and is the worked example.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from flask import Blueprint
    from sqlalchemy.orm import Session

    from core.access.permissions import Permission
    from core.plugin_host.contributions import (
        Event,
        JobDefinition,
        MenuItem,
        Metric,
        PeriodicJob,
        PersonPage,
        PluginInfo,
        PublicPage,
        TimelineEntry,
    )
    from tenants.models import Commune

PROJECT = "binhyen"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def binhyen_plugin_info() -> PluginInfo:
    """Describe the plugin. Required of every plugin.

    Called once at start-up. Return a :class:`PluginInfo` whose ``name``
    equals the entry-point name, with titles in Vietnamese and English, a
    version, and the marshmallow schema of its per-commune settings (or None
    when it has no settings).
    """


@hookspec
def binhyen_permissions() -> Iterable[Permission]:
    """Declare the permissions the plugin's routes use.

    Called once at start-up. Return :class:`Permission` items, each named
    ``<plugin name>:action`` and listing in ``roles`` the built-in roles that
    hold it. A plugin whose route names a permission nobody declared is
    left out at start-up.
    """


@hookspec
def binhyen_api_blueprints() -> Iterable[Any]:
    """Return flask-smorest ``Blueprint`` objects to serve under ``/api/v1``.

    Called once at start-up. Routes under ``/api/v1/c/<commune>/...`` answer
    404 in a commune that has not enabled the plugin. Every route must
    declare its permission with ``requires`` (or ``public``).
    """


@hookspec
def binhyen_web_blueprints() -> Iterable[Blueprint]:
    """Return Flask ``Blueprint`` objects of server-rendered pages.

    Called once at start-up. Pages under ``/c/<commune>/...`` answer 404 in a
    commune that has not enabled the plugin.
    """


@hookspec
def binhyen_jobs() -> Iterable[JobDefinition]:
    """Name the background jobs the plugin can be asked to run.

    Called once at start-up. Return :class:`JobDefinition` items; each pairs
    a job name (its plugin's name, a dot, and a verb: ``bulletin.announce``)
    with a handler ``handler(session, commune, **arguments)`` that runs in a
    session bound to the commune. Handlers must be idempotent: a job may run
    again after a crash. Arguments are identifiers and flags, never personal
    data.
    """


@hookspec
def binhyen_periodic_jobs() -> Iterable[PeriodicJob]:
    """Schedule jobs to run on a timetable, once per commune that enabled the
    plugin.

    Called once when the scheduler starts. Return :class:`PeriodicJob` items,
    each naming a job from :func:`binhyen_jobs` and either a cron expression,
    read in UTC (Vietnam is UTC+7: "0 23 * * *" is six in the morning there),
    or an interval in seconds.
    """


@hookspec
def binhyen_timeline(
    session: Session, commune: Commune, person_id: uuid.UUID
) -> Iterable[TimelineEntry]:
    """Contribute entries to one person's timeline.

    Called when a person's file is opened, with a session bound to the
    commune. Return :class:`TimelineEntry` items; the caller merges and sorts
    them by time and shows each only to roles holding its permission.
    """


@hookspec
def binhyen_metrics(
    session: Session, commune: Commune, start: date, end: date
) -> Iterable[Metric]:
    """Contribute figures to the commune dashboard and reports.

    Called with a session bound to the commune for the period
    ``start <= day < end``: when the commune's statistics or a report are
    asked for, and by the nightly ``core.refresh_statistics`` job once for
    each of the last months. Return :class:`Metric` counts; never a list of
    people. A metric may be given per hamlet (``hamlet_id``), for the
    hot-spot check; the commune's figure is then the one given without a
    hamlet, or else the hamlets' sum. Mark a level at the end of the period
    ``stock=True`` (periods take its last month), and a count where one
    hamlet holding most of it is a warning ``concentration=True``. Regional
    views sum the monthly figures and hide small counts.
    """


@hookspec
def binhyen_on_event(session: Session, commune: Commune, event: Event) -> None:
    """React to something that happened in core (a case opened or closed, a
    tier changed, a person moved).

    Called inside the transaction that made the change, with its session:
    write rows or queue jobs with ``enqueue_job``, do no slow I/O. Return
    nothing. An exception here undoes the change, so keep reactions small.
    """


@hookspec
def binhyen_notify(
    session: Session, commune: Commune, topic: str, title: str, text: str
) -> None:
    """Deliver a message to the commune's staff through the plugin's channel.

    Called from a background job, with a session bound to the commune, when
    core has something to tell the commune (``topic`` such as
    ``break_glass.request``). ``title`` and ``text`` are Vietnamese and hold
    no personal data. Return nothing; queue slow delivery with
    ``enqueue_job`` rather than sending here.
    """


@hookspec
def binhyen_menu_items(commune: Commune) -> Iterable[MenuItem]:
    """Add entries to the commune's menu.

    Called when a page of the commune is drawn. Return :class:`MenuItem`
    items, each naming the permission a user needs to see it.
    """


@hookspec
def binhyen_public_pages() -> Iterable[PublicPage]:
    """Offer residents a way in: pages anyone may open without an account.

    Called once when the app starts. Return :class:`PublicPage` items, each
    naming an endpoint that takes no arguments and is declared ``public``;
    the sign-in page links them under "For residents". A page may lead on to
    a commune's own public pages, which answer only where the plugin is on.
    """


@hookspec
def binhyen_person_pages(commune: Commune) -> Iterable[PersonPage]:
    """Link a person's file to the plugin's pages about that person.

    Called when a person's file is drawn on the web app. Return
    :class:`PersonPage` items, each naming the endpoint (which takes
    ``commune`` and ``person_id``) and the permission a user needs to see
    the link; the page itself checks that the user reaches the person.
    """


@hookspec
def binhyen_demo_seed(session: Session, commune: Commune) -> None:
    """Add the plugin's share of the demonstration data to a demo commune.

    Called by ``binhyen demo seed`` (``make run``), which switches on every
    installed plugin implementing this hook in the first demo commune, with
    a session bound to that commune, after core's demo people and their
    cases exist. Write through the plugin's own services, invent every name
    and number, and return nothing; the demo commits. Never called on a
    real commune.
    """


@hookspec
def binhyen_migrations() -> Path | None:
    """Return the folder of the plugin's Alembic revisions, or None.

    Called by ``binhyen db upgrade``. The plugin's revisions form their own
    branch (``branch_labels = ("<plugin name>",)``) starting from core's
    first revision; its commune-owned tables get row-level security like
    core's.
    """
