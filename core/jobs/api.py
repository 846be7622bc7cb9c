"""REST endpoints for a commune's background jobs: see them, re-run failures."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from core.access.policy import requires
from core.api.pagination import PAGINATION, page_of
from core.db import request_session
from core.jobs import service
from core.jobs.schemas import JobQuerySchema, JobSchema

blp = Blueprint(
    "jobs",
    __name__,
    url_prefix="/api/v1/c/<commune>/jobs",
    description="Background jobs of a commune.",
)


@blp.route("/")
class Jobs(MethodView):
    @requires("jobs:read")
    @blp.arguments(JobQuerySchema, location="query")
    @blp.response(200, JobSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Jobs, newest first; ``?status=failed`` for the ones that need a hand."""
        return page_of(
            request_session(),
            service.list_query(args.get("status")),
            pagination_parameters,
        )


@blp.route("/<uuid:job_id>/retry")
class RetryJob(MethodView):
    @requires("jobs:manage")
    @blp.response(200, JobSchema)
    def post(self, job_id: uuid.UUID) -> Any:
        """Run a failed job again with a fresh set of attempts."""
        db = request_session()
        job = service.retry(db, job_id)
        db.commit()
        return job
