"""The bulletin's page: /c/<commune>/bulletin/."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template
from sqlalchemy import select

from core.toolkit import request_session, requires
from plugins.bulletin.models import Notice

bp = Blueprint(
    "bulletin_web",
    __name__,
    url_prefix="/c/<commune>/bulletin",
    template_folder="templates",
)


@bp.get("/")
@requires("bulletin:read")
def index() -> Any:
    notices = (
        request_session()
        .scalars(
            select(Notice).order_by(Notice.pinned.desc(), Notice.created_at.desc())
        )
        .all()
    )
    return render_template("bulletin/index.html", commune=g.commune, notices=notices)
