"""REST endpoints of the tally: /api/v1/c/<commune>/tally/marks."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import validate
from sqlalchemy import select

from binhyen_example_tally.models import Mark
from core.toolkit import enqueue_job, request_session, requires

blp = Blueprint(
    "tally_api",
    __name__,
    url_prefix="/api/v1/c/<commune>/tally",
    description="Tally marks (a test-only third-party plugin).",
)


class TallyMarkSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    label = ma.fields.String(required=True, validate=validate.Length(min=1, max=80))
    checked_at = ma.fields.DateTime(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)

    class Meta:
        unknown = ma.RAISE


@blp.route("/marks")
class Marks(MethodView):
    @requires("tally:read")
    @blp.response(200, TallyMarkSchema(many=True))
    def get(self) -> Any:
        """The commune's marks, oldest first."""
        query = select(Mark).order_by(Mark.created_at, Mark.id)
        return request_session().scalars(query).all()

    @requires("tally:write")
    @blp.arguments(TallyMarkSchema)
    @blp.response(201, TallyMarkSchema)
    def post(self, values: dict[str, Any]) -> Any:
        """Add a mark; the ``tally.check`` job stamps it once it is saved."""
        db = request_session()
        mark = Mark(**values)
        db.add(mark)
        db.flush()
        enqueue_job(db, "tally.check", mark_id=mark.id)
        db.commit()
        return mark
