"""What the statistics API accepts and returns.

Figures are counts: a plain number, or for anyone outside the commune an
object saying a small count is withheld (``{"suppressed": true, "below":
5}``, or for a sum ``{"suppressed": true, "shown": 120, "small_parts": 3,
"below": 5}``). No response of statistics names or identifies a person.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.statistics.models import ExportFormat

_FORMATS = [f.value for f in ExportFormat]


class PeriodQuerySchema(ma.Schema):
    period = ma.fields.String(
        metadata={"description": "A month (2026-11), quarter (2026-Q4) or year (2026)"}
    )
    start = ma.fields.Date(metadata={"description": "First day, with end"})
    end = ma.fields.Date(
        metadata={"description": "The day after the last day, with start"}
    )

    class Meta:
        unknown = ma.RAISE


class MonthQuerySchema(ma.Schema):
    month = ma.fields.String(
        metadata={
            "description": "The month looked at (2026-11); this month if left out"
        }
    )

    class Meta:
        unknown = ma.RAISE


class ExportRequestSchema(ma.Schema):
    period = ma.fields.String(
        required=True,
        metadata={"description": "A month (2026-11), quarter (2026-Q4) or year (2026)"},
    )
    format = ma.fields.String(required=True, validate=validate.OneOf(_FORMATS))
    language = ma.fields.String(
        load_default="vi", validate=validate.OneOf(["vi", "en"])
    )

    class Meta:
        unknown = ma.RAISE


class PeriodSchema(ma.Schema):
    label = ma.fields.String()
    start = ma.fields.Date()
    end = ma.fields.Date(metadata={"description": "The day after the last day"})


class FigureSchema(ma.Schema):
    key = ma.fields.String()
    label = ma.fields.String()
    section = ma.fields.String()
    stock = ma.fields.Boolean(
        metadata={
            "description": "A level at the end of the period, not a count over it"
        }
    )
    value = ma.fields.Raw(
        metadata={"description": "A count, or what is withheld of it"}
    )


class PlaceSchema(ma.Schema):
    slug = ma.fields.String()
    code = ma.fields.String()
    name = ma.fields.String()


class HamletFiguresSchema(ma.Schema):
    hamlet_id = ma.fields.UUID(allow_none=True)
    name = ma.fields.String(allow_none=True)
    figures = ma.fields.List(ma.fields.Nested(FigureSchema))


class SummarySchema(ma.Schema):
    commune = ma.fields.Nested(PlaceSchema)
    period = ma.fields.Nested(PeriodSchema)
    audience = ma.fields.String(
        metadata={"description": "commune: exact counts; region: protected ones"}
    )
    threshold = ma.fields.Integer(allow_none=True)
    computed_at = ma.fields.DateTime(allow_none=True)
    figures = ma.fields.List(ma.fields.Nested(FigureSchema))
    hamlets = ma.fields.List(ma.fields.Nested(HamletFiguresSchema))


class MonthFiguresSchema(ma.Schema):
    month = ma.fields.String()
    computed_at = ma.fields.DateTime(allow_none=True)
    figures = ma.fields.List(ma.fields.Nested(FigureSchema))


class TrendSchema(ma.Schema):
    period = ma.fields.Nested(PeriodSchema)
    audience = ma.fields.String()
    threshold = ma.fields.Integer(allow_none=True)
    months = ma.fields.List(ma.fields.Nested(MonthFiguresSchema))


class FlagSchema(ma.Schema):
    hamlet_id = ma.fields.UUID()
    hamlet = ma.fields.String()
    figure = ma.fields.String()
    label = ma.fields.String()
    rule = ma.fields.String(metadata={"description": "rising or concentrated"})
    count = ma.fields.Integer()
    baseline = ma.fields.List(ma.fields.Integer())
    baseline_mean = ma.fields.Float()
    needed = ma.fields.Float(allow_none=True)
    commune_count = ma.fields.Integer(allow_none=True)


class HotSpotsSchema(ma.Schema):
    month = ma.fields.Nested(PeriodSchema)
    rules = ma.fields.Dict()
    flags = ma.fields.List(ma.fields.Nested(FlagSchema))


class ExportSchema(ma.Schema):
    id = ma.fields.UUID()
    period = ma.fields.Nested(PeriodSchema)
    format = ma.fields.String()
    language = ma.fields.String()
    audience = ma.fields.String()
    status = ma.fields.String()
    progress = ma.fields.Integer()
    error = ma.fields.String(allow_none=True)
    size = ma.fields.Integer(allow_none=True)
    requested_by = ma.fields.String()
    requested_at = ma.fields.DateTime()
    finished_at = ma.fields.DateTime(allow_none=True)
    download = ma.fields.String(
        allow_none=True, metadata={"description": "Where to fetch the file once done"}
    )


class CommuneFiguresSchema(ma.Schema):
    commune = ma.fields.Nested(PlaceSchema)
    computed_at = ma.fields.DateTime(allow_none=True)
    figures = ma.fields.List(ma.fields.Nested(FigureSchema))


class RegionSummarySchema(ma.Schema):
    region = ma.fields.Nested(PlaceSchema)
    period = ma.fields.Nested(PeriodSchema)
    threshold = ma.fields.Integer()
    computed_at = ma.fields.DateTime(allow_none=True)
    total = ma.fields.List(ma.fields.Nested(FigureSchema))
    communes = ma.fields.List(ma.fields.Nested(CommuneFiguresSchema))
