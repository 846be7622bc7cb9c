"""The outreach pages: /c/<commune>/outreach/...

A month of sessions (planned, held, called off) with the month's figures,
the form that plans a session, and a session's page where it is recorded
as held, corrected, or removed if it was recorded by mistake. Every form
goes through the API's schema and service, so a page refuses exactly what
the API refuses, and every caller sees the sessions the API would show
them.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    Hamlet,
    Refusal,
    attempt,
    check_version,
    choices,
    local_today,
    read_form,
    request_session,
    requires,
    signed_in,
)
from plugins.outreach import service
from plugins.outreach.models import (
    AGE_GROUPS,
    SEXES,
    OutreachSession,
    SessionStatus,
    Setting,
)
from plugins.outreach.schemas import OutreachMonthQuerySchema, OutreachSessionSchema

logger = logging.getLogger(__name__)

READ = "outreach:read"
WRITE = "outreach:write"
# Empty rows offered below the speakers and materials already given.
SPARE_ROWS = 2

bp = Blueprint(
    "outreach_web",
    __name__,
    url_prefix="/c/<commune>/outreach",
    template_folder="templates",
)


def _asked_month() -> str | None:
    """``?month=YYYY-MM``, checked as the API's calendar checks it."""
    asked = {k: v for k, v in request.args.items() if k == "month" and v}
    month: str | None = OutreachMonthQuerySchema().load(asked).get("month")
    return month


@bp.get("/")
@requires(READ)
def calendar() -> Any:
    """A month's sessions day by day, with the month's figures."""
    db = request_session()
    month, refusal = attempt(_asked_month)
    first, after = service.month_bounds(month, local_today())
    days = service.calendar(db, first, after)
    figures = service.metrics(db, first, after)
    db.commit()
    return render_template(
        "outreach/calendar.html",
        first=first,
        days=days,
        figures=figures,
        before=(first - timedelta(days=1)).strftime("%Y-%m"),
        next=after.strftime("%Y-%m"),
        hamlets=_hamlet_names(),
        refusal=refusal,
    )


def _hamlet_names() -> dict[uuid.UUID, str]:
    db = request_session()
    return {h.id: h.name for h in db.scalars(select(Hamlet).order_by(Hamlet.name))}


def _form_page(
    template: str,
    talk: OutreachSession | None,
    refusal: Refusal | None,
    status: int,
    **more: Any,
) -> Any:
    """A session's form: blank to plan one, or filled with the session."""
    hamlets = _hamlet_names()
    return render_template(
        template,
        talk=talk,
        refusal=refusal,
        sent=request.form if refusal else {},
        today=local_today(),
        setting_options=choices(Setting),
        status_options=choices(SessionStatus),
        hamlet_options=list(hamlets.items()),
        hamlets=hamlets,
        sexes=SEXES,
        age_groups=AGE_GROUPS,
        spare=SPARE_ROWS,
        **more,
    ), status


def _to_session(session_id: uuid.UUID) -> Any:
    return redirect(
        url_for(".session_page", commune=g.commune.slug, session_id=session_id)
    )


@bp.get("/sessions/new")
@requires(WRITE)
def plan_form(refusal: Refusal | None = None, status: int = 200) -> Any:
    """The form that plans a session."""
    page = _form_page("outreach/plan.html", None, refusal, status)
    request_session().commit()
    return page


@bp.post("/sessions/new")
@requires(WRITE)
def plan() -> Any:
    """Plan a session, through the API's schema and service."""
    db = request_session()

    def create() -> OutreachSession:
        talk = service.create(db, read_form(OutreachSessionSchema()), signed_in())
        db.commit()
        return talk

    talk, refusal = attempt(create)
    if refusal is not None:
        return plan_form(refusal=refusal, status=refusal.status)
    assert talk is not None
    logger.info("outreach session %s planned from the page", talk.id)
    flash(_("The session is planned."))
    return redirect(
        url_for(".session_page", commune=g.commune.slug, session_id=talk.id)
    )


@bp.get("/sessions/<uuid:session_id>")
@requires(READ)
def session_page(session_id: uuid.UUID) -> Any:
    """One session: where, when, who spoke, who came."""
    db = request_session()
    talk = service.get(db, session_id)
    db.commit()
    return render_template(
        "outreach/session.html",
        talk=talk,
        hamlets=_hamlet_names(),
        sexes=SEXES,
        age_groups=AGE_GROUPS,
        counts={(c["sex"], c["age_group"]): c["count"] for c in talk.audience},
    )


@bp.get("/sessions/<uuid:session_id>/edit")
@requires(WRITE)
def edit_form(
    session_id: uuid.UUID, refusal: Refusal | None = None, status: int = 200
) -> Any:
    """The session's form, to record it held (``?held=1`` starts there) or
    to correct it."""
    db = request_session()
    talk = service.get(db, session_id)
    page = _form_page(
        "outreach/edit.html",
        talk,
        refusal,
        status,
        marking_held=request.args.get("held") == "1",
        counts={(c["sex"], c["age_group"]): c["count"] for c in talk.audience},
    )
    db.commit()
    return page


@bp.post("/sessions/<uuid:session_id>/edit")
@requires(WRITE)
def edit(session_id: uuid.UUID) -> Any:
    """Save the whole form over the session: the form shows every field, so
    one left empty is cleared."""
    db = request_session()

    def change() -> OutreachSession:
        talk = service.get(db, session_id)
        check_version(talk)
        service.change(db, talk, read_form(OutreachSessionSchema()))
        db.commit()
        return talk

    talk, refusal = attempt(change)
    if refusal is not None:
        return edit_form(session_id, refusal=refusal, status=refusal.status)
    assert talk is not None
    logger.info("outreach session %s changed from the page", talk.id)
    flash(_("The session is saved."))
    return redirect(
        url_for(".session_page", commune=g.commune.slug, session_id=talk.id)
    )


@bp.get("/sessions/<uuid:session_id>/remove")
@requires(WRITE)
def remove_form(
    session_id: uuid.UUID, refusal: Refusal | None = None, status: int = 200
) -> Any:
    """Ask before removing a session: a tap on a phone is easily a mistake."""
    db = request_session()
    talk = service.get(db, session_id)
    db.commit()
    return render_template("outreach/remove.html", talk=talk, refusal=refusal), status


@bp.post("/sessions/<uuid:session_id>/remove")
@requires(WRITE)
def remove(session_id: uuid.UUID) -> Any:
    """Remove a session recorded by mistake, unless it changed since the
    question was asked; back to its month."""
    db = request_session()

    def take_away() -> str:
        talk = service.get(db, session_id)
        check_version(talk)
        month = service.on_day(talk).strftime("%Y-%m")
        service.remove(db, talk)
        db.commit()
        return month

    month, refusal = attempt(take_away)
    if refusal is not None:
        return remove_form(session_id, refusal=refusal, status=refusal.status)
    flash(_("The session is removed."))
    return redirect(url_for(".calendar", commune=g.commune.slug, month=month))
