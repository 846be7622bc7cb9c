"""The rules of drug testing, and its two jobs.

Tests come due in three ways: the schedule of a case's kind (a test every so
many days during management of illegal use, a test on a random day of each
period during post-rehab management; the periods are settings of the
commune), a random draw within that schedule, or a decision of the health
team (ad hoc). Each due test is a work item on the health desk. A positive
result queues a review for the person's officer and for the chief's desk; it
never changes a tier, which stays the chief's decision.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core.toolkit import (
    CHIEF_DESK,
    HEALTH_DESK,
    Actor,
    Assignee,
    Conflict,
    ItemStatus,
    Metric,
    NotFound,
    Person,
    TimelineEntry,
    add_once,
    blind_index,
    enqueue_job,
    local_today,
    not_after_today,
    officer_or_chief,
    open_cases,
    plugin_settings,
    raise_item,
    refuse,
    resolve,
    staff_of,
    stamp,
    start_of,
    tidy,
    utcnow,
)
from plugins.drug_testing.models import (
    Basis,
    Determination,
    Disclosure,
    DrugTest,
    Method,
    Outcome,
    Reading,
    Reason,
    Referral,
    ReferralStatus,
    Status,
)

logger = logging.getLogger(__name__)

NAME = "drug_testing"
READ = "drug_testing:read"
RAISE_JOB = "drug_testing.raise_due"
REVIEW_JOB = "drug_testing.review_positive"
DUE = "drug_test_due"
POSITIVE = "drug_test_positive"
TITLES = {
    DUE: ("Đến hạn xét nghiệm ma túy", "Drug test due"),
    POSITIVE: (
        "Xét nghiệm dương tính: xem lại hồ sơ",
        "Positive drug test: review the file",
    ),
}

# The schedule of each case kind: the setting giving its period in days, and
# whether the test falls on a set day (the end of each period) or on a
# random day within it.
SCHEDULES: dict[str, tuple[str, Reason]] = {
    "illegal_use_management": ("management_every_days", Reason.SCHEDULED),
    "voluntary_rehab": ("voluntary_rehab_every_days", Reason.SCHEDULED),
    "post_rehab_management": ("post_rehab_random_days", Reason.RANDOM),
}
TEXT_FIELDS = ("place", "sample_id", "sampled_by", "read_by", "summons_number")


@dataclass
class Machine:
    """The plugin itself, as the author of the tests its schedule raises."""

    user_id: uuid.UUID | None = None
    username: str = NAME


def settings(db: Session) -> dict[str, Any]:
    return plugin_settings(db, NAME)


# -- schedules ----------------------------------------------------------------


def _random_offset(db: Session, case_id: uuid.UUID, period: int, every: int) -> int:
    # Keyed by the commune's secret, so nobody without it can work out the
    # day from the case; the same inputs always give the same day, so the
    # daily job finds the test it raised before.
    digest = blind_index(db, f"{NAME}:{case_id}:{period}")
    return int(digest[:8], 16) % every


def dates_due(
    db: Session,
    case: Any,
    every: int,
    reason: Reason,
    today: date,
    notice: int,
) -> list[date]:
    """The test dates of a case's schedule that should be on the work list by
    ``today``: the current period's and the next's, if they show by then
    (``notice`` days ahead) and fall within the case."""
    period = max((today - case.start_on).days, 0) // every
    found = []
    for number in (period, period + 1):
        if reason is Reason.RANDOM:
            offset = number * every + _random_offset(db, case.id, number, every)
        elif number == 0:
            continue  # a set test ends each period; the first ends period 0
        else:
            offset = number * every
        day = case.start_on + timedelta(days=offset)
        within = case.end_on is None or day < case.end_on
        if within and day <= today + timedelta(days=notice):
            found.append(day)
    return found


def raise_due(db: Session, today: date) -> int:
    """Schedule every test the open cases' schedules call for by ``today``
    (see :func:`dates_due`); returns how many were new."""
    chosen = settings(db)
    raised = 0
    for kind, (setting, reason) in SCHEDULES.items():
        every = chosen[setting]
        if not every:
            continue
        for case in open_cases(db, kinds=[kind]):
            for day in dates_due(db, case, every, reason, today, chosen["notice_days"]):
                made = _add_due(db, case.person_id, day, reason, Machine(), case.id)
                raised += made is not None
    logger.info("%d drug tests scheduled", raised)
    return raised


def _add_due(
    db: Session,
    person_id: uuid.UUID,
    due_on: date,
    reason: Reason,
    by: Actor,
    case_id: uuid.UUID | None = None,
    note: str | None = None,
) -> DrugTest | None:
    """A due test and its item on the health desk; None if the case's
    schedule already has a test on that date."""
    if case_id is not None:
        exists = db.scalars(
            select(DrugTest.id).where(
                DrugTest.case_id == case_id, DrugTest.due_on == due_on
            )
        ).first()
        if exists is not None:
            return None
    test = DrugTest(
        person_id=person_id,
        case_id=case_id,
        reason=reason,
        due_on=due_on,
        note=note,
        **stamp(by),
    )
    # Two runs of the daily job may race; the unique key stops the second.
    if not add_once(db, test):
        return None
    _raise(db, DUE, test, HEALTH_DESK, due_on, key=f"{DUE}:{test.id}")
    return test


def _raise(
    db: Session,
    kind: str,
    test: DrugTest,
    assignee: Assignee,
    due_on: date,
    key: str,
) -> None:
    title_vi, title_en = TITLES[kind]
    raise_item(
        db,
        key=key,
        kind=kind,
        title_vi=title_vi,
        title_en=title_en,
        due_on=due_on,
        assignee=assignee,
        person_id=test.person_id,
        subject_id=test.id,
        origin=NAME,
    )


def raise_due_job(db: Session, _commune: Any, today: str | None = None) -> None:
    """Job handler: schedule today's tests. ``today`` (ISO date) lets an
    operator replay a missed day."""
    raise_due(db, date.fromisoformat(today) if today else local_today())


# -- tests ----------------------------------------------------------------------


def tests_of(person_id: uuid.UUID, status: str | None = None) -> Select[Any]:
    """The person's tests, the latest due first."""
    query = (
        select(DrugTest)
        .where(DrugTest.person_id == person_id)
        .order_by(DrugTest.due_on.desc(), DrugTest.id.desc())
    )
    if status:
        query = query.where(DrugTest.status == Status(status))
    return query


def get_test(db: Session, person_id: uuid.UUID, test_id: uuid.UUID) -> DrugTest:
    test = db.scalars(
        select(DrugTest).where(DrugTest.id == test_id, DrugTest.person_id == person_id)
    ).first()
    if test is None:
        raise NotFound("This person has no drug test with that id.")
    return test


def schedule(
    db: Session, person: Person, values: Mapping[str, Any], by: Actor
) -> DrugTest:
    """Schedule an ad-hoc test, due on a day from today on."""
    due_on: date = values["due_on"]
    if due_on < local_today():
        raise refuse(
            "due_on",
            "In the past.",
            "A test is scheduled for today or later; for a test already taken, "
            "schedule it for today and record its result.",
        )
    note = tidy(values, ("note",)).get("note")
    test = _add_due(db, person.id, due_on, Reason.AD_HOC, by, note=note)
    assert test is not None  # only a case's schedule can clash
    logger.info("drug test %s scheduled", test.id)
    return test


def _check_result(values: Mapping[str, Any]) -> None:
    not_after_today("tested_on", values["tested_on"])
    summons = values["basis"] == Basis.SUMMONS.value
    if summons and not values.get("summons_number"):
        raise refuse(
            "summons_number",
            "Needed for a summons.",
            "A sample taken on a summons names the summons (its number).",
        )
    if not summons and values.get("summons_number"):
        raise refuse(
            "summons_number",
            "Only for a summons.",
            "A sample taken with consent has no summons; leave summons_number out.",
        )
    if all(r == Reading.NOT_TESTED.value for r in values["substances"].values()):
        raise refuse(
            "substances",
            "Nothing read.",
            "Give the reading (positive or negative) of at least one substance.",
        )


def record_result(
    db: Session, test: DrugTest, values: Mapping[str, Any], by: Actor
) -> DrugTest:
    """Record the result of a due test; a positive one queues its review."""
    if test.status is not Status.DUE:
        raise Conflict(
            f"This test is {test.status.value}; schedule a new one to record "
            "another result."
        )
    cleaned = tidy(values, (*TEXT_FIELDS, "note"), required=TEXT_FIELDS[:4])
    _check_result(cleaned)
    readings: dict[str, str] = dict(cleaned["substances"])
    positive = Reading.POSITIVE.value in readings.values()
    test.tested_on = cleaned["tested_on"]
    test.place = cleaned["place"]
    test.sample_id = cleaned["sample_id"]
    test.method = Method(cleaned["method"])
    test.panel = json.dumps(readings, sort_keys=True)
    test.outcome = Outcome.POSITIVE if positive else Outcome.NEGATIVE
    test.sampled_by = cleaned["sampled_by"]
    test.read_by = cleaned["read_by"]
    test.basis = Basis(cleaned["basis"])
    test.summons_number = cleaned.get("summons_number")
    test.note = cleaned.get("note") or test.note
    test.status = Status.DONE
    for column, value in stamp(by).items():
        setattr(test, column, value)
    test.recorded_at = utcnow()
    db.flush()
    resolve(db, subject_id=test.id, kinds=[DUE], by_name=test.recorded_by)
    if positive:
        enqueue_job(db, REVIEW_JOB, test_id=test.id)
    logger.info("drug test %s done: %s", test.id, test.outcome.value)
    return test


def cancel(db: Session, test: DrugTest, by_name: str) -> DrugTest:
    """Call off a due test; its item leaves the health desk's list."""
    if test.status is not Status.DUE:
        raise Conflict(f"This test is {test.status.value}; only a due test is off.")
    test.status = Status.CANCELLED
    db.flush()
    resolve(
        db,
        subject_id=test.id,
        kinds=[DUE],
        status=ItemStatus.DISMISSED,
        by_name=by_name,
    )
    return test


def cancel_due(
    db: Session, person_id: uuid.UUID, case_id: uuid.UUID | None = None
) -> int:
    """Call off the person's due tests (of one case, when given): the case
    closed or the person moved away. Returns how many."""
    query = select(DrugTest).where(
        DrugTest.person_id == person_id, DrugTest.status == Status.DUE
    )
    if case_id is not None:
        query = query.where(DrugTest.case_id == case_id)
    tests = list(db.scalars(query))
    for test in tests:
        cancel(db, test, NAME)
    return len(tests)


def review_positive(db: Session, _commune: Any, test_id: str) -> None:
    """Job handler: ask the person's officer and the chief to review a
    positive result. Idempotent: each item is raised once, by its key."""
    test = db.scalars(select(DrugTest).where(DrugTest.id == uuid.UUID(test_id))).first()
    if test is None or test.outcome is not Outcome.POSITIVE:
        return
    assert test.tested_on is not None
    officer = officer_or_chief(db, test.person_id)
    if officer.officer_id is not None:
        _raise(db, POSITIVE, test, officer, test.tested_on, f"{POSITIVE}:{test.id}:o")
    _raise(db, POSITIVE, test, CHIEF_DESK, test.tested_on, f"{POSITIVE}:{test.id}:c")


# -- referrals ------------------------------------------------------------------


def referrals_of(person_id: uuid.UUID) -> Select[Any]:
    return (
        select(Referral)
        .where(Referral.person_id == person_id)
        .order_by(Referral.referred_on.desc(), Referral.id.desc())
    )


def get_referral(db: Session, person_id: uuid.UUID, referral_id: uuid.UUID) -> Referral:
    referral = db.scalars(
        select(Referral).where(
            Referral.id == referral_id, Referral.person_id == person_id
        )
    ).first()
    if referral is None:
        raise NotFound("This person has no referral with that id.")
    return referral


def refer(
    db: Session, person: Person, values: Mapping[str, Any], by: Actor
) -> Referral:
    """Refer the person to a facility to determine whether they are addicted."""
    cleaned = tidy(values, ("facility", "note"), required=("facility",))
    not_after_today("referred_on", cleaned["referred_on"])
    if cleaned.get("test_id") is not None:
        get_test(db, person.id, cleaned["test_id"])
    referral = Referral(person_id=person.id, **cleaned, **stamp(by))
    db.add(referral)
    db.flush()
    logger.info("referral %s recorded", referral.id)
    return referral


def determine(
    db: Session, referral: Referral, values: Mapping[str, Any], by: Actor
) -> Referral:
    """Record the facility's conclusion."""
    if referral.status is ReferralStatus.DETERMINED:
        raise Conflict("This referral already has its conclusion.")
    cleaned = tidy(values, ("conclusion_number", "note"))
    not_after_today("determined_on", cleaned["determined_on"])
    if cleaned["determined_on"] < referral.referred_on:
        raise refuse(
            "determined_on",
            "Before the referral.",
            "The conclusion comes on or after the day of the referral.",
        )
    referral.status = ReferralStatus.DETERMINED
    referral.determination = Determination(cleaned["determination"])
    referral.determined_on = cleaned["determined_on"]
    referral.conclusion_number = cleaned.get("conclusion_number")
    referral.note = cleaned.get("note") or referral.note
    for column, value in stamp(by).items():
        setattr(referral, column, value)
    db.flush()
    return referral


# -- disclosures ----------------------------------------------------------------


def disclosures_of(person_id: uuid.UUID) -> Select[Any]:
    return (
        select(Disclosure)
        .where(Disclosure.person_id == person_id)
        .order_by(Disclosure.recorded_at.desc(), Disclosure.id.desc())
    )


def disclose(
    db: Session,
    person: Person,
    values: Mapping[str, Any],
    by: Actor,
    commune: Any,
) -> Disclosure:
    """Let an officer of the commune read the person's full results."""
    cleaned = tidy(values, ("reason",), required=("reason",))
    if cleaned["until"] < local_today():
        raise refuse("until", "In the past.", "Give the last day it should hold.")
    if cleaned["officer_id"] not in staff_of(db, commune):
        raise refuse(
            "officer_id",
            "Not staff here.",
            "Name an account that holds a role in this commune.",
        )
    disclosure = Disclosure(person_id=person.id, **cleaned, **stamp(by))
    db.add(disclosure)
    db.flush()
    logger.info("results of a person disclosed (%s)", disclosure.id)
    return disclosure


def get_disclosure(
    db: Session, person_id: uuid.UUID, disclosure_id: uuid.UUID
) -> Disclosure:
    disclosure = db.scalars(
        select(Disclosure).where(
            Disclosure.id == disclosure_id, Disclosure.person_id == person_id
        )
    ).first()
    if disclosure is None:
        raise NotFound("This person has no disclosure with that id.")
    return disclosure


def revoke(db: Session, disclosure: Disclosure) -> None:
    if disclosure.revoked_at is None:
        disclosure.revoked_at = utcnow()
        db.flush()


def disclosed_to(db: Session, person_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Whether the chief lets ``user_id`` read the person's full results today."""
    found = db.scalars(
        select(Disclosure.id).where(
            Disclosure.person_id == person_id,
            Disclosure.officer_id == user_id,
            Disclosure.revoked_at.is_(None),
            Disclosure.until >= local_today(),
        )
    ).first()
    return found is not None


# -- the timeline and the dashboard -------------------------------------------

_OUTCOME_WORDS = {Outcome.POSITIVE: "dương tính", Outcome.NEGATIVE: "âm tính"}
_DETERMINATION_WORDS = {
    Determination.ADDICTED: "nghiện",
    Determination.NOT_ADDICTED: "không nghiện",
    Determination.UNDETERMINED: "chưa kết luận được",
}


def timeline_entries(
    db: Session, commune: Any, person_id: uuid.UUID
) -> list[TimelineEntry]:
    """Done tests and referrals, as any holder of drug_testing:read sees
    them: the outcome only, never a reading or a note."""
    base = f"/api/v1/c/{commune.slug}/drug-testing/persons/{person_id}"
    entries = []
    for test_id, day, outcome in db.execute(
        select(DrugTest.id, DrugTest.tested_on, DrugTest.outcome).where(
            DrugTest.person_id == person_id, DrugTest.status == Status.DONE
        )
    ):
        if day is None or outcome is None:
            continue  # never so for a done test; keeps the types honest
        entries.append(
            TimelineEntry(
                start_of(day),
                "drug_testing.test",
                f"Xét nghiệm ma túy: {_OUTCOME_WORDS[outcome]}",
                READ,
                NAME,
                f"{base}/tests/{test_id}",
            )
        )
    for referral in db.execute(
        select(
            Referral.id,
            Referral.referred_on,
            Referral.determination,
            Referral.determined_on,
        ).where(Referral.person_id == person_id)
    ):
        link = f"{base}/referrals/{referral.id}"
        entries.append(
            TimelineEntry(
                start_of(referral.referred_on),
                "drug_testing.referral",
                "Chuyển cơ sở y tế xác định tình trạng nghiện",
                READ,
                NAME,
                link,
            )
        )
        if referral.determination is not None and referral.determined_on:
            entries.append(
                TimelineEntry(
                    start_of(referral.determined_on),
                    "drug_testing.determination",
                    "Kết quả xác định tình trạng nghiện: "
                    + _DETERMINATION_WORDS[referral.determination],
                    READ,
                    NAME,
                    link,
                )
            )
    return entries


def metrics(db: Session, start: date, end: date) -> list[Metric]:
    done = select(func.count(DrugTest.id)).where(
        DrugTest.status == Status.DONE,
        DrugTest.tested_on >= start,
        DrugTest.tested_on < end,
    )
    referred = select(func.count(Referral.id)).where(
        Referral.referred_on >= start, Referral.referred_on < end
    )
    return [
        Metric(
            "drug_testing.tests", "Lượt xét nghiệm", "Tests done", db.scalar(done) or 0
        ),
        Metric(
            "drug_testing.positive",
            "Kết quả dương tính",
            "Positive results",
            db.scalar(done.where(DrugTest.outcome == Outcome.POSITIVE)) or 0,
        ),
        Metric(
            "drug_testing.referrals",
            "Chuyển xác định tình trạng nghiện",
            "Referrals for determination",
            db.scalar(referred) or 0,
        ),
    ]
