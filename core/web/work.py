"""The work list page: each officer's due and overdue items, the health
team's and the chief's desks, with the one tap that does each."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from core.access.policy import caller_holds, requires, roles_in_commune, signed_in
from core.audit.trail import record
from core.db import local_today, request_session
from core.errors import Forbidden
from core.hamlets.models import Hamlet
from core.identity.service import display_name
from core.people import visibility
from core.people.models import Person
from core.people.reach import people_in_reach
from core.web import i18n
from core.web.forms import attempt, check_version, flash_refusal
from core.worklist import service
from core.worklist.api import DESKS_BY_ROLE
from core.worklist.models import ItemStatus, WorkItem
from core.worklist.schemas import WorkQuerySchema

logger = logging.getLogger(__name__)

bp = Blueprint("work_web", __name__, url_prefix="/c/<commune>/work")

# Where the tap of each kind of item leads, on the person's page.
ANCHORS = {
    "residence_check": "#record-contact",
    "contact_due": "#record-contact",
    "commitment_review": "#commitments",
    "assign_officer": "#officer",
    "period_end": "#cases",
    "closure_proposal": "#cases",
    "move_report": "#moving",
}


def tap_target(item: WorkItem, person: Person | None) -> str | None:
    """Where the tap on an item leads. A plugin that raised the item may
    serve ``<plugin>_web.work_item`` (given the item's id) to send the tap
    to its own page; core's items lead to the part of the person's page
    where the work is recorded."""
    endpoint = f"{item.origin}_web.work_item"
    if item.origin != "core" and endpoint in current_app.view_functions:
        return url_for(endpoint, commune=g.commune.slug, item_id=item.id)
    if person is None:
        return None
    page = url_for("people_web.person", commune=g.commune.slug, person_id=person.id)
    return page + ANCHORS.get(item.kind, "")


def _roles() -> list[str]:
    held = roles_in_commune(request_session(), signed_in(), g.commune)
    return [role.name for _m, role in held]


def my_desks() -> set[Any]:
    """The desks whose items the caller works, by the roles held here."""
    held = roles_in_commune(request_session(), signed_in(), g.commune)
    return {DESKS_BY_ROLE[r.name] for _m, r in held if r.name in DESKS_BY_ROLE}


@bp.get("/")
@requires("work:read")
def index() -> Any:
    db = request_session()
    raw = {k: v for k, v in request.args.items() if v}
    args, _refusal = attempt(lambda: dict(WorkQuerySchema().load(raw)))
    args = args or {"scope": "mine", "status": "open"}
    if args["scope"] == "commune" and not caller_holds("work:manage"):
        args["scope"] = "mine"
    mine = args.pop("scope") == "mine"
    status = args.pop("status")
    args.pop("assignee_id", None)
    args.pop("desk", None)
    today = local_today()
    query = service.list_query(
        db,
        today=today,
        mine=signed_in().user_id if mine else None,
        desks=my_desks() if mine else (),
        status=None if status == "all" else ItemStatus(status),
        within=people_in_reach(db),
        **args,
    )
    items = list(db.scalars(query.limit(200)))
    people = {
        p.id: p
        for p in db.scalars(
            select(Person).where(Person.id.in_({i.person_id for i in items}))
        )
    }
    record(db, "worklist.read", object_type="work_items", fields=sorted(args))
    db.commit()
    hamlets = [
        (str(h.id), h.name) for h in db.scalars(select(Hamlet).order_by(Hamlet.name))
    ]
    return render_template(
        "work/index.html",
        items=items,
        people=people,
        today=today,
        english=i18n.chosen_language() == "en",
        scope="mine" if mine else "commune",
        filters=request.args,
        hamlet_options=hamlets,
        show_tier="tier" in visibility.fields_for(_roles()),
        tap=tap_target,
    )


@bp.post("/<uuid:item_id>")
@requires("work:read")
def close(item_id: uuid.UUID) -> Any:
    """Mark an item done or dismissed, from the list."""
    db = request_session()
    item: WorkItem = service.get(db, item_id)
    principal = signed_in()
    own = item.assignee_id == principal.user_id or item.desk in my_desks()

    def change() -> Any:
        if not own and not caller_holds("work:manage"):
            raise Forbidden(
                "This item is someone else's; its officer or the chief closes it."
            )
        check_version(item)
        wanted = ItemStatus(request.form.get("status", "done"))
        service.close_by_hand(db, item, wanted, display_name(db, principal))
        db.commit()
        return item

    _closed, refusal = attempt(change)
    if refusal is not None:
        flash_refusal(refusal)
    else:
        flash(_("Marked as %(status)s.", status=_(item.status.value)))
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for(".index", commune=g.commune.slug)
    return redirect(target)
