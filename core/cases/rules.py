"""Legal periods as data: the rulesets, and the dates they give a case.

Each legal regime is one TOML file in ``rulesets/`` with the date it takes
effect and a source beside every value. A case follows the ruleset in force
on its start date, keeps that ruleset's id, and every date computed for it
comes with the rule, the value and the source behind it, in Vietnamese and
English, so a deadline can always say why it falls when it does.

Nothing here touches the database: the functions take dates and return
dates, which keeps them easy to test against both rulesets.
"""

from __future__ import annotations

import calendar
import functools
import logging
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

RULESETS = Path(__file__).resolve().parent / "rulesets"

CASE_KINDS = (
    "illegal_use_management",
    "voluntary_rehab",
    "methadone_treatment",
    "compulsory_rehab_referral",
    "post_rehab_management",
)
TRIGGERS = {
    "positive_test": ("xét nghiệm dương tính", "positive test"),
    "addiction_determined": ("xác định tình trạng nghiện", "addiction determined"),
}
AGES = ("minor", "adult")
# What a post-rehab case follows, as its explanation names it.
AFTER = {
    "voluntary_rehab": ("cai nghiện tự nguyện", "voluntary rehabilitation"),
    "methadone_treatment": ("điều trị thay thế", "substitution treatment"),
    "compulsory_rehab_referral": ("cai nghiện bắt buộc", "compulsory rehabilitation"),
}


class RulesetError(ValueError):
    """A ruleset file that cannot be used as it is."""


class PlanError(ValueError):
    """A case whose dates the ruleset cannot compute; names the field at fault."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Span:
    """A length of time the law sets, in months, perhaps a range, perhaps
    longer for a later (repeat) measure."""

    min_months: int
    max_months: int
    later_min_months: int
    later_max_months: int
    source: str
    confirmed: bool = True

    def bounds(self, later: bool) -> tuple[int, int]:
        if later:
            return self.later_min_months, self.later_max_months
        return self.min_months, self.max_months

    def describe(self, later: bool) -> tuple[str, str]:
        low, high = self.bounds(later)
        if low == high:
            return f"{low} tháng", f"{low} months"
        return f"{low} đến {high} tháng", f"{low} to {high} months"


@dataclass(frozen=True)
class DecisionRule:
    """How many working days after the trigger a decision (or registration)
    is due."""

    working_days: int
    what: str
    source: str
    confirmed: bool = True


@dataclass(frozen=True)
class Check:
    """Something that recurs while a case is open, such as the monthly
    residence check."""

    kind: str
    every_months: int
    source: str
    confirmed: bool = True


@dataclass(frozen=True)
class FollowOn:
    """The period of a post-rehab case after a given earlier kind (and age)."""

    previous: str
    age: str | None
    months: int
    source: str
    confirmed: bool = True


@dataclass(frozen=True)
class KindRules:
    name: str
    title_vi: str
    title_en: str
    trigger: str | None = None
    period: Span | None = None
    decision: DecisionRule | None = None
    checks: tuple[Check, ...] = ()
    followed_by: str | None = None
    terms: dict[str, Span] = field(default_factory=dict)
    after: tuple[FollowOn, ...] = ()
    completion: str | None = None


@dataclass(frozen=True)
class Ruleset:
    id: str
    title_vi: str
    title_en: str
    effective_from: date
    sources: tuple[str, ...]
    kinds: dict[str, KindRules]
    move_report_hours: int | None = None
    move_source: str | None = None

    def kind(self, name: str) -> KindRules:
        try:
            return self.kinds[name]
        except KeyError:
            raise PlanError(
                "kind",
                f"The ruleset {self.id} has no rules for the case kind {name!r}.",
            ) from None


@dataclass(frozen=True)
class Deadline:
    """One computed date and why: which rule, what value, what source."""

    key: str
    due_on: date
    rule: str
    ruleset: str
    value_vi: str
    value_en: str
    source: str
    confirmed: bool
    explanation_vi: str
    explanation_en: str
    met: bool | None = None


@dataclass(frozen=True)
class Plan:
    """What a ruleset gives a case: its term, end and deadlines."""

    ruleset: str
    term_months: int | None
    end_on: date | None
    deadlines: tuple[Deadline, ...]


# -- reading the files -------------------------------------------------------


def _span(raw: dict[str, Any], where: str) -> Span:
    _only(
        raw,
        {
            "months",
            "later_months",
            "min_months",
            "max_months",
            "source",
            "confirmed",
            "later_min_months",
            "later_max_months",
        },
        where,
    )
    if "months" in raw:
        low = high = int(raw["months"])
    elif "min_months" in raw and "max_months" in raw:
        low, high = int(raw["min_months"]), int(raw["max_months"])
    else:
        raise RulesetError(f"{where}: give months, or min_months and max_months")
    if "later_months" in raw:
        later_low = later_high = int(raw["later_months"])
    else:
        later_low = int(raw.get("later_min_months", low))
        later_high = int(raw.get("later_max_months", high))
    if not (0 < low <= high and 0 < later_low <= later_high):
        raise RulesetError(f"{where}: months must be positive, the least first")
    return Span(
        low,
        high,
        later_low,
        later_high,
        _source(raw, where),
        raw.get("confirmed", True),
    )


def _source(raw: dict[str, Any], where: str) -> str:
    source = raw.get("source")
    if not source:
        raise RulesetError(f"{where}: every value needs its source")
    return str(source)


def _only(raw: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(raw) - allowed
    if unknown:
        raise RulesetError(f"{where}: unknown keys {sorted(unknown)}")


def _kind(name: str, raw: dict[str, Any], ruleset_id: str) -> KindRules:
    where = f"{ruleset_id}: kinds.{name}"
    if name not in CASE_KINDS:
        raise RulesetError(f"{where}: not a case kind; known: {CASE_KINDS}")
    _only(
        raw,
        {
            "title_vi",
            "title_en",
            "trigger",
            "period",
            "decision",
            "checks",
            "followed_by",
            "term",
            "after",
            "completion",
        },
        where,
    )
    trigger = raw.get("trigger")
    if trigger is not None and trigger not in TRIGGERS:
        raise RulesetError(f"{where}: trigger must be one of {sorted(TRIGGERS)}")
    decision = None
    if "decision" in raw:
        d = raw["decision"]
        _only(d, {"working_days", "what", "source", "confirmed"}, where + ".decision")
        decision = DecisionRule(
            int(d["working_days"]),
            d.get("what", "decision"),
            _source(d, where + ".decision"),
            d.get("confirmed", True),
        )
    checks = []
    for c in raw.get("checks", []):
        _only(c, {"kind", "every_months", "source", "confirmed"}, where + ".checks")
        checks.append(
            Check(
                c["kind"],
                int(c["every_months"]),
                _source(c, where),
                c.get("confirmed", True),
            )
        )
    after = []
    for a in raw.get("after", []):
        _only(a, {"previous", "age", "months", "source", "confirmed"}, where)
        if a["previous"] not in CASE_KINDS or a.get("age") not in (None, *AGES):
            raise RulesetError(f"{where}.after: unknown previous kind or age")
        after.append(
            FollowOn(
                a["previous"],
                a.get("age"),
                int(a["months"]),
                _source(a, where),
                a.get("confirmed", True),
            )
        )
    terms = {
        age: _span(span, f"{where}.term.{age}")
        for age, span in raw.get("term", {}).items()
    }
    if set(terms) - set(AGES):
        raise RulesetError(f"{where}.term: ages are {AGES}")
    return KindRules(
        name=name,
        title_vi=raw["title_vi"],
        title_en=raw["title_en"],
        trigger=trigger,
        period=_span(raw["period"], where + ".period") if "period" in raw else None,
        decision=decision,
        checks=tuple(checks),
        followed_by=raw.get("followed_by"),
        terms=terms,
        after=tuple(after),
        completion=raw.get("completion"),
    )


def parse(raw: dict[str, Any]) -> Ruleset:
    """Build a :class:`Ruleset` from a file's parsed TOML; raises
    :class:`RulesetError` naming the first thing wrong."""
    ruleset_id = str(raw.get("id", "?"))
    _only(
        raw,
        {"id", "title_vi", "title_en", "effective_from", "sources", "kinds", "moves"},
        ruleset_id,
    )
    if not isinstance(raw.get("effective_from"), date):
        raise RulesetError(f"{ruleset_id}: effective_from must be a date")
    moves = raw.get("moves", {})
    return Ruleset(
        id=ruleset_id,
        title_vi=raw["title_vi"],
        title_en=raw["title_en"],
        effective_from=raw["effective_from"],
        sources=tuple(raw.get("sources", ())),
        kinds={
            name: _kind(name, body, ruleset_id)
            for name, body in raw.get("kinds", {}).items()
        },
        move_report_hours=moves.get("report_within_hours"),
        move_source=_source(moves, ruleset_id + ".moves") if moves else None,
    )


@functools.cache
def rulesets(folder: Path = RULESETS) -> tuple[Ruleset, ...]:
    """Every ruleset in ``folder``, oldest first."""
    found = []
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as handle:
            found.append(parse(tomllib.load(handle)))
    if not found:
        raise RulesetError(f"no ruleset files in {folder}")
    ids = [r.id for r in found]
    if len(set(ids)) != len(ids):
        raise RulesetError(f"two ruleset files share an id: {ids}")
    return tuple(sorted(found, key=lambda r: r.effective_from))


def in_force(on: date) -> Ruleset:
    """The ruleset in force on ``on``: the latest to have taken effect."""
    current = [r for r in rulesets() if r.effective_from <= on]
    if not current:
        first = rulesets()[0]
        raise PlanError(
            "start_on",
            f"No ruleset covers {on:%d/%m/%Y}; the earliest, {first.id}, takes "
            f"effect on {first.effective_from:%d/%m/%Y}. Record older measures "
            "as notes on the person's file.",
        )
    return current[-1]


def by_id(ruleset_id: str) -> Ruleset:
    for ruleset in rulesets():
        if ruleset.id == ruleset_id:
            return ruleset
    raise RulesetError(f"no ruleset {ruleset_id!r} is installed")


# -- calendar arithmetic -----------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months; the 31st of a shorter month becomes
    its last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_working_days(day: date, days: int) -> date:
    """``day`` plus ``days`` working days, Monday to Friday.

    Public holidays are not taken off: Vietnam's main ones follow the lunar
    calendar and no maintained list is shipped yet, so a deadline computed
    here can fall a day or two early around a holiday, never late.
    """
    current = day
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_group(born: date | None, on: date) -> str | None:
    """``minor`` (12 to under 18), ``adult`` (18 and over), or None when the
    date of birth is unknown or the person is under 12."""
    if born is None:
        return None
    years = age_on(born, on)
    if years >= 18:
        return "adult"
    return "minor" if years >= 12 else None


# -- planning a case -----------------------------------------------------------


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _end_deadline(
    ruleset: Ruleset,
    kind: KindRules,
    rule: str,
    months: int,
    start_on: date,
    span_text: tuple[str, str],
    source: str,
    confirmed: bool,
    why: tuple[str, str],
) -> Deadline:
    end_on = add_months(start_on, months)
    return Deadline(
        key="end",
        due_on=end_on,
        rule=rule,
        ruleset=ruleset.id,
        value_vi=span_text[0],
        value_en=span_text[1],
        source=source,
        confirmed=confirmed,
        explanation_vi=(
            f"{kind.title_vi}: {months} tháng kể từ ngày {_dmy(start_on)}"
            f"{why[0]} ({source}; {ruleset.title_vi})."
        ),
        explanation_en=(
            f"{kind.title_en}: {months} months from {_dmy(start_on)}"
            f"{why[1]} ({source}; {ruleset.title_en})."
        ),
    )


def _term(span: Span, later: bool, term_months: int | None) -> int:
    low, high = span.bounds(later)
    if term_months is None:
        if low != high:
            raise PlanError(
                "term_months",
                f"This measure lasts {low} to {high} months; give term_months as "
                "the decision sets it.",
            )
        return low
    if not low <= term_months <= high:
        raise PlanError(
            "term_months",
            f"The term must be between {low} and {high} months under this ruleset.",
        )
    return term_months


def plan(
    *,
    kind: str,
    start_on: date,
    term_months: int | None = None,
    later: bool = False,
    age: str | None = None,
    trigger_on: date | None = None,
    decision_on: date | None = None,
    previous_kind: str | None = None,
    previous_age: str | None = None,
    ruleset: Ruleset | None = None,
) -> Plan:
    """The term, end date and deadlines of a case starting on ``start_on``.

    ``later`` marks a repeat rehabilitation; ``age`` is the person's age
    group on the start date; ``previous_kind`` and ``previous_age`` describe
    the measure a post-rehab case follows.
    """
    ruleset = ruleset or in_force(start_on)
    rules = ruleset.kind(kind)
    deadlines: list[Deadline] = []
    term: int | None = None

    if rules.decision is not None and trigger_on is not None:
        deadlines.append(_decision_deadline(ruleset, rules, trigger_on, decision_on))

    if rules.period is not None:
        term = _term(rules.period, later, term_months)
        later_vi, later_en = (
            (", lần cai nghiện sau", ", a later rehabilitation") if later else ("", "")
        )
        deadlines.append(
            _end_deadline(
                ruleset,
                rules,
                f"{kind}.period",
                term,
                start_on,
                rules.period.describe(later),
                rules.period.source,
                rules.period.confirmed,
                (later_vi, later_en),
            )
        )
    elif rules.after:
        follow = _follow_on(rules, previous_kind, previous_age)
        term = follow.months
        after_vi, after_en = AFTER[follow.previous]
        if follow.age is not None:
            after_vi += (
                " (người thành niên)"
                if follow.age == "adult"
                else " (người từ đủ 12 đến dưới 18 tuổi)"
            )
            after_en += (
                f" ({'an adult' if follow.age == 'adult' else 'aged 12 to under 18'})"
            )
        deadlines.append(
            _end_deadline(
                ruleset,
                rules,
                f"{kind}.after.{follow.previous}",
                term,
                start_on,
                (f"{term} tháng", f"{term} months"),
                follow.source,
                follow.confirmed,
                (f", sau {after_vi}", f", after {after_en}"),
            )
        )
    elif term_months is not None:
        raise PlanError(
            "term_months",
            f"{rules.title_en} has no term the commune sets; leave term_months out.",
        )

    end_on = deadlines[-1].due_on if term is not None else None
    return Plan(ruleset.id, term, end_on, tuple(deadlines))


def _decision_deadline(
    ruleset: Ruleset, rules: KindRules, trigger_on: date, decision_on: date | None
) -> Deadline:
    decision = rules.decision
    assert decision is not None and rules.trigger is not None
    due = add_working_days(trigger_on, decision.working_days)
    trigger_vi, trigger_en = TRIGGERS[rules.trigger]
    what_vi = "đăng ký" if decision.what == "registration" else "quyết định"
    return Deadline(
        key=decision.what,
        due_on=due,
        rule=f"{rules.name}.decision",
        ruleset=ruleset.id,
        value_vi=f"{decision.working_days} ngày làm việc",
        value_en=f"{decision.working_days} working days",
        source=decision.source,
        confirmed=decision.confirmed,
        explanation_vi=(
            f"Hạn {what_vi}: {decision.working_days} ngày làm việc kể từ ngày "
            f"{trigger_vi} {_dmy(trigger_on)} ({decision.source})."
        ),
        explanation_en=(
            f"{decision.what.capitalize()} due {decision.working_days} working days "
            f"after the {trigger_en} of {_dmy(trigger_on)} ({decision.source})."
        ),
        met=None if decision_on is None else decision_on <= due,
    )


def _follow_on(
    rules: KindRules, previous_kind: str | None, previous_age: str | None
) -> FollowOn:
    if previous_kind is None:
        raise PlanError(
            "follows_case_id",
            "Post-rehab management follows a rehabilitation or substitution "
            "treatment: name that case in follows_case_id.",
        )
    for follow in rules.after:
        if follow.previous == previous_kind and follow.age in (None, previous_age):
            return follow
    if any(f.previous == previous_kind for f in rules.after):
        raise PlanError(
            "follows_case_id",
            "The period after this measure depends on the person's age when it "
            "began; record the date of birth first.",
        )
    raise PlanError(
        "follows_case_id",
        "Post-rehab management does not follow a case of that kind.",
    )


def next_check(check: Check, start_on: date, last_done_on: date | None) -> date:
    """When the recurring ``check`` is next due, counted from the last time it
    was done, or from the start of the case."""
    return add_months(last_done_on or start_on, check.every_months)


def court_term(ruleset: Ruleset, age: str, later: bool = False) -> tuple[int, int]:
    """The least and most months of compulsory rehabilitation for an age group."""
    span = ruleset.kind("compulsory_rehab_referral").terms.get(age)
    if span is None:
        raise PlanError("age", f"The ruleset {ruleset.id} sets no term for {age}.")
    return span.bounds(later)
