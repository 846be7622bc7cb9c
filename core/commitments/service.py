"""Rules for commitments: who signs, when they are reviewed, what a review
does to them, breaches and scans. Called with a session bound to a commune,
for a person the caller has already reached (core.people.reach).

A commitment is active until a review renews it (a new signed commitment
replaces it) or ends it; a review that keeps it sets its next review date.
Active commitments due for review are what :func:`reviews_due` returns to the
daily work-list job.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.commitments.models import (
    Commitment,
    CommitmentBreach,
    CommitmentReview,
    CommitmentScan,
    CommitmentStatus,
    ReviewOutcome,
    SignerKind,
)
from core.db import Actor, stamp, start_of
from core.errors import (
    Conflict,
    Invalid,
    NotFound,
    field_error,
    not_after_today,
    refuse,
)
from core.files import service as files
from core.files.models import StoredFile
from core.people.models import Person
from core.people.service import file_path
from core.plugin_host.contributions import TimelineEntry
from core.text import tidy
from core.worklist import service as worklist
from tenants.isolation import current_tenant

logger = logging.getLogger(__name__)

READ = "commitments:read"
SIGNER_FIELDS = ("signer_name", "signer_relation")


def _check(commitment: Mapping[str, Any]) -> None:
    """Refuse a commitment whose fields, taken together, do not hold."""
    if commitment["signer_kind"] is SignerKind.FAMILY:
        missing = [f for f in SIGNER_FIELDS if not commitment.get(f)]
        if missing:
            raise Invalid(
                "A commitment signed by the family names who signed and how "
                "they are related to the person.",
                errors=[field_error(f, "Needed for a family signer.") for f in missing],
            )
    else:
        given = [f for f in SIGNER_FIELDS if commitment.get(f)]
        if given:
            raise Invalid(
                "A commitment the person signed names no family signer; leave "
                "these fields empty (null) or set signer_kind to family.",
                errors=[field_error(f, "Only for a family signer.") for f in given],
            )
    not_after_today("signed_on", commitment["signed_on"])
    if commitment["review_on"] < commitment["signed_on"]:
        raise refuse(
            "review_on",
            "Before the signing date.",
            "The review date comes on or after the date it was signed.",
        )


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = tidy(values, ("terms", *SIGNER_FIELDS), required=("terms",))
    if cleaned.get("signer_kind") is not None:
        cleaned["signer_kind"] = SignerKind(cleaned["signer_kind"])
    return cleaned


def _as_fields(commitment: Commitment) -> dict[str, Any]:
    return {
        "signer_kind": commitment.signer_kind,
        "signer_name": commitment.signer_name,
        "signer_relation": commitment.signer_relation,
        "signed_on": commitment.signed_on,
        "review_on": commitment.review_on,
    }


def create(db: Session, person: Person, values: Mapping[str, Any]) -> Commitment:
    cleaned = _clean(values)
    _check(cleaned)
    commitment = Commitment(person_id=person.id, **cleaned)
    db.add(commitment)
    db.flush()
    logger.info("commitment %s recorded", commitment.id)
    return commitment


def update(
    db: Session, commitment: Commitment, values: Mapping[str, Any]
) -> Commitment:
    cleaned = _clean(values)
    _check({**_as_fields(commitment), **cleaned})
    for key, value in cleaned.items():
        setattr(commitment, key, value)
    db.flush()
    return commitment


def get(db: Session, person: Person, commitment_id: uuid.UUID) -> Commitment:
    commitment = db.scalars(
        select(Commitment).where(
            Commitment.id == commitment_id, Commitment.person_id == person.id
        )
    ).first()
    if commitment is None:
        raise NotFound("This person has no commitment with that id.")
    return commitment


def list_query(person: Person, status: str | None = None) -> Select[Any]:
    """The person's commitments, the latest signed first."""
    query = (
        select(Commitment)
        .where(Commitment.person_id == person.id)
        .order_by(Commitment.signed_on.desc(), Commitment.id.desc())
    )
    if status:
        query = query.where(Commitment.status == CommitmentStatus(status))
    return query


# -- reviews and breaches ---------------------------------------------------


def review(
    db: Session, commitment: Commitment, values: Mapping[str, Any], by: Actor
) -> CommitmentReview:
    """Record a review and apply its outcome to the commitment."""
    if commitment.status is not CommitmentStatus.ACTIVE:
        raise Conflict(
            "This commitment was already renewed or ended; review the one "
            "that is active."
        )
    outcome = ReviewOutcome(values["outcome"])
    reviewed_on: date = values["reviewed_on"]
    next_on: date | None = values.get("next_review_on")
    not_after_today("reviewed_on", reviewed_on)
    if reviewed_on < commitment.signed_on:
        raise refuse(
            "reviewed_on",
            "Before the signing date.",
            "A commitment is reviewed after it was signed.",
        )
    if outcome is ReviewOutcome.CONTINUED:
        if next_on is None or next_on <= reviewed_on:
            raise refuse(
                "next_review_on",
                "Needed, after the review.",
                "A commitment that continues needs its next review date, after "
                "this review.",
            )
        commitment.review_on = next_on
    else:
        if next_on is not None:
            raise refuse(
                "next_review_on",
                "Only when it continues.",
                "A renewed or ended commitment has no next review; leave "
                "next_review_on out.",
            )
        commitment.status = CommitmentStatus(outcome.value)
    record = CommitmentReview(
        commitment_id=commitment.id,
        reviewed_on=reviewed_on,
        outcome=outcome,
        next_review_on=next_on,
        **stamp(by),
    )
    db.add(record)
    db.flush()
    worklist.resolve(
        db,
        subject_id=commitment.id,
        kinds=["commitment_review"],
        by_name=record.recorded_by,
    )
    logger.info("commitment %s reviewed: %s", commitment.id, outcome.value)
    return record


def reviews_query(commitment: Commitment) -> Select[Any]:
    return (
        select(CommitmentReview)
        .where(CommitmentReview.commitment_id == commitment.id)
        .order_by(CommitmentReview.reviewed_on.desc(), CommitmentReview.id.desc())
    )


def record_breach(
    db: Session, commitment: Commitment, values: Mapping[str, Any], by: Actor
) -> CommitmentBreach:
    cleaned = tidy(values, ("description",), required=("description",))
    not_after_today("occurred_on", cleaned["occurred_on"])
    breach = CommitmentBreach(commitment_id=commitment.id, **stamp(by), **cleaned)
    db.add(breach)
    db.flush()
    logger.info("breach of commitment %s recorded", commitment.id)
    return breach


def breaches_query(commitment: Commitment) -> Select[Any]:
    return (
        select(CommitmentBreach)
        .where(CommitmentBreach.commitment_id == commitment.id)
        .order_by(CommitmentBreach.occurred_on.desc(), CommitmentBreach.id.desc())
    )


# -- scans ------------------------------------------------------------------


def attach_scan(
    db: Session, commitment: Commitment, stored: StoredFile
) -> CommitmentScan:
    link = CommitmentScan(commitment_id=commitment.id, file_id=stored.id)
    db.add(link)
    db.flush()
    return link


def add_scan(
    db: Session,
    commitment: Commitment,
    upload: tuple[bytes, str | None, str | None],
    by: Actor,
) -> StoredFile:
    """Store an uploaded scan (bytes, declared type, original name) and
    attach it. Scans are kept exactly as sent."""
    data, declared, name = upload
    stored = files.store(db, data, declared_type=declared, filename=name, by=by)
    attach_scan(db, commitment, stored)
    return stored


def scans_query(commitment: Commitment) -> Select[Any]:
    return (
        select(StoredFile)
        .join(CommitmentScan, CommitmentScan.file_id == StoredFile.id)
        .where(CommitmentScan.commitment_id == commitment.id)
        .order_by(StoredFile.recorded_at, StoredFile.id)
    )


def get_scan(db: Session, commitment: Commitment, file_id: uuid.UUID) -> StoredFile:
    stored = db.scalars(scans_query(commitment).where(StoredFile.id == file_id)).first()
    if stored is None:
        raise NotFound("This commitment has no scan with that id.")
    return stored


def remove_scan(db: Session, commitment: Commitment, stored: StoredFile) -> None:
    link = db.get(CommitmentScan, (current_tenant(db), commitment.id, stored.id))
    db.delete(link)
    db.flush()
    files.delete(db, stored)


# -- for the work list and the timeline -------------------------------------


@dataclass(frozen=True)
class DueReview:
    """An active commitment whose review date has come."""

    person_id: uuid.UUID
    commitment_id: uuid.UUID
    review_on: date


def reviews_due(db: Session, until: date) -> list[DueReview]:
    """Active commitments of the session's commune to review on or before
    ``until``, the earliest first."""
    rows = db.execute(
        select(Commitment.person_id, Commitment.id, Commitment.review_on)
        .where(
            Commitment.status == CommitmentStatus.ACTIVE,
            Commitment.review_on <= until,
        )
        .order_by(Commitment.review_on, Commitment.id)
    )
    return [DueReview(person, commitment, day) for person, commitment, day in rows]


_OUTCOME_WORDS = {
    ReviewOutcome.CONTINUED: "tiếp tục",
    ReviewOutcome.RENEWED: "thay bằng bản cam kết mới",
    ReviewOutcome.ENDED: "chấm dứt",
}


def timeline_entries(db: Session, person_id: uuid.UUID) -> list[TimelineEntry]:
    """Signings, reviews and breaches of a person's commitments, for their
    timeline. Summaries say what happened, never the terms or a breach's
    description (nothing encrypted is even loaded)."""
    base = file_path(db, person_id) + "/commitments/"
    mine = Commitment.person_id == person_id

    def entry(
        day: date, kind: str, summary: str, commitment: uuid.UUID
    ) -> TimelineEntry:
        return TimelineEntry(
            start_of(day), kind, summary, READ, "commitments", f"{base}{commitment}"
        )

    signed = db.execute(
        select(Commitment.id, Commitment.signed_on, Commitment.signer_kind).where(mine)
    )
    reviews = db.execute(
        select(
            CommitmentReview.commitment_id,
            CommitmentReview.reviewed_on,
            CommitmentReview.outcome,
        )
        .join(Commitment, Commitment.id == CommitmentReview.commitment_id)
        .where(mine)
    )
    breaches = db.execute(
        select(CommitmentBreach.commitment_id, CommitmentBreach.occurred_on)
        .join(Commitment, Commitment.id == CommitmentBreach.commitment_id)
        .where(mine)
    )
    return [
        *(
            entry(
                day,
                "commitment.signed",
                "Ký bản cam kết"
                + (" (người nhà ký)" if signer is SignerKind.FAMILY else ""),
                commitment,
            )
            for commitment, day, signer in signed
        ),
        *(
            entry(
                day,
                "commitment.reviewed",
                f"Xem xét bản cam kết: {_OUTCOME_WORDS[outcome]}",
                commitment,
            )
            for commitment, day, outcome in reviews
        ),
        *(
            entry(day, "commitment.breached", "Vi phạm bản cam kết", commitment)
            for commitment, day in breaches
        ),
    ]
