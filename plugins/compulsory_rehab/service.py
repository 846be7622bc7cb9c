"""The dossier's path: prepared with its documents, submitted (which opens
core's referral case), heard, decided or refused, admitted and released
(which closes the referral and opens post-rehab management for the period
core's ruleset gives by the kind of rehab and the person's age).

Every step checks where the dossier is and that its date does not come
before the step before; the service never commits.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core.toolkit import (
    Actor,
    Case,
    Conflict,
    Invalid,
    Metric,
    NotFound,
    Person,
    TimelineEntry,
    add_months,
    close_case,
    court_term,
    delete_file,
    field_error,
    get_file,
    in_callers_language,
    local_today,
    not_after_today,
    open_case,
    reachable,
    refuse,
    ruleset_in_force,
    stamp,
    start_of,
    store_file,
)
from plugins.compulsory_rehab import rules
from plugins.compulsory_rehab.models import Document, Dossier, PendingManager, Status

logger = logging.getLogger(__name__)

NAME = "compulsory_rehab"
READ = "compulsory_rehab:read"
WRITE = "compulsory_rehab:write"
REFERRAL = "compulsory_rehab_referral"
POST_REHAB = "post_rehab_management"
# Dossiers still on their path: a person has at most one of them.
OPEN = (
    Status.PREPARING,
    Status.SUBMITTED,
    Status.HEARING,
    Status.DECIDED,
    Status.ADMITTED,
)


def _at(dossier: Dossier, *allowed: Status) -> None:
    if dossier.status not in allowed:
        raise Conflict(
            "The dossier is not at the step this needs; read it again to see "
            "where it is.",
            step=dossier.status.value,
        )


def _not_before(field: str, day: date, earlier: date | None) -> None:
    not_after_today(field, day)
    if earlier is not None and day < earlier:
        raise refuse(
            field,
            "Before the step before.",
            "A step cannot be dated before the step that comes before it.",
        )


# -- the dossier ---------------------------------------------------------------


def create(
    db: Session, person: Person, values: Mapping[str, Any], by: Actor
) -> Dossier:
    """Start a dossier for a tier-3 person under the ruleset in force."""
    if person.tier != 3:
        raise refuse(
            "person_id",
            "Not in tier 3.",
            "A dossier for compulsory rehabilitation is for people in tier 3; "
            "change the person's tier first.",
        )
    if person.date_of_birth is None:
        raise refuse(
            "person_id",
            "Date of birth needed.",
            "Record the person's date of birth first: the rules for those "
            "aged 12 to under 18 differ.",
        )
    open_already = db.scalars(
        select(Dossier.id).where(
            Dossier.person_id == person.id, Dossier.status.in_(OPEN)
        )
    ).first()
    if open_already is not None:
        raise Conflict(
            "This person already has a dossier on its way; carry on with it.",
            existing=str(open_already),
        )
    opened_on = values.get("opened_on") or local_today()
    not_after_today("opened_on", opened_on)
    ruleset = ruleset_in_force(opened_on).id
    rules.for_ruleset(ruleset)
    dossier = Dossier(
        person_id=person.id,
        ruleset=ruleset,
        opened_on=opened_on,
        note=values.get("note") or None,
        **stamp(by),
    )
    db.add(dossier)
    db.flush()
    logger.info("dossier %s opened", dossier.id)
    return dossier


def get(db: Session, dossier_id: uuid.UUID) -> Dossier:
    """The dossier, if the caller reaches its person; else 404."""
    dossier = db.scalars(select(Dossier).where(Dossier.id == dossier_id)).first()
    if dossier is None:
        raise NotFound("No dossier with that id here.")
    reachable(db, dossier.person_id)
    return dossier


def dossiers_of(person_id: uuid.UUID) -> Select[Any]:
    return (
        select(Dossier)
        .where(Dossier.person_id == person_id)
        .order_by(Dossier.opened_on.desc(), Dossier.id.desc())
    )


# -- documents ----------------------------------------------------------------


def documents_of(dossier: Dossier) -> Select[Any]:
    return (
        select(Document)
        .where(Document.dossier_id == dossier.id)
        .order_by(Document.prepared_on, Document.id)
    )


def get_document(db: Session, dossier: Dossier, document_id: uuid.UUID) -> Document:
    document = db.scalars(
        documents_of(dossier).where(Document.id == document_id)
    ).first()
    if document is None:
        raise NotFound("This dossier has no document with that id.")
    return document


def add_document(
    db: Session, dossier: Dossier, values: Mapping[str, Any], by: Actor
) -> Document:
    """Record a document the ruleset asks for; its scan comes after."""
    _at(dossier, Status.PREPARING)
    rule = rules.for_ruleset(dossier.ruleset).document(values["kind"])
    if rule is None:
        raise refuse(
            "kind",
            "Not asked for by this ruleset.",
            "The ruleset of this dossier asks for no document of that kind.",
        )
    not_after_today("prepared_on", values["prepared_on"])
    confirmed_by = values.get("confirmed_by") or None
    if rule.confirmed_by and not confirmed_by:
        raise refuse(
            "confirmed_by",
            "Required for this document.",
            "This document must be confirmed (by the commune police): say who "
            "confirmed it.",
        )
    document = Document(
        dossier_id=dossier.id,
        kind=rule.kind,
        prepared_by=values["prepared_by"],
        prepared_on=values["prepared_on"],
        confirmed_by=confirmed_by,
        note=values.get("note") or None,
        **stamp(by),
    )
    db.add(document)
    db.flush()
    return document


def attach_scan(
    db: Session,
    dossier: Dossier,
    document: Document,
    upload: tuple[bytes, str | None, str | None],
    by: Actor,
) -> Any:
    """Store the document's scan (PDF, JPEG or PNG, type and size checked,
    encrypted), replacing an earlier one."""
    _at(dossier, Status.PREPARING)
    data, declared, name = upload
    stored = store_file(db, data, declared_type=declared, filename=name, by=by)
    earlier = document.file_id
    document.file_id = stored.id
    db.flush()
    if earlier is not None:
        delete_file(db, get_file(db, earlier))
    return stored


def scan_of(db: Session, document: Document) -> Any:
    if document.file_id is None:
        raise NotFound("No scan is attached to this document yet.")
    return get_file(db, document.file_id)


def missing(db: Session, dossier: Dossier) -> list[str]:
    """The required document kinds with no scanned document yet."""
    scanned = set(
        db.scalars(
            select(Document.kind).where(
                Document.dossier_id == dossier.id, Document.file_id.is_not(None)
            )
        )
    )
    required = rules.for_ruleset(dossier.ruleset).documents
    return [d.kind for d in required if d.required and d.kind not in scanned]


# -- the steps ----------------------------------------------------------------


def _referral(db: Session, dossier: Dossier) -> Case:
    case = db.get(Case, (dossier.tenant_id, dossier.case_id))
    assert case is not None, "a submitted dossier has its referral case"
    return case


def submit(
    db: Session, dossier: Dossier, values: Mapping[str, Any], by: Actor
) -> Dossier:
    """Send the complete dossier; core's referral case opens on that day."""
    _at(dossier, Status.PREPARING)
    lacking = missing(db, dossier)
    if lacking:
        raise Invalid(
            "The dossier lacks documents the ruleset requires; add each with "
            "its scan, then submit.",
            errors=[
                field_error(f"documents.{kind}", "Required; add it with its scan.")
                for kind in lacking
            ],
        )
    _not_before("submitted_on", values["submitted_on"], dossier.opened_on)
    person = reachable(db, dossier.person_id)
    case = open_case(
        db,
        person,
        {
            "kind": REFERRAL,
            "decision_number": values["referral_number"],
            "decision_on": values["submitted_on"],
            "decided_by": values["referred_by"],
        },
    )
    dossier.status = Status.SUBMITTED
    dossier.submitted_on = values["submitted_on"]
    dossier.referral_number = values["referral_number"]
    dossier.referred_by = values["referred_by"]
    dossier.pending_manager = PendingManager(values["pending_manager"])
    dossier.age_group = case.age_group
    # The referral follows the ruleset in force on the day it is sent; the
    # documents were checked against the one in force when the dossier was
    # opened, which differs only for a dossier prepared across a change of law.
    dossier.ruleset = case.ruleset
    dossier.case_id = case.id
    db.flush()
    logger.info("dossier %s submitted", dossier.id)
    return dossier


def hold_hearing(db: Session, dossier: Dossier, values: Mapping[str, Any]) -> Dossier:
    """The court accepted the dossier and holds its hearing."""
    _at(dossier, Status.SUBMITTED)
    _not_before("hearing_on", values["hearing_on"], dossier.submitted_on)
    dossier.status = Status.HEARING
    dossier.hearing_on = values["hearing_on"]
    dossier.court = values["court"]
    db.flush()
    return dossier


def _decided(dossier: Dossier, values: Mapping[str, Any]) -> None:
    _at(dossier, Status.SUBMITTED, Status.HEARING)
    earlier = dossier.hearing_on or dossier.submitted_on
    _not_before("decided_on", values["decided_on"], earlier)
    dossier.decided_on = values["decided_on"]
    dossier.decision_number = values["decision_number"]
    dossier.court = values["court"]


def decide(db: Session, dossier: Dossier, values: Mapping[str, Any]) -> Dossier:
    """The court's decision: the term, within what the ruleset allows for
    the person's age (6 to 12 months for those aged 12 to under 18 under
    the 2021 law), and the facility."""
    case = _referral(db, dossier)
    low, high = court_term(
        ruleset_in_force(case.start_on), case.age_group or "adult", case.later
    )
    term = values["term_months"]
    if not low <= term <= high:
        raise Invalid(
            "The term is outside what the ruleset allows for the person's age.",
            errors=[
                field_error(
                    "term_months",
                    in_callers_language(
                        "Between %(low)s and %(high)s months.", low=low, high=high
                    ),
                ),
            ],
            least=low,
            most=high,
        )
    _decided(dossier, values)
    dossier.status = Status.DECIDED
    dossier.term_months = term
    dossier.facility = values["facility"]
    db.flush()
    return dossier


def refuse_dossier(
    db: Session, dossier: Dossier, values: Mapping[str, Any], by: Actor
) -> Dossier:
    """The court decided not to send the person; the referral case closes."""
    _decided(dossier, values)
    dossier.status = Status.REFUSED
    dossier.refusal_reason = values.get("reason") or None
    close_case(
        db,
        _referral(db, dossier),
        {"outcome": "other", "closed_on": values["decided_on"]},
        by_name=by.username,
    )
    db.flush()
    return dossier


def admit(db: Session, dossier: Dossier, values: Mapping[str, Any]) -> Dossier:
    """The person entered the facility; release falls due after the term."""
    _at(dossier, Status.DECIDED)
    _not_before("admitted_on", values["admitted_on"], dossier.decided_on)
    assert dossier.term_months is not None
    dossier.status = Status.ADMITTED
    dossier.admitted_on = values["admitted_on"]
    dossier.release_due_on = add_months(values["admitted_on"], dossier.term_months)
    db.flush()
    return dossier


def release(
    db: Session, dossier: Dossier, values: Mapping[str, Any], by: Actor
) -> Case:
    """The person left the facility: the referral case closes as completed
    and a post-rehab management case opens on the day of release."""
    _at(dossier, Status.ADMITTED)
    _not_before("released_on", values["released_on"], dossier.admitted_on)
    referral = _referral(db, dossier)
    close_case(
        db,
        referral,
        {"outcome": "completed", "closed_on": values["released_on"]},
        by_name=by.username,
    )
    post = open_case(
        db,
        reachable(db, dossier.person_id),
        {
            "kind": POST_REHAB,
            "decision_number": values["certificate_number"],
            "decision_on": values["released_on"],
            "decided_by": dossier.facility or "",
            "follows_case_id": referral.id,
        },
    )
    dossier.status = Status.RELEASED
    dossier.released_on = values["released_on"]
    dossier.certificate_number = values["certificate_number"]
    dossier.post_case_id = post.id
    db.flush()
    logger.info("dossier %s released; post-rehab case %s", dossier.id, post.id)
    return post


# -- deadlines, timeline, figures ---------------------------------------------


@dataclass(frozen=True)
class Due:
    """A step's deadline and why it falls then."""

    step: str
    due_on: date
    title_vi: str
    title_en: str
    source: str
    confirmed: bool
    met: bool | None


def deadlines(dossier: Dossier) -> list[Due]:
    """The deadline of each step the dossier has reached the start of."""
    steps = rules.for_ruleset(dossier.ruleset).steps
    found = []
    for step, since, done in (
        ("submitted", dossier.opened_on, dossier.submitted_on),
        ("hearing", dossier.submitted_on, dossier.hearing_on),
        ("admitted", dossier.decided_on, dossier.admitted_on),
    ):
        if since is None or (step == "admitted" and dossier.term_months is None):
            continue
        rule = steps[step]
        due = rule.due(since)
        met = None if done is None else done <= due
        found.append(
            Due(
                step,
                due,
                rule.title_vi,
                rule.title_en,
                rule.source,
                rule.confirmed,
                met,
            )
        )
    if dossier.release_due_on is not None:
        found.append(
            Due(
                "released",
                dossier.release_due_on,
                "Hết thời hạn cai nghiện bắt buộc theo quyết định",
                "The term the decision set ends",
                f"{dossier.decision_number} ({dossier.court})",
                True,
                None
                if dossier.released_on is None
                else dossier.released_on <= dossier.release_due_on,
            )
        )
    return found


STEP_WORDS = {
    "opened_on": ("compulsory_rehab.opened", "Bắt đầu lập hồ sơ cai nghiện bắt buộc"),
    "submitted_on": (
        "compulsory_rehab.submitted",
        "Gửi hồ sơ đề nghị cai nghiện bắt buộc",
    ),
    "decided_on": ("compulsory_rehab.decided", "Tòa án ra quyết định"),
    "admitted_on": ("compulsory_rehab.admitted", "Vào cơ sở cai nghiện bắt buộc"),
    "released_on": ("compulsory_rehab.released", "Chấp hành xong, ra cơ sở cai nghiện"),
}


def timeline_entries(
    db: Session, commune: Any, person_id: uuid.UUID
) -> list[TimelineEntry]:
    """The dated steps of the person's dossiers; no document, no reason."""
    base = f"/api/v1/c/{commune.slug}/compulsory-rehab/dossiers/"
    page = f"/c/{commune.slug}/compulsory-rehab/dossiers/"
    entries = []
    for dossier in db.scalars(dossiers_of(person_id)):
        for column, (kind, summary) in STEP_WORDS.items():
            day = getattr(dossier, column)
            if day is not None:
                entries.append(
                    TimelineEntry(
                        start_of(day),
                        kind,
                        summary,
                        READ,
                        NAME,
                        link=f"{base}{dossier.id}",
                        page=f"{page}{dossier.id}",
                    )
                )
    return entries


def metrics(db: Session, start: date, end: date) -> list[Metric]:
    submitted = select(func.count(Dossier.id)).where(
        Dossier.submitted_on >= start, Dossier.submitted_on < end
    )
    return [
        Metric(
            "compulsory_rehab.submitted",
            "Hồ sơ đề nghị cai nghiện bắt buộc đã gửi",
            "Dossiers for compulsory rehabilitation submitted",
            db.scalar(submitted) or 0,
        )
    ]
