"""REST endpoints for work lists: /api/v1/c/<commune>/work-items/.

An officer sees their own items; the health team its own and its desk's; the
chief (``work:manage``) the whole commune. Items about people the caller
does not reach are never listed.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from core.access.policy import caller_holds, requires, roles_in_commune, signed_in
from core.api.conditional import IF_MATCH_PARAMETER, check_if_match, etag_headers
from core.api.pagination import PAGINATION, page_of
from core.audit.trail import record
from core.db import local_today, request_session
from core.errors import Forbidden
from core.identity.service import display_name
from core.people import visibility
from core.people.models import Person
from core.people.reach import people_in_reach
from core.worklist import daily, service
from core.worklist.models import Desk, ItemStatus, WorkItem
from core.worklist.schemas import (
    CloseItemSchema,
    RaisedSchema,
    WorkItemSchema,
    WorkQuerySchema,
)

blp = Blueprint(
    "worklist",
    __name__,
    url_prefix="/api/v1/c/<commune>/work-items",
    description="What is due and overdue, for each officer, desk and commune.",
)

# The desk each role works besides its own items.
DESKS_BY_ROLE = {"commune_chief": Desk.CHIEF, "health_worker": Desk.HEALTH}
PERSON_FIELDS = ("id", "full_name", "hamlet_id", "tier")
COPIED = (
    "id",
    "kind",
    "origin",
    "due_on",
    "subject_id",
    "assignee_id",
    "closed_at",
    "closed_by_name",
    "version",
)


def _my_desks() -> set[Desk]:
    held = roles_in_commune(request_session(), signed_in(), g.commune)
    return {DESKS_BY_ROLE[role.name] for _m, role in held if role.name in DESKS_BY_ROLE}


def _visible_person_fields() -> frozenset[str]:
    held = roles_in_commune(request_session(), signed_in(), g.commune)
    return visibility.fields_for([role.name for _m, role in held])


def _views(items: list[WorkItem], today: date) -> list[dict[str, Any]]:
    db = request_session()
    ids = {item.person_id for item in items if item.person_id}
    people = {p.id: p for p in db.scalars(select(Person).where(Person.id.in_(ids)))}
    shown = [f for f in PERSON_FIELDS if f in _visible_person_fields()]
    views = []
    for item in items:
        person = people.get(item.person_id) if item.person_id else None
        views.append(
            {
                **{column: getattr(item, column) for column in COPIED},
                "title_vi": item.title_vi,
                "title_en": item.title_en,
                "status": item.status.value,
                "desk": item.desk.value if item.desk else None,
                "overdue": item.status is ItemStatus.OPEN and item.due_on < today,
                "person": ({f: getattr(person, f) for f in shown} if person else None),
            }
        )
    return views


@blp.route("/")
class WorkItems(MethodView):
    @requires("work:read")
    @blp.arguments(WorkQuerySchema, location="query")
    @blp.response(200, WorkItemSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Due and overdue items, soonest first; filter by hamlet, tier, kind."""
        db = request_session()
        manage = caller_holds("work:manage")
        if not manage and (
            args["scope"] == "commune" or "assignee_id" in args or "desk" in args
        ):
            raise Forbidden(
                "Only the chief lists the whole commune's work or another "
                "officer's; leave scope, assignee_id and desk out."
            )
        today = local_today()
        status = args.pop("status")
        mine = args.pop("scope") == "mine"
        query = service.list_query(
            db,
            today=today,
            mine=signed_in().user_id if mine else None,
            desks=_my_desks() if mine else (),
            status=None if status == "all" else ItemStatus(status),
            desk=Desk(args.pop("desk")) if "desk" in args else None,
            within=people_in_reach(db),
            **args,
        )
        items = page_of(db, query, pagination_parameters)
        record(db, "worklist.read", object_type="work_items", fields=sorted(args))
        db.commit()
        return _views(items, today)


@blp.route("/<uuid:item_id>")
class WorkItemById(MethodView):
    @requires("work:read")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(CloseItemSchema)
    @blp.response(200, WorkItemSchema)
    def patch(self, values: dict[str, Any], item_id: uuid.UUID) -> Any:
        """Mark an item done or dismissed: yours, your desk's, or any for the
        chief. Needs If-Match."""
        db = request_session()
        item = service.get(db, item_id)
        principal = signed_in()
        own = item.assignee_id == principal.user_id or item.desk in _my_desks()
        if not own and not caller_holds("work:manage"):
            raise Forbidden(
                "This item is someone else's; its officer or the chief closes it."
            )
        check_if_match(item)
        service.close_by_hand(
            db, item, ItemStatus(values["status"]), display_name(db, principal)
        )
        db.commit()
        return _views([item], local_today())[0], 200, etag_headers(item)


@blp.route("/raise")
class RaiseNow(MethodView):
    @requires("work:manage")
    @blp.response(200, RaisedSchema)
    def post(self) -> Any:
        """Raise what is due today now, as the daily job does at dawn."""
        db = request_session()
        raised = daily.raise_due(db, local_today())
        db.commit()
        return {"raised": raised}
