"""Pages of figures: a commune's statistics, trend, hot spots and reports,
and a region's protected figures and reports.

The figures are shaped by the same functions as the statistics API, so a
page shows exactly what the API answers the same caller: exact counts for
the commune's staff, protected ones (small counts withheld) for the region.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.access.policy import requires, signed_in
from core.db import local_today, request_session
from core.statistics import hotspots, periods, service
from core.statistics.api import (
    asked_period,
    audience,
    commune_export_view,
    place_view,
    region_export_view,
    region_read,
    shown_figures,
    shown_trend,
)
from core.statistics.models import Audience, ExportFormat
from core.statistics.schemas import ExportRequestSchema, PeriodQuerySchema
from core.web import i18n
from core.web.forms import Refusal, attempt, read_form

logger = logging.getLogger(__name__)

bp = Blueprint("figures_web", __name__)

# The figures the trend chart draws, when the commune has them.
TREND_KEYS = ("people.managed", "cases.new", "people.new")


def _period_args() -> tuple[dict[str, Any], Refusal | None]:
    raw = {k: v for k, v in request.args.items() if v and k in ("period",)}
    args, refusal = attempt(lambda: dict(PeriodQuerySchema().load(raw)))
    return args or {}, refusal


def _charted(trend: dict[str, Any]) -> list[dict[str, Any]]:
    """The trend of each charted figure: its label and months, each month
    with its share of the figure's largest (withheld months draw empty)."""
    charted = []
    for key in TREND_KEYS:
        months = []
        label = key
        for month in trend["months"]:
            figure = next((f for f in month["figures"] if f["key"] == key), None)
            if figure is None:
                continue
            label = figure["label"]
            value = figure["value"]
            months.append(
                {
                    "month": month["month"],
                    "value": value,
                    "count": value if isinstance(value, int) else 0,
                }
            )
        if months:
            top = max(m["count"] for m in months) or 1
            for m in months:
                m["percent"] = round(100 * m["count"] / top)
            charted.append({"label": label, "months": months})
    return charted


@bp.get("/c/<commune>/figures")
@requires("statistics:read")
def commune(refusal: Refusal | None = None, status: int = 200) -> Any:
    db = request_session()
    seen_by = audience(db, g.commune)
    args, asked_refusal = _period_args()
    refusal = refusal or asked_refusal
    period = asked_period(args)
    if seen_by is Audience.REGION:
        service.require_whole_months(period)
    summary = service.commune_summary(db, g.commune, period, seen_by)
    k = service.threshold()
    months = asked_period({}, months=True)
    trend = shown_trend(
        months, seen_by, service.commune_trend(db, g.commune, months, seen_by)
    )
    flags = []
    if seen_by is Audience.COMMUNE:
        month = periods.month_of(local_today())
        flags = hotspots.find(
            db, service.plugin_host(), g.commune, month, local_today()
        )
    exports = [
        commune_export_view(e)
        for e in db.scalars(service.commune_exports(db, seen_by).limit(10))
    ]
    db.commit()
    english = i18n.chosen_language() == "en"
    return render_template(
        "figures/commune.html",
        place=place_view(g.commune),
        period=period,
        audience=seen_by.value,
        threshold=k,
        computed_at=summary.view.computed_at,
        figures=shown_figures(summary.view, k),
        hamlets=[(h.name, shown_figures(h.view, k)) for h in summary.hamlets],
        charted=_charted(trend),
        flags=flags,
        english=english,
        exports=exports,
        refusal=refusal,
    ), status


@bp.post("/c/<commune>/figures/exports")
@requires("statistics:read")
def ask_commune_report() -> Any:
    db = request_session()

    def ask() -> Any:
        values = read_form(ExportRequestSchema())
        export = service.request_commune_export(
            db,
            periods.parse(values["period"]),
            ExportFormat(values["format"]),
            values.get("language") or i18n.chosen_language(),
            audience(db, g.commune),
            signed_in(),
        )
        db.commit()
        return export

    _export, refusal = attempt(ask)
    if refusal is not None:
        return commune(refusal=refusal, status=refusal.status)
    flash(_("The report is being built; it appears below when done."))
    return redirect(url_for(".commune", commune=g.commune.slug) + "#reports")


@bp.get("/regions/<code>/figures")
@requires("statistics:read")
def region(code: str, refusal: Refusal | None = None, status: int = 200) -> Any:
    db = request_session()
    place = region_read(code)
    args, asked_refusal = _period_args()
    refusal = refusal or asked_refusal
    period = asked_period(args)
    summary = service.region_summary(db, place, period)
    k = service.threshold()
    exports = [
        region_export_view(e, code)
        for e in db.scalars(service.region_exports(place).limit(10))
    ]
    db.commit()
    return render_template(
        "figures/region.html",
        place=place_view(place),
        period=period,
        threshold=k,
        computed_at=summary.computed_at,
        total=shown_figures(summary.total, k),
        communes=[
            (place_view(commune), shown_figures(view, k))
            for commune, view in summary.communes
        ],
        exports=exports,
        refusal=refusal,
    ), status


@bp.post("/regions/<code>/figures/exports")
@requires("statistics:read")
def ask_region_report(code: str) -> Any:
    db = request_session()
    place = region_read(code)

    def ask() -> Any:
        values = read_form(ExportRequestSchema())
        return service.request_region_export(
            db,
            place,
            periods.parse(values["period"]),
            ExportFormat(values["format"]),
            values.get("language") or i18n.chosen_language(),
            signed_in(),
        )

    _export, refusal = attempt(ask)
    if refusal is not None:
        return region(code, refusal=refusal, status=refusal.status)
    flash(_("The report is being built; it appears below when done."))
    return redirect(url_for(".region", code=code) + "#reports")
