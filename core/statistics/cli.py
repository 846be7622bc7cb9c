"""``binhyen report``: reports and statistics for operators.

The operator, who holds the database credentials anyway, gets a commune's
report with its exact figures, as the commune would send it upward; a
region's report holds only protected figures, as it does in the API.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from core.audit.trail import note_cross_commune
from core.cli import _fail_on_problem
from core.db import get_database, local_today
from core.statistics import periods, reports, service
from core.statistics.models import Audience, ExportFormat
from tenants import onboarding, resolution
from tenants.isolation import each_commune

logger = logging.getLogger(__name__)


def _report_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every report command takes: period, format, language and
    the file to write."""
    for option in reversed(
        (
            click.option(
                "--period",
                required=True,
                help="A month (2026-11), a quarter (2026-Q4) or a year (2026).",
            ),
            click.option(
                "--format",
                "export_format",
                type=click.Choice([f.value for f in ExportFormat]),
                default="xlsx",
                show_default=True,
            ),
            click.option(
                "--language",
                type=click.Choice(["vi", "en"]),
                default="vi",
                show_default=True,
            ),
            click.option(
                "-o",
                "--output",
                type=click.Path(dir_okay=False, writable=True, path_type=Path),
                required=True,
                help="Where to write the file.",
            ),
        )
    ):
        command = option(command)
    return command


@click.group("report")
def report_group() -> None:
    """Reports of a commune or a region, and the figures behind them."""


@report_group.command("commune")
@click.option("--commune", required=True, help="Slug of the commune.")
@_report_options
@with_appcontext
@_fail_on_problem
def report_commune(
    commune: str, period: str, export_format: str, language: str, output: Path
) -> None:
    """Write a commune's report, with its exact figures."""

    def build(db: Any, span: periods.Period) -> reports.Report:
        place = resolution.resolve_for_operator(db, commune)
        summary = service.commune_summary(db, place, span, Audience.COMMUNE)
        trend = service.commune_trend(
            db, place, service.report_months(span), Audience.COMMUNE
        )
        return reports.commune_report(summary, trend, service.threshold(), language)

    _write(build, period, export_format, output)


@report_group.command("region")
@click.option("--region", required=True, help="Code of the region (25).")
@_report_options
@with_appcontext
@_fail_on_problem
def report_region(
    region: str, period: str, export_format: str, language: str, output: Path
) -> None:
    """Write a region's report, with protected figures only."""

    def build(db: Any, span: periods.Period) -> reports.Report:
        place = onboarding.get_region(db, region)
        summary = service.region_summary(db, place, span)
        trend = service.region_trend(db, place, service.report_months(span))
        db.commit()
        return reports.region_report(summary, trend, service.threshold(), language)

    _write(build, period, export_format, output)


@report_group.command("refresh")
@click.option("--commune", help="Only this commune (default: every active one).")
@click.option(
    "--months",
    type=click.IntRange(1, periods.MOST_MONTHS),
    default=service.REFRESH_MONTHS,
    show_default=True,
    help="How many months back, this one included.",
)
@with_appcontext
@_fail_on_problem
def report_refresh(commune: str | None, months: int) -> None:
    """Recompute the protected figures regions read, now, as the nightly job
    does (after changing BINHYEN_SMALL_CELL_THRESHOLD, for example)."""
    database = get_database()
    today = local_today()

    def refresh_one(db: Any, place: Any) -> int:
        written = service.refresh(db, place, months, today)
        db.commit()
        return written

    if commune:
        with database.session() as db:
            place = resolution.resolve_for_operator(db, commune)
            written = refresh_one(db, place)
        click.echo(f"{written} figures written for {commune}.")
        return
    reason = "refresh protected statistics"
    note_cross_commune(database, reason)
    written = sum(each_commune(database, reason, refresh_one))
    click.echo(f"{written} figures written.")


def _write(
    build: Callable[[Any, periods.Period], reports.Report],
    period: str,
    export_format: str,
    output: Path,
) -> None:
    """Build a report in a session of its own and write it to ``output``."""
    with get_database().session() as db:
        report = build(db, periods.parse(period))
    data = reports.render(report, ExportFormat(export_format))
    output.write_bytes(data)
    click.echo(f"Wrote {output} ({len(data)} bytes).")
