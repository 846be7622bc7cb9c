"""The commune's overview page: figures that each link to the list behind them.

Counts are of the people the caller reaches (the whole commune for the
chief), and of the work that is theirs; plugins add their figures through
the ``binhyen_metrics`` hook. Nothing here names a person.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, timedelta
from typing import Any

from flask import current_app, g, render_template, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.access.policy import caller_holds, roles_in_commune, signed_in
from core.cases.models import Case, CaseKind, CaseStatus
from core.cases.rules import rulesets
from core.db import local_today, request_session
from core.hamlets.models import Hamlet
from core.people.models import Person, PersonStatus
from core.people.reach import people_in_reach, visible_fields
from core.transfers.models import IncomingTransfer, TransferStatus
from core.web import i18n
from core.web.work import my_desks
from core.worklist import service as worklist
from core.worklist.models import ItemStatus, WorkItem

logger = logging.getLogger(__name__)


def _people(db: Session) -> Any:
    query = select(Person).where(Person.status == PersonStatus.ACTIVE)
    within = people_in_reach(db)
    return query.where(within) if within is not None else query


def _bars(counts: dict[Any, int]) -> list[dict[str, Any]]:
    """Counts with their share of the largest, for bars drawn in CSS."""
    top = max(counts.values(), default=0) or 1
    return [
        {"key": key, "count": count, "percent": round(100 * count / top)}
        for key, count in counts.items()
    ]


def _kind_titles() -> dict[str, str]:
    latest = rulesets()[-1]
    english = i18n.chosen_language() == "en"
    return {
        name: rules.title_en if english else rules.title_vi
        for name, rules in latest.kinds.items()
    }


def overview(db: Session, today: date) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    if caller_holds("persons:read"):
        people = _people(db).subquery()
        counted = db.execute(
            select(people.c.tier, func.count()).group_by(people.c.tier)
        ).all()
        tiers: Counter[Any] = Counter(dict(counted))
        if "tier" in visible_fields(db):  # not to hamlet teams (DESIGN.md §1)
            figures["tiers"] = _bars(
                {tier: tiers.get(tier, 0) for tier in (1, 2, 3, None)}
            )
        by_hamlet: dict[Any, int] = dict(
            db.execute(
                select(people.c.hamlet_id, func.count()).group_by(people.c.hamlet_id)
            ).all()
        )
        names = dict(
            db.execute(select(Hamlet.id, Hamlet.name).order_by(Hamlet.name)).all()
        )
        figures["hamlets"] = _bars(
            {(hid, names.get(hid, "—")): n for hid, n in by_hamlet.items()}
        )
        figures["people"] = sum(by_hamlet.values())
    if caller_holds("cases:read"):
        reached = select(_people(db).subquery().c.id)
        open_cases = dict(
            db.execute(
                select(Case.kind, func.count())
                .where(Case.status == CaseStatus.OPEN, Case.person_id.in_(reached))
                .group_by(Case.kind)
            ).all()
        )
        titles = _kind_titles()
        figures["cases"] = _bars(
            {(k.value, titles[k.value]): open_cases.get(k, 0) for k in CaseKind}
        )
        figures["past_end"] = db.scalar(
            select(func.count())
            .select_from(Case)
            .where(
                Case.status == CaseStatus.OPEN,
                Case.end_on < today,
                Case.person_id.in_(reached),
            )
        )
    if caller_holds("work:read"):
        # What the caller's own work list holds: their items and their desks'.
        mine = worklist.list_query(
            db,
            today=today,
            mine=signed_in().user_id,
            desks=my_desks(),
            within=people_in_reach(db),
        ).subquery()
        how_many = select(func.count()).select_from(mine)
        figures["my_due"] = db.scalar(
            how_many.where(mine.c.due_on <= today + timedelta(days=7))
        )
        figures["my_overdue"] = db.scalar(how_many.where(mine.c.due_on < today))
    if caller_holds("work:manage"):
        figures["commune_overdue"] = db.scalar(
            select(func.count())
            .select_from(WorkItem)
            .where(WorkItem.status == ItemStatus.OPEN, WorkItem.due_on < today)
        )
    if caller_holds("transfers:approve"):
        figures["incoming"] = db.scalar(
            select(func.count())
            .select_from(IncomingTransfer)
            .where(IncomingTransfer.status == TransferStatus.REQUESTED)
        )
    if caller_holds("statistics:read"):
        figures["plugins"] = _plugin_metrics(db, today)
    return figures


def _plugin_metrics(db: Session, today: date) -> list[dict[str, Any]]:
    """This month's figures from the plugins the commune runs."""
    host = current_app.extensions["binhyen.plugins"]
    start = today.replace(day=1)
    english = i18n.chosen_language() == "en"
    found = host.flatten(
        host.call_enabled(
            db,
            "binhyen_metrics",
            commune=g.commune,
            start=start,
            end=today + timedelta(days=1),
        )
    )
    return [
        {
            "label": metric.label_en if english else metric.label_vi,
            "value": metric.value,
            "url": _link(metric.link),
        }
        for _plugin, metric in found
        if metric.hamlet_id is None
    ]


def _link(endpoint: str | None) -> str | None:
    """The address of a metric's list, if its plugin serves that page."""
    if endpoint is None or endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, commune=g.commune.slug)


def render() -> Any:
    db = request_session()
    figures = overview(db, local_today())
    db.commit()
    held = roles_in_commune(db, signed_in(), g.commune)
    return render_template(
        "dashboard.html",
        commune=g.commune,
        figures=figures,
        roles=sorted({role.name for _m, role in held}),
    )
