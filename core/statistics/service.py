"""The rules of statistics: a commune's figures for any period, the nightly
job that protects each commune's monthly figures for regions, regional
figures summed from those, and report exports built by jobs.

A commune's own staff get exact figures, counted from the commune's rows
when asked. Everyone else (region admins, regional reports) gets protected
figures (core.statistics.protection), read from :class:`PublishedFigure`,
which the job ``core.refresh_statistics`` writes for each commune every
night for the last REFRESH_MONTHS months. A regional view therefore reads a
few thousand small rows, however many cases its communes hold, and says how
fresh they are (``computed_at``).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, undefer

from core.audit import trail
from core.config import SETTINGS_BY_NAME
from core.crypto.fields import open_platform_bytes, seal_platform_bytes
from core.db import Actor, get_database, local_today, stamp, utcnow
from core.errors import Conflict, Invalid, NotFound, field_error
from core.jobs.outbox import enqueue_job
from core.jobs.progress import show_progress
from core.statistics import counting, protection
from core.statistics.counting import Figure
from core.statistics.models import (
    Audience,
    CommuneExport,
    ExportFormat,
    ExportStatus,
    FigureDefinition,
    PublishedFigure,
    RegionExport,
)
from core.statistics.periods import Period, add_months, month_of
from core.statistics.protection import Shown
from tenants.isolation import bind_tenant
from tenants.models import Commune, CommuneStatus, Region

logger = logging.getLogger(__name__)

REFRESH_JOB = "core.refresh_statistics"
# 04:00 in Vietnam, after the day's work is in (cron is read in UTC).
REFRESH_SCHEDULE = "0 21 * * *"
# The nightly job recomputes this many months, the current one included, so
# a file corrected or back-dated within a year reaches the regional figures.
REFRESH_MONTHS = 13
COMMUNE_REPORT_JOB = "core.build_commune_report"
REGION_REPORT_JOB = "core.build_region_report"
# The platform key that seals regions' report files.
REPORT_KEY = "region reports"
CONTENT_TYPES = {
    ExportFormat.XLSX: (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    ExportFormat.PDF: "application/pdf",
}


def threshold() -> int:
    """The small-cell threshold in force (BINHYEN_SMALL_CELL_THRESHOLD)."""
    settings = current_app.config.get("BINHYEN_SETTINGS")
    value = getattr(settings, "small_cell_threshold", None)
    return int(value or SETTINGS_BY_NAME["small_cell_threshold"].default)


def plugin_host() -> Any:
    return current_app.extensions["binhyen.plugins"]


@dataclass
class View:
    """The figures of one place for one period, as one audience sees them:
    exact counts (int) for the commune's staff, :class:`Shown` otherwise."""

    figures: list[Figure]
    values: dict[str, int | Shown]
    computed_at: datetime | None


@dataclass
class HamletView:
    hamlet_id: uuid.UUID | None
    name: str | None
    view: View


@dataclass
class CommuneSummary:
    commune: Commune
    period: Period
    audience: Audience
    view: View
    hamlets: list[HamletView] = field(default_factory=list)


# -- a commune's own, exact figures -------------------------------------------


def _exact(
    session: Session, commune: Commune, period: Period, facts: counting.Facts
) -> tuple[counting.Counts, counting.PluginCounts]:
    core = counting.count(facts, period.start, period.end)
    plugins = counting.plugin_counts(
        session, plugin_host(), commune, period.start, period.end
    )
    return counting.merge(core, plugins), plugins


def commune_summary(
    session: Session,
    commune: Commune,
    period: Period,
    audience: Audience,
    today: date | None = None,
) -> CommuneSummary:
    """The commune's figures for ``period``: exact, with the breakdown by
    hamlet, for its staff; protected and whole-month only for others."""
    today = today or local_today()
    if audience is Audience.REGION:
        require_whole_months(period)
        views = published_views(session, [commune], period)
        _note_outside_read(session, period)
        return CommuneSummary(commune, period, audience, views[commune.id])

    facts = counting.load_facts(session, period.start, period.end, today)
    merged, plugins = _exact(session, commune, period, facts)
    figures = counting.ordered(plugins.definitions.values())
    now = utcnow()
    view = View(figures, dict(merged.figures), now)
    names = counting.hamlets_of(session)
    hamlet_keys = list(counting.HAMLET_FIGURES) + sorted(
        {key for row in plugins.hamlets.values() for key in row}
    )
    hamlet_figures = [
        counting.CORE_BY_KEY.get(key) or plugins.definitions[key] for key in hamlet_keys
    ]
    hamlets = []
    for hamlet_id, name in sorted(names.items(), key=lambda item: item[1]):
        row = merged.hamlets.get(hamlet_id, {})
        values: dict[str, int | Shown] = {k: row.get(k, 0) for k in hamlet_keys}
        hamlets.append(HamletView(hamlet_id, name, View(hamlet_figures, values, now)))
    if None in merged.hamlets:
        row = merged.hamlets[None]
        values = {k: row.get(k, 0) for k in hamlet_keys}
        hamlets.append(HamletView(None, None, View(hamlet_figures, values, now)))
    return CommuneSummary(commune, period, audience, view, hamlets)


def commune_trend(
    session: Session,
    commune: Commune,
    months: Period,
    audience: Audience,
    today: date | None = None,
) -> list[tuple[Period, View]]:
    """The commune's figures month by month over ``months``."""
    today = today or local_today()
    spans = [month_of(first) for first in months.months()]
    if audience is Audience.REGION:
        _note_outside_read(session, months)
        return [
            (span, published_views(session, [commune], span)[commune.id])
            for span in spans
        ]
    facts = counting.load_facts(session, months.start, months.end, today)
    trend = []
    for span in spans:
        merged, plugins = _exact(session, commune, span, facts)
        figures = counting.ordered(plugins.definitions.values())
        trend.append((span, View(figures, dict(merged.figures), utcnow())))
    return trend


def _note_outside_read(session: Session, period: Period) -> None:
    """A read of the commune's protected figures from outside it, recorded in
    the commune's own audit chain (the caller commits)."""
    trail.record(
        session,
        "statistics.read",
        object_type="statistics",
        details={"audience": Audience.REGION.value, "period": period.label},
    )


def require_whole_months(period: Period) -> None:
    if not period.whole_months:
        raise Invalid(
            "Figures outside the commune are kept by month: name a month, "
            "quarter or year (2026-11, 2026-Q4, 2026), or give start and end "
            "on the first day of a month.",
            errors=[field_error("start", "Not the first day of a month.", "query")],
        )


# -- the nightly job: each commune's protected monthly figures ----------------


def refresh(
    session: Session,
    commune: Commune,
    months: int = REFRESH_MONTHS,
    today: date | None = None,
) -> int:
    """Recompute the bound commune's protected figures for the last
    ``months`` months (the current one included); returns the cells written.

    Exact counts stay in this function: each is protected before it is
    written, and the figures that add up from others (people under
    management, new cases) are not written at all, so that a reader can
    only ever sum protected cells.
    """
    today = today or local_today()
    k = threshold()
    this = month_of(today)
    first = add_months(this.start, -(max(1, int(months)) - 1))
    facts = counting.load_facts(session, first, this.end, today)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    definitions: dict[str, Figure] = {}
    month = first
    while month < this.end:
        merged, plugins = _exact(session, commune, month_of(month), facts)
        definitions.update(plugins.definitions)
        for key, value in merged.figures.items():
            figure = counting.CORE_BY_KEY.get(key)
            if figure is not None and figure.parts:
                continue
            rows.append(
                {
                    "commune_id": commune.id,
                    "month": month,
                    "figure": key,
                    "value": protection.stored(protection.protect(value, k)),
                    "threshold": k,
                    "computed_at": now,
                }
            )
        month = add_months(month, 1)

    session.execute(
        delete(PublishedFigure).where(
            PublishedFigure.commune_id == commune.id,
            PublishedFigure.month >= first,
            PublishedFigure.month < this.end,
        )
    )
    if rows:
        session.execute(insert(PublishedFigure), rows)
    _remember(session, definitions.values())
    logger.info("statistics of commune %s refreshed: %d cells", commune.code, len(rows))
    return len(rows)


def refresh_job(
    session: Session, commune: Commune, months: int = REFRESH_MONTHS
) -> None:
    """Job handler of ``core.refresh_statistics``."""
    refresh(session, commune, months)


def _remember(session: Session, definitions: Any) -> None:
    """Keep plugins' figure labels for readers of protected figures."""
    insert_for = (
        pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    )
    for figure in definitions:
        values = {
            "label_vi": figure.label_vi[:200],
            "label_en": figure.label_en[:200],
            "stock": figure.stock,
        }
        statement = insert_for(FigureDefinition).values(key=figure.key, **values)
        session.execute(
            statement.on_conflict_do_update(index_elements=["key"], set_=values)
        )


# -- protected figures, for everyone outside the commune ----------------------


def _definitions(session: Session) -> dict[str, Figure]:
    found = dict(counting.CORE_BY_KEY)
    for row in session.scalars(select(FigureDefinition)):
        if row.key not in found:
            plugin = row.key.split(".", 1)[0]
            found[row.key] = Figure(
                row.key, row.label_vi, row.label_en, row.stock, f"plugin:{plugin}"
            )
    return found


def published_views(
    session: Session, communes: list[Commune], period: Period
) -> dict[uuid.UUID, View]:
    """Each commune's protected figures for ``period`` (whole months).

    A level (a stock) is its cell in the period's last month; a count over
    the period is the sum of its monthly cells; a figure made of parts is
    the sum of its parts. All of them are sums of protected cells, added up
    by the database: one grouped row per commune, figure and "last month or
    not", however many months the period has.
    """
    k = threshold()
    definitions = _definitions(session)
    ids = [c.id for c in communes]
    last = period.months()[-1]
    # A cell protected under another threshold is withheld whole until the
    # nightly job (or `binhyen report refresh`) redoes it.
    usable = PublishedFigure.threshold == k
    is_last = PublishedFigure.month == last
    shown_sum = func.sum(case((usable, PublishedFigure.value), else_=None))
    withheld = func.sum(case((usable & PublishedFigure.value.is_not(None), 0), else_=1))
    parts: dict[uuid.UUID, dict[str, list[tuple[bool, Shown]]]] = {i: {} for i in ids}
    computed: dict[uuid.UUID, datetime] = {}
    for chunk in range(0, len(ids), 500):
        rows = session.execute(
            select(
                PublishedFigure.commune_id,
                PublishedFigure.figure,
                is_last,
                shown_sum,
                withheld,
                func.min(PublishedFigure.computed_at),
            )
            .where(
                PublishedFigure.commune_id.in_(ids[chunk : chunk + 500]),
                PublishedFigure.month >= period.start,
                PublishedFigure.month < period.end,
            )
            .group_by(PublishedFigure.commune_id, PublishedFigure.figure, is_last)
        )
        for commune_id, key, in_last, visible, hidden, at in rows:
            shown = Shown(int(visible or 0), int(hidden or 0))
            parts[commune_id].setdefault(key, []).append((bool(in_last), shown))
            if commune_id not in computed or at < computed[commune_id]:
                computed[commune_id] = at

    views = {}
    for commune_id in ids:
        values: dict[str, int | Shown] = {}
        for key, found in parts[commune_id].items():
            figure = definitions.get(key)
            if figure is None:
                continue
            taken = [s for in_last, s in found if in_last or not figure.stock]
            if taken:
                values[key] = protection.total(taken)
        for figure in counting.CORE_FIGURES:
            if figure.parts and values:
                made_of = [v for n, v in values.items() if n.startswith(figure.parts)]
                values[figure.key] = protection.total(
                    [p for p in made_of if isinstance(p, Shown)]
                )
        listed = counting.ordered(definitions[key] for key in values)
        figures = [figure for figure in listed if figure.key in values]
        views[commune_id] = View(figures, values, computed.get(commune_id))
    return views


@dataclass
class RegionSummary:
    region: Region
    period: Period
    communes: list[tuple[Commune, View]]
    total: View

    @property
    def computed_at(self) -> datetime | None:
        known = [v.computed_at for _c, v in self.communes if v.computed_at]
        return min(known) if known else None


def communes_of(session: Session, region: Region) -> list[Commune]:
    """The region's communes and those of the regions below it, by code;
    archived ones are left out."""
    from tenants.onboarding import communes_under

    return [
        c
        for c in communes_under(session, {region.id})
        if c.status is not CommuneStatus.ARCHIVED
    ]


def _summed(session: Session, region: Region, period: Period) -> RegionSummary:
    require_whole_months(period)
    communes = communes_of(session, region)
    views = published_views(session, communes, period)
    pairs = [(c, views[c.id]) for c in communes]
    summed: dict[str, int | Shown] = {}
    figures: dict[str, Figure] = {}
    for _commune, view in pairs:
        for figure in view.figures:
            figures.setdefault(figure.key, figure)
            value = view.values[figure.key]
            before = summed.get(figure.key, Shown())
            if isinstance(value, Shown) and isinstance(before, Shown):
                summed[figure.key] = before + value
    known = [v.computed_at for _c, v in pairs if v.computed_at]
    total = View(
        counting.ordered(figures.values()), summed, min(known) if known else None
    )
    return RegionSummary(region, period, pairs, total)


def _note_region_read(
    session: Session, region: Region, period: Period, communes: int
) -> None:
    trail.record(
        session,
        "statistics.region_read",
        object_type="regions",
        object_id=region.id,
        details={"region": region.code, "period": period.label, "communes": communes},
        platform=True,
    )


def region_summary(session: Session, region: Region, period: Period) -> RegionSummary:
    """Every commune's protected figures for ``period`` and their sums.

    This is the regional read of statistics: it reads only protected cells,
    never a commune's rows, and is recorded in the platform's audit chain
    (the caller commits) with the region, the period and how many communes
    it covered.
    """
    summary = _summed(session, region, period)
    _note_region_read(session, region, period, len(summary.communes))
    return summary


def region_trend(
    session: Session, region: Region, months: Period
) -> list[tuple[Period, View]]:
    """The region's summed protected figures month by month; one audited
    read."""
    trend = []
    count = 0
    for first in months.months():
        summary = _summed(session, region, month_of(first))
        count = len(summary.communes)
        trend.append((summary.period, summary.total))
    _note_region_read(session, region, months, count)
    return trend


# -- exports --------------------------------------------------------------------


def _asked_for(
    period: Period, export_format: ExportFormat, language: str, by: Actor
) -> dict[str, Any]:
    """What a commune's and a region's export record alike."""
    return {
        "period_start": period.start,
        "period_end": period.end,
        "period_label": period.label,
        "format": export_format,
        "language": language,
        **stamp(by),
    }


def request_commune_export(
    session: Session,
    period: Period,
    export_format: ExportFormat,
    language: str,
    audience: Audience,
    by: Actor,
) -> CommuneExport:
    """Ask for the bound commune's report; a job builds it after commit."""
    if audience is Audience.REGION:
        require_whole_months(period)
    export = CommuneExport(
        audience=audience, **_asked_for(period, export_format, language, by)
    )
    session.add(export)
    session.flush()
    enqueue_job(session, COMMUNE_REPORT_JOB, export_id=export.id)
    return export


def request_region_export(
    session: Session,
    region: Region,
    period: Period,
    export_format: ExportFormat,
    language: str,
    by: Actor,
) -> RegionExport:
    """Ask for a region's report. Jobs belong to a commune, so its job waits
    in the outbox of the region's first commune, written in one transaction
    with the export's record (committed here); ``session`` then reads it."""
    require_whole_months(period)
    communes = communes_of(session, region)
    if not communes:
        raise Conflict(
            "This region has no communes yet, so it has no figures to report."
        )
    host = communes[0]
    with get_database().session() as outbox:
        bind_tenant(outbox, host.id)
        export = RegionExport(
            region_id=region.id,
            host_commune_id=host.id,
            **_asked_for(period, export_format, language, by),
        )
        outbox.add(export)
        outbox.flush()
        enqueue_job(outbox, REGION_REPORT_JOB, export_id=export.id)
        outbox.commit()
        export_id = export.id
    found = session.get(RegionExport, export_id)
    assert found is not None
    return found


def build_commune_report(session: Session, commune: Commune, export_id: str) -> None:
    """Job handler of ``core.build_commune_report``: idempotent."""
    from core.statistics import reports

    export = session.scalars(
        select(CommuneExport).where(CommuneExport.id == uuid.UUID(export_id))
    ).first()
    if export is None or export.status is ExportStatus.DONE:
        return
    show_progress(
        CommuneExport,
        export.id,
        commune.id,
        status=ExportStatus.RUNNING,
        progress=10,
        error=None,
    )
    try:
        period = Period(export.period_start, export.period_end, export.period_label)
        summary = commune_summary(session, commune, period, export.audience)
        show_progress(CommuneExport, export.id, commune.id, progress=40)
        trend = commune_trend(session, commune, report_months(period), export.audience)
        show_progress(CommuneExport, export.id, commune.id, progress=70)
        report = reports.commune_report(summary, trend, threshold(), export.language)
        data = reports.render(report, export.format)
    except Exception as exc:
        _fail(CommuneExport, export.id, commune.id, exc)
        raise
    export.content = data
    export.size = len(data)
    export.status, export.progress = ExportStatus.DONE, 100
    export.finished_at = utcnow()


def build_region_report(session: Session, commune: Commune, export_id: str) -> None:
    """Job handler of ``core.build_region_report``: idempotent. It runs in
    its host commune's outbox and reads only protected figures."""
    from core.statistics import reports

    export = session.get(RegionExport, uuid.UUID(export_id))
    if export is None or export.status is ExportStatus.DONE:
        return
    if export.host_commune_id != commune.id:
        raise RuntimeError("a region's report runs in its host commune's outbox")
    show_progress(
        RegionExport,
        export.id,
        None,
        status=ExportStatus.RUNNING,
        progress=10,
        error=None,
    )
    try:
        region = session.get(Region, export.region_id)
        assert region is not None
        period = Period(export.period_start, export.period_end, export.period_label)
        summary = region_summary(session, region, period)
        show_progress(RegionExport, export.id, None, progress=40)
        trend = region_trend(session, region, report_months(period))
        show_progress(RegionExport, export.id, None, progress=70)
        report = reports.region_report(summary, trend, threshold(), export.language)
        data = reports.render(report, export.format)
    except Exception as exc:
        _fail(RegionExport, export.id, None, exc)
        raise
    export.content = seal_platform_bytes(session, REPORT_KEY, data)
    export.size = len(data)
    export.status, export.progress = ExportStatus.DONE, 100
    export.finished_at = utcnow()


def _fail(
    model: type[CommuneExport] | type[RegionExport],
    export_id: uuid.UUID,
    tenant: uuid.UUID | None,
    exc: Exception,
) -> None:
    logger.warning("report %s failed with %s", export_id, type(exc).__name__)
    show_progress(
        model, export_id, tenant, status=ExportStatus.FAILED, error=type(exc).__name__
    )


def report_months(period: Period) -> Period:
    """The months a report's trend shows: those of the period, at least the
    twelve up to its end."""
    first = date(period.start.year, period.start.month, 1)
    end = add_months(period.last_day, 1)
    return Period(min(first, add_months(end, -12)), end, "trend")


def commune_exports(session: Session, audience: Audience) -> Any:
    """The bound commune's exports an audience may see, newest first: the
    commune's staff see all, others only those made for them."""
    query = select(CommuneExport).order_by(CommuneExport.recorded_at.desc())
    if audience is Audience.REGION:
        query = query.where(CommuneExport.audience == Audience.REGION)
    return query


def commune_export(
    session: Session, export_id: uuid.UUID, audience: Audience
) -> CommuneExport:
    found = session.scalars(
        commune_exports(session, audience).where(CommuneExport.id == export_id)
    ).first()
    if found is None:
        raise NotFound(
            "This commune has no such report you may see. List its reports at "
            ".../statistics/exports/."
        )
    return found


def region_exports(region: Region) -> Any:
    """A region's exports, newest first."""
    return (
        select(RegionExport)
        .where(RegionExport.region_id == region.id)
        .order_by(RegionExport.recorded_at.desc())
    )


def region_export(
    session: Session, region: Region, export_id: uuid.UUID
) -> RegionExport:
    found = session.scalars(
        select(RegionExport).where(
            RegionExport.id == export_id, RegionExport.region_id == region.id
        )
    ).first()
    if found is None:
        raise NotFound(
            "This region has no such report. List its reports at "
            "/api/v1/regions/<code>/statistics/exports/."
        )
    return found


def _ready(export: Any) -> None:
    if export.status is not ExportStatus.DONE:
        raise Conflict(
            f"This report is {export.status.value} ({export.progress}% done); "
            "fetch it when its status is done."
        )


def commune_file(session: Session, export: CommuneExport) -> bytes:
    """The report's file, opened; the download is audited in the commune's
    chain (the caller commits)."""
    _ready(export)
    content = session.scalars(
        select(CommuneExport.content).where(CommuneExport.id == export.id)
    ).first()
    assert content is not None
    trail.record(
        session,
        "statistics.export_download",
        object_type="statistics_exports",
        object_id=export.id,
        details={"audience": export.audience.value, "period": export.period_label},
    )
    return bytes(content)


def region_file(session: Session, export: RegionExport) -> bytes:
    """The region's report file, opened; audited in the platform chain."""
    _ready(export)
    stored = session.scalars(
        select(RegionExport)
        .where(RegionExport.id == export.id)
        .options(undefer(RegionExport.content))
    ).one()
    assert stored.content is not None
    trail.record(
        session,
        "statistics.export_download",
        object_type="region_exports",
        object_id=export.id,
        details={"period": export.period_label},
        platform=True,
    )
    return open_platform_bytes(session, REPORT_KEY, stored.content)


def filename(export: Any, place: str) -> str:
    label = export.period_label.replace("..", "_")
    return f"bao-cao-{place}-{label}.{export.format.value}"
