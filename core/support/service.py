"""Rules for reintegration support. Called with a session bound to a commune,
for a person the caller has already reached (core.people.reach)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.db import start_of
from core.errors import Invalid, NotFound, field_error
from core.people.models import Person
from core.people.service import file_path
from core.plugin_host.contributions import TimelineEntry
from core.support.models import Support, SupportKind, SupportOutcome
from core.text import tidy

logger = logging.getLogger(__name__)

READ = "support:read"

KIND_WORDS = {
    SupportKind.WORK: "việc làm",
    SupportKind.VOCATIONAL_TRAINING: "học nghề",
    SupportKind.LOAN: "vay vốn",
    SupportKind.HEALTH_INSURANCE: "bảo hiểm y tế",
    SupportKind.LEGAL_AID: "trợ giúp pháp lý",
    SupportKind.COUNSELLING: "tư vấn",
    SupportKind.OTHER: "khác",
}
OUTCOME_WORDS = {
    SupportOutcome.PLANNED: "dự kiến",
    SupportOutcome.IN_PROGRESS: "đang thực hiện",
    SupportOutcome.DONE: "hoàn thành",
    SupportOutcome.DECLINED: "từ chối",
}


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = tidy(values, ("what", "provider", "note"), required=("what",))
    if cleaned.get("kind") is not None:
        cleaned["kind"] = SupportKind(cleaned["kind"])
    if cleaned.get("outcome") is not None:
        cleaned["outcome"] = SupportOutcome(cleaned["outcome"])
    return cleaned


def _check_dates(start_on: date, end_on: date | None) -> None:
    if end_on is not None and end_on < start_on:
        raise Invalid(
            "Support ends on or after the day it starts.",
            errors=[field_error("end_on", "Before the start.")],
        )


def create(db: Session, person: Person, values: Mapping[str, Any]) -> Support:
    cleaned = _clean(values)
    _check_dates(cleaned["start_on"], cleaned.get("end_on"))
    support = Support(person_id=person.id, **cleaned)
    db.add(support)
    db.flush()
    logger.info("support %s recorded", support.id)
    return support


def update(db: Session, support: Support, values: Mapping[str, Any]) -> Support:
    cleaned = _clean(values)
    _check_dates(
        cleaned.get("start_on", support.start_on),
        cleaned.get("end_on", support.end_on),
    )
    for key, value in cleaned.items():
        setattr(support, key, value)
    db.flush()
    return support


def delete(db: Session, support: Support) -> None:
    db.delete(support)
    db.flush()
    logger.info("support %s deleted", support.id)


def get(db: Session, person: Person, support_id: uuid.UUID) -> Support:
    support = db.scalars(
        select(Support).where(Support.id == support_id, Support.person_id == person.id)
    ).first()
    if support is None:
        raise NotFound("This person has no support with that id.")
    return support


def list_query(
    person: Person, kind: str | None = None, outcome: str | None = None
) -> Select[Any]:
    """The person's support, the latest started first."""
    query = (
        select(Support)
        .where(Support.person_id == person.id)
        .order_by(Support.start_on.desc(), Support.id.desc())
    )
    if kind:
        query = query.where(Support.kind == SupportKind(kind))
    if outcome:
        query = query.where(Support.outcome == SupportOutcome(outcome))
    return query


def timeline_entries(db: Session, person_id: uuid.UUID) -> list[TimelineEntry]:
    """When each measure of support started and ended, for the person's
    timeline; the note is neither shown nor loaded."""
    base = file_path(db, person_id) + "/support/"
    rows = db.execute(
        select(
            Support.id, Support.kind, Support.start_on, Support.end_on, Support.outcome
        ).where(Support.person_id == person_id)
    )
    entries = []
    for support_id, kind, start_on, end_on, outcome in rows:
        link = f"{base}{support_id}"
        entries.append(
            TimelineEntry(
                start_of(start_on),
                "support.started",
                f"Hỗ trợ {KIND_WORDS[kind]}: bắt đầu",
                READ,
                "support",
                link,
            )
        )
        if end_on is not None:
            entries.append(
                TimelineEntry(
                    start_of(end_on),
                    "support.ended",
                    f"Hỗ trợ {KIND_WORDS[kind]}: {OUTCOME_WORDS[outcome]}",
                    READ,
                    "support",
                    link,
                )
            )
    return entries
