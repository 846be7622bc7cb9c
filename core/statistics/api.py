"""REST endpoints for statistics: /api/v1/c/<commune>/statistics/... for a
commune, /api/v1/regions/<code>/statistics/... for a region.

Who sees what: a commune's own staff holding ``statistics:read`` there see
its exact figures, by hamlet, and its hot spots. Anyone else holding it
there (a region admin, through the region) sees the same figures protected
as in regional views, by whole months, with no hamlets and no hot spots,
and only the reports made for them.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import g, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from core.access.policy import (
    communes_where,
    require_in_region,
    requires,
    signed_in,
)
from core.api.pagination import PAGINATION, page_of
from core.db import local_today, request_session
from core.errors import Forbidden, caller_prefers_english
from core.files.api import attachment
from core.statistics import hotspots, periods, protection, service
from core.statistics.models import Audience, CommuneExport, ExportFormat, RegionExport
from core.statistics.periods import Period
from core.statistics.schemas import (
    ExportRequestSchema,
    ExportSchema,
    HotSpotsSchema,
    MonthQuerySchema,
    PeriodQuerySchema,
    RegionSummarySchema,
    SummarySchema,
    TrendSchema,
)
from core.statistics.service import View
from tenants import onboarding
from tenants.models import Commune, Region

logger = logging.getLogger(__name__)

blp = Blueprint(
    "statistics",
    __name__,
    url_prefix="/api/v1",
    description="Figures of a commune and of a region, hot spots and reports.",
)

FILE_RESPONSE = {
    "description": "The report's file.",
    "content": {
        content_type: {"schema": {"type": "string", "format": "binary"}}
        for content_type in service.CONTENT_TYPES.values()
    },
}


def audience(db: Session, commune: Commune) -> Audience:
    """The commune's own staff (and the operator) see exact figures; anyone
    holding ``statistics:read`` only through a region sees protected ones."""
    principal = signed_in()
    if principal.is_operator:
        return Audience.COMMUNE
    if commune.id in communes_where(db, principal, "statistics:read"):
        return Audience.COMMUNE
    return Audience.REGION


def _language() -> str:
    return "en" if caller_prefers_english() else "vi"


def period_view(period: Period) -> dict[str, Any]:
    return {"label": period.label, "start": period.start, "end": period.end}


def shown_figures(view: View, k: int) -> list[dict[str, Any]]:
    language = _language()
    return [
        {
            "key": figure.key,
            "label": figure.label(language).strip(" -"),
            "section": figure.section,
            "stock": figure.stock,
            "value": protection.render(view.values[figure.key], k),
        }
        for figure in view.figures
        if figure.key in view.values
    ]


def place_view(place: Any) -> dict[str, Any]:
    return {
        "slug": getattr(place, "slug", None),
        "code": place.code,
        "name": place.name,
    }


def shown_trend(
    months: Period, seen_by: Audience, trend: list[tuple[Period, View]]
) -> dict[str, Any]:
    k = service.threshold()
    return {
        "period": period_view(months),
        "audience": seen_by.value,
        "threshold": k if seen_by is Audience.REGION else None,
        "months": [
            {
                "month": span.label,
                "computed_at": view.computed_at,
                "figures": shown_figures(view, k),
            }
            for span, view in trend
        ],
    }


def asked_period(args: dict[str, Any], months: bool = False) -> Period:
    """The period a query names (for a trend, the months it covers)."""
    choose = periods.trend_months if months else periods.chosen
    return choose(args.get("period"), args.get("start"), args.get("end"), local_today())


# -- a commune ----------------------------------------------------------------


@blp.route("/c/<commune>/statistics/")
class CommuneStatistics(MethodView):
    @requires("statistics:read")
    @blp.arguments(PeriodQuerySchema, location="query")
    @blp.response(200, SummarySchema)
    def get(self, args: dict[str, Any]) -> Any:
        """The commune's figures for a period (this month by default)."""
        db = request_session()
        commune: Commune = g.commune
        seen_by = audience(db, commune)
        period = asked_period(args)
        summary = service.commune_summary(db, commune, period, seen_by)
        db.commit()
        k = service.threshold()
        return {
            "commune": place_view(commune),
            "period": period_view(period),
            "audience": seen_by.value,
            "threshold": k if seen_by is Audience.REGION else None,
            "computed_at": summary.view.computed_at,
            "figures": shown_figures(summary.view, k),
            "hamlets": [
                {
                    "hamlet_id": hamlet.hamlet_id,
                    "name": hamlet.name,
                    "figures": shown_figures(hamlet.view, k),
                }
                for hamlet in summary.hamlets
            ],
        }


@blp.route("/c/<commune>/statistics/trend")
class CommuneTrend(MethodView):
    @requires("statistics:read")
    @blp.arguments(PeriodQuerySchema, location="query")
    @blp.response(200, TrendSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """The commune's figures month by month (the last twelve by default)."""
        db = request_session()
        commune: Commune = g.commune
        seen_by = audience(db, commune)
        months = asked_period(args, months=True)
        trend = service.commune_trend(db, commune, months, seen_by)
        db.commit()
        return shown_trend(months, seen_by, trend)


@blp.route("/c/<commune>/statistics/hot-spots")
class HotSpots(MethodView):
    @requires("statistics:read")
    @blp.arguments(MonthQuerySchema, location="query")
    @blp.response(200, HotSpotsSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Hamlets whose counts rose above their own last six months, or that
        hold most of the commune's tips about places of use."""
        db = request_session()
        commune: Commune = g.commune
        if audience(db, commune) is not Audience.COMMUNE:
            raise Forbidden(
                "Hot spots name hamlets, so they are for the commune's own staff; "
                "the region sees the commune's protected figures."
            )
        today = local_today()
        month = (
            periods.parse(args["month"])
            if args.get("month")
            else periods.month_of(today)
        )
        if len(month.months()) != 1:
            month = periods.month_of(month.start)
        host = service.plugin_host()
        flags = hotspots.find(db, host, commune, month, today)
        language = _language()
        return {
            "month": period_view(month),
            "rules": hotspots.RULES,
            "flags": [
                {
                    "hamlet_id": flag.hamlet_id,
                    "hamlet": flag.hamlet_name,
                    "figure": flag.figure.key,
                    "label": flag.figure.label(language).strip(" -"),
                    "rule": flag.rule,
                    "count": flag.count,
                    "baseline": list(flag.baseline),
                    "baseline_mean": flag.baseline_mean,
                    "needed": flag.needed if flag.rule == "rising" else None,
                    "commune_count": flag.commune_count,
                }
                for flag in flags
            ],
        }


def _export(export: Any, download: str | None) -> dict[str, Any]:
    return {
        "id": export.id,
        "period": {
            "label": export.period_label,
            "start": export.period_start,
            "end": export.period_end,
        },
        "format": export.format.value,
        "language": export.language,
        "audience": getattr(export, "audience", Audience.REGION).value,
        "status": export.status.value,
        "progress": export.progress,
        "error": export.error,
        "size": export.size,
        "requested_by": export.recorded_by,
        "requested_at": export.recorded_at,
        "finished_at": export.finished_at,
        "download": download if export.status.value == "done" else None,
    }


def commune_export_view(export: CommuneExport) -> dict[str, Any]:
    return _export(
        export,
        url_for(
            "statistics.CommuneExportFile",
            commune=g.commune.slug,
            export_id=export.id,
        ),
    )


@blp.route("/c/<commune>/statistics/exports/")
class CommuneExports(MethodView):
    @requires("statistics:read")
    @blp.response(200, ExportSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, pagination_parameters: Any) -> Any:
        """The commune's reports you may see, newest first."""
        db = request_session()
        query = service.commune_exports(db, audience(db, g.commune))
        return [
            commune_export_view(e) for e in page_of(db, query, pagination_parameters)
        ]

    @requires("statistics:read")
    @blp.arguments(ExportRequestSchema)
    @blp.response(202, ExportSchema)
    def post(self, values: dict[str, Any]) -> Any:
        """Ask for the commune's report for a month, quarter or year, as XLSX
        or PDF; a job builds it. Follow its progress at the address returned."""
        db = request_session()
        export = service.request_commune_export(
            db,
            periods.parse(values["period"]),
            ExportFormat(values["format"]),
            values["language"],
            audience(db, g.commune),
            signed_in(),
        )
        db.commit()
        db.refresh(export)
        return commune_export_view(export), 202


@blp.route("/c/<commune>/statistics/exports/<uuid:export_id>")
class CommuneExportById(MethodView):
    @requires("statistics:read")
    @blp.response(200, ExportSchema)
    def get(self, export_id: uuid.UUID) -> Any:
        """One report: its status, progress and, once done, where to fetch it."""
        db = request_session()
        export = service.commune_export(db, export_id, audience(db, g.commune))
        return commune_export_view(export)


@blp.route("/c/<commune>/statistics/exports/<uuid:export_id>/file")
class CommuneExportFile(MethodView):
    @requires("statistics:read")
    @blp.doc(responses={"200": FILE_RESPONSE})
    def get(self, export_id: uuid.UUID) -> Any:
        """The report's file; each download is audited."""
        db = request_session()
        export = service.commune_export(db, export_id, audience(db, g.commune))
        data = service.commune_file(db, export)
        db.commit()
        return attachment(
            data,
            service.CONTENT_TYPES[export.format],
            service.filename(export, g.commune.slug),
        )


# -- a region -------------------------------------------------------------------


def region_read(code: str) -> Region:
    region = onboarding.get_region(request_session(), code)
    require_in_region(signed_in(), region, "statistics:read")
    return region


@blp.route("/regions/<code>/statistics")
class RegionStatistics(MethodView):
    @requires("statistics:read")
    @blp.arguments(PeriodQuerySchema, location="query")
    @blp.response(200, RegionSummarySchema)
    def get(self, args: dict[str, Any], code: str) -> Any:
        """Each commune's protected figures for a period, and their sums."""
        db = request_session()
        region = region_read(code)
        period = asked_period(args)
        summary = service.region_summary(db, region, period)
        db.commit()
        k = service.threshold()
        return {
            "region": place_view(region),
            "period": period_view(period),
            "threshold": k,
            "computed_at": summary.computed_at,
            "total": shown_figures(summary.total, k),
            "communes": [
                {
                    "commune": place_view(commune),
                    "computed_at": view.computed_at,
                    "figures": shown_figures(view, k),
                }
                for commune, view in summary.communes
            ],
        }


@blp.route("/regions/<code>/statistics/trend")
class RegionTrend(MethodView):
    @requires("statistics:read")
    @blp.arguments(PeriodQuerySchema, location="query")
    @blp.response(200, TrendSchema)
    def get(self, args: dict[str, Any], code: str) -> Any:
        """The region's summed protected figures month by month."""
        db = request_session()
        region = region_read(code)
        months = asked_period(args, months=True)
        trend = service.region_trend(db, region, months)
        db.commit()
        return shown_trend(months, Audience.REGION, trend)


def region_export_view(export: RegionExport, code: str) -> dict[str, Any]:
    return _export(
        export,
        url_for("statistics.RegionExportFile", code=code, export_id=export.id),
    )


@blp.route("/regions/<code>/statistics/exports/")
class RegionExports(MethodView):
    @requires("statistics:read")
    @blp.response(200, ExportSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, code: str, pagination_parameters: Any) -> Any:
        """The region's reports, newest first."""
        db = request_session()
        region = region_read(code)
        query = service.region_exports(region)
        return [
            region_export_view(e, code)
            for e in page_of(db, query, pagination_parameters)
        ]

    @requires("statistics:read")
    @blp.arguments(ExportRequestSchema)
    @blp.response(202, ExportSchema)
    def post(self, values: dict[str, Any], code: str) -> Any:
        """Ask for the region's report for a month, quarter or year."""
        db = request_session()
        region = region_read(code)
        export = service.request_region_export(
            db,
            region,
            periods.parse(values["period"]),
            ExportFormat(values["format"]),
            values["language"],
            signed_in(),
        )
        db.refresh(export)
        return region_export_view(export, code), 202


@blp.route("/regions/<code>/statistics/exports/<uuid:export_id>")
class RegionExportById(MethodView):
    @requires("statistics:read")
    @blp.response(200, ExportSchema)
    def get(self, code: str, export_id: uuid.UUID) -> Any:
        """One of the region's reports: status, progress, download."""
        db = request_session()
        export = service.region_export(db, region_read(code), export_id)
        return region_export_view(export, code)


@blp.route("/regions/<code>/statistics/exports/<uuid:export_id>/file")
class RegionExportFile(MethodView):
    @requires("statistics:read")
    @blp.doc(responses={"200": FILE_RESPONSE})
    def get(self, code: str, export_id: uuid.UUID) -> Any:
        """The region's report file; each download is audited."""
        db = request_session()
        region = region_read(code)
        export = service.region_export(db, region, export_id)
        data = service.region_file(db, export)
        db.commit()
        return attachment(
            data,
            service.CONTENT_TYPES[export.format],
            service.filename(export, f"vung-{region.code}"),
        )
