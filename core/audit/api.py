"""REST endpoint of a commune's audit trail, for its chief."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from core.access.policy import requires
from core.api.pagination import PAGINATION, page_of
from core.audit import service
from core.audit.schemas import AuditEventSchema, AuditQuerySchema
from core.db import request_session

blp = Blueprint(
    "audit",
    __name__,
    url_prefix="/api/v1/c/<commune>/audit",
    description="Who did what in a commune, and when.",
)


@blp.route("/")
class AuditTrail(MethodView):
    @requires("audit:read")
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditEventSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Events newest first, by object, actor, action and time."""
        return page_of(request_session(), service.query(**args), pagination_parameters)
