"""Legal periods as data: each kind of case dated by both rulesets, working
days, month arithmetic, and ruleset files that are refused."""

from __future__ import annotations

from datetime import date

import pytest

from core.cases import rules

OLD, NEW = "law-73-2021", "law-120-2025"


def test_the_2025_law_takes_over_on_the_first_of_july_2026() -> None:
    assert [r.id for r in rules.rulesets()] == [OLD, NEW]
    assert rules.in_force(date(2026, 6, 30)).id == OLD
    assert rules.in_force(date(2026, 7, 1)).id == NEW
    assert rules.in_force(date(2022, 1, 1)).id == OLD


def test_a_start_before_the_first_ruleset_is_refused_with_the_field_named() -> None:
    with pytest.raises(rules.PlanError) as refused:
        rules.in_force(date(2021, 12, 31))
    assert refused.value.field == "start_on"
    assert "01/01/2022" in refused.value.message


@pytest.mark.parametrize("start", [date(2026, 3, 2), date(2026, 9, 1)])
def test_illegal_use_management_lasts_twelve_months_under_both_laws(
    start: date,
) -> None:
    plan = rules.plan(kind="illegal_use_management", start_on=start)
    assert plan.ruleset == (OLD if start < date(2026, 7, 1) else NEW)
    assert plan.term_months == 12
    assert plan.end_on == date(start.year + 1, start.month, start.day)
    (end,) = plan.deadlines
    assert end.key == "end" and end.rule == "illegal_use_management.period"
    assert "12 months" in end.explanation_en
    assert "12 tháng" in end.explanation_vi
    assert end.source.startswith("Law")


def test_the_decision_is_due_three_working_days_after_the_positive_test() -> None:
    # Thursday 1 January 2026: Friday, then Monday and Tuesday.
    plan = rules.plan(
        kind="illegal_use_management",
        start_on=date(2026, 1, 8),
        trigger_on=date(2026, 1, 1),
        decision_on=date(2026, 1, 8),
    )
    decision = plan.deadlines[0]
    assert (decision.key, decision.due_on) == ("decision", date(2026, 1, 6))
    assert decision.met is False
    on_time = rules.plan(
        kind="illegal_use_management",
        start_on=date(2026, 1, 6),
        trigger_on=date(2026, 1, 1),
        decision_on=date(2026, 1, 6),
    )
    assert on_time.deadlines[0].met is True


def test_voluntary_rehab_under_the_2021_law_takes_its_term_from_the_decision() -> None:
    with pytest.raises(rules.PlanError) as refused:
        rules.plan(kind="voluntary_rehab", start_on=date(2025, 5, 10))
    assert refused.value.field == "term_months"
    with pytest.raises(rules.PlanError):
        rules.plan(kind="voluntary_rehab", start_on=date(2025, 5, 10), term_months=13)
    plan = rules.plan(kind="voluntary_rehab", start_on=date(2025, 5, 10), term_months=9)
    assert (plan.ruleset, plan.end_on) == (OLD, date(2026, 2, 10))


def test_voluntary_rehab_under_the_2025_law_is_longer_for_a_later_rehab() -> None:
    first = rules.plan(kind="voluntary_rehab", start_on=date(2026, 8, 31))
    later = rules.plan(kind="voluntary_rehab", start_on=date(2026, 8, 31), later=True)
    assert (first.ruleset, first.term_months, first.end_on) == (
        NEW,
        24,
        date(2028, 8, 31),
    )
    assert (later.term_months, later.end_on) == (36, date(2029, 8, 31))
    assert first.deadlines[-1].confirmed is False
    assert "later" in later.deadlines[-1].explanation_en


def test_the_registration_for_voluntary_rehab_is_due_in_five_working_days() -> None:
    plan = rules.plan(
        kind="voluntary_rehab",
        start_on=date(2025, 6, 16),
        term_months=6,
        trigger_on=date(2025, 6, 6),  # a Friday
        decision_on=date(2025, 6, 16),
    )
    registration = plan.deadlines[0]
    assert (registration.key, registration.due_on) == (
        "registration",
        date(2025, 6, 13),
    )


def test_methadone_treatment_has_no_end_the_law_sets() -> None:
    for start in (date(2025, 1, 2), date(2026, 7, 2)):
        plan = rules.plan(kind="methadone_treatment", start_on=start)
        assert (plan.term_months, plan.end_on, plan.deadlines) == (None, None, ())
    with pytest.raises(rules.PlanError):
        rules.plan(kind="methadone_treatment", start_on=date(2025, 1, 2), term_months=6)


def test_the_court_term_of_compulsory_rehab_differs_by_law_and_age() -> None:
    old, new = rules.by_id(OLD), rules.by_id(NEW)
    assert rules.court_term(old, "adult") == (12, 24)
    assert rules.court_term(old, "minor") == (6, 12)
    assert rules.court_term(new, "adult") == (24, 24)
    assert rules.court_term(new, "adult", later=True) == (36, 36)
    assert rules.court_term(new, "minor") == (6, 12)
    referral = rules.plan(kind="compulsory_rehab_referral", start_on=date(2026, 2, 3))
    assert referral.end_on is None


@pytest.mark.parametrize("start", [date(2026, 3, 31), date(2026, 7, 31)])
@pytest.mark.parametrize(
    ("previous", "age", "months"),
    [
        ("voluntary_rehab", None, 12),
        ("methadone_treatment", "adult", 12),
        ("compulsory_rehab_referral", "minor", 12),
        ("compulsory_rehab_referral", "adult", 24),
    ],
)
def test_post_rehab_management_lasts_by_the_measure_it_follows(
    start: date, previous: str, age: str | None, months: int
) -> None:
    plan = rules.plan(
        kind="post_rehab_management",
        start_on=start,
        previous_kind=previous,
        previous_age=age,
    )
    assert plan.term_months == months
    assert plan.end_on == rules.add_months(start, months)
    assert plan.deadlines[-1].rule == f"post_rehab_management.after.{previous}"


def test_post_rehab_management_after_compulsory_rehab_needs_the_age() -> None:
    with pytest.raises(rules.PlanError) as refused:
        rules.plan(
            kind="post_rehab_management",
            start_on=date(2026, 3, 1),
            previous_kind="compulsory_rehab_referral",
            previous_age=None,
        )
    assert refused.value.field == "follows_case_id"
    with pytest.raises(rules.PlanError):
        rules.plan(kind="post_rehab_management", start_on=date(2026, 3, 1))


def test_months_are_added_to_the_last_day_of_a_shorter_month() -> None:
    assert rules.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert rules.add_months(date(2027, 1, 31), 13) == date(2028, 2, 29)
    assert rules.add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


def test_working_days_skip_weekends() -> None:
    assert rules.add_working_days(date(2026, 12, 4), 1) == date(2026, 12, 7)
    assert rules.add_working_days(date(2026, 12, 5), 5) == date(2026, 12, 11)


def test_age_groups_follow_the_birthday() -> None:
    born = date(2010, 6, 15)
    assert rules.age_group(born, date(2022, 6, 14)) is None
    assert rules.age_group(born, date(2022, 6, 15)) == "minor"
    assert rules.age_group(born, date(2028, 6, 14)) == "minor"
    assert rules.age_group(born, date(2028, 6, 15)) == "adult"
    assert rules.age_group(None, date(2028, 6, 15)) is None


def _minimal(**kinds: object) -> dict[str, object]:
    return {
        "id": "test",
        "title_vi": "Thử",
        "title_en": "Test",
        "effective_from": date(2030, 1, 1),
        "kinds": kinds,
    }


def test_a_ruleset_value_without_its_source_is_refused() -> None:
    body = {"title_vi": "a", "title_en": "b", "period": {"months": 12}}
    with pytest.raises(rules.RulesetError, match="source"):
        rules.parse(_minimal(illegal_use_management=body))


def test_a_ruleset_with_an_unknown_key_or_kind_is_refused() -> None:
    body = {"title_vi": "a", "title_en": "b", "duration": 12}
    with pytest.raises(rules.RulesetError, match="unknown keys"):
        rules.parse(_minimal(illegal_use_management=body))
    with pytest.raises(rules.RulesetError, match="not a case kind"):
        rules.parse(_minimal(house_arrest={"title_vi": "a", "title_en": "b"}))


def test_a_new_ruleset_file_takes_over_from_its_date(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    for existing in rules.RULESETS.glob("*.toml"):
        (folder / existing.name).write_bytes(existing.read_bytes())
    (folder / "law-x-2030.toml").write_text(
        'id = "law-x-2030"\ntitle_vi = "Luật mới"\ntitle_en = "A new law"\n'
        "effective_from = 2030-01-01\n"
        "[kinds.illegal_use_management]\n"
        'title_vi = "a"\ntitle_en = "b"\n'
        "[kinds.illegal_use_management.period]\n"
        'months = 6\nsource = "Law X"\n',
        encoding="utf-8",
    )
    found = rules.rulesets(folder)
    assert [r.id for r in found] == [OLD, NEW, "law-x-2030"]
    plan = rules.plan(
        kind="illegal_use_management", start_on=date(2030, 2, 1), ruleset=found[-1]
    )
    assert (plan.ruleset, plan.end_on) == ("law-x-2030", date(2030, 8, 1))
