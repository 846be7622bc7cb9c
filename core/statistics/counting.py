"""Counting a commune's figures from its own rows, and its plugins' figures
through the ``binhyen_metrics`` hook.

Definitions, for a period ``start <= day < end`` whose last day counted is
``as_of`` (the period's last day, or today while it runs):

* under management (``people.managed``): people with a case started by
  ``as_of``, not closed by then (a case closed on a day no longer counts
  that day) and not past its end; by tier (the tier decided by ``as_of``,
  "none" before any decision), by case kind and by hamlet. The tiers make
  up the whole; a person with cases of two kinds counts under each kind.
* past their end date (``people.past_end``): people with a case still open
  on ``as_of`` whose end date came before it, as the files stand now;
* new people: people whose first case ever started in the period; new
  cases: cases that started in it, by kind;
* contacts due and done: work items of kind ``contact_due`` or
  ``residence_check`` falling due in the period, and those of them done;
* commitments reviewed: reviews recorded on a day of the period.

Only counts leave this module; nobody's id or name does.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.cases import rules
from core.cases.models import Case, CaseKind
from core.commitments.models import CommitmentReview
from core.people.models import TIERS, Person, TierChange
from core.plugin_host.contributions import Metric
from core.worklist.models import ItemStatus, WorkItem
from tenants.models import Commune

logger = logging.getLogger(__name__)

CONTACT_KINDS = ("contact_due", "residence_check")
NO_TIER = "none"
TIER_KEYS = [str(t) for t in TIERS] + [NO_TIER]
KINDS = [k.value for k in CaseKind]
# Figures counted per hamlet, for the commune's own breakdown and hot spots.
HAMLET_FIGURES = ("people.managed", "people.new", "cases.new")


@dataclass(frozen=True)
class Figure:
    """One figure: its key, labels, whether it is a level at the end of the
    period (``stock``) or a count over it, and the report section it is in.
    ``parts`` names the prefix of the figures that add up to it."""

    key: str
    label_vi: str
    label_en: str
    stock: bool
    section: str
    parts: str | None = None

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_vi


def _kind_title(kind: str) -> tuple[str, str]:
    """The kind's titles in the newest ruleset that has it."""
    for ruleset in reversed(rules.rulesets()):
        found = ruleset.kinds.get(kind)
        if found is not None:
            return found.title_vi, found.title_en
    return kind, kind


def _core_figures() -> list[Figure]:
    managed = Figure(
        "people.managed",
        "Người đang trong diện quản lý",
        "People under management",
        True,
        "managed",
        parts="people.managed.tier.",
    )
    tiers = [
        Figure(
            f"people.managed.tier.{tier}",
            f"  - Tầng {tier}" if tier != NO_TIER else "  - Chưa phân tầng",
            f"  - Tier {tier}" if tier != NO_TIER else "  - Not yet tiered",
            True,
            "managed",
        )
        for tier in TIER_KEYS
    ]
    kinds = []
    for kind in KINDS:
        title_vi, title_en = _kind_title(kind)
        kinds.append(
            Figure(
                f"people.managed.kind.{kind}",
                f"  - {title_vi}",
                f"  - {title_en}",
                True,
                "managed",
            )
        )
    new_cases = Figure(
        "cases.new", "Hồ sơ mới lập", "New cases", False, "new", parts="cases.new.kind."
    )
    new_kinds = [
        Figure(
            f"cases.new.kind.{kind}",
            f"  - {_kind_title(kind)[0]}",
            f"  - {_kind_title(kind)[1]}",
            False,
            "new",
        )
        for kind in KINDS
    ]
    return [
        managed,
        *tiers,
        *kinds,
        Figure("people.new", "Người mới phát hiện", "New people", False, "new"),
        new_cases,
        *new_kinds,
        Figure(
            "people.past_end",
            "Người đã quá hạn quản lý, chưa kết thúc hồ sơ",
            "People past their end date, file still open",
            True,
            "work",
        ),
        Figure(
            "contacts.due",
            "Lượt gặp gỡ, kiểm tra cư trú đến hạn",
            "Contacts and residence checks due",
            False,
            "work",
        ),
        Figure(
            "contacts.done",
            "Lượt gặp gỡ, kiểm tra cư trú đã thực hiện",
            "Contacts and residence checks done",
            False,
            "work",
        ),
        Figure(
            "commitments.reviewed",
            "Bản cam kết đã xem xét",
            "Commitments reviewed",
            False,
            "work",
        ),
    ]


CORE_FIGURES: list[Figure] = _core_figures()
CORE_BY_KEY = {figure.key: figure for figure in CORE_FIGURES}
SECTIONS = {
    "managed": ("Quản lý người sử dụng ma túy", "People under management"),
    "new": ("Phát hiện mới", "New people and cases"),
    "work": ("Công tác quản lý, kèm cặp", "Management and mentoring work"),
}


@dataclass(frozen=True)
class CaseFact:
    person_id: uuid.UUID
    kind: str
    start_on: date
    end_on: date | None
    closed_on: date | None


@dataclass
class Facts:
    """What the figures of one commune are counted from: dates, kinds and
    hamlets, with people only as opaque ids that never leave this module."""

    today: date
    hamlet_of: dict[uuid.UUID, uuid.UUID | None]
    first_case: dict[uuid.UUID, date]
    cases: list[CaseFact]
    tiers: dict[uuid.UUID, list[tuple[date, int]]]
    items: list[tuple[date, bool]]
    reviews: list[date]


def load_facts(session: Session, start: date, end: date, today: date) -> Facts:
    """Read what the bound commune's figures for ``start <= day < end`` need."""
    hamlet_of = {
        person: hamlet
        for person, hamlet in session.execute(select(Person.id, Person.hamlet_id))
    }
    first_case = {
        person: first
        for person, first in session.execute(
            select(Case.person_id, func.min(Case.start_on)).group_by(Case.person_id)
        )
    }
    cases = [
        CaseFact(person, kind.value, start_on, end_on, closed_on)
        for person, kind, start_on, end_on, closed_on in session.execute(
            select(
                Case.person_id, Case.kind, Case.start_on, Case.end_on, Case.closed_on
            ).where(
                Case.start_on < end,
                (Case.closed_on.is_(None)) | (Case.closed_on >= start),
            )
        )
    ]
    tiers: dict[uuid.UUID, list[tuple[date, int]]] = defaultdict(list)
    for person, decided_on, tier in session.execute(
        select(TierChange.person_id, TierChange.decided_on, TierChange.to_tier)
        .where(TierChange.decided_on < end)
        .order_by(TierChange.decided_on, TierChange.recorded_at)
    ):
        tiers[person].append((decided_on, tier))
    items = [
        (due_on, status is ItemStatus.DONE)
        for due_on, status in session.execute(
            select(WorkItem.due_on, WorkItem.status).where(
                WorkItem.kind.in_(CONTACT_KINDS),
                WorkItem.due_on >= start,
                WorkItem.due_on < end,
            )
        )
    ]
    reviews = list(
        session.scalars(
            select(CommitmentReview.reviewed_on).where(
                CommitmentReview.reviewed_on >= start,
                CommitmentReview.reviewed_on < end,
            )
        )
    )
    return Facts(today, hamlet_of, first_case, cases, dict(tiers), items, reviews)


@dataclass
class Counts:
    """Exact figures of one commune for one period, whole and per hamlet
    (``None`` for people with no hamlet)."""

    figures: dict[str, int] = field(default_factory=dict)
    hamlets: dict[uuid.UUID | None, dict[str, int]] = field(default_factory=dict)

    def add_hamlet(self, hamlet: uuid.UUID | None, key: str, value: int) -> None:
        row = self.hamlets.setdefault(hamlet, dict.fromkeys(HAMLET_FIGURES, 0))
        row[key] = row.get(key, 0) + value


def _tier_on(changes: list[tuple[date, int]], day: date) -> str:
    tier = NO_TIER
    for decided_on, to_tier in changes:
        if decided_on > day:
            break
        tier = str(to_tier)
    return tier


def count(facts: Facts, start: date, end: date) -> Counts:
    """The core figures for ``start <= day < end`` from ``facts``."""
    last = min(_day_before(end), facts.today)
    counts = Counts(figures={figure.key: 0 for figure in CORE_FIGURES})
    figures = counts.figures

    managed: dict[uuid.UUID, set[str]] = defaultdict(set)
    past_end: set[uuid.UUID] = set()
    for case in facts.cases:
        open_then = case.start_on <= last and (
            case.closed_on is None or case.closed_on > last
        )
        if not open_then:
            continue
        if case.end_on is not None and case.end_on < last:
            past_end.add(case.person_id)
        else:
            managed[case.person_id].add(case.kind)
    for person, kinds in managed.items():
        tier = _tier_on(facts.tiers.get(person, []), last)
        figures["people.managed"] += 1
        figures[f"people.managed.tier.{tier}"] += 1
        for kind in kinds:
            figures[f"people.managed.kind.{kind}"] += 1
        counts.add_hamlet(facts.hamlet_of.get(person), "people.managed", 1)
    figures["people.past_end"] = len(past_end)

    for case in facts.cases:
        if start <= case.start_on < end:
            figures["cases.new"] += 1
            figures[f"cases.new.kind.{case.kind}"] += 1
            counts.add_hamlet(facts.hamlet_of.get(case.person_id), "cases.new", 1)
    for person, first in facts.first_case.items():
        if start <= first < end:
            figures["people.new"] += 1
            counts.add_hamlet(facts.hamlet_of.get(person), "people.new", 1)

    due = [done for due_on, done in facts.items if start <= due_on < end]
    figures["contacts.due"] = len(due)
    figures["contacts.done"] = sum(due)
    figures["commitments.reviewed"] = sum(
        1 for day in facts.reviews if start <= day < end
    )
    return counts


def _day_before(day: date) -> date:
    return date.fromordinal(day.toordinal() - 1)


# -- plugins' figures --------------------------------------------------------


@dataclass
class PluginCounts:
    """What the enabled plugins reported for one period."""

    figures: dict[str, int] = field(default_factory=dict)
    hamlets: dict[uuid.UUID, dict[str, int]] = field(default_factory=dict)
    definitions: dict[str, Figure] = field(default_factory=dict)
    concentration: set[str] = field(default_factory=set)


def plugin_counts(
    session: Session, host: Any, commune: Commune, start: date, end: date
) -> PluginCounts:
    """Every enabled plugin's metrics for the period. A metric not named
    after its plugin, or not a whole number, is left out and logged. The
    commune's figure is the metric given without a hamlet, or else the sum
    of the hamlets' figures."""
    found = PluginCounts()
    whole: dict[str, int] = {}
    answered = host.call_enabled(
        session, "binhyen_metrics", commune=commune, start=start, end=end
    )
    for owner, metric in host.flatten(answered):
        if not _acceptable(owner, metric):
            continue
        found.definitions.setdefault(
            metric.key,
            Figure(
                metric.key,
                metric.label_vi,
                metric.label_en,
                metric.stock,
                f"plugin:{owner}",
            ),
        )
        if metric.concentration:
            found.concentration.add(metric.key)
        if metric.hamlet_id is None:
            whole[metric.key] = whole.get(metric.key, 0) + metric.value
            continue
        row = found.hamlets.setdefault(metric.hamlet_id, {})
        row[metric.key] = row.get(metric.key, 0) + metric.value
    for key in found.definitions:
        if key in whole:
            found.figures[key] = whole[key]
        else:
            found.figures[key] = sum(row.get(key, 0) for row in found.hamlets.values())
    return found


def _acceptable(owner: str, metric: Any) -> bool:
    if not isinstance(metric, Metric) or not metric.key.startswith(owner + "."):
        logger.warning("plugin %s returned a metric not named after it", owner)
        return False
    if not isinstance(metric.value, int) or metric.value < 0:
        logger.warning("plugin %s returned a metric that is not a count", owner)
        return False
    return True


def hamlets_of(session: Session) -> dict[uuid.UUID, str]:
    """The bound commune's hamlets, id to name."""
    from core.hamlets.models import Hamlet

    return {
        hamlet: name for hamlet, name in session.execute(select(Hamlet.id, Hamlet.name))
    }


def merge(counts: Counts, plugins: PluginCounts) -> Counts:
    """The core figures with the plugins' added, whole and per hamlet."""
    merged = Counts(
        dict(counts.figures), {h: dict(r) for h, r in counts.hamlets.items()}
    )
    merged.figures.update(plugins.figures)
    for hamlet, row in plugins.hamlets.items():
        merged.hamlets.setdefault(hamlet, dict.fromkeys(HAMLET_FIGURES, 0)).update(row)
    return merged


def ordered(definitions: Iterable[Figure]) -> list[Figure]:
    """Core figures in their order, then plugins' by key."""
    extra = sorted(
        (d for d in definitions if d.key not in CORE_BY_KEY), key=lambda d: d.key
    )
    return CORE_FIGURES + extra
