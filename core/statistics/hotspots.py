"""Hot spots: hamlets whose counts rise above their own recent past, or that
hold most of the commune's tips about places of use.

The rules, with the constants below:

* **rising**: in the month looked at, a hamlet's count of a figure reaches
  ``max(MINIMUM, FACTOR x the mean of its previous BASELINE_MONTHS
  months)``. With the defaults, 3 new cases where the hamlet averaged 1.5
  or fewer a month over the past half-year. The minimum keeps one or two
  cases in a quiet hamlet from raising an alarm; the baseline is the
  hamlet's own, so a large hamlet is compared with itself, not its
  neighbours. Counted for new people and new cases, and for every count a
  plugin gives per hamlet (positive tests, tips).
* **concentrated**: for counts a plugin marks with ``concentration`` (tips
  about places of use), a hamlet holding at least MINIMUM of them and at
  least SHARE of the commune's in the month.

A flag carries the numbers behind it and the hamlet's name; never a
person. Hot spots are for the commune's own staff only.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from core.statistics import counting
from core.statistics.periods import Period, add_months, month_of
from tenants.models import Commune

logger = logging.getLogger(__name__)

BASELINE_MONTHS = 6
MINIMUM = 3
FACTOR = 2
SHARE = 0.5
RULES = {
    "baseline_months": BASELINE_MONTHS,
    "minimum": MINIMUM,
    "factor": FACTOR,
    "share": SHARE,
}


@dataclass(frozen=True)
class Flag:
    """One hamlet flagged for one figure, with the numbers behind it."""

    hamlet_id: uuid.UUID | None
    hamlet_name: str
    figure: counting.Figure
    rule: str
    count: int
    baseline: tuple[int, ...] = ()
    needed: float = 0.0
    commune_count: int | None = None

    @property
    def baseline_mean(self) -> float:
        if not self.baseline:
            return 0.0
        return round(sum(self.baseline) / len(self.baseline), 2)


def rising(count: int, baseline: list[int]) -> float | None:
    """The count needed to flag, if ``count`` reaches it; else None."""
    mean = sum(baseline) / len(baseline) if baseline else 0.0
    needed = max(float(MINIMUM), FACTOR * mean)
    return needed if count >= needed else None


def concentrated(count: int, commune_count: int) -> bool:
    return count >= MINIMUM and commune_count > 0 and count >= SHARE * commune_count


def find(
    session: Session, host: Any, commune: Commune, month: Period, today: date
) -> list[Flag]:
    """The hot spots of the bound commune in ``month``, by hamlet name."""
    months = [add_months(month.start, -n) for n in range(BASELINE_MONTHS, -1, -1)]
    facts = counting.load_facts(session, months[0], month.end, today)
    names = counting.hamlets_of(session)
    series: dict[tuple[str, uuid.UUID | None], list[int]] = {}
    figures: dict[str, counting.Figure] = {}
    concentration: set[str] = set()
    latest: counting.PluginCounts | None = None

    for index, first in enumerate(months):
        span = month_of(first)
        core = counting.count(facts, span.start, span.end)
        plugins = counting.plugin_counts(session, host, commune, span.start, span.end)
        figures.update(plugins.definitions)
        concentration |= plugins.concentration
        rows: dict[uuid.UUID | None, dict[str, int]] = {
            hamlet: {k: v for k, v in row.items() if k != "people.managed"}
            for hamlet, row in core.hamlets.items()
            if hamlet is not None
        }
        for plugin_hamlet, plugin_row in plugins.hamlets.items():
            rows.setdefault(plugin_hamlet, {}).update(plugin_row)
        for place, values in rows.items():
            for key, value in values.items():
                line = series.setdefault((key, place), [0] * len(months))
                line[index] = value
        latest = plugins

    flags = []
    for (key, hamlet), line in series.items():
        figure = counting.CORE_BY_KEY.get(key) or figures.get(key)
        if figure is None or hamlet is None or hamlet not in names:
            continue
        name = names[hamlet]
        now, before = line[-1], line[:-1]
        needed = rising(now, before)
        if needed is not None:
            flags.append(
                Flag(hamlet, name, figure, "rising", now, tuple(before), needed)
            )
        if key in concentration and latest is not None:
            whole = latest.figures.get(key, 0)
            if concentrated(now, whole):
                flags.append(
                    Flag(hamlet, name, figure, "concentrated", now, commune_count=whole)
                )
    return sorted(flags, key=lambda f: (f.hamlet_name, f.figure.key, f.rule))
