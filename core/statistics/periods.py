"""Periods of statistics: a month, a quarter, a year, or any span of days.

A period runs from ``start`` up to, not including, ``end``, as the metrics
hook takes it. Written forms: ``2026-11`` (a month), ``2026-Q4`` (a
quarter), ``2026`` (a year).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta

from core.errors import Invalid, field_error

logger = logging.getLogger(__name__)

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
YEAR = re.compile(r"^(\d{4})$")
# The longest span asked of at once: five years of months.
MOST_MONTHS = 60
ROMAN = ("I", "II", "III", "IV")


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Days ``start <= day < end``; ``label`` is its written form."""

    start: date
    end: date
    label: str

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def whole_months(self) -> bool:
        return self.start.day == 1 and self.end.day == 1

    def months(self) -> list[date]:
        """The first day of each month the period touches."""
        found, month = [], date(self.start.year, self.start.month, 1)
        while month < self.end:
            found.append(month)
            month = add_months(month, 1)
        return found

    def title(self, language: str = "vi") -> str:
        """How a report names the period."""
        english = language == "en"
        if (found := MONTH.match(self.label)) is not None:
            year, month = found.groups()
            return f"{month}/{year}" if english else f"Tháng {month}/{year}"
        if (found := QUARTER.match(self.label)) is not None:
            year, quarter = found.groups()
            if english:
                return f"Quarter {quarter}/{year}"
            return f"Quý {ROMAN[int(quarter) - 1]}/{year}"
        if YEAR.match(self.label):
            return f"Year {self.label}" if english else f"Năm {self.label}"
        first, last = self.start.strftime("%d/%m/%Y"), self.last_day
        return f"{first} - {last.strftime('%d/%m/%Y')}"


def month_of(day: date) -> Period:
    first = date(day.year, day.month, 1)
    return Period(first, add_months(first, 1), first.strftime("%Y-%m"))


def parse(text: str) -> Period:
    """A period from its written form; raises a 422 naming ``period``."""
    text = text.strip().upper()
    if (found := MONTH.match(text)) is not None:
        year, month = int(found.group(1)), int(found.group(2))
        if 1 <= month <= 12:
            return month_of(date(year, month, 1))
    elif (found := QUARTER.match(text)) is not None:
        year, quarter = int(found.group(1)), int(found.group(2))
        first = date(year, 3 * quarter - 2, 1)
        return Period(first, add_months(first, 3), f"{year}-Q{quarter}")
    elif (found := YEAR.match(text)) is not None:
        year = int(found.group(1))
        return Period(date(year, 1, 1), date(year + 1, 1, 1), str(year))
    raise Invalid(
        "Name the period as a month (2026-11), a quarter (2026-Q4) or a year (2026).",
        errors=[field_error("period", "Not a month, quarter or year.", "query")],
    )


def between(start: date, end: date) -> Period:
    """Any span of days, ``start <= day < end``; a 422 if it is empty or
    longer than five years."""
    if end <= start:
        raise Invalid(
            "The end comes after the start: give the day after the last day "
            "of the period as end.",
            errors=[field_error("end", "Not after start.", "query")],
        )
    if end > add_months(start, MOST_MONTHS):
        raise Invalid(
            f"Ask for at most {MOST_MONTHS} months at once.",
            errors=[field_error("end", "Too far after start.", "query")],
        )
    label = f"{start.isoformat()}..{end.isoformat()}"
    if start.day == 1 and end.day == 1:
        # Whole months keep their short names where they have one.
        months = (end.year - start.year) * 12 + end.month - start.month
        if months == 1:
            return month_of(start)
        if months == 3 and start.month % 3 == 1:
            return parse(f"{start.year}-Q{(start.month + 2) // 3}")
        if months == 12 and start.month == 1:
            return parse(str(start.year))
    return Period(start, end, label)


def chosen(
    period: str | None, start: date | None, end: date | None, today: date
) -> Period:
    """The period a request names: ``period``, or ``start`` and ``end``, or
    by default the month of ``today``."""
    if period:
        return parse(period)
    if start or end:
        if not (start and end):
            raise Invalid(
                "Give both start and end (the day after the last day), or a "
                "period such as 2026-11.",
                errors=[field_error("start" if not start else "end", "Missing.")],
            )
        return between(start, end)
    return month_of(today)


def trend_months(
    period: str | None, start: date | None, end: date | None, today: date
) -> Period:
    """The months a trend covers: those of the period named, or by default
    the twelve months up to and including today's."""
    if not (period or start or end):
        this = month_of(today)
        return between(add_months(this.start, -11), this.end)
    named = chosen(period, start, end, today)
    first = date(named.start.year, named.start.month, 1)
    return between(first, add_months(named.last_day, 1))
