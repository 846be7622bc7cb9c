"""REST endpoint of a person's timeline: /api/v1/c/<commune>/persons/<id>/timeline."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from core.access.policy import caller_holds, requires
from core.db import request_session
from core.errors import caller_prefers_english
from core.people.reach import note_read, reachable
from core.timeline import service

blp = Blueprint(
    "timeline",
    __name__,
    url_prefix="/api/v1/c/<commune>/persons/<uuid:person_id>",
    description="What happened in a person's file, from core and plugins.",
)


class TimelineEntrySchema(ma.Schema):
    at = ma.fields.DateTime()
    kind = ma.fields.String()
    summary = ma.fields.String()
    source = ma.fields.String()
    link = ma.fields.String(allow_none=True)


@blp.route("/timeline")
class Timeline(MethodView):
    @requires("persons:read")
    @blp.response(200, TimelineEntrySchema(many=True))
    def get(self, person_id: uuid.UUID) -> Any:
        """The person's timeline, newest first: only the entries your role may
        see, plugins' included."""
        db = request_session()
        person = reachable(db, person_id)
        entries = service.timeline(
            db,
            person.id,
            english=caller_prefers_english(),
            may_see=caller_holds,
        )
        note_read(db, person, "timeline", sorted({e.kind for e in entries}))
        db.commit()
        return entries
