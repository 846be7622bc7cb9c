"""The bulletin's page: /c/<commune>/bulletin/.

The commune's notices, pinned ones first, and for those who may write, the
form that posts one through the API's schema and service (its delivery to
every inbox is the same job's).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    Refusal,
    attempt,
    read_form,
    request_session,
    requires,
    signed_in,
)
from plugins.bulletin import service
from plugins.bulletin.models import Notice
from plugins.bulletin.schemas import NoticeSchema

logger = logging.getLogger(__name__)

bp = Blueprint(
    "bulletin_web",
    __name__,
    url_prefix="/c/<commune>/bulletin",
    template_folder="templates",
)


@bp.get("/")
@requires("bulletin:read")
def index(refusal: Refusal | None = None, status: int = 200) -> Any:
    notices = (
        request_session()
        .scalars(
            select(Notice).order_by(Notice.pinned.desc(), Notice.created_at.desc())
        )
        .all()
    )
    return render_template(
        "bulletin/index.html",
        commune=g.commune,
        notices=notices,
        refusal=refusal,
        sent=request.form if refusal else {},
    ), status


@bp.post("/")
@requires("bulletin:write")
def post() -> Any:
    """Post a notice from the page, as the API does."""
    db = request_session()

    def add() -> Notice:
        notice = service.post(db, read_form(NoticeSchema()), signed_in().user_id)
        db.commit()
        return notice

    notice, refusal = attempt(add)
    if refusal is not None:
        return index(refusal=refusal, status=refusal.status)
    assert notice is not None
    logger.info("notice %s posted from the page", notice.id)
    flash(_("The notice is posted."))
    return redirect(url_for(".index", commune=g.commune.slug))
