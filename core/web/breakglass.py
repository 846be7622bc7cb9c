"""Break-glass pages for staff from outside a commune: ask its chief for
one file with a reason, follow the request, and read the file while the
approved grant lasts. The chief decides on the commune's administration
page (``core.web.admin``).

The pages stand at /break-glass/<commune>/..., outside the commune's own
address, because the asker serves elsewhere; they use the same service and
audit as the API at /api/v1/break-glass/<commune>.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.access.policy import requires, roles_in_commune, signed_in
from core.breakglass import service
from core.breakglass.models import AccessGrant
from core.breakglass.schemas import AccessRequestSchema
from core.db import request_session, utcnow
from core.errors import Forbidden
from core.hamlets.models import Hamlet
from core.people import service as people
from core.people import visibility
from core.people.reach import note_read
from core.web.forms import Refusal, attempt, read_form
from tenants import resolution
from tenants.models import Commune, CommuneStatus

logger = logging.getLogger(__name__)

bp = Blueprint("break_glass_web", __name__, url_prefix="/break-glass")


@bp.get("/")
@requires("access:request")
def choose() -> Any:
    """Which commune to ask: every open commune, by name."""
    db = request_session()
    communes = db.scalars(
        select(Commune)
        .where(Commune.status == CommuneStatus.ACTIVE)
        .order_by(Commune.name)
    ).all()
    asked = request.args.get("commune", "")
    if asked:
        return redirect(url_for(".requests", target=asked))
    return render_template("break_glass/choose.html", communes=communes)


@bp.get("/<target>")
@requires("access:request")
def requests(target: str, refusal: Refusal | None = None, status: int = 200) -> Any:
    """The form to ask for a file of ``target``, and your own requests there."""
    db = request_session()
    commune = resolution.resolve(db, target)
    mine = db.scalars(
        select(AccessGrant)
        .where(AccessGrant.requester_id == signed_in().user_id)
        .order_by(AccessGrant.created_at.desc())
        .limit(50)
    ).all()
    db.commit()
    return render_template(
        "break_glass/requests.html",
        commune=commune,
        grants=mine,
        now=utcnow(),
        refusal=refusal,
        form=request.form if refusal else {},
    ), status


@bp.post("/<target>")
@requires("access:request")
def ask(target: str) -> Any:
    """Ask the chief of ``target`` for one file."""
    db = request_session()

    def make() -> AccessGrant:
        commune = resolution.resolve(db, target)
        values = read_form(AccessRequestSchema())
        principal = signed_in()
        serves_here = any(
            m.commune_id == commune.id
            for m, _role in roles_in_commune(db, principal, commune)
        )
        grant = service.request_access(
            db,
            principal,
            commune,
            subject_id=values["subject_id"],
            reason=values["reason"],
            hours=values["hours"],
            serves_here=serves_here,
        )
        db.commit()
        return grant

    _grant, refusal = attempt(make)
    if refusal is not None:
        return requests(target, refusal=refusal, status=refusal.status)
    flash(_("Your request is sent; the commune chief decides on it."))
    return redirect(url_for(".requests", target=target))


@bp.get("/<target>/persons/<uuid:person_id>")
@requires("access:request")
def read(target: str, person_id: uuid.UUID) -> Any:
    """One file of ``target`` under an approved, live grant; the read is
    audited with the grant's id."""
    db = request_session()
    commune = resolution.resolve(db, target)
    grant = service.active_grant(db, signed_in(), person_id)
    if grant is None:
        raise Forbidden(
            "You have no approved, unexpired access to this file. Ask the "
            "commune's chief for it first, with your reason."
        )
    person = people.get(db, person_id)
    fields = visibility.BREAK_GLASS
    note_read(db, person, "file", fields, {"break_glass": str(grant.id)})
    db.commit()
    hamlet = (
        db.get(Hamlet, (commune.id, person.hamlet_id)) if person.hamlet_id else None
    )
    logger.info("break-glass read under grant %s", grant.id)
    return render_template(
        "break_glass/person.html",
        commune=commune,
        person=person,
        fields=fields,
        hamlet=hamlet,
        grant=grant,
    )
