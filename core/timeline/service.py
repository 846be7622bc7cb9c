"""Assembling a person's timeline.

Core's entries come from cases, tier decisions, assignments and contacts;
plugins add theirs through the ``binhyen_timeline`` hook. Each entry names
the permission a reader needs, and :func:`timeline` keeps only the entries
the caller may see. Summaries hold what happened, never free-text notes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cases.models import Case, CaseExtension, CaseStatus
from core.cases.rules import by_id
from core.commitments import service as commitments
from core.db import start_of
from core.mentoring.models import Assignment, Contact
from core.people.models import TierChange
from core.plugin_host.contributions import TimelineEntry
from core.support import service as support
from tenants.isolation import bound_commune

CHANNELS = {
    "visit": ("Thăm gặp", "Visit"),
    "call": ("Gọi điện", "Call"),
    "meeting": ("Gặp mặt", "Meeting"),
    "message": ("Nhắn tin", "Message"),
}


def _kind_titles(case: Case) -> tuple[str, str]:
    try:
        rules = by_id(case.ruleset).kind(case.kind.value)
    except ValueError:
        return case.kind.value, case.kind.value
    return rules.title_vi, rules.title_en


def core_entries(
    db: Session, person_id: uuid.UUID, english: bool
) -> list[TimelineEntry]:
    """What core records about the person, as timeline entries."""
    entries: list[TimelineEntry] = []

    def add(day: date, kind: str, permission: str, vi: str, en: str) -> None:
        entries.append(
            TimelineEntry(
                at=start_of(day),
                kind=kind,
                summary=en if english else vi,
                permission=permission,
                source="core",
            )
        )

    cases = list(db.scalars(select(Case).where(Case.person_id == person_id)))
    for case in cases:
        vi, en = _kind_titles(case)
        number = case.decision_number
        add(
            case.start_on,
            "case.opened",
            "cases:read",
            f"Mở hồ sơ: {vi} ({number})",
            f"{en} opened ({number})",
        )
        if case.status is CaseStatus.CLOSED and case.closed_on:
            outcome = case.outcome.value if case.outcome else ""
            add(
                case.closed_on,
                "case.closed",
                "cases:read",
                f"Kết thúc hồ sơ: {vi} ({outcome})",
                f"{en} closed: {outcome}",
            )
    extensions = select(CaseExtension).where(
        CaseExtension.case_id.in_([c.id for c in cases])
    )
    for extension in db.scalars(extensions):
        until, number = f"{extension.new_end_on:%d/%m/%Y}", extension.decision_number
        add(
            extension.decision_on,
            "case.extended",
            "cases:read",
            f"Gia hạn đến {until} ({number})",
            f"Period extended until {until} ({number})",
        )
    for change in db.scalars(
        select(TierChange).where(TierChange.person_id == person_id)
    ):
        tier, who = change.to_tier, change.decided_by_name
        add(
            change.decided_on,
            "tier.changed",
            "cases:read",
            f"Xếp tầng {tier} ({who})",
            f"Placed in tier {tier} by {who}",
        )
    for assignment in db.scalars(
        select(Assignment).where(Assignment.person_id == person_id)
    ):
        who = assignment.officer_name
        add(
            assignment.started_on,
            "assignment.started",
            "assignments:read",
            f"Phân công cán bộ kèm cặp: {who}",
            f"{who} made responsible",
        )
    for contact in db.scalars(select(Contact).where(Contact.person_id == person_id)):
        vi, en = CHANNELS[contact.channel.value]
        checked = contact.residence_confirmed
        add(
            contact.contacted_on,
            "contact",
            "contacts:read",
            f"{vi}: {contact.officer_name}"
            + (", đã kiểm tra cư trú" if checked else ""),
            f"{en} by {contact.officer_name}"
            + (", residence confirmed" if checked else ""),
        )
    return entries


def timeline(
    db: Session,
    person_id: uuid.UUID,
    *,
    english: bool,
    may_see: Callable[[str], bool],
    extra: Iterable[TimelineEntry] = (),
) -> list[TimelineEntry]:
    """The person's timeline, newest first, cut to what ``may_see`` allows."""
    host = current_app.extensions["binhyen.plugins"]
    found = [
        *core_entries(db, person_id, english),
        *commitments.timeline_entries(db, person_id),
        *support.timeline_entries(db, person_id),
        *extra,
    ]
    for _plugin, entries in host.call_enabled(
        db, "binhyen_timeline", commune=bound_commune(db), person_id=person_id
    ):
        found.extend(entries)
    visible = [entry for entry in found if may_see(entry.permission)]
    return sorted(visible, key=lambda entry: entry.at, reverse=True)
