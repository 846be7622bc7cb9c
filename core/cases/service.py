"""Rules for cases: open one on a legal basis with the dates its ruleset
gives, extend it by decision, close it with an outcome, and find the ones
past their end.

A case's dates come from :mod:`core.cases.rules` and are stored with the id
of the ruleset that gave them; :func:`deadlines` recomputes the explanation
of each from the same ruleset, adding the next recurring check.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.cases import rules
from core.cases.models import (
    Case,
    CaseExtension,
    CaseKind,
    CaseOutcome,
    CaseStatus,
    RehabSetting,
)
from core.db import local_today
from core.errors import Conflict, Invalid, NotFound, field_error
from core.mentoring import service as mentoring
from core.people.models import Person, PersonStatus
from core.plugin_host.events import emit
from core.worklist import service as worklist
from core.worklist.models import ItemStatus

logger = logging.getLogger(__name__)

# Kinds whose later (repeat) measures some rulesets make longer.
REPEATABLE = frozenset({CaseKind.VOLUNTARY_REHAB, CaseKind.COMPULSORY_REHAB_REFERRAL})


def _invalid(error: rules.PlanError) -> Invalid:
    return Invalid(error.message, errors=[field_error(error.field, error.message)])


def get(db: Session, person_id: uuid.UUID, case_id: uuid.UUID) -> Case:
    case = db.scalars(
        select(Case).where(Case.id == case_id, Case.person_id == person_id)
    ).first()
    if case is None:
        raise NotFound("This person has no case with that id.")
    return case


def cases_of(db: Session, person_id: uuid.UUID) -> Select[Any]:
    """The person's cases, newest first."""
    return (
        select(Case)
        .where(Case.person_id == person_id)
        .order_by(Case.start_on.desc(), Case.id.desc())
    )


def open_case(db: Session, person: Person, values: Mapping[str, Any]) -> Case:
    """Open a case of ``values['kind']`` for ``person``, dated by the ruleset
    in force on its start date."""
    if person.status is not PersonStatus.ACTIVE:
        raise Conflict(
            "This file is no longer active here (the person moved away or was "
            "released); open the case in the commune that keeps the file."
        )
    kind = CaseKind(values["kind"])
    decision_on: date = values["decision_on"]
    start_on: date = values.get("start_on") or decision_on
    if start_on < decision_on:
        raise Invalid(
            "A case starts on or after the decision that opens it.",
            errors=[field_error("start_on", "Before the decision date.")],
        )
    setting = values.get("setting")
    if (kind is CaseKind.VOLUNTARY_REHAB) != (setting is not None):
        message = (
            "Say where the voluntary rehabilitation takes place: home, "
            "community or facility."
            if kind is CaseKind.VOLUNTARY_REHAB
            else "Only a voluntary rehabilitation has a setting."
        )
        raise Invalid(message, errors=[field_error("setting", message)])
    already = db.scalars(
        select(Case.id).where(
            Case.person_id == person.id,
            Case.kind == kind,
            Case.status == CaseStatus.OPEN,
        )
    ).first()
    if already is not None:
        raise Conflict(
            "This person already has an open case of this kind; extend or close "
            "it instead of opening a second one.",
            existing=str(already),
        )

    follows = _follows(db, person, kind, values.get("follows_case_id"))
    later = kind in REPEATABLE and _had_before(db, person.id, kind, start_on)
    age = rules.age_group(person.date_of_birth, start_on)
    if kind is CaseKind.COMPULSORY_REHAB_REFERRAL and age is None:
        raise Invalid(
            "A referral for compulsory rehabilitation depends on the person's "
            "age (a court decides for those aged 12 to under 18): record the "
            "date of birth first.",
            errors=[field_error("kind", "Date of birth needed.")],
        )
    try:
        plan = rules.plan(
            kind=kind.value,
            start_on=start_on,
            term_months=values.get("term_months"),
            later=later,
            age=age,
            trigger_on=values.get("trigger_on"),
            decision_on=decision_on,
            previous_kind=follows.kind.value if follows else None,
            previous_age=follows.age_group if follows else None,
        )
    except rules.PlanError as error:
        raise _invalid(error) from error

    case = Case(
        person_id=person.id,
        kind=kind,
        setting=RehabSetting(setting) if setting else None,
        ruleset=plan.ruleset,
        start_on=start_on,
        term_months=plan.term_months,
        planned_end_on=plan.end_on,
        end_on=plan.end_on,
        later=later,
        age_group=age,
        trigger_on=values.get("trigger_on"),
        decision_number=values["decision_number"].strip(),
        decision_on=decision_on,
        decided_by=values["decided_by"].strip(),
        follows_case_id=follows.id if follows else None,
    )
    db.add(case)
    db.flush()
    emit(db, "case_opened", person.id, case_id=str(case.id), case_kind=kind.value)
    logger.info("case %s opened (%s)", case.id, kind.value)
    return case


def _follows(
    db: Session, person: Person, kind: CaseKind, follows_id: uuid.UUID | None
) -> Case | None:
    if follows_id is None:
        return None
    if kind is not CaseKind.POST_REHAB_MANAGEMENT:
        raise Invalid(
            "Only post-rehab management follows another case.",
            errors=[field_error("follows_case_id", "Not for this kind.")],
        )
    earlier = db.scalars(
        select(Case).where(Case.id == follows_id, Case.person_id == person.id)
    ).first()
    if earlier is None:
        raise Invalid(
            "Name a case of this same person.",
            errors=[field_error("follows_case_id", "Not a case of this person.")],
        )
    return earlier


def _had_before(
    db: Session, person_id: uuid.UUID, kind: CaseKind, start_on: date
) -> bool:
    return (
        db.scalars(
            select(Case.id).where(
                Case.person_id == person_id, Case.kind == kind, Case.start_on < start_on
            )
        ).first()
        is not None
    )


def extend(db: Session, case: Case, values: Mapping[str, Any]) -> CaseExtension:
    """Move the case's end date by a decision; the old end's reminders go."""
    if case.status is not CaseStatus.OPEN:
        raise Conflict("A closed case cannot be extended; open a new one.")
    new_end: date = values["new_end_on"]
    if case.end_on is not None and new_end <= case.end_on:
        raise Invalid(
            "An extension moves the end later than it is now (%(end)s).",
            errors=[field_error("new_end_on", "Not after the current end.")],
            values={"end": f"{case.end_on:%d/%m/%Y}"},
        )
    extension = CaseExtension(
        case_id=case.id,
        decision_number=values["decision_number"].strip(),
        decision_on=values["decision_on"],
        decided_by=values["decided_by"].strip(),
        previous_end_on=case.end_on,
        new_end_on=new_end,
        reason=values["reason"].strip(),
    )
    db.add(extension)
    case.end_on = new_end
    db.flush()
    worklist.resolve(
        db,
        subject_id=case.id,
        kinds=["period_end", "closure_proposal"],
        status=ItemStatus.DISMISSED,
    )
    return extension


def extensions_of(db: Session, case_id: uuid.UUID) -> list[CaseExtension]:
    return list(
        db.scalars(
            select(CaseExtension)
            .where(CaseExtension.case_id == case_id)
            .order_by(CaseExtension.decision_on)
        )
    )


def close(db: Session, case: Case, values: Mapping[str, Any], *, by_name: str) -> Case:
    """Close the case with its outcome; its open work items close with it."""
    if case.status is not CaseStatus.OPEN:
        raise Conflict("This case is already closed.")
    closed_on: date = values.get("closed_on") or local_today()
    if closed_on < case.start_on:
        raise Invalid(
            "A case closes on or after the day it started.",
            errors=[field_error("closed_on", "Before the start.")],
        )
    certificate = values.get("certificate_number")
    if certificate and case.kind is not CaseKind.POST_REHAB_MANAGEMENT:
        raise Invalid(
            "Only post-rehab management ends with a completion certificate.",
            errors=[field_error("certificate_number", "Not for this kind.")],
        )
    case.status = CaseStatus.CLOSED
    case.outcome = CaseOutcome(values["outcome"])
    case.closed_on = closed_on
    case.closing_note = values.get("note") or None
    case.certificate_number = certificate or None
    db.flush()
    worklist.resolve(db, subject_id=case.id, by_name=by_name)
    emit(
        db,
        "case_closed",
        case.person_id,
        case_id=str(case.id),
        case_kind=case.kind.value,
        outcome=case.outcome.value,
    )
    logger.info("case %s closed", case.id)
    return case


def open_cases(
    db: Session,
    *,
    kinds: Iterable[str] | None = None,
    person_id: uuid.UUID | None = None,
) -> list[Case]:
    """The open cases of the session's commune, oldest first: of ``kinds``
    (case kind values) and of one person when given. For plugins, which
    read cases but never change them."""
    query = select(Case).where(Case.status == CaseStatus.OPEN)
    if kinds is not None:
        query = query.where(Case.kind.in_([CaseKind(kind) for kind in kinds]))
    if person_id is not None:
        query = query.where(Case.person_id == person_id)
    return list(db.scalars(query.order_by(Case.start_on, Case.id)))


def past_end(db: Session, today: date) -> Select[Any]:
    """Open cases whose end date has passed with no extension: the people the
    commune would otherwise keep under management by oversight."""
    return (
        select(Case)
        .where(Case.status == CaseStatus.OPEN, Case.end_on < today)
        .order_by(Case.end_on, Case.id)
    )


def deadlines(db: Session, case: Case) -> list[rules.Deadline]:
    """The case's dates with their reasons, from the ruleset that set them,
    with the end as extended and the next recurring check."""
    ruleset = rules.by_id(case.ruleset)
    follows = (
        db.get(Case, (case.tenant_id, case.follows_case_id))
        if case.follows_case_id
        else None
    )
    plan = rules.plan(
        kind=case.kind.value,
        start_on=case.start_on,
        term_months=case.term_months,
        later=case.later,
        age=case.age_group,
        trigger_on=case.trigger_on,
        decision_on=case.decision_on,
        previous_kind=follows.kind.value if follows else None,
        previous_age=follows.age_group if follows else None,
        ruleset=ruleset,
    )
    found = list(plan.deadlines)
    for extension in extensions_of(db, case.id):
        found.append(
            rules.Deadline(
                key="end",
                due_on=extension.new_end_on,
                rule="extension",
                ruleset=ruleset.id,
                value_vi=f"đến {extension.new_end_on:%d/%m/%Y}",
                value_en=f"until {extension.new_end_on:%d/%m/%Y}",
                source=f"{extension.decision_number} ({extension.decided_by})",
                confirmed=True,
                explanation_vi=(
                    f"Gia hạn theo quyết định số {extension.decision_number} ngày "
                    f"{extension.decision_on:%d/%m/%Y} của {extension.decided_by}."
                ),
                explanation_en=(
                    f"Extended by decision {extension.decision_number} of "
                    f"{extension.decision_on:%d/%m/%Y} by {extension.decided_by}."
                ),
            )
        )
    if case.status is CaseStatus.OPEN:
        found.extend(_next_checks(db, case, ruleset))
    return found


def _next_checks(db: Session, case: Case, ruleset: rules.Ruleset) -> list[Any]:
    found = []
    for check in ruleset.kind(case.kind.value).checks:
        if check.kind != "residence_check":
            continue
        last = mentoring.last_residence_check(db, case.person_id, case.start_on)
        due = rules.next_check(check, case.start_on, last)
        if case.end_on is not None and due >= case.end_on:
            continue
        since = last or case.start_on
        found.append(
            rules.Deadline(
                key="residence_check",
                due_on=due,
                rule=f"{case.kind.value}.checks.{check.kind}",
                ruleset=ruleset.id,
                value_vi=f"{check.every_months} tháng một lần",
                value_en=f"every {check.every_months} month(s)",
                source=check.source,
                confirmed=check.confirmed,
                explanation_vi=(
                    f"Kiểm tra cư trú ít nhất {check.every_months} tháng một lần; "
                    f"lần gần nhất tính từ {since:%d/%m/%Y} ({check.source})."
                ),
                explanation_en=(
                    f"Residence is checked at least every {check.every_months} "
                    f"month(s); counted from {since:%d/%m/%Y} ({check.source})."
                ),
            )
        )
    return found
