"""The rules of outreach sessions, the calendar and the commune's figures."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core.toolkit import (
    Actor,
    Hamlet,
    Invalid,
    Metric,
    NotFound,
    bound_commune,
    field_error,
    not_after_today,
    stamp,
    tidy,
)
from plugins.outreach.models import (
    AGE_GROUPS,
    SEXES,
    OutreachSession,
    SessionStatus,
    Setting,
)

logger = logging.getLogger(__name__)

NAME = "outreach"
TEXT_FIELDS = ("school", "class_name", "place", "topic")


def get(session: Session, session_id: uuid.UUID) -> OutreachSession:
    found = session.scalars(
        select(OutreachSession).where(OutreachSession.id == session_id)
    ).first()
    if found is None:
        raise NotFound("No outreach session of this commune has that id.")
    return found


def _check(session: Session, talk: OutreachSession) -> None:
    """Refuse a session whose fields do not fit together. Messages are
    written out in each call so the catalogues find them."""
    if talk.setting is Setting.SCHOOL and not talk.school:
        raise Invalid(
            "A session at a school names the school.",
            errors=[field_error("school", "Missing.")],
        )
    if talk.setting is Setting.HAMLET:
        if talk.hamlet_id is None:
            raise Invalid(
                "A session in a hamlet names the hamlet.",
                errors=[field_error("hamlet_id", "Missing.")],
            )
        if session.get(Hamlet, (talk.tenant_id, talk.hamlet_id)) is None:
            raise Invalid(
                "Choose one of the commune's hamlets.",
                errors=[field_error("hamlet_id", "No such hamlet in this commune.")],
            )
    if talk.status is SessionStatus.HELD:
        if talk.held_on is None:
            raise Invalid(
                "A session that was held says on which day.",
                errors=[field_error("held_on", "Missing.")],
            )
        not_after_today("held_on", talk.held_on)
    elif talk.held_on is not None:
        raise Invalid(
            "Leave the day held empty, or mark the session held.",
            errors=[field_error("held_on", "Only for a session that was held.")],
        )
    cells = [(cell["sex"], cell["age_group"]) for cell in talk.audience]
    if len(cells) != len(set(cells)):
        raise Invalid(
            "Give each sex and age group once.",
            errors=[field_error("audience", "The same group is given twice.")],
        )


def _tidy(values: dict[str, Any]) -> dict[str, Any]:
    values = tidy(values, TEXT_FIELDS, required=("place", "topic"))
    if "speakers" in values:
        values["speakers"] = [
            tidy(dict(speaker), ("name", "role")) for speaker in values["speakers"]
        ]
    if "materials" in values:
        values["materials"] = [
            tidy({"m": item}, ("m",))["m"] for item in values["materials"]
        ]
    if "audience" in values:
        # Stored in a fixed order, so a session reads the same however sent.
        order = {(s, a): i for i, (s, a) in enumerate(_groups())}
        values["audience"] = sorted(
            (dict(cell) for cell in values["audience"]),
            key=lambda cell: order[(cell["sex"], cell["age_group"])],
        )
    return values


def _groups() -> list[tuple[str, str]]:
    return [(sex, age) for sex in SEXES for age in AGE_GROUPS]


def create(session: Session, values: dict[str, Any], by: Actor) -> OutreachSession:
    values = {
        "status": SessionStatus.PLANNED,
        "speakers": [],
        "materials": [],
        "audience": [],
        **values,
    }
    talk = OutreachSession(
        tenant_id=bound_commune(session).id, **_tidy(values), **stamp(by)
    )
    _check(session, talk)
    session.add(talk)
    session.flush()
    logger.info("outreach session %s recorded", talk.id)
    return talk


def change(session: Session, talk: OutreachSession, values: dict[str, Any]) -> None:
    for key, value in _tidy(values).items():
        setattr(talk, key, value)
    _check(session, talk)
    session.flush()
    logger.info("outreach session %s changed", talk.id)


def remove(session: Session, talk: OutreachSession) -> None:
    """Remove a session recorded by mistake; a session that did not take
    place is called off instead, and stays in the calendar."""
    session.delete(talk)
    session.flush()
    logger.info("outreach session %s removed", talk.id)


def on_day(talk: OutreachSession) -> date:
    """The day a session stands on in the calendar: held, else planned."""
    return talk.held_on or talk.planned_on


def listed(args: dict[str, Any]) -> Select[Any]:
    query = select(OutreachSession)
    if "status" in args:
        query = query.where(OutreachSession.status == args["status"])
    if "setting" in args:
        query = query.where(OutreachSession.setting == args["setting"])
    day = func.coalesce(OutreachSession.held_on, OutreachSession.planned_on)
    if "start" in args:
        query = query.where(day >= args["start"])
    if "end" in args:
        query = query.where(day < args["end"])
    return query.order_by(day, OutreachSession.created_at, OutreachSession.id)


def month_bounds(month: str | None, today: date) -> tuple[date, date]:
    """The first day of ``month`` (``YYYY-MM``, else today's month) and the
    first day of the month after."""
    if month:
        year, number = (int(part) for part in month.split("-"))
    else:
        year, number = today.year, today.month
    first = date(year, number, 1)
    return first, date(year + number // 12, number % 12 + 1, 1)


def calendar(session: Session, first: date, after: date) -> list[dict[str, Any]]:
    """The sessions of ``first <= day < after``, grouped by day."""
    days: dict[date, list[OutreachSession]] = defaultdict(list)
    for talk in session.scalars(listed({"start": first, "end": after})):
        days[on_day(talk)].append(talk)
    return [{"day": day, "sessions": days[day]} for day in sorted(days)]


def metrics(session: Session, start: date, end: date) -> list[Metric]:
    """Sessions planned and held in the period, and how many they reached."""
    planned = session.scalar(
        select(func.count(OutreachSession.id)).where(
            OutreachSession.planned_on >= start, OutreachSession.planned_on < end
        )
    )
    held = list(
        session.scalars(
            select(OutreachSession).where(
                OutreachSession.status == SessionStatus.HELD,
                OutreachSession.held_on >= start,
                OutreachSession.held_on < end,
            )
        )
    )
    reached: dict[str, int] = {sex: 0 for sex in SEXES}
    for talk in held:
        for cell in talk.audience:
            reached[cell["sex"]] += int(cell["count"])
    at_schools = sum(1 for talk in held if talk.setting is Setting.SCHOOL)
    return [
        Metric(
            "outreach.planned",
            "Buổi tuyên truyền theo kế hoạch",
            "Outreach sessions planned",
            planned or 0,
        ),
        Metric(
            "outreach.held",
            "Buổi tuyên truyền đã tổ chức",
            "Outreach sessions held",
            len(held),
        ),
        Metric(
            "outreach.held.school",
            "Buổi tuyên truyền tại trường học",
            "Outreach sessions held at schools",
            at_schools,
        ),
        Metric(
            "outreach.held.hamlet",
            "Buổi tuyên truyền tại thôn, xóm",
            "Outreach sessions held in hamlets",
            len(held) - at_schools,
        ),
        Metric(
            "outreach.reached",
            "Lượt người nghe tuyên truyền",
            "People reached by outreach",
            sum(reached.values()),
        ),
        Metric(
            "outreach.reached.female",
            "Lượt người nghe là nữ",
            "Women and girls reached",
            reached["female"],
        ),
        Metric(
            "outreach.reached.male",
            "Lượt người nghe là nam",
            "Men and boys reached",
            reached["male"],
        ),
    ]
